"""The versioned JSON API under /api/v1/, its OpenAPI document, and the personal tokens that open it.

Reads and writes go through the same services and permission functions as the pages, with the token's user as
the actor, so the API can never do or show more than the pages would to the same person.
"""
from flask import Flask
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from tracker.api.errors import ApiError, handle_api_error, handle_http_exception
from tracker.api.schemas import BEARER, ErrorSchema, ObjectIdConverter, object_id_schema

API_VERSION = "1.0"
DESCRIPTION = """The Biosafety CB Tracker's data: the Action Plan, the Parties, the offers catalogue and the
indicator values for anyone; a Party's needs and assessments, an organisation's offers and activities, and the
matches between them for the people who act for them.

**Tokens.** Make one on your profile page (*API tokens*) and send it as `Authorization: Bearer <token>`.
A token acts as its user, with exactly the permissions the pages give that user. Without a token, the public
paths answer with what the public pages show, and the others answer 401.

**Lists** are paginated: `page` (from 1) and `per_page` (1–100, default 50); the answer is
`{"items": […], "page", "per_page", "total", "pages"}`.

**Errors** all have one shape, `{"error": {"status", "code", "message", "fields"}}`, with the message in the
language of the `Accept-Language` header (English or Chinese).

**Changes** to an offer, an activity, an assessment or a match carry the `lock_version` the client read: if
someone changed the object since, nothing is saved and the answer is 409.
"""


class TrackerApi(Api):
    """flask-smorest's Api, with the tracker's error shape, and without its app-wide JSON error handler: the
    HTML pages keep their own error pages."""

    ERROR_SCHEMA = ErrorSchema
    DEFAULT_ERROR_RESPONSE_NAME = None  # every operation lists the errors it may answer

    def _register_error_handlers(self):
        self._app.register_error_handler(ApiError, handle_api_error)
        self._app.register_error_handler(HTTPException, handle_http_exception)


def init_api(app: Flask) -> None:
    """Bind the API to the app (call after the core's error handlers and before the first request)."""
    from tracker.api import activities, assessments, indicators, matches, needs, offers, reference
    from tracker.api.auth import SessionInterface, authenticate
    from tracker.api.views import bp as pages_bp
    from tracker.extensions import csrf

    app.config.update({
        "API_TITLE": "Biosafety CB Tracker API",
        "API_VERSION": API_VERSION,
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
    })
    app.session_interface = SessionInterface()
    # First of all, so that nothing reads a cookie's user before the token's is set.
    app.before_request_funcs.setdefault(None, []).insert(0, authenticate)

    app.url_map.converters["object_id"] = ObjectIdConverter
    api = TrackerApi(app, spec_kwargs={"info": {"description": DESCRIPTION}})
    api.register_converter(ObjectIdConverter, object_id_schema)
    api.spec.components.security_scheme(BEARER, {"type": "http", "scheme": "bearer",
                                                 "description": "A personal API token from your profile page."})
    for module in (reference, offers, activities, indicators, needs, assessments, matches):
        # Cookies are ignored under /api/, so no request there can be forged by another site: no CSRF token.
        csrf.exempt(module.blp)
        api.register_blueprint(module.blp)
    app.register_blueprint(pages_bp)
