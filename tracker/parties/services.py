from tracker.extensions import db
from tracker.forms import select_choices
from tracker.i18n import current_language
from tracker.parties.models import Party


def party_choices(cartagena_only: bool = True, blank: str | None = None) -> list:
    """(iso3, name in the UI language) for select lists, sorted by name."""
    query = db.select(Party)
    if cartagena_only:
        query = query.where(Party.cartagena_party.is_(True))
    language = current_language()
    choices = sorted(((p.iso3, p.name(language)) for p in db.session.scalars(query)), key=lambda c: c[1])
    return select_choices(([("", blank)] if blank is not None else []) + choices)


def party_by_iso3(iso3: str | None) -> Party | None:
    if not iso3:
        return None
    return db.session.scalar(db.select(Party).where(Party.iso3 == iso3))
