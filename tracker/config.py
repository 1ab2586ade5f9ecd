"""Configuration read from the environment, with safe defaults for development."""
import os
import secrets


def database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain postgres URLs (SQLAlchemy defaults to psycopg2)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class ConfigError(RuntimeError):
    pass


def _development_secret_key(instance_path: str) -> str:
    """A random key made once and kept in the instance folder, so development sessions survive restarts."""
    path = os.path.join(instance_path, "secret_key")
    try:
        with open(path, encoding="ascii") as stored:
            return stored.read().strip()
    except FileNotFoundError:
        key = secrets.token_hex(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as stored:
            stored.write(key)
        return key


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    overrides = overrides or {}
    env = overrides.get("TRACKER_ENV") or os.environ.get("TRACKER_ENV", "development")
    production = env == "production"
    secret_key = overrides.get("SECRET_KEY") or os.environ.get("SECRET_KEY")
    if not secret_key:
        if production:
            raise ConfigError("SECRET_KEY must be set when TRACKER_ENV=production.")
        secret_key = _development_secret_key(instance_path)
    default_db = "sqlite:///" + os.path.join(instance_path, "tracker.sqlite")
    config = {
        "TRACKER_ENV": env,
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url(os.environ.get("DATABASE_URL", default_db)),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "LANGUAGES": ["en", "zh"],
        # Mail: with no MAIL_SERVER, mail stays in the outbox table and the log.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "587")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": _flag("MAIL_USE_TLS", True),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "cb-tracker@localhost"),
        # Where users reach the tracker (e.g. https://cb-tracker.example.org), for the links in e-mails. Without
        # it, links use the address of the request that caused the mail, or SERVER_NAME for scheduled jobs.
        "BASE_URL": os.environ.get("BASE_URL", ""),
        # Login throttling: failures allowed within the window, per account and per address.
        "LOGIN_MAX_FAILURES_PER_ACCOUNT": int(os.environ.get("LOGIN_MAX_FAILURES_PER_ACCOUNT", "5")),
        "LOGIN_MAX_FAILURES_PER_ADDRESS": int(os.environ.get("LOGIN_MAX_FAILURES_PER_ADDRESS", "20")),
        "LOGIN_FAILURE_WINDOW_MINUTES": int(os.environ.get("LOGIN_FAILURE_WINDOW_MINUTES", "15")),
        # werkzeug's default (scrypt); the tests use a cheap method so that hundreds of accounts take no time.
        "PASSWORD_HASH_METHOD": os.environ.get("PASSWORD_HASH_METHOD", "scrypt"),
        "PASSWORD_RESET_MAX_AGE": int(os.environ.get("PASSWORD_RESET_MAX_AGE", str(60 * 60))),
        # Number of reverse proxies in front of the app whose X-Forwarded-For may be trusted.
        "PROXY_COUNT": int(os.environ.get("PROXY_COUNT", "0")),
        # Matching: the weights of the score's components and the allocation's settings (README, "Matching").
        "MATCH_WEIGHT_SUPPORT_TYPE": float(os.environ.get("MATCH_WEIGHT_SUPPORT_TYPE", "0.35")),
        "MATCH_WEIGHT_AUDIENCE": float(os.environ.get("MATCH_WEIGHT_AUDIENCE", "0.15")),
        "MATCH_WEIGHT_MODALITY": float(os.environ.get("MATCH_WEIGHT_MODALITY", "0.15")),
        "MATCH_WEIGHT_EXAMPLES": float(os.environ.get("MATCH_WEIGHT_EXAMPLES", "0.10")),
        "MATCH_WEIGHT_LANGUAGE": float(os.environ.get("MATCH_WEIGHT_LANGUAGE", "0.25")),
        "MATCH_FAIRNESS": float(os.environ["MATCH_FAIRNESS"]) if "MATCH_FAIRNESS" in os.environ else None,
        "MATCH_MAX_CANDIDATES": int(os.environ.get("MATCH_MAX_CANDIDATES", "50")),
        "MATCH_SUGGESTIONS_PER_NEED": int(os.environ.get("MATCH_SUGGESTIONS_PER_NEED", "10")),
        "MATCH_AMBER_DAYS": int(os.environ.get("MATCH_AMBER_DAYS", "30")),
        "MATCH_RED_DAYS": int(os.environ.get("MATCH_RED_DAYS", "60")),
        # Scheduler: how old a SQLite job lock may get before another process takes it over (longer than the
        # longest job), and how long the record of each run is kept.
        "SCHEDULER_LOCK_TIMEOUT_MINUTES": int(os.environ.get("SCHEDULER_LOCK_TIMEOUT_MINUTES", "60")),
        "SCHEDULER_KEEP_RUNS_DAYS": int(os.environ.get("SCHEDULER_KEEP_RUNS_DAYS", "90")),
    }
    config.update(overrides)
    config["SQLALCHEMY_DATABASE_URI"] = database_url(config["SQLALCHEMY_DATABASE_URI"])
    if config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") and "SQLALCHEMY_ENGINE_OPTIONS" not in overrides:
        # The pages' queries run in milliseconds; PostgreSQL's JIT would spend 100 ms or more compiling the
        # catalogue's facet counts whenever its cost estimate crosses the threshold.
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {**config["SQLALCHEMY_ENGINE_OPTIONS"],
                                               "connect_args": {"options": "-c jit=off"}}
    return config
