"""Indicator values per cycle and scope, computed from the data and stored so that pages read them."""
from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.accounts.models import User
from tracker.assessments.models import AssessmentCycle
from tracker.extensions import db

GLOBAL, LDC, SIDS = "global", "LDC", "SIDS"


class IndicatorValue(db.Model):
    """One indicator × cycle × scope (global, a UN regional group, LDC, SIDS). `value` is None when it cannot be
    computed, with the `reason`; `parties` are the ids of the Parties behind the numerator."""

    __table_args__ = (UniqueConstraint("code", "cycle_id", "scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), index=True)  # "A.1(a)", or "IP:A.1(a)" for Annex I
    cycle_id: Mapped[int] = mapped_column(ForeignKey("assessment_cycle.id", ondelete="CASCADE"), index=True)
    scope: Mapped[str] = mapped_column(String(16))
    numerator: Mapped[float | None] = mapped_column(Float)
    denominator: Mapped[int | None]
    value: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text, default="")
    parties: Mapped[list] = mapped_column(JSON, default=list)
    # The Parties in the denominator, for a share: a Party's own page says whether it was counted at all.
    members: Mapped[list] = mapped_column(JSON, default=list)
    computed_at: Mapped[datetime]

    cycle: Mapped[AssessmentCycle] = relationship()


class SecretariatValue(db.Model):
    """A value only the Secretariat knows (e.g. from the BCH or national reports), entered with its source."""

    __table_args__ = (UniqueConstraint("code", "cycle_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("assessment_cycle.id", ondelete="CASCADE"), index=True)
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(Text)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    entered_at: Mapped[datetime]

    cycle: Mapped[AssessmentCycle] = relationship()
    entered_by: Mapped[User | None] = relationship()

    @property
    def audit_label(self) -> str:
        return f"{self.code} {self.cycle.name}"


class IndicatorChange(db.Model):
    """A change to the data behind a cycle's indicators that no recomputation has taken in yet. Rows are only
    ever added by changes and deleted by the recomputation that read them, so concurrent writers never wait
    on one another (tracker/indicators/freshness.py)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("assessment_cycle.id", ondelete="CASCADE"), index=True)
    changed_at: Mapped[datetime]
