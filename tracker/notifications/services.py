"""Notifications: each is written in the same transaction as the change that caused it, and so is its e-mail
(to the outbox, which the `deliver_mail` job empties), so a crash loses none and a retry sends none twice.

A notification is mailed at once, gathered into a digest, or never, as its recipient chose for its kind
(tracker/notifications/kinds.py holds the defaults). Digests (`send_digests`) go out when the `digests` job runs:

* daily: every notification still unmailed that was created before the start of the current day (UTC), so a
  user gets at most one daily digest a day, whenever and however often the job runs;
* weekly: those created before the start of the current week (Monday, 00:00 UTC), so at most one a week, at
  the first run on or after Monday.

A notification of a kind whose preference is now "immediately" but that was not mailed when it was made (the
user chose otherwise then) goes into the next daily digest. Digests leave out notifications older than
DIGEST_MAX_AGE, so switching from "never" to a digest does not bring up old news; they stay in the app.
"""
from datetime import datetime, time, timedelta

from flask import current_app, has_request_context, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select, update

from tracker.accounts.models import ACTIVE, PARTY_ROLES, PROVIDER, SECRETARIAT, User
from tracker.audit.services import record
from tracker.clock import utcnow
from tracker.errors import InvalidInput, PermissionDenied
from tracker.extensions import db
from tracker.mail.services import send_mail
from tracker.matching.models import AGREED, DECLINED, DELIVERED, PARTY_SIDE, PROPOSED, PROVIDER_SIDE, Match
from tracker.notifications import kinds
from tracker.notifications.models import (
    DAILY, FREQUENCIES, IMMEDIATELY, WEEKLY, Notification, NotificationPreference,
)
from tracker.notifications.permissions import can_see_notification

DIGEST_MAX_AGE = timedelta(days=14)


# --- links -------------------------------------------------------------------------------------------

def app_path(endpoint: str, **values) -> str:
    """The path of a page within the app ("/matches/12"), built without a request, for a notification's url."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def base_url() -> str:
    """Where users reach the app: BASE_URL when set; else the address of the current request; else, for jobs
    run outside any request, SERVER_NAME."""
    config = current_app.config
    if config.get("BASE_URL"):
        return config["BASE_URL"].rstrip("/")
    if has_request_context():
        return request.url_root.rstrip("/")
    root = (config.get("APPLICATION_ROOT") or "/").rstrip("/")
    return f"{config['PREFERRED_URL_SCHEME']}://{config.get('SERVER_NAME') or 'localhost'}{root}"


def absolute_url(path: str) -> str:
    return base_url() + path


# --- recipients --------------------------------------------------------------------------------------

def _active_users(*conditions) -> list[User]:
    return list(db.session.scalars(select(User).where(User.status == ACTIVE, *conditions).order_by(User.id)))


def party_users(party_id: int | None = None) -> list[User]:
    """The active focal points and editors of a Party (of every Party when none is given)."""
    conditions = [User.role.in_(PARTY_ROLES), User.party_id.is_not(None)]
    if party_id is not None:
        conditions.append(User.party_id == party_id)
    return _active_users(*conditions)


def organisation_users(organisation_id: int | None = None) -> list[User]:
    """The active providers of an organisation (of every organisation when none is given)."""
    conditions = [User.role == PROVIDER, User.organisation_id.is_not(None)]
    if organisation_id is not None:
        conditions.append(User.organisation_id == organisation_id)
    return _active_users(*conditions)


def secretariat_users() -> list[User]:
    return _active_users(User.role == SECRETARIAT)


# --- preferences -------------------------------------------------------------------------------------

def preferences_of(user: User) -> dict[str, str]:
    """The frequency of every kind for the user: their choice, or the kind's default."""
    chosen = dict(db.session.execute(select(NotificationPreference.kind, NotificationPreference.frequency)
                                     .where(NotificationPreference.user_id == user.id)).all())
    return {code: chosen.get(code, kind.default) for code, kind in kinds.KINDS.items()}


def frequency_of(user: User, kind: str) -> str:
    chosen = db.session.scalar(select(NotificationPreference.frequency).where(
        NotificationPreference.user_id == user.id, NotificationPreference.kind == kind))
    return chosen or kinds.KINDS[kind].default


def set_preferences(user: User, choices: dict[str, str], *, actor: User) -> None:
    """Save how often the user wants each kind they may receive by e-mail. Only the user sets their own."""
    if actor is None or actor.id != user.id:
        raise PermissionDenied(_("You are not allowed to do this."))
    allowed = kinds.kinds_for(user)
    errors = {kind: _("Choose how often.") for kind in allowed if choices.get(kind) not in FREQUENCIES}
    if errors or set(choices) - set(allowed):
        raise InvalidInput(_("The choices need correcting. Nothing was saved."), errors)
    rows = {row.kind: row for row in db.session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user.id))}
    current = preferences_of(user)
    before, after = {}, {}
    for kind in allowed:
        frequency = choices[kind]
        if kind in rows:
            rows[kind].frequency = frequency
        else:
            db.session.add(NotificationPreference(user_id=user.id, kind=kind, frequency=frequency))
        if frequency != current[kind]:
            before[kind], after[kind] = current[kind], frequency
    db.session.flush()
    if after:
        record(actor, "user.notification_preferences", user, before=before, after=after)


# --- notifying ---------------------------------------------------------------------------------------

def notify(user: User, kind: str, *, params: dict, url: str = "", key: str = "",
           now: datetime | None = None) -> Notification | None:
    """Tell an active user about an event, in the app and, if they want this kind at once, by e-mail, in the
    current transaction (the caller commits). None when the user already had this (kind, key) or is not
    active. The unique constraint backs the check: a concurrent transaction telling the same event fails as a
    whole instead of telling it twice."""
    if kind not in kinds.KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if user.status != ACTIVE:
        return None
    if db.session.scalar(select(Notification.id).where(
            Notification.user_id == user.id, Notification.kind == kind, Notification.key == key)):
        return None
    now = now or utcnow()
    notification = Notification(user_id=user.id, user=user, kind=kind, key=key, params=params, url=url,
                                created_at=now)
    db.session.add(notification)
    if frequency_of(user, kind) == IMMEDIATELY:
        _mail(user, [notification])
        notification.mailed_at = now
    db.session.flush()
    return notification


def notify_all(users: list[User], kind: str, *, params: dict, url: str = "", key: str = "",
               now: datetime | None = None) -> int:
    """`notify` each of the users; returns how many were told (those told before are skipped in one query)."""
    told_before = set(db.session.scalars(select(Notification.user_id).where(
        Notification.kind == kind, Notification.key == key, Notification.user_id.in_([u.id for u in users]))))
    return sum(notify(user, kind, params=params, url=url, key=key, now=now) is not None
               for user in users if user.id not in told_before)


def rendered(notification: Notification) -> tuple[str, str]:
    """Its title and body in the current language."""
    return kinds.render(notification.kind, notification.params)


def _mail(user: User, notifications: list[Notification], *, digest: bool = False) -> None:
    """Queue one e-mail to the user, in their language: a single notification, or a digest of several."""
    with force_locale(user.locale):
        items = []
        for notification in notifications:
            title, body = rendered(notification)
            link = absolute_url(notification.url) if notification.url else ""
            items.append((title, body, link))
        footer = _("You choose which notifications reach you by e-mail, and how often, on this page: %(link)s",
                   link=absolute_url(app_path("notifications.preferences")))
        if digest:
            subject = ngettext("Biosafety CB Tracker: %(num)d new notification",
                               "Biosafety CB Tracker: %(num)d new notifications", len(items))
            listed = "\n\n".join("\n".join(part for part in (f"• {title}", body, link) if part)
                                 for title, body, link in items)
            text = _("Dear %(name)s,\n\nhere is what happened in the Biosafety CB Tracker:\n\n%(items)s",
                     name=user.name, items=listed)
        else:
            ((subject, body, link),) = items
            text = _("Dear %(name)s,\n\n%(text)s", name=user.name, text=body)
            if link:
                text = f"{text}\n\n{link}"
        send_mail(user.email, subject, f"{text}\n\n--\n{footer}")


def send_digests(now: datetime) -> int:
    """Mail each user one digest of their unmailed notifications that are due (see the module's docstring) and
    mark them mailed, in the current transaction. Returns how many digests were queued."""
    day_start = datetime.combine(now.date(), time())
    week_start = day_start - timedelta(days=now.weekday())
    pending = db.session.scalars(
        select(Notification).join(User, User.id == Notification.user_id)
        .where(Notification.mailed_at.is_(None), User.status == ACTIVE,
               Notification.created_at >= day_start - DIGEST_MAX_AGE, Notification.created_at < day_start)
        .order_by(Notification.user_id, Notification.created_at, Notification.id)).all()
    if not pending:
        return 0
    user_ids = {notification.user_id for notification in pending}
    chosen = {(user_id, kind): frequency for user_id, kind, frequency in db.session.execute(
        select(NotificationPreference.user_id, NotificationPreference.kind, NotificationPreference.frequency)
        .where(NotificationPreference.user_id.in_(user_ids)))}
    due: dict[int, list[Notification]] = {}
    for notification in pending:
        frequency = chosen.get((notification.user_id, notification.kind), kinds.KINDS[notification.kind].default)
        if frequency in (DAILY, IMMEDIATELY) or (frequency == WEEKLY and notification.created_at < week_start):
            due.setdefault(notification.user_id, []).append(notification)
    for notifications in due.values():
        _mail(notifications[0].user, notifications, digest=True)
        for notification in notifications:
            notification.mailed_at = now
    db.session.flush()
    return len(due)


# --- reading -----------------------------------------------------------------------------------------

def unread_count(user: User) -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)))


def mark_read(notification: Notification, *, actor: User) -> None:
    if not can_see_notification(actor, notification):
        raise PermissionDenied(_("You are not allowed to do this."))
    if notification.read_at is None:
        notification.read_at = utcnow()


def mark_all_read(user: User, *, actor: User) -> int:
    if actor is None or actor.id != user.id:
        raise PermissionDenied(_("You are not allowed to do this."))
    result = db.session.execute(update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)).values(read_at=utcnow()))
    return result.rowcount


# --- events ------------------------------------------------------------------------------------------

def account_approved(user: User) -> Notification | None:
    return notify(user, kinds.ACCOUNT_APPROVED, params={"role": user.role}, url=app_path("accounts.login"))


def _other(side: str) -> str:
    return PROVIDER_SIDE if side == PARTY_SIDE else PARTY_SIDE


def side_users(match: Match, side: str) -> list[User]:
    """The active users acting for one side of the match who may see it."""
    if side == PARTY_SIDE:
        return party_users(match.party_id)
    from tracker.matching.services import can_view_match

    return [user for user in organisation_users(match.offer.organisation_id) if can_view_match(user, match)]


def match_params(match: Match, acting_side: str | None = None) -> dict:
    party = {"en": match.party.name("en"), "zh": match.party.name("zh")}
    params = {"offer": match.offer.title, "party": party, "key_area": match.key_area.code}
    if acting_side is not None:
        params["actor"] = party if acting_side == PARTY_SIDE else match.offer.organisation.name
    return params


def notify_match_step(match: Match) -> int:
    """Tell the other side of the step just taken: a proposal to the side it is made to, an agreement or a
    refusal to the proposer, a delivery to the Party. Declining a mere suggestion tells nobody: no one asked."""
    if match.status == PROPOSED:
        kind, acting, told = kinds.MATCH_PROPOSED, match.proposed_by, _other(match.proposed_by)
    elif match.status == AGREED:
        kind, acting, told = kinds.MATCH_AGREED, _other(match.proposed_by), match.proposed_by
    elif match.status == DECLINED and match.proposed_by is not None:
        kind, acting, told = kinds.MATCH_DECLINED, match.declined_by, match.proposed_by
    elif match.status == DELIVERED:
        kind, acting, told = kinds.MATCH_DELIVERED, PROVIDER_SIDE, PARTY_SIDE
    else:
        return 0
    params = match_params(match, acting)
    if kind == kinds.MATCH_DECLINED:
        params.update(reason=match.decline_reason, note=match.decline_comment)
    return notify_all(side_users(match, told), kind, params=params,
                      url=app_path("matching.detail", match_id=match.id), key=str(match.id))


def indicators_recomputed(cycle, *, computed_at: datetime | None = None) -> int:
    """Tell the Secretariat that the indicators of a cycle were computed again."""
    computed_at = computed_at or utcnow()
    params = {"cycle": cycle.name, "computed_on": computed_at.date().isoformat()}
    return notify_all(secretariat_users(), kinds.INDICATORS_RECOMPUTED, params=params,
                      url=app_path("indicators.index"), key=f"{cycle.id}:{computed_at.isoformat()}",
                      now=computed_at)
