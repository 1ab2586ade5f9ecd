"""Offers of capacity-building support: write, publish and close them; list them and search the catalogue.

An offer's stored status is draft, open, closed or expired, but an open offer whose window has ended or whose
capacity is used up is not open any more, even before `close_finished_offers` writes it down: every query
computes the effective status in the database (tracker/offers/search.py), so no page ever shows such an offer
as open.
"""
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from sqlalchemy import func, or_, select, true
from sqlalchemy.orm.exc import StaleDataError

from tracker.audit.services import record
from tracker.clock import today as clock_today
from tracker.clock import utcnow
from tracker.errors import InvalidInput, PermissionDenied, StaleEdit
from tracker.extensions import db
from tracker.framework.models import Goal
from tracker.matching.services import expire_matches, refresh_offer_suggestions
from tracker.offers import permissions
from tracker.offers.models import CLOSED, DRAFT, EXPIRED, OFFER_STATUSES, OPEN, Offer
from tracker.offers.search import (
    Catalogue, FacetCounts, OfferFilters, capacity_used, effective_status, search_text,
)
from tracker.organisations.models import Organisation
from tracker.organisations.services import checked_email
from tracker.paging import Page
from tracker.parties.models import REGIONAL_GROUPS, Party
from tracker.validation import check_framework_choices, check_money
from tracker.vocabularies import AUDIENCES, LANGUAGES, MODALITIES, SUPPORT_TYPES

MAX_TITLE = 300
MAX_TEXT = 10_000
MAX_CAPACITY = 1_000
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
PER_PAGE = 20


@dataclass
class OfferInput:
    """What a provider says about an offer. Key areas and examples by code as printed, Parties by ISO3."""

    title: str
    description: str = ""
    support_types: list[str] = field(default_factory=list)
    audiences: list[str] = field(default_factory=list)  # who it is for (optional)
    key_areas: list[str] = field(default_factory=list)
    activity_examples: list[str] = field(default_factory=list)
    # Everyone, or any Party meeting at least one of the criteria below.
    eligible_all: bool = True
    eligible_groups: list[str] = field(default_factory=list)
    eligible_ldc: bool = False
    eligible_sids: bool = False
    eligible_developing: bool = False
    eligible_supplementary: bool = False
    eligible_parties: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    modality: str | None = None
    capacity: int | None = None
    opens_on: date | None = None
    closes_on: date | None = None
    budget_amount: Decimal | None = None
    budget_currency: str = ""
    contact_email: str = ""


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("You are not allowed to do this."))


@dataclass
class ListedOffer:
    """An offer with its effective status and the capacity its activities used."""

    offer: Offer
    status: str
    capacity_used: int

    @property
    def status_label(self) -> str:
        return str(OFFER_STATUSES[self.status])

    @property
    def capacity_left(self) -> int:
        return max(self.offer.capacity - self.capacity_used, 0)


def _listed(rows) -> list[ListedOffer]:
    return [ListedOffer(offer, status, used or 0) for offer, status, used in rows]


def _with_status(query_filter, today: date):
    used = capacity_used()
    return select(Offer, effective_status(today, used), used).where(query_filter)


def listed_offer(offer_id: int, *, today: date | None = None) -> ListedOffer | None:
    """One offer with what its page shows, in a fixed number of queries."""
    rows = db.session.execute(_with_status(Offer.id == offer_id, today or clock_today()).options(
        db.joinedload(Offer.organisation).joinedload(Organisation.country),
        db.joinedload(Offer.updated_by),
        db.selectinload(Offer.key_areas),
        db.selectinload(Offer.activity_examples),
        db.selectinload(Offer.eligible_parties),
    )).all()
    return _listed(rows)[0] if rows else None


def _list_options(*, examples: bool = True):
    """What lists and downloads show of each offer, loaded in a fixed number of queries whatever the rows."""
    options = [db.joinedload(Offer.organisation), db.selectinload(Offer.key_areas),
               db.selectinload(Offer.eligible_parties)]
    if examples:
        options.append(db.selectinload(Offer.activity_examples))
    return options


def organisation_offers(organisation: Organisation | None, page: int = 1, per_page: int = 50, *,
                        today: date | None = None) -> Page:
    """An organisation's offers, drafts included, latest change first; every organisation's when None."""
    condition = true() if organisation is None else Offer.organisation_id == organisation.id
    total = db.session.scalar(select(func.count(Offer.id)).where(condition))
    rows = db.session.execute(
        _with_status(condition, today or clock_today()).options(*_list_options(examples=False))
        .order_by(Offer.updated_at.desc(), Offer.id.desc()).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return Page(_listed(rows), page, per_page, total)


def all_offers(*, today: date | None = None) -> list[ListedOffer]:
    """Every offer, drafts included, by id (for operators' downloads)."""
    return _listed(db.session.execute(
        _with_status(true(), today or clock_today()).options(*_list_options()).order_by(Offer.id)).all())


# --- the catalogue -----------------------------------------------------------------------------------

def search_offers(filters: OfferFilters, page: int = 1, per_page: int = PER_PAGE, *, today: date | None = None,
                  goals: list[Goal] | None = None) -> tuple[Page, FacetCounts]:
    """A page of the published offers matching the filters, and the facet counts. The search text is matched
    by the database's full-text index (FTS5 on SQLite, a GIN index on PostgreSQL); the number of queries does
    not depend on the number of offers. `goals`: catalogue_goals(), if the caller has loaded them already."""
    catalogue = Catalogue(filters, today or clock_today(), goals)
    counts = catalogue.counts()
    page = max(page, 1)
    rows = db.session.execute(
        catalogue.offers().options(*_list_options(examples=False)).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return Page(_listed(rows), page, per_page, counts.total), counts


def all_matching_offers(filters: OfferFilters, *, today: date | None = None,
                        goals: list[Goal] | None = None) -> list[ListedOffer]:
    """Every offer the catalogue shows for the filters, in its order (for downloads)."""
    query = Catalogue(filters, today or clock_today(), goals).offers().options(*_list_options())
    return _listed(db.session.execute(query).all())


# --- validation --------------------------------------------------------------------------------------

def _check_window(data: OfferInput, errors: dict) -> None:
    for name in ("opens_on", "closes_on"):
        value = getattr(data, name)
        if value is not None and not EARLIEST <= value <= LATEST:
            errors[name] = _("Give a date between 2000 and 2100.")
    if data.opens_on and data.closes_on and data.closes_on < data.opens_on and "closes_on" not in errors:
        errors["closes_on"] = _("The offer cannot close before it opens.")


def _check_budget(data: OfferInput, errors: dict) -> tuple[Decimal | None, str]:
    return check_money(data.budget_amount, data.budget_currency, errors,
                       amount_field="budget_amount", currency_field="budget_currency")



def _checked(data: OfferInput) -> dict:
    """The values to store, or InvalidInput with a message per field. All rules are checked here, whatever the
    form checked before."""
    errors = {}
    title = (data.title or "").strip()
    if not title:
        errors["title"] = _("Give the offer a title.")
    elif len(title) > MAX_TITLE:
        errors["title"] = _("The title is longer than %(n)d characters.", n=MAX_TITLE)
    if len(data.description or "") > MAX_TEXT:
        errors["description"] = _("This text is longer than %(n)d characters.", n=MAX_TEXT)
    if not data.support_types:
        errors["support_types"] = _("Choose at least one type of support.")
    elif any(code not in SUPPORT_TYPES for code in data.support_types):
        errors["support_types"] = _("Choose the type of support from the list.")

    if any(code not in AUDIENCES for code in data.audiences):
        errors["audiences"] = _("Choose the audiences from the list.")

    areas, examples = check_framework_choices(data.key_areas, data.activity_examples, errors)

    parties = {}
    if not data.eligible_all:
        if any(group not in REGIONAL_GROUPS for group in data.eligible_groups):
            errors["eligible_groups"] = _("Choose regional groups from the list.")
        if data.eligible_parties:
            parties = {party.iso3: party for party in db.session.scalars(select(Party).where(
                Party.iso3.in_(set(data.eligible_parties)), Party.cartagena_party.is_(True)))}
            if len(parties) != len(set(data.eligible_parties)):
                errors["eligible_parties"] = _("Choose Parties to the Protocol from the list.")
        if not (data.eligible_groups or data.eligible_ldc or data.eligible_sids or data.eligible_developing
                or data.eligible_supplementary or data.eligible_parties):
            errors["eligibility"] = _("Say which Parties may benefit: all of them, or those meeting at least one "
                                      "of the criteria.")

    if not data.languages:
        errors["languages"] = _("Choose at least one language.")
    elif any(code not in LANGUAGES for code in data.languages):
        errors["languages"] = _("Choose languages from the list.")
    if data.modality is not None and data.modality not in MODALITIES:
        errors["modality"] = _("Choose a modality from the list.")
    if data.capacity is None or not 1 <= data.capacity <= MAX_CAPACITY:
        errors["capacity"] = _("Give the number of Parties the offer can serve, between 1 and %(max)d.",
                               max=MAX_CAPACITY)
    _check_window(data, errors)
    amount, currency = _check_budget(data, errors)
    email = checked_email(data.contact_email, errors, "contact_email")
    if errors:
        raise InvalidInput(ngettext("%(num)d field needs correcting. Nothing was saved.",
                                    "%(num)d fields need correcting. Nothing was saved.", len(errors)), errors)

    everyone = bool(data.eligible_all)
    return {
        "title": title,
        "description": (data.description or "").strip(),
        "support_types": [code for code in SUPPORT_TYPES if code in data.support_types],
        "audiences": [code for code in AUDIENCES if code in data.audiences],
        "key_areas": sorted(areas.values(), key=lambda area: area.position),
        "activity_examples": sorted(examples.values(), key=lambda example: example.position),
        "eligible_all": everyone,
        "eligible_groups": [] if everyone else [group for group in REGIONAL_GROUPS if group in data.eligible_groups],
        "eligible_ldc": not everyone and bool(data.eligible_ldc),
        "eligible_sids": not everyone and bool(data.eligible_sids),
        "eligible_developing": not everyone and bool(data.eligible_developing),
        "eligible_supplementary": not everyone and bool(data.eligible_supplementary),
        "eligible_parties": [] if everyone else sorted(parties.values(), key=lambda party: party.iso3),
        "languages": [code for code in LANGUAGES if code in data.languages],
        "modality": data.modality,
        "capacity": data.capacity,
        "opens_on": data.opens_on,
        "closes_on": data.closes_on,
        "budget_amount": amount,
        "budget_currency": currency,
        "contact_email": email,
    }


def offer_search_text(offer: Offer) -> str:
    """Title, description, and the codes and texts (English and Chinese) of the key areas."""
    areas = offer.key_areas
    return search_text(offer.title, offer.description, *[area.code for area in areas],
                       *[area.text_en for area in areas], *[area.text_zh for area in areas])


def offer_snapshot(offer: Offer) -> dict:
    """The offer as JSON-ready values, for the audit log."""
    return {
        "organisation": offer.organisation_id,
        "title": offer.title,
        "description": offer.description,
        "status": offer.status,
        "support_types": list(offer.support_types or []),
        "audiences": list(offer.audiences or []),
        "key_areas": [area.code for area in offer.key_areas],
        "activity_examples": [example.code for example in offer.activity_examples],
        "eligibility": eligibility(offer),
        "languages": list(offer.languages or []),
        "modality": offer.modality,
        "capacity": offer.capacity,
        "opens_on": offer.opens_on.isoformat() if offer.opens_on else None,
        "closes_on": offer.closes_on.isoformat() if offer.closes_on else None,
        "budget_amount": str(offer.budget_amount) if offer.budget_amount is not None else None,
        "budget_currency": offer.budget_currency,
        "contact_email": offer.contact_email,
    }


def eligibility(offer: Offer) -> dict:
    """Who may benefit, as in the export: everyone, or the union of the criteria."""
    return {
        "all": bool(offer.eligible_all),
        "regional_groups": list(offer.eligible_groups or []),
        "ldc": bool(offer.eligible_ldc),
        "sids": bool(offer.eligible_sids),
        "developing": bool(offer.eligible_developing),
        "supplementary": bool(offer.eligible_supplementary),
        "parties": sorted(party.iso3 for party in offer.eligible_parties),
    }


# --- changing ----------------------------------------------------------------------------------------

def _flush() -> None:
    """Flush; the UPDATE matches no row if another save bumped lock_version first."""
    try:
        db.session.flush()
    except StaleDataError:
        raise StaleEdit(_("Someone else saved this offer at the same moment. Your changes were not saved; reload "
                          "the page and try again."))


def create_offer(organisation: Organisation, data: OfferInput, *, actor) -> Offer:
    """A new offer of the organisation, as a draft: it is published separately, once the organisation is
    vetted."""
    _require(permissions.can_create_offer(actor, organisation))
    values = _checked(data)
    now = utcnow()
    offer = Offer(organisation=organisation, status=DRAFT, created_at=now, updated_at=now,
                  updated_by_id=actor.id, **values)
    offer.search_text = offer_search_text(offer)
    db.session.add(offer)
    db.session.flush()
    record(actor, "offer.create", offer, after=offer_snapshot(offer))
    return offer


def update_offer(offer: Offer, data: OfferInput, *, lock_version: int | None, actor) -> bool:
    """Save the user's version of the offer. Refused (StaleEdit) if it was based on an older `lock_version`
    than the stored one: nothing is overwritten. Returns whether anything changed."""
    _require(permissions.can_edit_offer(actor, offer))
    if lock_version != offer.lock_version:
        raise StaleEdit(_("Someone else saved this offer after you opened it. Your changes were not saved and "
                          "theirs were kept; reload the page to see them, then make your changes again."))
    values = _checked(data)
    before = offer_snapshot(offer)
    for name, value in values.items():
        setattr(offer, name, value)
    after = offer_snapshot(offer)
    changed = [name for name in after if before[name] != after[name]]
    if not changed:
        return False
    offer.search_text = offer_search_text(offer)
    offer.updated_at = utcnow()
    offer.updated_by_id = actor.id
    _flush()
    record(actor, "offer.update", offer, before={name: before[name] for name in changed},
           after={name: after[name] for name in changed})
    refresh_offer_suggestions(offer.id)
    return True


def _status_and_used(offer: Offer, today: date) -> tuple[str, int]:
    used = capacity_used()
    return db.session.execute(select(effective_status(today, used), used).where(Offer.id == offer.id)).one()


def publish_offer(offer: Offer, *, actor, today: date | None = None) -> bool:
    """Open the offer to applications (a draft, or a closed or expired one again). Only a vetted
    organisation's offers are published. Returns False if it was open already."""
    _require(permissions.can_edit_offer(actor, offer))
    today = today or clock_today()
    if not offer.organisation.vetted:
        raise InvalidInput(_("The Secretariat has not vetted %(organisation)s yet, so its offers cannot be "
                             "published. The offer stays a draft; you will be able to publish it once the "
                             "organisation is vetted.", organisation=offer.organisation.name))
    status, used = _status_and_used(offer, today)
    if status == OPEN:
        return False
    if offer.closes_on is not None and offer.closes_on < today:
        raise InvalidInput(_("The offer's window ended on %(date)s. Change its closing date before publishing it.",
                             date=format_date(offer.closes_on)))
    if used >= offer.capacity:
        raise InvalidInput(ngettext(
            "The offer has already served %(num)d Party, its whole capacity. Raise its capacity before "
            "publishing it.",
            "The offer has already served %(num)d Parties, its whole capacity. Raise its capacity before "
            "publishing it.", used))
    before = offer.status
    offer.status = OPEN
    offer.published_at = offer.published_at or utcnow()
    offer.updated_at = utcnow()
    offer.updated_by_id = actor.id
    _flush()
    record(actor, "offer.publish", offer, before={"status": before}, after={"status": OPEN})
    refresh_offer_suggestions(offer.id, today=today)
    return True


def close_offer(offer: Offer, *, actor) -> bool:
    """Stop taking applications. Returns False if the offer was closed or expired already."""
    _require(permissions.can_edit_offer(actor, offer))
    if offer.status == DRAFT:
        raise InvalidInput(_("A draft is not published, so there is nothing to close."))
    if offer.status != OPEN:
        return False
    offer.status = CLOSED
    offer.updated_at = utcnow()
    offer.updated_by_id = actor.id
    _flush()
    record(actor, "offer.close", offer, before={"status": OPEN}, after={"status": CLOSED})
    refresh_offer_suggestions(offer.id)
    return True


def close_finished_offers(today: date) -> int:
    """Write down the status of open offers whose window has ended (expired) or whose capacity is used up
    (closed), with an audit entry each (no actor: the system did it). Returns how many changed."""
    used = capacity_used()
    rows = db.session.execute(
        select(Offer, effective_status(today, used), used)
        .where(Offer.status == OPEN, or_(Offer.closes_on < today, used >= Offer.capacity))
        .order_by(Offer.id)
    ).all()
    for offer, status, capacity_used_now in rows:
        offer.status = status
        db.session.flush()
        reason = ({"closes_on": offer.closes_on.isoformat()} if status == EXPIRED
                  else {"capacity": offer.capacity, "capacity_used": capacity_used_now})
        record(None, "offer.expire" if status == EXPIRED else "offer.close", offer,
               before={"status": OPEN}, after={"status": status, **reason})
        refresh_offer_suggestions(offer.id, today=today)
    expire_matches(today)
    return len(rows)
