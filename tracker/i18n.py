"""Language choice and helpers for texts stored in several languages."""
from flask import current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

LANGUAGE_NAMES = {"en": "English", "zh": "中文"}


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # commands and scheduled jobs
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if request.path.startswith("/api/") and request.accept_languages:
        # An API client says its language with each request (the API has no session).
        chosen = request.accept_languages.best_match(languages)
        if chosen:
            return chosen
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    if current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language() -> str:
    return get_locale().language


def localized(obj, field: str = "text") -> str:
    """The object's `<field>_<lang>` text in the UI language, falling back to English."""
    text = getattr(obj, f"{field}_{current_language()}", None)
    return text or getattr(obj, f"{field}_en", None) or ""
