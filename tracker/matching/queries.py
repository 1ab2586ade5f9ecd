"""What the matching pages read: each user's suggestions and matches, in a fixed number of queries."""
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from tracker.assessments.content import need_from_content
from tracker.assessments.models import DRAFT, Assessment, AssessmentVersion, Need
from tracker.extensions import db
from tracker.framework.models import KeyArea
from tracker.matching.models import (
    AGREED, DELIVERED, DELIVERING, IN_PROGRESS, PARTY_SIDE, PROPOSED, PROVIDER_SIDE, SUGGESTED, Match, MatchRun,
)
from tracker.needs.permissions import PROVIDER_VISIBILITIES
from tracker.offers.models import Offer
from tracker.paging import Page

FINISHED_SHOWN = 50


def _loaded(query):
    """Everything a match row shows, loaded up front (no query per row)."""
    return query.options(
        joinedload(Match.party), joinedload(Match.key_area),
        joinedload(Match.offer).options(joinedload(Offer.organisation), selectinload(Offer.activity_examples),
                                        selectinload(Offer.eligible_parties)),
        joinedload(Match.need).joinedload(Need.assessment),
    )


def needs_as_shown(matches: list[Match], user) -> dict[int, object]:
    """Match id → the need as this user may see it. A provider sees what the Party submitted: while the Party
    has its assessment reopened, the need as last submitted (None if that version lacked it), never the draft.
    The Party's own users and the Secretariat see the need itself. One query, and only when there are drafts."""
    from tracker.matching.services import side_of

    shown = {match.id: match.need for match in matches}
    drafts = [match for match in matches if match.need is not None and match.need.assessment.status == DRAFT
              and side_of(user, match) == PROVIDER_SIDE]
    if not drafts:
        return shown
    ids = {match.need.assessment_id for match in drafts}
    latest = select(AssessmentVersion.assessment_id, func.max(AssessmentVersion.version).label("version")) \
        .where(AssessmentVersion.assessment_id.in_(ids)).group_by(AssessmentVersion.assessment_id).subquery()
    contents = dict(db.session.execute(
        select(AssessmentVersion.assessment_id, AssessmentVersion.content)
        .join(latest, (latest.c.assessment_id == AssessmentVersion.assessment_id)
              & (latest.c.version == AssessmentVersion.version))).all())
    for match in drafts:
        values = (contents.get(match.need.assessment_id) or {}).get("needs", {}).get(match.key_area.code)
        shown[match.id] = need_from_content(values) if values else None
    return shown


def visible_to_providers():
    """Needs the Party lets vetted providers see (a correlated condition on Match)."""
    return Match.need_id.in_(select(Need.id).join(Assessment, Assessment.id == Need.assessment_id)
                             .where(Assessment.visibility.in_(PROVIDER_VISIBILITIES)))


def for_party(party_id: int, statuses) -> list[Match]:
    query = (select(Match).join(KeyArea, KeyArea.id == Match.key_area_id)
             .where(Match.party_id == party_id, Match.status.in_(statuses))
             .order_by(KeyArea.position, Match.score.desc(), Match.id))
    return list(db.session.scalars(_loaded(query)).unique())


def for_organisation(organisation_id: int, statuses, *, suggestions: bool) -> list[Match]:
    """The organisation's matches; a suggestion only when the Party lets providers see the need, any other
    match when the Party proposed it or lets providers see the need."""
    visible = visible_to_providers()
    if not suggestions:
        visible = visible | (Match.proposed_by == PARTY_SIDE)
    query = (select(Match).join(Offer, Offer.id == Match.offer_id)
             .where(Offer.organisation_id == organisation_id, Match.status.in_(statuses), visible)
             .order_by(Offer.id, Match.score.desc(), Match.id))
    return list(db.session.scalars(_loaded(query)).unique())


def recent_finished(matches: list[Match]) -> list[Match]:
    return sorted(matches, key=lambda match: match.step_at, reverse=True)[:FINISHED_SHOWN]


def all_matches(status: str | None, page: int, per_page: int = 50):
    """The matches of one status, or (None) every match past the suggestions, for the Secretariat; the latest
    step first, with the counts per status."""
    query = select(Match).where(Match.status == status if status else Match.status != SUGGESTED)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(_loaded(query.order_by(Match.step_at.desc(), Match.id.desc())
                                      .limit(per_page).offset((page - 1) * per_page))).unique().all()
    counts = dict(db.session.execute(select(Match.status, func.count()).group_by(Match.status)).all())
    return Page(list(rows), page, per_page, total), counts


def grouped(matches: list[Match], key) -> list[tuple[object, list[Match]]]:
    """Consecutive matches with the same key, as (key, matches) pairs (the query's order is kept)."""
    groups = []
    for match in matches:
        value = key(match)
        if not groups or groups[-1][0] != value:
            groups.append((value, []))
        groups[-1][1].append(match)
    return groups


@dataclass
class Age:
    days: int
    level: str  # "", "amber" or "red"


def age(match: Match, now: datetime) -> Age:
    """Days since the last step; amber or red when a match in progress has waited too long."""
    days = (now - match.step_at).days
    level = ""
    if match.status in IN_PROGRESS:
        if days >= current_app.config["MATCH_RED_DAYS"]:
            level = "red"
        elif days >= current_app.config["MATCH_AMBER_DAYS"]:
            level = "amber"
    return Age(days, level)


def next_actor(match: Match) -> str | None:
    """Which side takes the next step: "party", "provider", or None when the match is finished."""
    if match.status in (SUGGESTED,):
        return None
    if match.status == PROPOSED:
        return "provider" if match.proposed_by == PARTY_SIDE else "party"
    if match.status in (AGREED, DELIVERING):
        return "provider"
    if match.status == DELIVERED:
        return "party"
    return None


def runs(limit: int = 100) -> list[MatchRun]:
    return list(db.session.scalars(select(MatchRun).options(joinedload(MatchRun.started_by))
                                   .order_by(MatchRun.id.desc()).limit(limit)))
