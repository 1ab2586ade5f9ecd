"""Matches between a Party's need and an offer, and the global allocation runs that suggest them."""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.accounts.models import User
from tracker.activities.models import Activity
from tracker.assessments.models import Need
from tracker.extensions import db
from tracker.framework.models import KeyArea
from tracker.offers.models import Offer
from tracker.parties.models import Party

SUGGESTED, PROPOSED, AGREED, DELIVERING, DELIVERED, CLOSED = (
    "suggested", "proposed", "agreed", "delivering", "delivered", "closed")
DECLINED, WITHDRAWN, EXPIRED = "declined", "withdrawn", "expired"
MATCH_STATUSES = {
    SUGGESTED: _l("Suggested"),
    PROPOSED: _l("Proposed"),
    AGREED: _l("Agreed"),
    DELIVERING: _l("Delivering"),
    DELIVERED: _l("Delivered"),
    CLOSED: _l("Closed"),
    DECLINED: _l("Declined"),
    WITHDRAWN: _l("Withdrawn"),
    EXPIRED: _l("Expired"),
}
# Steps in the order of the funnel; the others end a match early.
FUNNEL = (SUGGESTED, PROPOSED, AGREED, DELIVERING, DELIVERED, CLOSED)
# An agreed match holds a place in the offer until the activity records the Party as a beneficiary.
COMMITTED = (AGREED, DELIVERING)
IN_PROGRESS = (PROPOSED, AGREED, DELIVERING, DELIVERED)
# A need counts as answered once a match for it is agreed, whatever happens next but an early end.
ANSWERS_NEED = (AGREED, DELIVERING, DELIVERED, CLOSED)

PARTY_SIDE, PROVIDER_SIDE = "party", "provider"

DECLINE_REASONS = {
    "not_relevant": _l("Does not fit the need"),
    "not_eligible": _l("Not eligible in practice"),
    "timing": _l("The timing does not work"),
    "language": _l("Language or modality does not suit"),
    "capacity": _l("No capacity left"),
    "covered": _l("The need is already covered"),
    "other": _l("Another reason"),
}

RUN_SUCCEEDED, RUN_FAILED = "succeeded", "failed"


class MatchRun(db.Model):
    """One global allocation: its parameters and what it achieved. A failed run changes no match."""

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime]
    seconds: Mapped[float] = mapped_column(Float)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    status: Mapped[str] = mapped_column(String(12))
    error: Mapped[str] = mapped_column(Text, default="")
    parameters: Mapped[dict] = mapped_column(JSON, default=dict)
    needs: Mapped[int] = mapped_column(default=0)       # needs considered
    offers: Mapped[int] = mapped_column(default=0)      # open offers with capacity left
    candidates: Mapped[int] = mapped_column(default=0)  # pairs passing the hard filters
    served: Mapped[int] = mapped_column(default=0)      # needs allocated to an offer
    objective: Mapped[float] = mapped_column(Float, default=0.0)
    lowest_party_share: Mapped[float | None] = mapped_column(Float)
    p10_party_share: Mapped[float | None] = mapped_column(Float)
    gini: Mapped[float | None] = mapped_column(Float)

    started_by: Mapped[User | None] = relationship()

    @property
    def audit_label(self) -> str:
        return f"#{self.id}"


class Match(db.Model):
    """A need × offer pair. One row per Party, key area and offer, whatever the cycle, so a declined pair
    stays declined. `need_id` points at the need the pair was computed from (empty if the Party later
    removed that need)."""

    __tablename__ = "offer_match"
    __table_args__ = (UniqueConstraint("party_id", "key_area_id", "offer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("party.id"), index=True)
    key_area_id: Mapped[int] = mapped_column(ForeignKey("key_area.id"))
    need_id: Mapped[int | None] = mapped_column(ForeignKey("need.id", ondelete="SET NULL"), index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offer.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(12), index=True)
    score: Mapped[float] = mapped_column(Float)
    components: Mapped[dict] = mapped_column(JSON, default=dict)
    # The run that allocated the pair, when the global allocation chose it.
    run_id: Mapped[int | None] = mapped_column(ForeignKey("match_run.id", ondelete="SET NULL"), index=True)
    allocated: Mapped[bool] = mapped_column(default=False)
    proposed_by: Mapped[str | None] = mapped_column(String(8))  # party / provider
    declined_by: Mapped[str | None] = mapped_column(String(8))
    decline_reason: Mapped[str | None] = mapped_column(String(16))
    decline_comment: Mapped[str] = mapped_column(Text, default="")
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activity.id", ondelete="SET NULL"))
    rating: Mapped[int | None]
    feedback: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    # When the last workflow step was taken (amber after 30 days without one, red after 60).
    step_at: Mapped[datetime]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    lock_version: Mapped[int] = mapped_column(default=1)

    party: Mapped[Party] = relationship()
    key_area: Mapped[KeyArea] = relationship()
    need: Mapped[Need | None] = relationship()
    offer: Mapped[Offer] = relationship()
    run: Mapped[MatchRun | None] = relationship()
    activity: Mapped[Activity | None] = relationship()

    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def audit_label(self) -> str:
        return f"{self.party.iso3} {self.key_area.code} — {self.offer.title}"

    @property
    def status_label(self) -> str:
        return str(MATCH_STATUSES[self.status])
