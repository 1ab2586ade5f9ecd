"""Stored indicator values, with the fields of `flask --app tracker export indicators`, and the Parties behind
each numerator named as on the indicator pages: all of them for the Secretariat, for everyone else only the
Parties that made that cycle's self-assessment public."""
import marshmallow as ma
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from tracker.accounts.permissions import is_secretariat
from tracker.api.auth import caller
from tracker.api.errors import ApiError
from tracker.api.schemas import (
    Blueprint, PageArgsSchema, Schema, UtcDateTime, at_most, documented, one_of, page_of_query, page_schema,
)
from tracker.assessments.models import Assessment, AssessmentCycle
from tracker.extensions import db
from tracker.indicators.formulas import scopes
from tracker.indicators.models import IndicatorValue
from tracker.indicators.rules import rules
from tracker.parties.models import REGIONAL_GROUPS, Party

blp = Blueprint("Indicators", __name__, url_prefix="/api/v1", description="The Action Plan's indicators.")

SCOPES = scopes(REGIONAL_GROUPS)


class IndicatorValueSchema(Schema):
    code = ma.fields.String(required=True, metadata={"example": "A.1(a)", "description": (
        "A CB indicator (Annex II) as printed, or an Annex I indicator prefixed with IP:, e.g. IP:A.1(a).")})
    cycle = ma.fields.String(required=True, metadata={"description": "The assessment cycle's name."})
    scope = ma.fields.String(required=True, validate=one_of(SCOPES), metadata={
        "description": "All Parties (global), a UN regional group, LDCs or SIDS."})
    numerator = ma.fields.Float(required=True, allow_none=True)
    denominator = ma.fields.Integer(required=True, allow_none=True)
    value = ma.fields.Float(required=True, allow_none=True, metadata={
        "description": "A share between 0 and 1, or a number; null when it cannot be computed (see reason)."})
    reason = ma.fields.String(required=True, allow_none=True, metadata={
        "description": "Why there is no value (in English, as stored)."})
    computed_at = UtcDateTime(required=True)
    parties = ma.fields.List(ma.fields.String(), required=True, metadata={
        "description": "The Parties behind the numerator that the caller may see named (ISO3)."})
    parties_not_named = ma.fields.Integer(required=True, metadata={
        "description": "The other Parties behind the numerator: counted, not named."})


class IndicatorArgsSchema(PageArgsSchema):
    code = ma.fields.String(validate=at_most(24), metadata={"description": "One indicator, e.g. A.1(a)."})
    cycle = ma.fields.String(validate=at_most(100), metadata={"description": "One cycle, by name."})
    scope = ma.fields.String(validate=one_of(SCOPES))


def _cycle_id(name: str) -> int:
    cycle_id = db.session.scalar(select(AssessmentCycle.id).where(AssessmentCycle.name == name))
    if cycle_id is None:
        raise ApiError(422, fields={"cycle": [_("There is no assessment cycle with this name.")]})
    return cycle_id


@blp.route("/indicators", methods=["GET"])
@blp.arguments(IndicatorArgsSchema, location="query")
@blp.response(200, page_schema(IndicatorValueSchema, "IndicatorValuePage"))
@documented(blp)
def indicator_values(args):
    """The computed indicator values, per cycle and scope"""
    query = (select(IndicatorValue).join(IndicatorValue.cycle).options(contains_eager(IndicatorValue.cycle))
             .order_by(AssessmentCycle.opens_on, IndicatorValue.code, IndicatorValue.scope, IndicatorValue.id))
    if "code" in args:
        if args["code"] not in rules():
            raise ApiError(422, fields={"code": [_("There is no indicator with this code.")]})
        query = query.where(IndicatorValue.code == args["code"])
    if "cycle" in args:
        query = query.where(IndicatorValue.cycle_id == _cycle_id(args["cycle"]))
    if "scope" in args:
        query = query.where(IndicatorValue.scope == args["scope"])
    values, page = page_of_query(query, args)
    codes = dict(db.session.execute(select(Party.id, Party.iso3)).all())
    everyone = is_secretariat(caller())
    public = set() if everyone else set(db.session.execute(
        select(Assessment.party_id, Assessment.cycle_id).where(Assessment.visibility == "public")).all())
    items = []
    for value in values:
        shown = [pid for pid in value.parties if everyone or (pid, value.cycle_id) in public]
        items.append({
            "code": value.code, "cycle": value.cycle.name, "scope": value.scope, "numerator": value.numerator,
            "denominator": value.denominator, "value": value.value, "reason": value.reason or None,
            "computed_at": value.computed_at, "parties": sorted(codes[pid] for pid in shown if pid in codes),
            "parties_not_named": len(value.parties) - len(shown),
        })
    return {**page, "items": items}
