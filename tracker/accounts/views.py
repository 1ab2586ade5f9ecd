"""Registration, login, password reset, profile, and account administration."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from tracker.accounts import permissions, services
from tracker.accounts.forms import (
    ActionForm, ChangePasswordForm, ForgotPasswordForm, LoginForm, ProfileForm, RegisterPartyForm,
    RegisterProviderForm, ResetPasswordForm, RoleForm,
)
from tracker.accounts.models import ROLES, STATUSES, User
from tracker.core.views import safe_next
from tracker.core.flow import apply_change
from tracker.errors import InvalidInput
from tracker.extensions import db
from tracker.paging import requested_page
from tracker.forms import select_choices
from tracker.i18n import current_language
from tracker.organisations.models import Organisation
from tracker.parties.services import party_by_iso3, party_choices
from tracker.security import client_address

bp = Blueprint("accounts", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data, client_address())
        except services.LoginRefused as refused:
            db.session.commit()  # keep the failed attempt for throttling
            flash(refused.message, "error")
        else:
            db.session.commit()
            login_user(user)
            return redirect(safe_next(request.args.get("next"), url_for("core.home")))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    if ActionForm().validate_on_submit():
        logout_user()
        flash(_("You are logged out."), "info")
    return redirect(url_for("core.home"))


@bp.get("/register")
def register():
    return render_template("accounts/register.html")


def _register(form, create):
    if not form.is_submitted():
        form.locale.data = current_language()
    if form.validate_on_submit() and apply_change(create, _(
            "Thank you. The Secretariat will review your request; you will receive an e-mail "
            "when your account is approved.")):
        return redirect(url_for("core.home"))
    return None


@bp.route("/register/party", methods=["GET", "POST"])
def register_party():
    form = RegisterPartyForm()
    form.party.choices = party_choices(blank=_("Choose a Party"))
    done = _register(form, lambda: services.register_party_user(
        email=form.email.data, name=form.name.data, password=form.password.data,
        party=party_by_iso3(form.party.data), job_title=form.job_title.data or "", locale=form.locale.data))
    return done or render_template("accounts/register_form.html", form=form, kind="party")


@bp.route("/register/organisation", methods=["GET", "POST"])
def register_provider():
    form = RegisterProviderForm()
    form.country.choices = party_choices(cartagena_only=False, blank=_("Not stated"))
    done = _register(form, lambda: services.register_provider(
        email=form.email.data, name=form.name.data, password=form.password.data,
        organisation_name=form.organisation_name.data, organisation_type=form.organisation_type.data,
        country=party_by_iso3(form.country.data), website=form.website.data or "",
        job_title=form.job_title.data or "", locale=form.locale.data))
    organisations = db.session.scalars(db.select(Organisation.name).order_by(Organisation.name)).all()
    return done or render_template("accounts/register_form.html", form=form, kind="organisation",
                                   organisations=organisations)


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        flash(_("If an active account has this address, we have sent it a link to choose a new password."), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    try:
        services.user_for_reset_token(token)
    except InvalidInput as invalid:
        flash(invalid.message, "error")
        return redirect(url_for("accounts.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit() and apply_change(lambda: services.reset_password(token, form.password.data),
                                                  _("Your password has been changed. You can log in now.")):
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit() and apply_change(
            lambda: services.update_profile(current_user, name=form.name.data, job_title=form.job_title.data or "",
                                            locale=form.locale.data),
            _("Your profile is saved.")):
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form, password_form=ChangePasswordForm())


@bp.route("/profile/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit() and apply_change(
            lambda: services.change_password(current_user, form.current.data, form.password.data),
            _("Your password has been changed.")):
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=ProfileForm(obj=current_user), password_form=form)


# --- administration --------------------------------------------------------------------------

def _require_user_manager():
    if not permissions.can_manage_users(current_user):
        abort(403)


@bp.get("/admin/users")
@login_required
def users():
    _require_user_manager()
    status = request.args.get("status", "")
    role = request.args.get("role", "")
    query = db.select(User).order_by(User.created_at.desc())
    if status in STATUSES:
        query = query.where(User.status == status)
    if role in ROLES:
        query = query.where(User.role == role)
    query = query.options(db.joinedload(User.party), db.joinedload(User.organisation))
    page = db.paginate(query, per_page=50, page=requested_page(), error_out=False)
    return render_template("accounts/users.html", page=page, status=status, role=role,
                           STATUSES=STATUSES, ROLES=ROLES)


def _user_or_404(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@login_required
def user_detail(user_id):
    _require_user_manager()
    user = _user_or_404(user_id)
    form = RoleForm(data={
        "role": user.role, "party": user.party.iso3 if user.party else "",
        "organisation": str(user.organisation_id or ""),
    })
    form.party.choices = party_choices(blank=_("None"))
    form.organisation.choices = select_choices([("", _("None"))] + [
        (str(o.id), o.name) for o in db.session.scalars(db.select(Organisation).order_by(Organisation.name))
    ])
    if form.validate_on_submit():
        organisation = db.session.get(Organisation, int(form.organisation.data)) if form.organisation.data else None
        if apply_change(lambda: services.set_role(user, role=form.role.data, actor=current_user,
                                                  party=party_by_iso3(form.party.data), organisation=organisation),
                        _("The role of %(name)s is saved.", name=user.name)):
            return redirect(url_for("accounts.user_detail", user_id=user.id))
    return render_template("accounts/user_detail.html", user=user, form=form)


def _user_action(user_id: int, change, message: str):
    _require_user_manager()
    user = _user_or_404(user_id)
    if ActionForm().validate_on_submit():
        apply_change(lambda: change(user), message % {"name": user.name})
    return redirect(safe_next(request.form.get("next"), url_for("accounts.user_detail", user_id=user.id)))


@bp.post("/admin/users/<int:user_id>/approve")
@login_required
def approve_user(user_id):
    return _user_action(user_id, lambda u: services.approve_user(u, actor=current_user),
                        _("%(name)s can now log in."))


@bp.post("/admin/users/<int:user_id>/deactivate")
@login_required
def deactivate_user(user_id):
    return _user_action(user_id, lambda u: services.set_active(u, False, actor=current_user),
                        _("The account of %(name)s is deactivated."))


@bp.post("/admin/users/<int:user_id>/activate")
@login_required
def activate_user(user_id):
    return _user_action(user_id, lambda u: services.set_active(u, True, actor=current_user),
                        _("The account of %(name)s is active again."))
