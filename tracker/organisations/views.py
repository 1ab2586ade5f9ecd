from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker.accounts import permissions
from tracker.accounts.forms import ActionForm
from tracker.core.flow import apply_change
from tracker.extensions import db
from tracker.organisations import services
from tracker.organisations.models import Organisation

bp = Blueprint("organisations", __name__)


@bp.get("/admin/organisations")
@login_required
def organisations():
    if not permissions.can_vet_organisations(current_user):
        abort(403)
    vetted = request.args.get("vetted", "")
    query = db.select(Organisation).options(db.joinedload(Organisation.country)).order_by(Organisation.name)
    if vetted in {"yes", "no"}:
        query = query.where(Organisation.vetted.is_(vetted == "yes"))
    return render_template("organisations/list.html", organisations=db.session.scalars(query).all(),
                           vetted=vetted)


@bp.post("/admin/organisations/<int:organisation_id>/vet")
@login_required
def vet(organisation_id):
    if not permissions.can_vet_organisations(current_user):
        abort(403)
    organisation = db.session.get(Organisation, organisation_id) or abort(404)
    vetted = request.form.get("vetted") == "yes"
    if ActionForm().validate_on_submit():
        apply_change(lambda: services.set_vetted(organisation, vetted, actor=current_user),
                     _("%(name)s is vetted.", name=organisation.name) if vetted
                     else _("%(name)s is no longer vetted.", name=organisation.name))
    return redirect(url_for("organisations.organisations"))
