"""Scheduled jobs that notify. Each takes the time of the run and returns how many items it handled; each works
in the current session without committing, so the run commits once and a run stopped half way leaves nothing.
Running a job twice tells nothing twice: every notification has a key (tracker/notifications/kinds.py).

The exception is `deliver_mail`, which talks to the SMTP server: it commits after each message, so a crash
resends at most the one message it was sending.

Suggested schedule: `deliver_mail` every minute; the others once a day (`digests` early in the morning, after
`suggestion_digest`, `stalled_matches` and `expiring_offers`, so their news of the day goes into it the next day).
"""
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from tracker.assessments.models import SUBMITTED, Assessment, AssessmentCycle
from tracker.extensions import db
from tracker.mail.services import deliver_pending
from tracker.matching.models import IN_PROGRESS, PARTY_SIDE, PROVIDER_SIDE, SUGGESTED, Match
from tracker.matching.queries import visible_to_providers
from tracker.needs.permissions import is_vetted_provider
from tracker.notifications import kinds
from tracker.notifications.models import Notification
from tracker.notifications.services import (
    app_path, match_params, notify, notify_all, organisation_users, party_users, send_digests, side_users,
)
from tracker.offers.models import Offer
from tracker.offers.search import is_open

# Reminders before a cycle closes, in days left. A run that missed a day sends the nearest threshold passed.
REMINDER_DAYS = (14, 7, 1)
EXPIRY_WARNING_DAYS = 14


def cycle_reminders(now: datetime) -> int:
    """"Cycle opened" to the users of every Party once the cycle is open; "closes on …" to the users of Parties
    that have not submitted, when 14, 7 and 1 days are left."""
    today = now.date()
    cycles = db.session.scalars(select(AssessmentCycle).where(
        AssessmentCycle.opens_on <= today, AssessmentCycle.closes_on >= today).order_by(AssessmentCycle.id)).all()
    if not cycles:
        return 0
    users = party_users()
    told = 0
    for cycle in cycles:
        params = {"cycle": cycle.name, "closes_on": cycle.closes_on.isoformat()}
        url = app_path("assessments.index")
        told += notify_all(users, kinds.CYCLE_OPENED, params=params, url=url, key=str(cycle.id), now=now)
        days_left = (cycle.closes_on - today).days
        passed = [days for days in REMINDER_DAYS if days_left <= days]
        if not passed:
            continue
        submitted = set(db.session.scalars(select(Assessment.party_id).where(
            Assessment.cycle_id == cycle.id, Assessment.status == SUBMITTED)))
        late = [user for user in users if user.party_id not in submitted]
        told += notify_all(late, kinds.CYCLE_CLOSING, params={**params, "days": days_left}, url=url,
                           key=f"{cycle.id}:{min(passed)}", now=now)
    return told


def _last_told(kind: str) -> dict[int, datetime]:
    return dict(db.session.execute(select(Notification.user_id, func.max(Notification.created_at))
                                   .where(Notification.kind == kind).group_by(Notification.user_id)).all())


def suggestion_digest(now: datetime) -> int:
    """Once a day, tell Party users how many offers were newly suggested for their Party's needs, and providers
    of vetted organisations how many needs for their offers, since they were last told (or in the last day)."""
    key = now.date().isoformat()
    told = 0
    for kind, users, count in (
            (kinds.SUGGESTIONS_FOR_NEEDS, party_users(), _new_for_party),
            (kinds.SUGGESTIONS_FOR_OFFERS, [u for u in organisation_users() if is_vetted_provider(u)],
             _new_for_organisation)):
        last_told = _last_told(kind)
        told_today = set(db.session.scalars(select(Notification.user_id).where(
            Notification.kind == kind, Notification.key == key)))
        counted = {}
        for user in users:
            if user.id in told_today:
                continue
            since = last_told.get(user.id, now - timedelta(days=1))
            owner = user.party_id if kind == kinds.SUGGESTIONS_FOR_NEEDS else user.organisation_id
            if (owner, since) not in counted:
                counted[owner, since] = count(owner, since, now)
            if counted[owner, since]:
                told += notify(user, kind, params={"count": counted[owner, since]}, url=app_path("matching.index"),
                               key=key, now=now) is not None
    return told


def _new_for_party(party_id: int, since: datetime, now: datetime) -> int:
    return db.session.scalar(select(func.count(Match.id)).where(
        Match.party_id == party_id, Match.status == SUGGESTED, Match.created_at > since, Match.created_at <= now))


def _new_for_organisation(organisation_id: int, since: datetime, now: datetime) -> int:
    return db.session.scalar(select(func.count(Match.id)).join(Offer, Offer.id == Match.offer_id).where(
        Offer.organisation_id == organisation_id, Match.status == SUGGESTED, visible_to_providers(),
        Match.created_at > since, Match.created_at <= now))


def stalled_matches(now: datetime) -> int:
    """Tell both sides of a match in progress that has had no step for 30 days, and again after 60 (the amber
    and red of the match pages); once per threshold for each step."""
    amber, red = current_app.config["MATCH_AMBER_DAYS"], current_app.config["MATCH_RED_DAYS"]
    matches = db.session.scalars(
        select(Match).where(Match.status.in_(IN_PROGRESS), Match.step_at <= now - timedelta(days=amber))
        .options(joinedload(Match.party), joinedload(Match.key_area),
                 joinedload(Match.offer).joinedload(Offer.organisation))
        .order_by(Match.id)).all()
    told = 0
    for match in matches:
        threshold = red if now - match.step_at >= timedelta(days=red) else amber
        params = {**match_params(match), "days": threshold, "status": match.status,
                  "step_on": match.step_at.date().isoformat()}
        key = f"{match.id}:{match.step_at.isoformat()}:{threshold}"
        for side in (PARTY_SIDE, PROVIDER_SIDE):
            told += notify_all(side_users(match, side), kinds.MATCH_STALLED, params=params,
                               url=app_path("matching.detail", match_id=match.id), key=key, now=now)
    return told


def expiring_offers(now: datetime) -> int:
    """Tell an organisation's providers when one of its open offers closes within 14 days; once per offer and
    closing date (an offer extended and closing again is told again)."""
    today = now.date()
    offers = db.session.scalars(select(Offer).where(
        is_open(today), Offer.closes_on.is_not(None), Offer.closes_on <= today + timedelta(days=EXPIRY_WARNING_DAYS))
        .order_by(Offer.id)).all()
    told = 0
    for offer in offers:
        closes_on = offer.closes_on.isoformat()
        params = {"offer": offer.title, "closes_on": closes_on, "days": (offer.closes_on - today).days}
        told += notify_all(organisation_users(offer.organisation_id), kinds.OFFER_EXPIRING, params=params,
                           url=app_path("offers.detail", offer_id=offer.id), key=f"{offer.id}:{closes_on}", now=now)
    return told


def digests(now: datetime) -> int:
    """The daily and weekly digests (tracker/notifications/services.py)."""
    return send_digests(now)


def deliver_mail(now: datetime) -> int:
    """Send the outbox over SMTP, committing after each message; without MAIL_SERVER the mail stays there."""
    return deliver_pending()


JOBS = {job.__name__: job for job in (cycle_reminders, suggestion_digest, stalled_matches, expiring_offers,
                                      digests, deliver_mail)}
