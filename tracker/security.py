"""HTTP security headers and the client address used for throttling."""
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


def refuse_nul_characters():
    """A NUL character cannot be stored or even compared by PostgreSQL: refuse it before anything reads it."""
    values = list(request.args.values()) + list((request.view_args or {}).values())
    if request.method == "POST" and request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        values += list(request.form.values())
    if any(isinstance(value, str) and "\x00" in value for value in values):
        abort(400)


MAX_ID = 2**31 - 1  # the largest value of an integer column


class IdConverter(IntegerConverter):
    """`<int:…>` in URLs, bounded so that a huge number is a 404, not a database error."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def init_security(app: Flask) -> None:
    """Call before the blueprints are registered: their routes use the bounded `int` converter."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_nul_characters)
    app.after_request(set_security_headers)
    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_COUNT"], x_proto=1)


def client_address() -> str:
    return request.remote_addr or "unknown"
