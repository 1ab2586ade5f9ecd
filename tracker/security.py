"""HTTP security headers, input the tracker refuses before reading it, bounded ids, and the client address used
for throttling."""
from urllib.parse import unquote_to_bytes

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def set_security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def _is_utf8(encoded: bytes) -> bool:
    """Whether a query string or form body decodes to text. Werkzeug would read bytes that are not UTF-8 as
    something else (an empty form, "%FF" kept as typed), so that a field could be saved other than it was sent."""
    try:
        unquote_to_bytes(encoded.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def refuse_unreadable_input():
    """Refuse, before anything reads it (the CSRF check included), what cannot be read as text or stored: bytes
    that are not UTF-8 in the query string or a form, and NUL characters, which PostgreSQL can neither store
    nor compare."""
    if not _is_utf8(request.query_string):
        abort(400)
    if (request.method == "POST" and request.mimetype == "application/x-www-form-urlencoded"
            and not _is_utf8(request.get_data(cache=True))):
        abort(400)
    values = list(request.args.values()) + list((request.view_args or {}).values())
    if request.method == "POST" and request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        values += list(request.form.values())
    if any(isinstance(value, str) and "\x00" in value for value in values):
        abort(400)


MAX_ID = 2**31 - 1  # the largest value of an integer column


def bounded_number(text: str | None) -> int | None:
    """A query argument or form value as a whole number from 0 to MAX_ID (an id, a year, a page), or None.
    Only ASCII digits: "²" passes str.isdigit() and a thousand digits str.isdecimal(), and int() refuses both."""
    text = text or ""
    if text.isascii() and text.isdigit() and len(text) <= len(str(MAX_ID)) and int(text) <= MAX_ID:
        return int(text)
    return None


class IdConverter(IntegerConverter):
    """`<int:…>` in URLs, bounded so that a huge number is a 404, not a database error."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def init_security(app: Flask) -> None:
    """Call before the blueprints are registered: their routes use the bounded `int` converter."""
    app.url_map.converters["int"] = IdConverter
    # First, before the CSRF check reads the form.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_unreadable_input)
    app.after_request(set_security_headers)
    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_COUNT"], x_proto=1)


def client_address() -> str:
    return request.remote_addr or "unknown"
