"""The pages of the API: a user's tokens (on the profile) and the browsable OpenAPI document."""
from flask import Blueprint, abort, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker.accounts.forms import ActionForm
from tracker.api import permissions, services
from tracker.api.forms import TokenForm
from tracker.api.models import ApiToken
from tracker.core.flow import apply_change
from tracker.extensions import db

bp = Blueprint("api", __name__)


def _require_token_owner():
    if not permissions.can_manage_tokens(current_user):
        abort(403)


def _tokens_page(form: TokenForm):
    return render_template("api/tokens.html", tokens=services.user_tokens(current_user), form=form,
                           revoke_form=ActionForm())


@bp.get("/profile/tokens")
@login_required
def tokens():
    _require_token_owner()
    return _tokens_page(TokenForm(formdata=None))


@bp.post("/profile/tokens")
@login_required
def create_token():
    _require_token_owner()
    form = TokenForm()
    created = []
    if form.validate_on_submit() and apply_change(
            lambda: created.append(services.create_token(current_user, form.name.data, actor=current_user)),
            form=form):
        token, secret = created[0]
        # The secret is on this page only: it is stored nowhere but as a hash, so keep the page out of caches.
        response = make_response(render_template("api/token_created.html", token=token, secret=secret))
        response.headers["Cache-Control"] = "private, no-store"
        return response
    return _tokens_page(form)


@bp.post("/profile/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id):
    token = db.session.get(ApiToken, token_id)
    if token is None or not permissions.can_revoke_token(current_user, token):
        abort(404)
    if ActionForm().validate_on_submit():
        apply_change(lambda: services.revoke_token(token, actor=current_user),
                     _("The token “%(name)s” is revoked: it no longer works.", name=token.name))
    return redirect(url_for("api.tokens"))


@bp.get("/api/docs")
def docs():
    """The OpenAPI document in Swagger UI, from static/vendor/swagger-ui: no network needed. It runs under the
    app's Content-Security-Policy as it is (React sets its styles through the DOM, not style attributes)."""
    return render_template("api/docs.html", spec_url=url_for("api-docs.openapi_json"))
