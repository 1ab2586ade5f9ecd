"""Demo matches: one global allocation over the demo needs and offers, then a few pairs moved along the
workflow, so that every page of matching has something to show: the demo Party (Kenya) and the demo provider
each have a proposal waiting for them, one that waited long enough to show amber or red, an agreed match, a
declined one and one closed with a rating."""
from datetime import timedelta

from sqlalchemy import func, select

from tracker.accounts.demo import DEMO_ORGANISATION
from tracker.accounts.models import User
from tracker.activities.services import ActivityInput
from tracker.clock import today, utcnow
from tracker.extensions import db
from tracker.matching import services
from tracker.matching.queries import visible_to_providers
from tracker.matching.models import (
    AGREED, DECLINED, PARTY_SIDE, PROPOSED, PROVIDER_SIDE, SUGGESTED, Match, MatchRun,
)
from tracker.offers.models import Offer
from tracker.organisations.models import Organisation
from tracker.parties.models import Party


def _suggestions(*conditions, limit: int) -> list[Match]:
    return list(db.session.scalars(select(Match).join(Offer, Offer.id == Match.offer_id)
                                   .where(Match.status == SUGGESTED, *conditions)
                                   .order_by(Match.score.desc(), Match.id).limit(limit)))


def _set(match: Match, days_ago: int, **changes) -> None:
    for name, value in changes.items():
        setattr(match, name, value)
    match.step_at = utcnow() - timedelta(days=days_ago)


def load_demo_matches() -> list[str]:
    if db.session.scalar(select(func.count()).select_from(MatchRun)):
        return ["demo matches: already there; nothing added"]
    run = services.run_allocation(actor=None).run
    kenya = db.session.scalar(select(Party).where(Party.iso3 == "KEN"))
    organisation = db.session.scalar(select(Organisation).where(Organisation.name == DEMO_ORGANISATION))
    focal_point = db.session.scalar(select(User).where(User.email == "focal.point.ken@example.org"))
    provider = db.session.scalar(select(User).where(User.email == "provider@example.org"))

    moved = 0
    # Kenya: a proposal of its own, one from a provider waiting 35 days (amber), one agreed 65 days ago
    # (red), and one declined.
    others = _suggestions(Match.party_id == kenya.id, Offer.organisation_id != organisation.id, limit=4)
    steps = [dict(days_ago=3, status=PROPOSED, proposed_by=PARTY_SIDE),
             dict(days_ago=35, status=PROPOSED, proposed_by=PROVIDER_SIDE),
             dict(days_ago=65, status=AGREED, proposed_by=PARTY_SIDE),
             dict(days_ago=12, status=DECLINED, declined_by=PARTY_SIDE, decline_reason="timing",
                  decline_comment="We are hosting the national workshop that month.")]
    for match, values in zip(others, steps):
        _set(match, **values)
        moved += 1
    # The demo provider: two Parties proposed its offers, one 40 days ago (amber).
    for match, days in zip(_suggestions(Offer.organisation_id == organisation.id, Match.party_id != kenya.id,
                                        visible_to_providers(), limit=2), (2, 40)):
        _set(match, days, status=PROPOSED, proposed_by=PARTY_SIDE)
        moved += 1
    db.session.flush()
    # Between the two demo accounts, if one of the provider's offers fits Kenya: the whole workflow, closed.
    (pair,) = _suggestions(Match.party_id == kenya.id, Offer.organisation_id == organisation.id, limit=1) or (None,)
    if pair is not None and focal_point is not None and provider is not None:
        services.propose(pair, actor=focal_point)
        services.agree(pair, actor=provider)
        services.record_delivery(pair, actor=provider, data=ActivityInput(
            title=pair.offer.title, status="completed", start_date=today() - timedelta(days=20),
            end_date=today() - timedelta(days=16), support_type=pair.offer.support_types[0],
            participants_women=9, participants_men=7, results="Demo delivery recorded through a match."))
        services.confirm(pair, actor=focal_point, rating=4, feedback="Practical and well prepared.")
        moved += 1
    return [f"demo matches: allocation run #{run.id} ({run.served} of {run.needs} needs allocated, "
            f"{run.candidates} candidate pairs); {moved} matches moved along the workflow"]
