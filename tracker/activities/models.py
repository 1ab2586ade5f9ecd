"""Capacity-building activities that happened or are planned."""
from datetime import date, datetime
from typing import TYPE_CHECKING
from decimal import Decimal

from sqlalchemy import JSON, Column, ForeignKey, Numeric, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.accounts.models import User
from tracker.extensions import db
from tracker.framework.models import ActivityExample, KeyArea
from tracker.organisations.models import Organisation
from tracker.parties.models import Party

if TYPE_CHECKING:
    from tracker.offers.models import Offer

activity_key_area = Table(
    "activity_key_area", db.metadata,
    Column("activity_id", ForeignKey("activity.id", ondelete="CASCADE"), primary_key=True),
    Column("key_area_id", ForeignKey("key_area.id"), primary_key=True),
)
activity_activity_example = Table(
    "activity_activity_example", db.metadata,
    Column("activity_id", ForeignKey("activity.id", ondelete="CASCADE"), primary_key=True),
    Column("activity_example_id", ForeignKey("activity_example.id"), primary_key=True),
)
activity_beneficiary = Table(
    "activity_beneficiary", db.metadata,
    Column("activity_id", ForeignKey("activity.id", ondelete="CASCADE"), primary_key=True),
    Column("party_id", ForeignKey("party.id"), primary_key=True),
)

# How the recording Party took part.
PARTY_ROLES_IN_ACTIVITY = ("organised", "took_part")


class Activity(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    # Recorded by a Party (for itself) or by an organisation; exactly one is set.
    party_id: Mapped[int | None] = mapped_column(ForeignKey("party.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    party_role: Mapped[str | None] = mapped_column(String(16))  # organised / took_part, for Party records
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), index=True)
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    support_type: Mapped[str | None] = mapped_column(String(32))
    modality: Mapped[str | None] = mapped_column(String(16))
    languages: Mapped[list] = mapped_column(JSON, default=list)
    participants_women: Mapped[int | None]
    participants_men: Mapped[int | None]
    participants_other: Mapped[int | None]  # another gender or not disclosed
    outputs: Mapped[list] = mapped_column(JSON, default=list)  # [{"title": ..., "url": ...}]
    funding_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    funding_currency: Mapped[str] = mapped_column(String(3), default="")
    funding_source: Mapped[str] = mapped_column(String(300), default="")
    results: Mapped[str] = mapped_column(Text, default="")
    # The offer it came from, when an organisation delivered it under one of its offers.
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("offer.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    lock_version: Mapped[int] = mapped_column(default=1)

    party: Mapped[Party | None] = relationship(foreign_keys=[party_id])
    organisation: Mapped[Organisation | None] = relationship()
    updated_by: Mapped[User | None] = relationship()
    key_areas: Mapped[list[KeyArea]] = relationship(secondary=activity_key_area, order_by=KeyArea.position)
    activity_examples: Mapped[list[ActivityExample]] = relationship(
        secondary=activity_activity_example, order_by=ActivityExample.position)
    beneficiaries: Mapped[list[Party]] = relationship(secondary=activity_beneficiary)
    offer: Mapped["Offer | None"] = relationship()

    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def participants_total(self) -> int | None:
        counts = [self.participants_women, self.participants_men, self.participants_other]
        return None if all(c is None for c in counts) else sum(c or 0 for c in counts)

    @property
    def audit_label(self) -> str:
        return self.title
