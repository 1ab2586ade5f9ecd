"""Matches between needs and offers: what /matches shows each side, and the workflow's steps through
tracker/matching/services.py (each step carries the match's lock_version, as the pages' forms do)."""
import marshmallow as ma
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from tracker.accounts.permissions import acts_for_party, is_secretariat
from tracker.activities.models import Activity
from tracker.activities.services import MAX_PARTICIPANTS, MAX_TEXT, MAX_TITLE, ActivityInput
from tracker.api.auth import require_caller
from tracker.api.errors import ApiError, apply_change, not_found
from tracker.api.schemas import (
    Blueprint, FrameworkCode, Id, LockVersion, PageArgsSchema, Schema, UtcDateTime, at_most, between, documented,
    is_object_id, one_of, page_of_list, page_of_query, page_schema,
)
from tracker.assessments.models import Need
from tracker.errors import PermissionDenied
from tracker.extensions import db
from tracker.framework.models import KeyArea
from tracker.matching import queries, services
from tracker.matching.models import (
    DECLINE_REASONS, MATCH_STATUSES, PARTY_SIDE, PROVIDER_SIDE, SUGGESTED, Match,
)
from tracker.matching.reasons import reasons
from tracker.matching.services import MAX_COMMENT
from tracker.needs.permissions import is_vetted_provider
from tracker.offers.models import Offer
from tracker.vocabularies import MODALITIES, NEED_LEVELS, SUPPORT_TYPES

blp = Blueprint("Matches", __name__, url_prefix="/api/v1",
                description="Matches between Parties' needs and offers, and their workflow.")

SIDES = (PARTY_SIDE, PROVIDER_SIDE)


class MatchOfferSchema(Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    organisation = ma.fields.String(required=True)


class MatchNeedSchema(Schema):
    level = ma.fields.String(required=True, allow_none=True, validate=one_of(NEED_LEVELS))
    priority = ma.fields.Integer(required=True, allow_none=True)


class MatchSchema(Schema):
    id = ma.fields.Integer(required=True)
    party = ma.fields.String(required=True, metadata={"description": "ISO3."})
    key_area = ma.fields.String(required=True)
    offer = ma.fields.Nested(MatchOfferSchema, required=True)
    need = ma.fields.Nested(MatchNeedSchema, required=True, allow_none=True, metadata={
        "description": "The need the pair was computed from; null if the Party removed it since."})
    status = ma.fields.String(required=True, validate=one_of(MATCH_STATUSES))
    next_actor = ma.fields.String(required=True, allow_none=True, validate=one_of(SIDES), metadata={
        "description": "Which side takes the next step."})
    score = ma.fields.Float(required=True)
    components = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Float(), required=True)
    reasons = ma.fields.List(ma.fields.String(), required=True, metadata={
        "description": "Why the pair fits, in the caller's language."})
    allocated = ma.fields.Boolean(required=True, metadata={"description": "Chosen by the global allocation."})
    proposed_by = ma.fields.String(required=True, allow_none=True, validate=one_of(SIDES))
    declined_by = ma.fields.String(required=True, allow_none=True, validate=one_of(SIDES))
    decline_reason = ma.fields.String(required=True, allow_none=True, validate=one_of(DECLINE_REASONS))
    decline_comment = ma.fields.String(required=True)
    activity_id = ma.fields.Integer(required=True, allow_none=True)
    rating = ma.fields.Integer(required=True, allow_none=True)
    feedback = ma.fields.String(required=True)
    created_at = UtcDateTime(required=True)
    step_at = UtcDateTime(required=True, metadata={"description": "When the last step was taken."})
    lock_version = ma.fields.Integer(required=True, metadata={"description": "Send it back with a step."})


def match_item(match: Match, need) -> dict:
    """The match as the API shows it; `need` as the caller may see it (queries.needs_as_shown)."""
    return {
        "id": match.id, "party": match.party.iso3, "key_area": match.key_area.code,
        "offer": {"id": match.offer.id, "title": match.offer.title, "organisation": match.offer.organisation.name},
        "need": {"level": need.level, "priority": need.priority} if need is not None else None,
        "status": match.status, "next_actor": queries.next_actor(match), "score": match.score,
        "components": dict(match.components or {}), "reasons": reasons(match), "allocated": match.allocated,
        "proposed_by": match.proposed_by, "declined_by": match.declined_by, "decline_reason": match.decline_reason,
        "decline_comment": match.decline_comment or "", "activity_id": match.activity_id, "rating": match.rating,
        "feedback": match.feedback or "", "created_at": match.created_at, "step_at": match.step_at,
        "lock_version": match.lock_version,
    }


# --- reading -----------------------------------------------------------------------------------

class MatchArgsSchema(PageArgsSchema):
    status = ma.fields.String(validate=one_of(MATCH_STATUSES), metadata={
        "description": "By default: for the Secretariat every match past the suggestions, for the sides "
                       "everything, suggestions included."})
    offer = Id(strict=False, metadata={"description": "Only the matches of this offer."})
    key_area = FrameworkCode("key_areas")


def _load_options():
    """Everything a match shows, loaded up front."""
    return (joinedload(Match.party), joinedload(Match.key_area),
            joinedload(Match.offer).options(joinedload(Offer.organisation), selectinload(Offer.activity_examples),
                                            selectinload(Offer.eligible_parties)),
            joinedload(Match.need).joinedload(Need.assessment))


def _sides_matches(user, statuses) -> list[Match] | None:
    """What /matches shows a Party's users or an organisation's providers; None for anyone else."""
    if acts_for_party(user, user.party):
        return queries.for_party(user.party_id, statuses)
    organisation = user.organisation if user.organisation_id else None
    if organisation is not None and user.has_role("provider"):
        suggested = [SUGGESTED] if SUGGESTED in statuses and is_vetted_provider(user) else []
        others = [status for status in statuses if status != SUGGESTED]
        return ((queries.for_organisation(organisation.id, suggested, suggestions=True) if suggested else [])
                + (queries.for_organisation(organisation.id, others, suggestions=False) if others else []))
    return None


@blp.route("/matches", methods=["GET"])
@blp.arguments(MatchArgsSchema, location="query")
@blp.response(200, page_schema(MatchSchema, "MatchPage"))
@documented(blp, private=True)
def matches(args):
    """The matches the caller may see, as /matches shows them

    A Party's users: their Party's suggestions and matches. An organisation's providers: the suggestions for its
    offers (once vetted, and only needs the Party lets providers see) and its matches. The Secretariat: every
    match past the suggestions (any status with `status`). Anyone else: none.
    """
    user = require_caller()
    if is_secretariat(user):
        query = select(Match).join(KeyArea, KeyArea.id == Match.key_area_id).where(
            Match.status == args["status"] if "status" in args else Match.status != SUGGESTED)
        if "offer" in args:
            query = query.where(Match.offer_id == args["offer"])
        if "key_area" in args:
            query = query.where(KeyArea.code == args["key_area"])
        rows, page = page_of_query(query.options(*_load_options()).order_by(Match.step_at.desc(), Match.id.desc()),
                                   args, unique=True)
        return {**page, "items": _items(rows, user)}
    statuses = (args["status"],) if "status" in args else tuple(MATCH_STATUSES)
    rows = [match for match in _sides_matches(user, statuses) or []
            if args.get("offer", match.offer_id) == match.offer_id
            and args.get("key_area", match.key_area.code) == match.key_area.code]
    return page_of_list(_items(rows, user), args)


def _visible_match(match_id: int, user) -> Match:
    if not is_object_id(match_id):
        raise not_found()
    match = db.session.scalar(select(Match).where(Match.id == match_id).options(*_load_options()))
    if match is None or not services.can_view_match(user, match):
        raise not_found()
    return match


def _items(matches: list[Match], user) -> list[dict]:
    shown = queries.needs_as_shown(matches, user)
    return [match_item(match, shown[match.id]) for match in matches]


def _reloaded(match_id: int, user) -> dict:
    db.session.expire_all()
    return _items([_visible_match(match_id, user)], user)[0]


@blp.route("/matches/<object_id:match_id>", methods=["GET"])
@blp.response(200, MatchSchema)
@documented(blp, 404, private=True)
def match(match_id):
    """One match, if the caller may see it"""
    user = require_caller()
    return _items([_visible_match(match_id, user)], user)[0]


# --- the workflow ------------------------------------------------------------------------------

def _lock_version(**kwargs) -> ma.fields.Integer:
    return LockVersion(
        "The match's lock_version when it was read: a step based on an older one is refused "
        "(409).", **kwargs)


class StepSchema(Schema):
    lock_version = _lock_version()


class ReasonSchema(StepSchema):
    reason = ma.fields.String(required=True, validate=one_of(DECLINE_REASONS))
    comment = ma.fields.String(load_default="", validate=at_most(MAX_COMMENT), metadata={
        "description": "Required with the reason “other”."})


def _count() -> ma.fields.Integer:
    return ma.fields.Integer(load_default=None, allow_none=True, strict=True, validate=between(0, MAX_PARTICIPANTS))


class DeliveredActivitySchema(Schema):
    title = ma.fields.String(required=True, validate=at_most(MAX_TITLE))
    start_date = ma.fields.Date(required=True)
    end_date = ma.fields.Date(load_default=None, allow_none=True)
    support_type = ma.fields.String(load_default=None, allow_none=True, validate=one_of(SUPPORT_TYPES))
    modality = ma.fields.String(load_default=None, allow_none=True, validate=one_of(MODALITIES))
    participants_women = _count()
    participants_men = _count()
    participants_other = _count()
    results = ma.fields.String(load_default="", validate=at_most(MAX_TEXT))


class DeliverySchema(StepSchema):
    activity_id = Id(metadata={"description": "One of the organisation's activities that was delivered…"})
    activity = ma.fields.Nested(DeliveredActivitySchema, metadata={"description": "…or a new one, completed."})


class ConfirmSchema(StepSchema):
    rating = ma.fields.Integer(required=True, strict=True, validate=between(1, 5), metadata={
        "description": "How useful it was: 1 (not at all) to 5 (very)."})
    feedback = ma.fields.String(load_default="", validate=at_most(MAX_COMMENT))


def _step(match_id: int, change) -> dict:
    """Take a step on a match the caller may see, and answer with the match as it is now."""
    user = require_caller()
    match = _visible_match(match_id, user)
    apply_change(lambda: change(match, user))
    return _reloaded(match_id, user)


@blp.route("/matches/<object_id:match_id>/propose", methods=["POST"])
@blp.arguments(StepSchema)
@blp.response(200, MatchSchema)
@documented(blp, 403, 404, 409, 413, private=True)
def propose(values, match_id):
    """Propose a suggested pair to the other side"""
    return _step(match_id, lambda match, user: services.propose(match, actor=user,
                                                                lock_version=values["lock_version"]))


@blp.route("/matches/<object_id:match_id>/agree", methods=["POST"])
@blp.arguments(StepSchema)
@blp.response(200, MatchSchema)
@documented(blp, 403, 404, 409, 413, private=True)
def agree(values, match_id):
    """Agree to the other side's proposal (the offer keeps a place for the Party)"""
    return _step(match_id, lambda match, user: services.agree(match, actor=user, lock_version=values["lock_version"]))


@blp.route("/matches/<object_id:match_id>/decline", methods=["POST"])
@blp.arguments(ReasonSchema)
@blp.response(200, MatchSchema)
@documented(blp, 403, 404, 409, 413, private=True)
def decline(values, match_id):
    """Decline a suggestion or the other side's proposal, with a reason; the pair is never suggested again"""
    return _step(match_id, lambda match, user: services.decline(
        match, actor=user, reason=values["reason"], comment=values["comment"], lock_version=values["lock_version"]))


@blp.route("/matches/<object_id:match_id>/withdraw", methods=["POST"])
@blp.arguments(ReasonSchema)
@blp.response(200, MatchSchema)
@documented(blp, 403, 404, 409, 413, private=True)
def withdraw(values, match_id):
    """Withdraw one's own proposal, or an agreed match not yet delivered"""
    return _step(match_id, lambda match, user: services.withdraw(
        match, actor=user, reason=values["reason"], comment=values["comment"], lock_version=values["lock_version"]))


@blp.route("/matches/<object_id:match_id>/start_delivery", methods=["POST"])
@blp.arguments(StepSchema)
@blp.response(200, MatchSchema)
@documented(blp, 403, 404, 409, 413, private=True)
def start_delivery(values, match_id):
    """Start delivering an agreed match (the provider)"""
    return _step(match_id, lambda match, user: services.start_delivery(match, actor=user,
                                                                       lock_version=values["lock_version"]))


def _delivered_activity(values: dict) -> Activity | None:
    if "activity_id" not in values:
        return None
    activity = db.session.get(Activity, values["activity_id"])
    if activity is None:
        message = _("Choose one of your organisation's activities that was not cancelled.")
        raise ApiError(422, message, {"activity_id": [message]})
    return activity


@blp.route("/matches/<object_id:match_id>/record_delivery", methods=["POST"])
@blp.arguments(DeliverySchema)
@blp.response(200, MatchSchema)
@documented(blp, 403, 404, 409, 413, private=True)
def record_delivery(values, match_id):
    """Record what was delivered (the provider): one of the organisation's activities, or a new one

    The activity gets the Party as a beneficiary, the key area and the offer. The Party is then asked to confirm.
    """
    def change(match, user):
        if services.side_of(user, match) != PROVIDER_SIDE:  # before saying anything about the activity
            raise PermissionDenied(_("You are not allowed to do this."))
        activity = _delivered_activity(values)
        described = values.get("activity")
        data = ActivityInput(status="completed", **described) if described and activity is None else None
        services.record_delivery(match, actor=user, data=data, activity=activity,
                                 lock_version=values["lock_version"])
    return _step(match_id, change)


@blp.route("/matches/<object_id:match_id>/confirm", methods=["POST"])
@blp.arguments(ConfirmSchema)
@blp.response(200, MatchSchema)
@documented(blp, 403, 404, 409, 413, private=True)
def confirm(values, match_id):
    """Confirm the delivery and rate it (the Party), which closes the match"""
    return _step(match_id, lambda match, user: services.confirm(
        match, actor=user, rating=values["rating"], feedback=values["feedback"], lock_version=values["lock_version"]))
