"""Capacity-building activities, read and written through tracker/activities/services.py.

Activity records are not public on the pages: a Party's users see their Party's log, an organisation's providers
its own, the Secretariat every record. The API shows each caller the same, so without a token the list is empty
(the public dashboard's counts of completed activities are where the public sees them).
"""
from dataclasses import fields as dataclass_fields

import marshmallow as ma
from flask_babel import gettext as _

from tracker.activities import permissions, services
from tracker.activities.models import PARTY_ROLES_IN_ACTIVITY, Activity
from tracker.activities.services import (
    MAX_OUTPUT_TITLE, MAX_PARTICIPANTS, MAX_SOURCE, MAX_TEXT, MAX_TITLE, MAX_URL, RECORDED_BY, ActivityInput,
)
from tracker.api.auth import caller, require_caller
from tracker.api.errors import ApiError, apply_change, not_found
from tracker.api.schemas import (
    Blueprint, Codes, FrameworkCode, Id, LockVersion, Money, PageArgsSchema, Schema, UtcDateTime, at_most, between,
    documented, envelope, is_object_id, money_text, one_of, page_of_query, page_schema,
)
from tracker.extensions import db
from tracker.organisations.models import Organisation
from tracker.parties.services import party_by_iso3
from tracker.vocabularies import ACTIVITY_STATUSES, LANGUAGES, MODALITIES, SUPPORT_TYPES

blp = Blueprint("Activities", __name__, url_prefix="/api/v1",
                description="Capacity-building activities recorded by Parties and organisations.")


class RecorderSchema(Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)


class OutputSchema(Schema):
    title = ma.fields.String(required=True)
    url = ma.fields.String(required=True)


class ActivitySchema(Schema):
    id = ma.fields.Integer(required=True)
    party = ma.fields.String(required=True, allow_none=True, metadata={
        "description": "The recording Party (ISO3), for a Party's record."})
    organisation = ma.fields.Nested(RecorderSchema, required=True, allow_none=True, metadata={
        "description": "The recording organisation, for an organisation's record."})
    party_role = ma.fields.String(required=True, allow_none=True, validate=one_of(PARTY_ROLES_IN_ACTIVITY))
    title = ma.fields.String(required=True)
    description = ma.fields.String(required=True)
    status = ma.fields.String(required=True, validate=one_of(ACTIVITY_STATUSES))
    start_date = ma.fields.Date(required=True, allow_none=True)
    end_date = ma.fields.Date(required=True, allow_none=True)
    key_areas = ma.fields.List(ma.fields.String(), required=True)
    activity_examples = ma.fields.List(ma.fields.String(), required=True)
    support_type = ma.fields.String(required=True, allow_none=True, validate=one_of(SUPPORT_TYPES))
    modality = ma.fields.String(required=True, allow_none=True, validate=one_of(MODALITIES))
    languages = Codes(LANGUAGES, required=True)
    participants_women = ma.fields.Integer(required=True, allow_none=True)
    participants_men = ma.fields.Integer(required=True, allow_none=True)
    participants_other = ma.fields.Integer(required=True, allow_none=True)
    participants_total = ma.fields.Integer(required=True, allow_none=True)
    outputs = ma.fields.List(ma.fields.Nested(OutputSchema), required=True)
    funding_amount = Money(required=True)
    funding_currency = ma.fields.String(required=True)
    funding_source = ma.fields.String(required=True)
    results = ma.fields.String(required=True)
    beneficiaries = ma.fields.List(ma.fields.String(), required=True, metadata={
        "description": "Parties an organisation's activity was for (ISO3)."})
    offer_id = ma.fields.Integer(required=True, allow_none=True, metadata={
        "description": "The organisation's offer it came from."})
    updated_at = UtcDateTime(required=True)
    lock_version = ma.fields.Integer(required=True)


def activity_item(activity: Activity) -> dict:
    organisation = activity.organisation
    return {
        "id": activity.id, "party": activity.party.iso3 if activity.party else None,
        "organisation": {"id": organisation.id, "name": organisation.name} if organisation else None,
        "party_role": activity.party_role, "title": activity.title, "description": activity.description,
        "status": activity.status, "start_date": activity.start_date, "end_date": activity.end_date,
        "key_areas": [area.code for area in activity.key_areas],
        "activity_examples": [example.code for example in activity.activity_examples],
        "support_type": activity.support_type, "modality": activity.modality,
        "languages": list(activity.languages or []),
        **{name: getattr(activity, name) for name in services.PARTICIPANT_FIELDS},
        "participants_total": activity.participants_total,
        "outputs": [{"title": output.get("title", ""), "url": output.get("url", "")}
                    for output in activity.outputs or []],
        "funding_amount": money_text(activity.funding_amount), "funding_currency": activity.funding_currency or "",
        "funding_source": activity.funding_source or "", "results": activity.results or "",
        "beneficiaries": sorted(party.iso3 for party in activity.beneficiaries), "offer_id": activity.offer_id,
        "updated_at": activity.updated_at, "lock_version": activity.lock_version,
    }


# --- what a recorder sends ---------------------------------------------------------------------

class OutputInputSchema(Schema):
    title = ma.fields.String(load_default="", validate=at_most(MAX_OUTPUT_TITLE))
    url = ma.fields.String(load_default="", validate=at_most(MAX_URL))


def _count(**kwargs) -> ma.fields.Integer:
    return ma.fields.Integer(load_default=None, allow_none=True, strict=True, validate=between(0, MAX_PARTICIPANTS),
                             **kwargs)


class ActivityInputSchema(Schema):
    title = ma.fields.String(required=True, validate=at_most(MAX_TITLE))
    status = ma.fields.String(required=True, validate=one_of(ACTIVITY_STATUSES))
    party_role = ma.fields.String(load_default=None, allow_none=True, validate=one_of(PARTY_ROLES_IN_ACTIVITY),
                                  metadata={"description": "A Party's record: whether the Party organised the "
                                                           "activity or took part in it."})
    description = ma.fields.String(load_default="", validate=at_most(MAX_TEXT))
    start_date = ma.fields.Date(load_default=None, allow_none=True)
    end_date = ma.fields.Date(load_default=None, allow_none=True)
    key_areas = ma.fields.List(FrameworkCode("key_areas"), required=True)
    activity_examples = ma.fields.List(FrameworkCode("activity_examples"), load_default=list)
    support_type = ma.fields.String(load_default=None, allow_none=True, validate=one_of(SUPPORT_TYPES))
    modality = ma.fields.String(load_default=None, allow_none=True, validate=one_of(MODALITIES))
    languages = Codes(LANGUAGES, load_default=list)
    participants_women = _count()
    participants_men = _count()
    participants_other = _count()
    outputs = ma.fields.List(ma.fields.Nested(OutputInputSchema), load_default=list)
    funding_amount = ma.fields.Decimal(load_default=None, allow_none=True)
    funding_currency = ma.fields.String(load_default="", validate=at_most(3))
    funding_source = ma.fields.String(load_default="", validate=at_most(MAX_SOURCE))
    results = ma.fields.String(load_default="", validate=at_most(MAX_TEXT))
    beneficiaries = ma.fields.List(ma.fields.String(validate=at_most(3)), load_default=list, metadata={
        "description": "An organisation's record: the Parties it was for (ISO3)."})
    offer_id = Id(load_default=None, allow_none=True, metadata={
        "description": "An organisation's record: the offer it came from."})


class ActivityPatchSchema(ActivityInputSchema):
    lock_version = LockVersion(
        "The activity's lock_version when it was read: a change based on an older one is "
        "refused (409).")


ACTIVITY_PATCH = ActivityPatchSchema(partial=tuple(ActivityInputSchema._declared_fields))
_INPUT_FIELDS = {field.name for field in dataclass_fields(ActivityInput)}


def activity_input(values: dict, base: ActivityInput | None = None) -> ActivityInput:
    changes = {name: value for name, value in values.items() if name in _INPUT_FIELDS}
    if "outputs" in changes:
        changes["outputs"] = [dict(output) for output in changes["outputs"]]
    return ActivityInput(**{**(vars(base) if base else {}), **changes})


def stored_input(activity: Activity) -> ActivityInput:
    return ActivityInput(
        title=activity.title, status=activity.status, party_role=activity.party_role,
        description=activity.description, start_date=activity.start_date, end_date=activity.end_date,
        key_areas=[area.code for area in activity.key_areas],
        activity_examples=[example.code for example in activity.activity_examples],
        support_type=activity.support_type, modality=activity.modality, languages=list(activity.languages or []),
        **{name: getattr(activity, name) for name in services.PARTICIPANT_FIELDS},
        outputs=[dict(output) for output in activity.outputs or []], funding_amount=activity.funding_amount,
        funding_currency=activity.funding_currency, funding_source=activity.funding_source,
        results=activity.results, beneficiaries=sorted(party.iso3 for party in activity.beneficiaries),
        offer_id=activity.offer_id,
    )


# --- reading -----------------------------------------------------------------------------------

class ActivityArgsSchema(PageArgsSchema):
    status = ma.fields.String(validate=one_of(ACTIVITY_STATUSES))
    year = ma.fields.Integer(validate=between(2000, 2100), metadata={
        "description": "Activities that took place, at least in part, in this year."})
    party = ma.fields.String(validate=at_most(3), metadata={"description": "The recording Party (ISO3)."})
    recorded_by = ma.fields.String(validate=one_of(RECORDED_BY), metadata={
        "description": "Only Parties' records, or only organisations'."})


@blp.route("/activities", methods=["GET"])
@blp.arguments(ActivityArgsSchema, location="query")
@blp.response(200, page_schema(ActivitySchema, "ActivityPage"))
@documented(blp)
def activities(args):
    """The activities the caller may see, latest first

    The Secretariat sees every record; a Party's users their Party's; an organisation's providers their
    organisation's. Without a token the list is empty: activity records are not public.
    """
    user = caller()
    filters = services.ActivityFilters(status=args.get("status"), year=args.get("year"),
                                       recorded_by=args.get("recorded_by"))
    party = None
    if "party" in args:
        party = party_by_iso3(args["party"].upper())
        if party is None:
            raise ApiError(422, fields={"party": [_("There is no Party with this code.")]})
    if permissions.can_see_all_activities(user):
        filters.party = party
    else:
        recorder = permissions.own_recorder(user)
        if recorder is None or (party is not None and recorder is not party):
            return envelope([], args["page"], args["per_page"], 0)
        if isinstance(recorder, Organisation):
            filters.organisation = recorder
        else:
            filters.party = recorder
    rows, page = page_of_query(services.activities_query(filters), args, unique=True)
    return {**page, "items": [activity_item(activity) for activity in rows]}


def _visible_activity(activity_id: int) -> Activity:
    if not is_object_id(activity_id):
        raise not_found()
    activity = db.session.scalar(db.select(Activity).where(Activity.id == activity_id).options(
        *services.ACTIVITY_LOAD_OPTIONS))
    if activity is None or not permissions.can_view_activity(caller(), activity):
        raise not_found()
    return activity


@blp.route("/activities/<object_id:activity_id>", methods=["GET"])
@blp.response(200, ActivitySchema)
@documented(blp, 404)
def activity(activity_id):
    """One activity, if the caller may see it"""
    return activity_item(_visible_activity(activity_id))


# --- writing -----------------------------------------------------------------------------------

def _reloaded(activity_id: int) -> dict:
    db.session.expire_all()
    return activity_item(_visible_activity(activity_id))


@blp.route("/activities", methods=["POST"])
@blp.arguments(ActivityInputSchema)
@blp.response(201, ActivitySchema)
@documented(blp, 403, 413, private=True)
def create_activity(values):
    """Record an activity of the caller's Party or organisation"""
    user = require_caller()
    recorder = permissions.own_recorder(user)
    if recorder is None:
        raise ApiError(403, _("You are not allowed to do this."))
    data = activity_input(values)
    if isinstance(recorder, Organisation):
        created = apply_change(lambda: services.create_organisation_activity(recorder, data, actor=user))
    else:
        created = apply_change(lambda: services.create_activity(recorder, data, actor=user))
    return _reloaded(created.id)


@blp.route("/activities/<object_id:activity_id>", methods=["PATCH"])
@blp.arguments(ACTIVITY_PATCH)
@blp.response(200, ActivitySchema)
@documented(blp, 403, 404, 409, 413, private=True)
def update_activity(values, activity_id):
    """Change an activity: the fields sent replace the stored ones, the others are kept"""
    user = require_caller()
    activity = _visible_activity(activity_id)
    data = activity_input(values, stored_input(activity))
    apply_change(lambda: services.update_activity(activity, data, lock_version=values["lock_version"], actor=user))
    return _reloaded(activity_id)


@blp.route("/activities/<object_id:activity_id>", methods=["DELETE"])
@blp.response(204)
@documented(blp, 403, 404, 409, private=True)
def delete_activity(activity_id):
    """Delete an activity"""
    user = require_caller()
    activity = _visible_activity(activity_id)
    apply_change(lambda: services.delete_activity(activity, actor=user))
