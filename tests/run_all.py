"""Run the whole test suite on SQLite, then on PostgreSQL.

    python -m tests.run_all [pytest arguments]

PostgreSQL is used when TEST_DATABASE_URL is set, or when a server answers on 127.0.0.1:5432
(database `tracker_test`, created if missing). With CI=true a missing PostgreSQL is a failure.
"""
import os
import socket
import subprocess
import sys

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tracker.config import database_url

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/tracker_test"


def postgres_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=2).close()
    except OSError:
        return None
    return DEFAULT_POSTGRES


def ensure_database(url: str) -> None:
    parsed = make_url(database_url(url))
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}):
            connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def pytest(args: list[str], env: dict) -> int:
    return subprocess.call([sys.executable, "-m", "pytest", *args], env=env)


def main() -> int:
    args = sys.argv[1:]
    env = {k: v for k, v in os.environ.items() if k != "TEST_DATABASE_URL"}
    print("== tests on SQLite ==", flush=True)
    sqlite_status = pytest(args, env)

    url = postgres_url()
    if url is None:
        message = "PostgreSQL is not reachable on 127.0.0.1:5432 and TEST_DATABASE_URL is not set"
        if os.environ.get("CI") == "true":
            print(f"FAILED: {message} (required when CI=true)", file=sys.stderr)
            return 1
        print(f"SKIPPED the PostgreSQL run: {message}. Start PostgreSQL or set TEST_DATABASE_URL to run it.")
        return sqlite_status
    ensure_database(url)
    print("== tests on PostgreSQL ==", flush=True)
    postgres_status = pytest(args, {**env, "TEST_DATABASE_URL": url})
    return sqlite_status or postgres_status


if __name__ == "__main__":
    sys.exit(main())
