"""API tokens: create, revoke, and find the user a request's token stands for."""
import hashlib
import secrets
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import update

from tracker.api import permissions
from tracker.api.models import ApiToken
from tracker.audit.services import record
from tracker.clock import utcnow
from tracker.errors import InvalidInput, PermissionDenied
from tracker.extensions import db

MAX_NAME = 100
PREFIX_LENGTH = 8
# A token's last use is written at most this often, so that reading through the API does not write on every call.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("You are not allowed to do this."))


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def user_tokens(user) -> list[ApiToken]:
    """The user's tokens, the newest first, revoked ones included."""
    return list(db.session.scalars(db.select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def create_token(user, name: str, *, actor) -> tuple[ApiToken, str]:
    """A new token for the user, and its secret: the only time the secret exists outside the client."""
    _require(permissions.can_manage_tokens(actor) and actor.id == user.id)
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("Give the token a name, such as the script that will use it."),
                           {"name": _("Give the token a name, such as the script that will use it.")})
    if len(name) > MAX_NAME:
        raise InvalidInput(_("The name is longer than %(n)d characters.", n=MAX_NAME),
                           {"name": _("The name is longer than %(n)d characters.", n=MAX_NAME)})
    secret = secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, prefix=secret[:PREFIX_LENGTH], token_hash=token_hash(secret),
                     created_at=utcnow())
    db.session.add(token)
    db.session.flush()
    record(actor, "api_token.create", token, after={"user": user.email, "name": name, "prefix": token.prefix})
    return token, secret


def revoke_token(token: ApiToken, *, actor) -> bool:
    """Stop the token working, at once. Returns False if it was revoked already."""
    _require(permissions.can_revoke_token(actor, token))
    if token.is_revoked:
        return False
    token.revoked_at = utcnow()
    db.session.flush()
    record(actor, "api_token.revoke", token, before={"revoked_at": None},
           after={"revoked_at": token.revoked_at.isoformat()})
    return True


def valid_token(secret: str) -> ApiToken | None:
    """The token with this secret, if it still works: not revoked, and its user's account active."""
    if not secret or len(secret) > 200:
        return None
    token = db.session.scalar(db.select(ApiToken).where(ApiToken.token_hash == token_hash(secret))
                              .options(db.joinedload(ApiToken.user)))
    if token is None or token.is_revoked or not token.user.is_active:
        return None
    return token


def note_use(token: ApiToken) -> bool:
    """Write down that the token was used now, unless that was done less than a minute ago. Returns whether
    anything was written (the caller commits)."""
    now = utcnow()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return False
    # A plain UPDATE rather than a change of the object: two requests at the same moment may both write it.
    db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
    return True
