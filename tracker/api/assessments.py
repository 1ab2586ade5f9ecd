"""A Party's self-assessments: read, start, save, submit, reopen and set who sees the needs, through
tracker/assessments/services.py with the same checks as the assessment pages (only the focal point submits)."""
from datetime import date

import marshmallow as ma
from flask_babel import gettext as _
from sqlalchemy.orm import contains_eager

from tracker.accounts.permissions import acts_for_party
from tracker.api.auth import require_caller
from tracker.api.errors import ApiError, apply_change, not_found
from tracker.api.schemas import (
    Blueprint, Codes, FrameworkCode, LockVersion, PageArgsSchema, Schema, UtcDateTime, at_most, between, documented,
    is_object_id, one_of, page_of_query, page_schema,
)
from tracker.assessments import permissions, services
from tracker.assessments.content import AnswerInput, NeedInput, assessment_content
from tracker.assessments.models import (
    ANSWER_CHOICES, ASSESSMENT_STATUSES, VISIBILITIES, Assessment, AssessmentCycle, DeclaredAnswer, Need,
)
from tracker.assessments.services import MAX_COMMENT, MAX_NUMBER
from tracker.extensions import db
from tracker.parties.models import Party
from tracker.vocabularies import AUDIENCES, LANGUAGES, MODALITIES, NEED_LEVELS, SUPPORT_TYPES

blp = Blueprint("Assessments", __name__, url_prefix="/api/v1",
                description="Parties' self-assessments of their capacity-building needs.")


# --- what an assessment looks like ------------------------------------------------------------------

class NeedValueSchema(Schema):
    level = ma.fields.String(required=True, allow_none=True, validate=one_of(NEED_LEVELS))
    priority = ma.fields.Integer(required=True, allow_none=True)
    audiences = Codes(AUDIENCES, required=True)
    support_types = Codes(SUPPORT_TYPES, required=True)
    modality = ma.fields.String(required=True, allow_none=True, validate=one_of(MODALITIES))
    languages = Codes(LANGUAGES, required=True)
    wanted_by = ma.fields.Date(required=True, allow_none=True)
    comment = ma.fields.String(required=True)


class AnswerValueSchema(Schema):
    choice = ma.fields.String(required=True, allow_none=True, validate=one_of(ANSWER_CHOICES))
    number = ma.fields.Integer(required=True, allow_none=True)
    evidence_url = ma.fields.String(required=True)


class AssessmentSummarySchema(Schema):
    id = ma.fields.Integer(required=True)
    party = ma.fields.String(required=True, metadata={"description": "ISO3."})
    cycle = ma.fields.String(required=True, metadata={"description": "The cycle's name."})
    cycle_opens_on = ma.fields.Date(required=True)
    cycle_closes_on = ma.fields.Date(required=True)
    status = ma.fields.String(required=True, validate=one_of(ASSESSMENT_STATUSES))
    version = ma.fields.Integer(required=True, metadata={"description": "The version being drafted or last "
                                                                        "submitted."})
    visibility = ma.fields.String(required=True, validate=one_of(VISIBILITIES))
    created_at = UtcDateTime(required=True)
    updated_at = UtcDateTime(required=True)
    submitted_at = UtcDateTime(required=True, allow_none=True)
    lock_version = ma.fields.Integer(required=True, metadata={"description": "Send it back with a save."})


class AssessmentSchema(AssessmentSummarySchema):
    needs = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Nested(NeedValueSchema), required=True,
                           metadata={"description": "By key area code; areas not yet considered are left out."})
    answers = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Nested(AnswerValueSchema), required=True,
                             metadata={"description": "By declared question code; unanswered ones are left out."})


def summary_item(assessment: Assessment) -> dict:
    cycle = assessment.cycle
    return {"id": assessment.id, "party": assessment.party.iso3, "cycle": cycle.name,
            "cycle_opens_on": cycle.opens_on, "cycle_closes_on": cycle.closes_on, "status": assessment.status,
            "version": assessment.version, "visibility": assessment.visibility,
            "created_at": assessment.created_at, "updated_at": assessment.updated_at,
            "submitted_at": assessment.submitted_at, "lock_version": assessment.lock_version}


def assessment_item(assessment: Assessment) -> dict:
    content = assessment_content(assessment)
    needs = {code: {**values, "wanted_by": date.fromisoformat(values["wanted_by"]) if values["wanted_by"] else None}
             for code, values in content["needs"].items()}
    return {**summary_item(assessment), "needs": needs, "answers": content["answers"]}


# --- what a Party sends --------------------------------------------------------------------------------

class NeedInputSchema(Schema):
    level = ma.fields.String(load_default=None, allow_none=True, validate=one_of(NEED_LEVELS))
    priority = ma.fields.Integer(load_default=None, allow_none=True, strict=True, validate=between(1, 3))
    audiences = Codes(AUDIENCES, load_default=list)
    support_types = Codes(SUPPORT_TYPES, load_default=list)
    modality = ma.fields.String(load_default=None, allow_none=True, validate=one_of(MODALITIES))
    languages = Codes(LANGUAGES, load_default=list)
    wanted_by = ma.fields.Date(load_default=None, allow_none=True)
    comment = ma.fields.String(load_default="", validate=at_most(MAX_COMMENT))


class AnswerInputSchema(Schema):
    choice = ma.fields.String(load_default=None, allow_none=True, validate=one_of(ANSWER_CHOICES))
    number = ma.fields.Integer(load_default=None, allow_none=True, strict=True, validate=between(0, MAX_NUMBER))
    evidence_url = ma.fields.String(load_default="", validate=at_most(500))


class AssessmentPatchSchema(Schema):
    lock_version = LockVersion(
        "The assessment's lock_version when it was read: a save based on an older one is "
        "refused (409).")
    needs = ma.fields.Dict(
        keys=FrameworkCode("key_areas"), values=ma.fields.Nested(NeedInputSchema, allow_none=True),
        load_default=dict, metadata={"description": "By key area code: each area sent is replaced whole (null "
                                                    "clears it); areas not sent are kept."})
    answers = ma.fields.Dict(
        keys=ma.fields.String(validate=at_most(64)), values=ma.fields.Nested(AnswerInputSchema, allow_none=True),
        load_default=dict, metadata={"description": "By question code: each answer sent is replaced whole (null "
                                                    "clears it); answers not sent are kept."})


class StartSchema(Schema):
    cycle = ma.fields.String(required=True, validate=at_most(100), metadata={"description": "An open cycle's name."})


class VisibilitySchema(Schema):
    visibility = ma.fields.String(required=True, validate=one_of(VISIBILITIES), metadata={
        "description": "Who may see the Party's needs besides the Party: the Secretariat only, vetted providers "
                       "too, or everyone."})


class AssessmentArgsSchema(PageArgsSchema):
    cycle = ma.fields.String(validate=at_most(100))
    party = ma.fields.String(validate=at_most(3), metadata={"description": "ISO3 (the Secretariat)."})
    status = ma.fields.String(validate=one_of(ASSESSMENT_STATUSES))


# --- reading ---------------------------------------------------------------------------------------

@blp.route("/assessments", methods=["GET"])
@blp.arguments(AssessmentArgsSchema, location="query")
@blp.response(200, page_schema(AssessmentSummarySchema, "AssessmentPage"))
@documented(blp, private=True)
def assessments(args):
    """The assessments the caller may see: their Party's, or every Party's for the Secretariat"""
    user = require_caller()
    query = (db.select(Assessment).join(Assessment.cycle).join(Assessment.party)
             .options(contains_eager(Assessment.cycle), contains_eager(Assessment.party))
             .order_by(AssessmentCycle.opens_on.desc(), Party.iso3))
    if not permissions.can_see_all_assessments(user):
        query = query.where(Assessment.party_id == (user.party_id if acts_for_party(user, user.party) else -1))
    if "cycle" in args:
        query = query.where(AssessmentCycle.name == args["cycle"])
    if "party" in args:
        query = query.where(Party.iso3 == args["party"].upper())
    if "status" in args:
        query = query.where(Assessment.status == args["status"])
    rows, page = page_of_query(query, args)
    return {**page, "items": [summary_item(assessment) for assessment in rows]}


def _visible_assessment(assessment_id: int, user) -> Assessment:
    if not is_object_id(assessment_id):
        raise not_found()
    assessment = db.session.scalar(db.select(Assessment).where(Assessment.id == assessment_id).options(
        db.joinedload(Assessment.party), db.joinedload(Assessment.cycle),
        db.selectinload(Assessment.needs).joinedload(Need.key_area),
        db.selectinload(Assessment.answers).joinedload(DeclaredAnswer.question)))
    if assessment is None or not permissions.can_view_assessment(user, assessment.party):
        raise not_found()
    return assessment


def _reloaded(assessment_id: int, user) -> dict:
    db.session.expire_all()
    return assessment_item(_visible_assessment(assessment_id, user))


@blp.route("/assessments/<object_id:assessment_id>", methods=["GET"])
@blp.response(200, AssessmentSchema)
@documented(blp, 404, private=True)
def assessment(assessment_id):
    """One assessment, with its needs and declared answers"""
    return assessment_item(_visible_assessment(assessment_id, require_caller()))


# --- changing --------------------------------------------------------------------------------------

@blp.route("/assessments", methods=["POST"])
@blp.arguments(StartSchema)
@blp.response(201, AssessmentSchema)
@blp.alt_response(200, schema=AssessmentSchema, success=True,
                  description="The Party had already started its assessment for the cycle.")
@documented(blp, 403, 413, private=True)
def start_assessment(values):
    """Start the caller's Party's assessment for an open cycle"""
    user = require_caller()
    cycle = db.session.scalar(db.select(AssessmentCycle).where(AssessmentCycle.name == values["cycle"]))
    if cycle is None:
        raise ApiError(422, fields={"cycle": [_("There is no assessment cycle with this name.")]})
    party = user.party if acts_for_party(user, user.party) else None
    existing = services.find_assessment(party, cycle) if party is not None else None
    started = apply_change(lambda: services.start_assessment(party, cycle, actor=user))
    return _reloaded(started.id, user), (200 if existing is not None else 201)


@blp.route("/assessments/<object_id:assessment_id>", methods=["PATCH"])
@blp.arguments(AssessmentPatchSchema)
@blp.response(200, AssessmentSchema)
@documented(blp, 403, 404, 409, 413, private=True)
def save_assessment(values, assessment_id):
    """Save needs and answers of a draft (all or nothing)"""
    user = require_caller()
    assessment = _visible_assessment(assessment_id, user)
    needs = {code: NeedInput(**need) if need else NeedInput() for code, need in values["needs"].items()}
    answers = {code: AnswerInput(**answer) if answer else AnswerInput() for code, answer in values["answers"].items()}
    apply_change(lambda: services.save_assessment(assessment, needs=needs, answers=answers,
                                                  lock_version=values["lock_version"], actor=user))
    return _reloaded(assessment_id, user)


@blp.route("/assessments/<object_id:assessment_id>/submit", methods=["POST"])
@blp.response(200, AssessmentSchema)
@documented(blp, 403, 404, 409, 422, private=True)
def submit_assessment(assessment_id):
    """Submit the assessment (the Party's focal point): it becomes read-only and this version is kept"""
    user = require_caller()
    assessment = _visible_assessment(assessment_id, user)
    apply_change(lambda: services.submit_assessment(assessment, actor=user))
    return _reloaded(assessment_id, user)


@blp.route("/assessments/<object_id:assessment_id>/reopen", methods=["POST"])
@blp.response(200, AssessmentSchema)
@documented(blp, 403, 404, 409, private=True)
def reopen_assessment(assessment_id):
    """Reopen a submitted assessment as the draft of its next version (the focal point)"""
    user = require_caller()
    assessment = _visible_assessment(assessment_id, user)
    apply_change(lambda: services.reopen_assessment(assessment, actor=user))
    return _reloaded(assessment_id, user)


@blp.route("/assessments/<object_id:assessment_id>/visibility", methods=["POST"])
@blp.arguments(VisibilitySchema)
@blp.response(200, AssessmentSchema)
@documented(blp, 403, 404, 409, 413, private=True)
def set_visibility(values, assessment_id):
    """Choose who may see the Party's needs (the focal point)"""
    user = require_caller()
    assessment = _visible_assessment(assessment_id, user)
    apply_change(lambda: services.set_visibility(assessment, values["visibility"], actor=user))
    return _reloaded(assessment_id, user)
