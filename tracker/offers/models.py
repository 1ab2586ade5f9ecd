"""Offers of capacity-building support published by providers' organisations."""
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Column, ForeignKey, Numeric, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.accounts.models import User
from tracker.extensions import db
from tracker.framework.models import ActivityExample, KeyArea
from tracker.organisations.models import Organisation
from tracker.parties.models import Party

DRAFT, OPEN, CLOSED, EXPIRED = "draft", "open", "closed", "expired"
OFFER_STATUSES = {DRAFT: _l("Draft"), OPEN: _l("Open"), CLOSED: _l("Closed"), EXPIRED: _l("Expired")}

offer_key_area = Table(
    "offer_key_area", db.metadata,
    Column("offer_id", ForeignKey("offer.id", ondelete="CASCADE"), primary_key=True),
    Column("key_area_id", ForeignKey("key_area.id"), primary_key=True),
)
offer_activity_example = Table(
    "offer_activity_example", db.metadata,
    Column("offer_id", ForeignKey("offer.id", ondelete="CASCADE"), primary_key=True),
    Column("activity_example_id", ForeignKey("activity_example.id"), primary_key=True),
)
offer_eligible_party = Table(
    "offer_eligible_party", db.metadata,
    Column("offer_id", ForeignKey("offer.id", ondelete="CASCADE"), primary_key=True),
    Column("party_id", ForeignKey("party.id"), primary_key=True),
)


class Offer(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    support_types: Mapped[list] = mapped_column(JSON, default=list)
    audiences: Mapped[list] = mapped_column(JSON, default=list)  # who it is for; empty: not stated
    languages: Mapped[list] = mapped_column(JSON, default=list)
    modality: Mapped[str | None] = mapped_column(String(16))
    # Who may benefit: everyone, or any Party meeting one of the criteria below (a union).
    eligible_all: Mapped[bool] = mapped_column(default=True)
    eligible_groups: Mapped[list] = mapped_column(JSON, default=list)  # UN regional group codes
    eligible_ldc: Mapped[bool] = mapped_column(default=False)
    eligible_sids: Mapped[bool] = mapped_column(default=False)
    eligible_developing: Mapped[bool] = mapped_column(default=False)  # developing or economy in transition
    eligible_supplementary: Mapped[bool] = mapped_column(default=False)
    capacity: Mapped[int]  # how many Parties it can serve
    opens_on: Mapped[date | None]
    closes_on: Mapped[date | None]
    budget_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    budget_currency: Mapped[str] = mapped_column(String(3), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    status: Mapped[str] = mapped_column(String(8), default=DRAFT, index=True)
    # Title, description and codes, with Chinese split into overlapping pairs of characters, for search.
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    published_at: Mapped[datetime | None]
    lock_version: Mapped[int] = mapped_column(default=1)

    organisation: Mapped[Organisation] = relationship()
    updated_by: Mapped[User | None] = relationship()
    key_areas: Mapped[list[KeyArea]] = relationship(secondary=offer_key_area, order_by=KeyArea.position)
    activity_examples: Mapped[list[ActivityExample]] = relationship(
        secondary=offer_activity_example, order_by=ActivityExample.position)
    eligible_parties: Mapped[list[Party]] = relationship(secondary=offer_eligible_party)

    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def audit_label(self) -> str:
        return self.title

    @property
    def status_label(self) -> str:
        return str(OFFER_STATUSES[self.status])
