"""States (and the EU) with their status under the Protocols and UN groupings."""
from datetime import date

from babel import Locale
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from tracker.extensions import db

REGIONAL_GROUPS = ("african", "asia_pacific", "ceeg", "grulac", "weog")


class Party(db.Model):
    """A State or the European Union. `cartagena_party` tells whether it is a Party to the Protocol."""

    id: Mapped[int] = mapped_column(primary_key=True)
    iso3: Mapped[str] = mapped_column(String(3), unique=True)
    iso2: Mapped[str] = mapped_column(String(2), unique=True)
    m49: Mapped[str | None] = mapped_column(String(3))
    # UN short names (UNTERM) in the six UN languages, from the seed file.
    name_en: Mapped[str] = mapped_column(String(120))
    name_fr: Mapped[str] = mapped_column(String(120))
    name_es: Mapped[str] = mapped_column(String(120))
    name_zh: Mapped[str] = mapped_column(String(120))
    name_ru: Mapped[str] = mapped_column(String(120))
    name_ar: Mapped[str] = mapped_column(String(120))
    un_regional_group: Mapped[str | None] = mapped_column(String(16), index=True)
    cartagena_party: Mapped[bool] = mapped_column(default=False, index=True)
    supplementary_protocol_party: Mapped[bool] = mapped_column(default=False)
    # When it became a Party (not in the reference data: empty means a Party at every date). The indicators'
    # denominator is the Parties as at a cycle's reference date.
    cartagena_since: Mapped[date | None]
    supplementary_since: Mapped[date | None]
    ldc: Mapped[bool] = mapped_column(default=False)
    sids: Mapped[bool] = mapped_column(default=False)
    # UN WESP classification: "developed", "transition" (economy in transition) or "developing".
    economy: Mapped[str] = mapped_column(String(12), default="developing")

    def name(self, language: str = "en") -> str:
        """The name in a UI language: the UN short name in the six UN languages, CLDR's otherwise."""
        return (getattr(self, f"name_{language}", None)
                or Locale.parse(language).territories.get(self.iso2) or self.name_en)

    @property
    def audit_label(self) -> str:
        return self.iso3

    def __repr__(self) -> str:
        return f"<Party {self.iso3}>"
