"""The JSON API's errors: one shape for every refusal, whatever raised it, in the caller's language.

    {"error": {"status": 422, "code": "invalid", "message": "…", "fields": {"title": ["…"]}}}

`fields` names the input that was refused (empty when the refusal is not about one field). Everything under
/api/ answers errors this way, unknown addresses and server errors included; the HTML pages keep their pages
(tracker/core/views.py hands /api/ errors over to `error_response`).
"""
from flask import has_request_context, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from tracker.errors import InvalidInput, PermissionDenied, StaleEdit
from tracker.extensions import db

API_PREFIX = "/api/"

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "stale",
    413: "too_large",
    422: "invalid",
    500: "server_error",
}

# marshmallow's messages for values of the wrong type, in the caller's language.
FIELD_MESSAGES = {
    "Missing data for required field.": _l("This field is required."),
    "Unknown field.": _l("This field is not part of the request."),
    "Field may not be null.": _l("This field may not be null."),
    "Not a valid integer.": _l("Give a whole number."),
    "Not a valid number.": _l("Give a number."),
    "Not a valid string.": _l("Give a text."),
    "Not a valid boolean.": _l("Give true or false."),
    "Not a valid date.": _l("Give a date as YYYY-MM-DD."),
    "Not a valid list.": _l("Give a list."),
    "Not a valid mapping type.": _l("Give an object."),
    "Invalid input type.": _l("Give an object."),
    "Invalid value.": _l("This value is not accepted."),
}


def is_api_request() -> bool:
    return has_request_context() and request.path.startswith(API_PREFIX)


def default_message(status: int) -> str:
    messages = {
        400: _("The tracker could not understand what was sent (a character it cannot store, for example). "
               "Nothing was changed."),
        401: _("This needs an API token, sent as “Authorization: Bearer <token>”. You make tokens on your "
               "profile page."),
        403: _("You do not have permission to see or change this."),
        404: _("There is no page at this address."),
        405: _("This address does not take this method."),
        409: _("Someone else changed this after you read it. Nothing was changed: read it again, then retry."),
        413: _("What you sent is larger than the tracker accepts. Nothing was changed."),
        422: _("Some values need correcting. Nothing was changed."),
        500: _("The error has been logged. Nothing was changed."),
    }
    return messages.get(status) or HTTP_STATUS_CODES.get(status, "")


def error_code(status: int) -> str:
    return CODES.get(status) or HTTP_STATUS_CODES.get(status, "error").lower().replace(" ", "_")


class ApiError(Exception):
    """A refusal raised by the API itself, answered in the error shape."""

    def __init__(self, status: int, message: str | None = None, fields: dict[str, list[str]] | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message or status)
        self.status = status
        self.message = message
        self.fields = fields or {}
        self.headers = headers or {}


def error_response(status: int, message: str | None = None, fields: dict[str, list[str]] | None = None,
                   headers=None):
    response = jsonify(error={"status": status, "code": error_code(status),
                              "message": str(message or default_message(status)), "fields": fields or {}})
    response.status_code = status
    for name, value in dict(headers or {}).items():
        response.headers[name] = value
    if status == 401:
        response.headers.setdefault("WWW-Authenticate", "Bearer")
    return response


def _translated(message) -> str:
    return str(FIELD_MESSAGES.get(message, message))


def field_messages(errors) -> dict[str, list[str]]:
    """marshmallow's nested messages (by location, field, list index…) as {"a.b.0": ["…"]}."""
    flat: dict[str, list[str]] = {}

    def walk(name: str, value) -> None:
        if isinstance(value, dict) and name and value and set(value) <= {"key", "value"}:
            for inner in value.values():  # a dict field's entry: its key's or its value's messages
                walk(name, inner)
        elif isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{name}.{key}" if name else str(key), inner)
        elif isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
            flat.setdefault(name, []).extend(_translated(item) for item in value)
        elif isinstance(value, (list, tuple)):
            for index, inner in enumerate(value):
                walk(f"{name}.{index}" if name else str(index), inner)
        else:
            flat.setdefault(name, []).append(_translated(str(value)))

    if isinstance(errors, dict) and set(errors) <= {"json", "query", "path", "headers", "form", "files"}:
        for by_location in errors.values():  # webargs files the messages under the input's location
            walk("", by_location)
    else:
        walk("", errors)
    return flat


def handle_api_error(error: ApiError):
    db.session.rollback()
    return error_response(error.status, error.message, error.fields, error.headers)


def handle_http_exception(error: HTTPException):
    """Errors the core's handlers do not take (401, 405, 422 …): JSON under /api/, werkzeug's own page
    elsewhere, as before the API existed."""
    if not is_api_request() or error.code is None:
        return error
    data = getattr(error, "data", None) or {}  # webargs puts the validation messages here
    messages = data.get("messages") or data.get("errors")
    headers = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
    headers.update(data.get("headers") or {})
    return error_response(error.code, None, field_messages(messages) if messages else None, headers)


def apply_change(change):
    """Run `change()` (a service call) and commit, returning its result; on a refusal roll back and answer
    with its status: not allowed 403, stale 409, invalid 422 (with the fields)."""
    try:
        result = change()
    except PermissionDenied as refused:
        db.session.rollback()
        raise ApiError(403, refused.message)
    except StaleEdit as refused:
        db.session.rollback()
        raise ApiError(409, refused.message)
    except InvalidInput as refused:
        db.session.rollback()
        raise ApiError(422, refused.message,
                       {name: [str(message)] for name, message in refused.field_errors.items()})
    db.session.commit()
    return result


def not_found() -> ApiError:
    """Missing, or not the caller's to see: the API does not tell which, as the pages do not."""
    return ApiError(404)
