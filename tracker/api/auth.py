"""Who calls the API: the user of the request's Bearer token, or nobody.

The API never reads or sets cookies: a browser sends its session cookie by itself, so a request authenticated
by that cookie could be forged by another site (and the API has no CSRF tokens). A Bearer token is only ever
sent on purpose. The token's user is set as the request's user, so that services and permission functions
receive it as `actor` exactly as on the pages.
"""
from flask import g, request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_login import current_user

from tracker.api import services
from tracker.api.errors import API_PREFIX, ApiError, is_api_request
from tracker.extensions import db, login_manager


class SessionInterface(SecureCookieSessionInterface):
    """The usual signed-cookie session, except under /api/: there every request gets an empty session that is
    never saved, so the cookie neither identifies an API caller nor comes back with an API response."""

    def open_session(self, app, request):
        if request.path.startswith(API_PREFIX):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app, session, response):
        if is_api_request():
            return
        super().save_session(app, session, response)


def _invalid_token() -> ApiError:
    return ApiError(401, _("The API token is not valid: it is unknown or revoked, or its account is not active."),
                    headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


def authenticate() -> None:
    """Before every /api/ request: the caller is the token's user, or anonymous without a token."""
    if not is_api_request():
        return
    # flask_login's current_user reads g._login_user; set here, Flask-Login never looks at a cookie (session or
    # remember-me) during an API request.
    g._login_user = login_manager.anonymous_user()
    header = request.headers.get("Authorization")
    if header is None:
        return
    scheme, _space, secret = header.strip().partition(" ")
    token = services.valid_token(secret.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        raise _invalid_token()
    user = token.user
    if services.note_use(token):
        db.session.commit()
    g._login_user = user


def caller():
    """The user the request acts for (anonymous without a token)."""
    return current_user._get_current_object()


def require_caller():
    """The token's user; 401 without a token."""
    user = caller()
    if not user.is_authenticated:
        raise ApiError(401)
    return user
