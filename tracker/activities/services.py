"""The CB activities a Party organised or took part in, and those an organisation delivered: find, create,
update, delete."""
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm.exc import StaleDataError

from tracker.activities import permissions
from tracker.activities.models import PARTY_ROLES_IN_ACTIVITY, Activity
from tracker.audit.services import record
from tracker.clock import utcnow
from tracker.errors import InvalidInput, PermissionDenied, StaleEdit
from tracker.extensions import db
from tracker.offers.models import Offer
from tracker.organisations.models import Organisation
from tracker.parties.models import Party
from tracker.security import MAX_ID
from tracker.validation import check_framework_choices, check_money, is_web_link
from tracker.vocabularies import ACTIVITY_STATUSES, LANGUAGES, MODALITIES, SUPPORT_TYPES

MAX_TITLE = 300
MAX_TEXT = 10_000
MAX_SOURCE = 300
MAX_OUTPUTS = 10
MAX_OUTPUT_TITLE = 300
MAX_URL = 1000
MAX_PARTICIPANTS = 10_000_000
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)

PARTICIPANT_FIELDS = ("participants_women", "participants_men", "participants_other")


@dataclass
class ActivityInput:
    """What a user (or an API client) says about an activity. Key areas and examples by code, as printed."""

    title: str
    status: str
    party_role: str | None = None
    description: str = ""
    start_date: date | None = None
    end_date: date | None = None
    key_areas: list[str] = field(default_factory=list)
    activity_examples: list[str] = field(default_factory=list)
    support_type: str | None = None
    modality: str | None = None
    languages: list[str] = field(default_factory=list)
    participants_women: int | None = None
    participants_men: int | None = None
    participants_other: int | None = None
    # [{"title": ..., "url": ...}]; rows with neither are ignored, so a form's empty rows may be passed as they are.
    outputs: list[dict] = field(default_factory=list)
    funding_amount: Decimal | None = None
    funding_currency: str = ""
    funding_source: str = ""
    results: str = ""
    # Organisation records only: the Parties that benefited (ISO3 codes) and the organisation's offer it came from.
    beneficiaries: list[str] = field(default_factory=list)
    offer_id: int | None = None


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("You are not allowed to do this."))


# --- reading -------------------------------------------------------------------------------------

RECORDED_BY = ("parties", "organisations")


@dataclass
class ActivityFilters:
    party: Party | None = None                # only this Party's records
    organisation: Organisation | None = None  # only this organisation's records
    recorded_by: str | None = None            # "parties" or "organisations": only their records
    status: str | None = None
    year: int | None = None              # took place, at least in part, in this year
    started_from: date | None = None
    started_until: date | None = None


def _scope(filters: ActivityFilters) -> list:
    """Whose records: the conditions a year list shares with the list itself."""
    conditions = []
    if filters.party is not None:
        conditions.append(Activity.party_id == filters.party.id)
    if filters.organisation is not None:
        conditions.append(Activity.organisation_id == filters.organisation.id)
    if filters.recorded_by == "parties":
        conditions.append(Activity.party_id.is_not(None))
    elif filters.recorded_by == "organisations":
        conditions.append(Activity.organisation_id.is_not(None))
    return conditions


# What a list, an export or the IATI file shows of each activity, loaded in a fixed number of queries.
ACTIVITY_LOAD_OPTIONS = (
    db.joinedload(Activity.party),
    db.joinedload(Activity.organisation),
    db.selectinload(Activity.key_areas),
    db.selectinload(Activity.activity_examples),
    db.selectinload(Activity.beneficiaries),
)


def activities_query(filters: ActivityFilters):
    """The matching activities, latest first, with what a list or an export shows loaded in a fixed number
    of queries whatever the number of rows."""
    query = db.select(Activity).where(*_scope(filters)).options(*ACTIVITY_LOAD_OPTIONS)
    if filters.status:
        query = query.where(Activity.status == filters.status)
    if filters.year:
        query = query.where(
            Activity.start_date <= date(filters.year, 12, 31),
            db.func.coalesce(Activity.end_date, Activity.start_date) >= date(filters.year, 1, 1),
        )
    if filters.started_from:
        query = query.where(Activity.start_date >= filters.started_from)
    if filters.started_until:
        query = query.where(Activity.start_date <= filters.started_until)
    return query.order_by(Activity.start_date.desc().nulls_last(), Activity.id.desc())


def activity_years(filters: ActivityFilters) -> list[int]:
    """The years the activities in scope span, latest first, for a year filter."""
    first, last = db.session.execute(
        db.select(db.func.min(Activity.start_date),
                  db.func.max(db.func.coalesce(Activity.end_date, Activity.start_date)))
        .where(*_scope(filters))
    ).one()
    if first is None:
        return []
    return list(range(max(last.year, first.year), first.year - 1, -1))


def activity_snapshot(activity: Activity) -> dict:
    """The activity as JSON-ready values, for the audit log."""
    return {
        "party": activity.party.iso3 if activity.party else None,
        "organisation_id": activity.organisation_id,
        "party_role": activity.party_role,
        "title": activity.title,
        "description": activity.description,
        "status": activity.status,
        "start_date": activity.start_date.isoformat() if activity.start_date else None,
        "end_date": activity.end_date.isoformat() if activity.end_date else None,
        "key_areas": [area.code for area in activity.key_areas],
        "activity_examples": [example.code for example in activity.activity_examples],
        "support_type": activity.support_type,
        "modality": activity.modality,
        "languages": list(activity.languages or []),
        **{name: getattr(activity, name) for name in PARTICIPANT_FIELDS},
        "outputs": [dict(output) for output in activity.outputs or []],
        "funding_amount": str(activity.funding_amount) if activity.funding_amount is not None else None,
        "funding_currency": activity.funding_currency,
        "funding_source": activity.funding_source,
        "results": activity.results,
        "beneficiaries": sorted(beneficiary.iso3 for beneficiary in activity.beneficiaries),
        "offer_id": activity.offer.id if activity.offer else None,
    }


# --- validation ----------------------------------------------------------------------------------


def _check_outputs(outputs: list[dict], errors: dict) -> list[dict]:
    kept = []
    for index, output in enumerate(outputs):
        title = (output.get("title") or "").strip()
        url = (output.get("url") or "").strip()
        if not title and not url:
            continue
        if not title:
            errors[f"outputs.{index}.title"] = _("Give the material a title.")
        elif len(title) > MAX_OUTPUT_TITLE:
            errors[f"outputs.{index}.title"] = _("The title is longer than %(n)d characters.", n=MAX_OUTPUT_TITLE)
        if url and not is_web_link(url):
            errors[f"outputs.{index}.url"] = _("The link must start with http:// or https://.")
        elif len(url) > MAX_URL:
            errors[f"outputs.{index}.url"] = _("The link is too long.")
        kept.append({"title": title, "url": url})
    if len(kept) > MAX_OUTPUTS:
        errors["outputs"] = _("Give at most %(n)d materials.", n=MAX_OUTPUTS)
    return kept


def _check_funding(data: ActivityInput, errors: dict) -> tuple[Decimal | None, str]:
    return check_money(data.funding_amount, data.funding_currency, errors,
                       amount_field="funding_amount", currency_field="funding_currency")


def _check_beneficiaries(codes: list[str], errors: dict) -> list[Party]:
    """Parties to the Protocol, by ISO3 code, in the order of their codes."""
    if not codes:
        return []
    found = {beneficiary.iso3: beneficiary for beneficiary in db.session.scalars(
        db.select(Party).where(Party.iso3.in_(set(codes)), Party.cartagena_party.is_(True)))}
    if len(found) != len(set(codes)):
        errors["beneficiaries"] = _("Choose beneficiary Parties from the list of Parties to the Protocol.")
    return [found[code] for code in sorted(found)]


def _check_offer(offer_id: int | None, organisation: Organisation, errors: dict) -> Offer | None:
    """One of the recording organisation's own offers, in any status (a planned activity may follow a draft)."""
    if offer_id is None:
        return None
    offer = db.session.get(Offer, offer_id) if 0 < offer_id <= MAX_ID else None
    if offer is None or offer.organisation_id != organisation.id:
        errors["offer"] = _("Choose one of the offers of %(organisation)s.", organisation=organisation.name)
        return None
    return offer


def _checked(data: ActivityInput, *, organisation: Organisation | None) -> dict:
    """The values to store, or InvalidInput with a message per field. All rules are checked here, whatever
    the form checked before. `organisation` is the recording organisation; None for a Party's record."""
    party_record = organisation is None
    errors = {}
    title = (data.title or "").strip()
    if not title:
        errors["title"] = _("Give the activity a title.")
    elif len(title) > MAX_TITLE:
        errors["title"] = _("The title is longer than %(n)d characters.", n=MAX_TITLE)
    if party_record and data.party_role not in PARTY_ROLES_IN_ACTIVITY:
        errors["party_role"] = _("Say whether your Party organised the activity or took part in it.")
    if data.status not in ACTIVITY_STATUSES:
        errors["status"] = _("Choose the status.")
    for name in ("start_date", "end_date"):
        value = getattr(data, name)
        if value is not None and not EARLIEST <= value <= LATEST:
            errors[name] = _("Give a date between 2000 and 2100.")
    if data.start_date and data.end_date and data.end_date < data.start_date and "end_date" not in errors:
        errors["end_date"] = _("The activity cannot end before it starts.")
    if data.status == "completed" and data.start_date is None and "start_date" not in errors:
        errors["start_date"] = _("Give the start date of a completed activity.")

    areas, examples = check_framework_choices(data.key_areas, data.activity_examples, errors)
    if data.support_type is not None and data.support_type not in SUPPORT_TYPES:
        errors["support_type"] = _("Choose the type of support from the list.")
    if data.modality is not None and data.modality not in MODALITIES:
        errors["modality"] = _("Choose a modality from the list.")
    if any(language not in LANGUAGES for language in data.languages):
        errors["languages"] = _("Choose languages from the list.")
    for name in PARTICIPANT_FIELDS:
        value = getattr(data, name)
        if value is not None and not 0 <= value <= MAX_PARTICIPANTS:
            errors[name] = _("Give a whole number between 0 and %(max)d.", max=MAX_PARTICIPANTS)
    outputs = _check_outputs(data.outputs, errors)
    amount, currency = _check_funding(data, errors)
    if party_record:
        # A Party's own record says how the Party took part; beneficiaries and offers are the providers' side.
        if data.beneficiaries:
            errors["beneficiaries"] = _("Only organisations record beneficiary Parties.")
        if data.offer_id is not None:
            errors["offer"] = _("Only organisations link an activity to their offers.")
        recipients = {}
    else:
        recipients = {"beneficiaries": _check_beneficiaries(data.beneficiaries, errors),
                      "offer": _check_offer(data.offer_id, organisation, errors)}
    for name, limit in (("description", MAX_TEXT), ("results", MAX_TEXT), ("funding_source", MAX_SOURCE)):
        if len(getattr(data, name) or "") > limit:
            errors[name] = _("This text is longer than %(n)d characters.", n=limit)
    if errors:
        raise InvalidInput(ngettext("%(num)d field needs correcting. Nothing was saved.",
                                    "%(num)d fields need correcting. Nothing was saved.", len(errors)), errors)

    return {
        "title": title,
        "description": (data.description or "").strip(),
        "party_role": data.party_role if party_record else None,
        "status": data.status,
        "start_date": data.start_date,
        "end_date": data.end_date,
        "key_areas": sorted(areas.values(), key=lambda area: area.position),
        "activity_examples": sorted(examples.values(), key=lambda example: example.position),
        "support_type": data.support_type,
        "modality": data.modality,
        "languages": [code for code in LANGUAGES if code in data.languages],
        **{name: getattr(data, name) for name in PARTICIPANT_FIELDS},
        "outputs": outputs,
        "funding_amount": amount,
        "funding_currency": currency,
        "funding_source": (data.funding_source or "").strip(),
        "results": (data.results or "").strip(),
        **recipients,
    }



# --- changing ------------------------------------------------------------------------------------

def _flush() -> None:
    """Flush; the UPDATE or DELETE matches no row if another save bumped lock_version first."""
    try:
        db.session.flush()
    except StaleDataError:
        raise StaleEdit(_("Someone else saved or deleted this activity at the same moment. Your changes were not "
                          "saved; reload the page and try again."))


def create_activity(party: Party, data: ActivityInput, *, actor) -> Activity:
    """Record an activity that the Party organised or took part in."""
    _require(permissions.can_record_activity_for_party(actor, party))
    return _create({"party": party}, _checked(data, organisation=None), actor)


def create_organisation_activity(organisation: Organisation, data: ActivityInput, *, actor) -> Activity:
    """Record an activity that the organisation delivered or plans to deliver."""
    _require(permissions.can_record_activity_for_organisation(actor, organisation))
    return _create({"organisation": organisation}, _checked(data, organisation=organisation), actor)


def _create(recorder: dict, values: dict, actor) -> Activity:
    now = utcnow()
    activity = Activity(**recorder, created_at=now, updated_at=now, updated_by_id=actor.id, **values)
    db.session.add(activity)
    db.session.flush()
    record(actor, "activity.create", activity, after=activity_snapshot(activity))
    return activity


def update_activity(activity: Activity, data: ActivityInput, *, lock_version: int | None, actor) -> bool:
    """Save the user's version of the activity. Refused (StaleEdit) if it was based on an older
    `lock_version` than the stored one: nothing is overwritten. Returns whether anything changed."""
    _require(permissions.can_edit_activity(actor, activity))
    if lock_version != activity.lock_version:
        raise StaleEdit(_("Someone else saved this activity after you opened it. Your changes were not saved "
                          "and theirs were kept; reload the page to see them, then make your changes again."))
    values = _checked(data, organisation=activity.organisation if activity.party_id is None else None)
    before = activity_snapshot(activity)
    for name, value in values.items():
        setattr(activity, name, value)
    after = activity_snapshot(activity)
    changed = [name for name in after if before[name] != after[name]]
    if not changed:
        return False
    activity.updated_at = utcnow()
    activity.updated_by_id = actor.id
    _flush()
    record(actor, "activity.update", activity, before={name: before[name] for name in changed},
           after={name: after[name] for name in changed})
    return True


def delete_activity(activity: Activity, *, actor) -> None:
    _require(permissions.can_edit_activity(actor, activity))
    record(actor, "activity.delete", activity, before=activity_snapshot(activity))
    db.session.delete(activity)
    _flush()
