from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker.accounts import permissions
from tracker.accounts.forms import ActionForm
from tracker.core.flow import apply_change
from tracker.extensions import db
from tracker.offers.permissions import can_edit_organisation_profile, can_rename_organisation
from tracker.organisations import services
from tracker.organisations.forms import OrganisationProfileForm, profile_form_data
from tracker.organisations.models import Organisation
from tracker.parties.services import party_choices

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


# --- the profile ---------------------------------------------------------------------------------

def _profile_page(organisation: Organisation, done_url: str):
    """The profile form of an organisation, for its own providers or the Secretariat."""
    form = OrganisationProfileForm() if request.method == "POST" else OrganisationProfileForm(
        data=profile_form_data(organisation))
    form.country.choices = party_choices(cartagena_only=False, blank=_("Not stated"))
    may_rename = can_rename_organisation(current_user, organisation)
    if not may_rename:
        form.name.data = organisation.name  # shown read-only; whatever was sent is not a rename
        form.name.render_kw = {**(form.name.render_kw or {}), "readonly": True}

    if form.validate_on_submit() and apply_change(
            lambda: services.update_organisation_profile(organisation, form.to_input(), actor=current_user),
            _("The profile of %(name)s is saved.", name=form.name.data), form=form):
        return redirect(done_url)
    return render_template("organisations/profile.html", form=form, organisation=organisation,
                           may_rename=may_rename)


@bp.route("/organisation", methods=["GET", "POST"])
@login_required
def profile():
    """A provider's own organisation."""
    organisation = current_user.organisation
    if organisation is None or not can_edit_organisation_profile(current_user, organisation):
        abort(403)
    return _profile_page(organisation, url_for("organisations.profile"))


@bp.route("/admin/organisations/<int:organisation_id>/edit", methods=["GET", "POST"])
@login_required
def edit(organisation_id):
    """The Secretariat edits any organisation's profile."""
    if not permissions.can_vet_organisations(current_user):
        abort(403)
    organisation = db.session.get(Organisation, organisation_id) or abort(404)
    return _profile_page(organisation, url_for("organisations.organisations"))
