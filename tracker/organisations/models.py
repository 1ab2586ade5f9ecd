"""Organisations that provide capacity-building support."""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db
from tracker.parties.models import Party

ORGANISATION_TYPES = {
    "gef_agency": _l("GEF agency"),
    "un_body": _l("UN body"),
    "university": _l("University or research institute"),
    "laboratory": _l("Laboratory or laboratory network"),
    "ngo": _l("Non-governmental organisation"),
    "iplc": _l("Organisation of indigenous peoples and local communities"),
    "private_sector": _l("Private sector"),
    "donor_government": _l("Donor government"),
    "other": _l("Other"),
}


class Organisation(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    type: Mapped[str] = mapped_column(String(32))
    country_id: Mapped[int | None] = mapped_column(ForeignKey("party.id"))
    website: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    vetted: Mapped[bool] = mapped_column(default=False)
    vetted_at: Mapped[datetime | None]
    created_at: Mapped[datetime]

    country: Mapped[Party | None] = relationship()

    @property
    def audit_label(self) -> str:
        return self.name

    @property
    def type_label(self) -> str:
        return str(ORGANISATION_TYPES.get(self.type, self.type))

    def __repr__(self) -> str:
        return f"<Organisation {self.name!r}>"
