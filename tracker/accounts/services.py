"""Registration, login, password reset and account administration."""
import functools
from datetime import timedelta

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.security import check_password_hash, generate_password_hash

from tracker.accounts import permissions
from tracker.accounts.models import (
    ACTIVE, DEACTIVATED, PARTY_EDITOR, PARTY_ROLES, PENDING, PROVIDER, ROLES, SECRETARIAT,
    LoginAttempt, User,
)
from tracker.audit.services import record, snapshot
from tracker.clock import utcnow
from tracker.errors import InvalidInput, PermissionDenied
from tracker.extensions import db
from tracker.mail.services import send_mail
from tracker.notifications import services as notifications
from tracker.organisations.models import ORGANISATION_TYPES, Organisation

USER_AUDIT_FIELDS = ("email", "name", "role", "status", "party_id", "organisation_id", "locale")
MIN_PASSWORD_LENGTH = 10


class LoginRefused(InvalidInput):
    pass


@functools.cache
def _unknown_user_hash(method: str) -> str:
    return generate_password_hash("no account has this password", method=method)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(db.select(User).where(User.email == normalise_email(email)))


def _check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(_("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))


def _new_user(*, email, name, password, role, locale, job_title="", party=None, organisation=None) -> User:
    if find_user_by_email(email):
        raise InvalidInput(_("An account with this e-mail address already exists."))
    _check_password_strength(password)
    user = User(
        email=normalise_email(email), name=name.strip(), role=role, status=PENDING,
        party=party, organisation=organisation, job_title=job_title.strip(), locale=locale,
        created_at=utcnow(),
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record(user, "user.register", user, after=snapshot(user, USER_AUDIT_FIELDS))
    return user


def register_party_user(*, email, name, password, party, job_title="", locale="en") -> User:
    """Ask for an account as staff of a Party; it waits for the Secretariat's approval."""
    if party is None or not party.cartagena_party:
        raise InvalidInput(_("Choose a Party to the Cartagena Protocol."))
    return _new_user(email=email, name=name, password=password, role=PARTY_EDITOR,
                     locale=locale, job_title=job_title, party=party)


def register_provider(*, email, name, password, organisation_name, organisation_type, country=None,
                      website="", job_title="", locale="en") -> User:
    """Ask for an account as staff of an organisation, registering the organisation if it is new."""
    if organisation_type not in ORGANISATION_TYPES:
        raise InvalidInput(_("Choose the type of organisation."))
    organisation_name = organisation_name.strip()
    website = website.strip()
    if website and not website.lower().startswith(("http://", "https://")):
        raise InvalidInput(_("The website must start with http:// or https://."))
    organisation = db.session.scalar(
        db.select(Organisation).where(db.func.lower(Organisation.name) == organisation_name.lower())
    )
    is_new = organisation is None
    if is_new:
        organisation = Organisation(name=organisation_name, type=organisation_type, country=country,
                                    website=website, vetted=False, created_at=utcnow())
        db.session.add(organisation)
    user = _new_user(email=email, name=name, password=password, role=PROVIDER, locale=locale,
                     job_title=job_title, organisation=organisation)
    if is_new:
        record(user, "organisation.register", organisation,
               after=snapshot(organisation, ("name", "type", "country_id", "website", "vetted")))
    return user


# --- login -----------------------------------------------------------------------------------

def _recent_failures(column, value) -> int:
    window = timedelta(minutes=current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"])
    return db.session.scalar(
        db.select(db.func.count(LoginAttempt.id)).where(column == value, LoginAttempt.at >= utcnow() - window)
    )


def authenticate(email: str, password: str, address: str) -> User:
    """The user with these credentials, or LoginRefused with the reason to show."""
    config = current_app.config
    email = normalise_email(email)
    if (_recent_failures(LoginAttempt.email, email) >= config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
            or _recent_failures(LoginAttempt.address, address) >= config["LOGIN_MAX_FAILURES_PER_ADDRESS"]):
        raise LoginRefused(_("Too many failed login attempts. Please wait %(minutes)d minutes and try again.",
                             minutes=config["LOGIN_FAILURE_WINDOW_MINUTES"]))
    user = find_user_by_email(email)
    if user is None:
        # The same work as for a real account, so the answer time does not reveal which accounts exist.
        check_password_hash(_unknown_user_hash(config["PASSWORD_HASH_METHOD"]), password)
    if user is None or not user.check_password(password):
        window = timedelta(minutes=config["LOGIN_FAILURE_WINDOW_MINUTES"])
        db.session.execute(db.delete(LoginAttempt).where(LoginAttempt.at < utcnow() - window))
        db.session.add(LoginAttempt(email=email, address=address, at=utcnow()))
        raise LoginRefused(_("The e-mail address or password is not correct."))
    if user.status == PENDING:
        raise LoginRefused(_("Your account is waiting for approval by the Secretariat. You will receive an e-mail."))
    if user.status == DEACTIVATED:
        raise LoginRefused(_("This account has been deactivated. Please contact the Secretariat."))
    db.session.execute(db.delete(LoginAttempt).where(LoginAttempt.email == email))
    user.last_login_at = utcnow()
    return user


# --- password reset --------------------------------------------------------------------------

def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def password_reset_token(user: User) -> str:
    # The token carries a fingerprint of the current password hash, so it stops working once used.
    return _reset_serializer().dumps({"id": user.id, "pw": user.password_hash[-16:]})


def request_password_reset(email: str) -> None:
    """Mail a reset link if an active account has this address. Says nothing either way."""
    user = find_user_by_email(email)
    if user is None or user.status != ACTIVE:
        return
    link = url_for("accounts.reset_password", token=password_reset_token(user), _external=True)
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    with force_locale(user.locale):
        send_mail(user.email, _("Reset your Biosafety CB Tracker password"),
                  _("Someone asked to reset the password of your account. To choose a new password, "
                    "open this link within %(minutes)d minutes:\n\n%(link)s\n\n"
                    "If it was not you, ignore this message; your password stays as it is.",
                    minutes=minutes, link=link))


def user_for_reset_token(token: str) -> User:
    try:
        data = _reset_serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except SignatureExpired:
        raise InvalidInput(_("This reset link has expired. Please ask for a new one."))
    except BadSignature:
        raise InvalidInput(_("This reset link is not valid. Please ask for a new one."))
    user = db.session.get(User, data.get("id"))
    if user is None or user.status != ACTIVE or user.password_hash[-16:] != data.get("pw"):
        raise InvalidInput(_("This reset link has already been used. Please ask for a new one."))
    return user


def reset_password(token: str, new_password: str) -> User:
    user = user_for_reset_token(token)
    _check_password_strength(new_password)
    user.set_password(new_password)
    db.session.execute(db.delete(LoginAttempt).where(LoginAttempt.email == user.email))
    record(user, "user.reset_password", user)
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    if not user.check_password(current_password):
        raise InvalidInput(_("The current password is not correct."))
    _check_password_strength(new_password)
    user.set_password(new_password)
    record(user, "user.change_password", user)


def update_profile(user: User, *, name: str, job_title: str, locale: str) -> None:
    before = snapshot(user, USER_AUDIT_FIELDS + ("job_title",))
    user.name = name.strip()
    user.job_title = job_title.strip()
    user.locale = locale
    record(user, "user.update_profile", user, before=before, after=snapshot(user, USER_AUDIT_FIELDS + ("job_title",)))


# --- administration by the Secretariat -------------------------------------------------------

def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("You are not allowed to do this."))


def approve_user(user: User, *, actor: User) -> None:
    _require(permissions.can_manage_users(actor))
    if user.status != PENDING:
        raise InvalidInput(_("This account is not waiting for approval."))
    before = snapshot(user, USER_AUDIT_FIELDS)
    user.status = ACTIVE
    user.approved_at = utcnow()
    record(actor, "user.approve", user, before=before, after=snapshot(user, USER_AUDIT_FIELDS))
    notifications.account_approved(user)


def set_role(user: User, *, role: str, actor: User, party=None, organisation=None) -> None:
    """Give a user a role; Party roles need a Party, the provider role an organisation."""
    _require(permissions.can_manage_users(actor))
    if role not in ROLES:
        raise InvalidInput(_("Unknown role."))
    if role in PARTY_ROLES and (party is None or not party.cartagena_party):
        raise InvalidInput(_("A Party role needs a Party to the Cartagena Protocol."))
    if role == PROVIDER and organisation is None:
        raise InvalidInput(_("The provider role needs an organisation."))
    if user.id == actor.id and role != SECRETARIAT:
        raise InvalidInput(_("You cannot take the Secretariat role from your own account."))
    before = snapshot(user, USER_AUDIT_FIELDS)
    user.role = role
    user.party = party if role in PARTY_ROLES else None
    user.organisation = organisation if role == PROVIDER else None
    db.session.flush()
    record(actor, "user.set_role", user, before=before, after=snapshot(user, USER_AUDIT_FIELDS))


def set_active(user: User, active: bool, *, actor: User) -> None:
    """Deactivate an account (it can no longer log in) or activate it again."""
    _require(permissions.can_manage_users(actor))
    if user.id == actor.id:
        raise InvalidInput(_("You cannot deactivate your own account."))
    before = snapshot(user, USER_AUDIT_FIELDS)
    user.status = ACTIVE if active else DEACTIVATED
    record(actor, "user.activate" if active else "user.deactivate", user,
           before=before, after=snapshot(user, USER_AUDIT_FIELDS))
