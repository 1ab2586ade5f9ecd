"""Home page, language switch, health check and error pages."""
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import SQLAlchemyError

from tracker.accounts import permissions
from tracker.accounts.models import User
from tracker.api.errors import error_response, is_api_request
from tracker.clock import today
from tracker.extensions import db, login_manager
from tracker.i18n import LANGUAGE_NAMES, current_language, localized

bp = Blueprint("core", __name__)


def safe_next(target: str | None, default: str) -> str:
    """A redirect target only if it stays on this site."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return default


@bp.get("/")
def home():
    open_cycles = []
    if current_user.is_authenticated and current_user.party_id and current_user.is_active:
        from tracker.assessments.services import open_cycles_for

        open_cycles = open_cycles_for(current_user.party)
    return render_template("core/home.html", open_cycles=open_cycles, today=today())


@bp.post("/language")
def set_language():
    language = request.form.get("language")
    if language in LANGUAGE_NAMES:
        session["lang"] = language
    return redirect(safe_next(request.form.get("next"), url_for("core.home")))


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(db.text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="reachable")


def _database_unavailable_page():
    """The error page when the database cannot be reached: the layout and the choice of language both ask the
    database who is logged in, so the page says it in every language, with nothing but the text."""
    sections = []
    for language in current_app.config["LANGUAGES"]:
        with force_locale(language):
            sections.append(f'<section lang="{language}"><h1>{escape(_("Something went wrong"))}</h1>'
                            f'<p>{escape(_("The error has been logged. Nothing was changed."))}</p></section>')
    return Response("<!doctype html><meta charset=\"utf-8\"><title>500</title>" + "".join(sections), 500,
                    mimetype="text/html")


def _error_page(status: int, title: str, message: str):
    if is_api_request():  # the JSON API answers every error in its own shape, unknown /api/ addresses included
        return error_response(status, message)
    return render_template("core/error.html", status=status, title=title, message=message), status


def labels(codes, vocabulary) -> str:
    """Codes shown as their labels in the UI language, e.g. ["en", "fr"] → "English, French"."""
    return ", ".join(str(vocabulary.get(code, code)) for code in codes or [])


@login_manager.user_loader
def load_user(user_id: str):
    return db.session.get(User, int(user_id))


def register_core(app: Flask) -> None:
    app.register_blueprint(bp)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"

    app.jinja_env.filters["labels"] = labels
    app.jinja_env.globals.update(
        localized=localized, current_language=current_language, LANGUAGE_NAMES=LANGUAGE_NAMES,
        permissions=permissions,
    )

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _error_page(400, _("Form expired"), _(
            "The form could not be accepted because its security token is missing or out of date. "
            "Nothing was changed. Please go back, reload the page and try again."))

    @app.errorhandler(400)
    def bad_request(error):
        return _error_page(400, _("Bad request"), _(
            "The tracker could not understand what was sent (a character it cannot store, for example). "
            "Nothing was changed."))

    @app.errorhandler(403)
    def forbidden(error):
        return _error_page(403, _("Not allowed"), _("You do not have permission to see or change this."))

    @app.errorhandler(404)
    def not_found(error):
        return _error_page(404, _("Not found"), _("There is no page at this address."))

    @app.errorhandler(413)
    def too_large(error):
        return _error_page(413, _("Too large"), _("What you sent is larger than the tracker accepts. Nothing was changed."))

    @app.errorhandler(500)
    def server_error(error):
        try:
            db.session.rollback()
            return _error_page(500, _("Something went wrong"), _("The error has been logged. Nothing was changed."))
        except SQLAlchemyError:
            return _database_unavailable_page()

    @app.teardown_request
    def rollback_uncommitted(exc):
        # One commit per request, in the view; anything left over is discarded.
        if exc is not None:
            db.session.rollback()
