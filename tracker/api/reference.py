"""Public reference data: the Action Plan's framework and the Parties."""
import marshmallow as ma

from tracker.api.errors import not_found
from tracker.api.schemas import (
    Blueprint, PageArgsSchema, Schema, at_most, documented, one_of, page_of_list, page_schema,
)
from tracker.framework.exports import framework_data
from tracker.framework.models import FRAMEWORK_LISTS
from tracker.framework.seed import GOAL_FIELDS
from tracker.i18n import current_language
from tracker.parties.exports import parties_data
from tracker.parties.models import REGIONAL_GROUPS
from tracker.parties.views import STATUS_FILTERS

blp = Blueprint("Reference", __name__, url_prefix="/api/v1", description="The Action Plan and the Parties.")


# --- the framework ------------------------------------------------------------------------------------

class FrameworkItemSchema(Schema):
    code = ma.fields.String(required=True, metadata={"example": "A.8(3)"})
    text_en = ma.fields.String(required=True)
    text_zh = ma.fields.String(required=True)
    heading_en = ma.fields.String(required=True, metadata={
        "description": "A sub-heading printed before the item in the Action Plan; empty for most."})
    heading_zh = ma.fields.String(required=True)


class GoalSchema(Schema):
    code = ma.fields.String(required=True, metadata={"example": "A.8"})
    section = ma.fields.String(required=True, validate=one_of(("A", "B")))
    text_en = ma.fields.String(required=True)
    text_zh = ma.fields.String(required=True)
    cb_text_en = ma.fields.String(required=True, metadata={
        "description": "The goal's title as Annex II words it, when it differs; else empty."})
    cb_text_zh = ma.fields.String(required=True)
    outcome_en = ma.fields.String(required=True)
    outcome_zh = ma.fields.String(required=True)
    cb_outcome_en = ma.fields.String(required=True)
    cb_outcome_zh = ma.fields.String(required=True)
    actors_en = ma.fields.String(required=True)
    actors_zh = ma.fields.String(required=True)
    objectives = ma.fields.List(ma.fields.Nested(FrameworkItemSchema), required=True)
    plan_indicators = ma.fields.List(ma.fields.Nested(FrameworkItemSchema), required=True, metadata={
        "description": "Annex I indicators."})
    key_areas = ma.fields.List(ma.fields.Nested(FrameworkItemSchema), required=True, metadata={
        "description": "Key capacity-building areas (Annex II)."})
    activity_examples = ma.fields.List(ma.fields.Nested(FrameworkItemSchema), required=True)
    cb_indicators = ma.fields.List(ma.fields.Nested(FrameworkItemSchema), required=True, metadata={
        "description": "Capacity-building indicators (Annex II)."})


class FrameworkSchema(Schema):
    goals = ma.fields.List(ma.fields.Nested(GoalSchema), required=True)


def framework_tree() -> dict:
    """The export's lists (tracker/framework/exports.py) under their goals."""
    data = framework_data()
    goals = {goal["code"]: {"code": goal["code"], "section": goal["section"],
                            **{name: goal[name] for name in GOAL_FIELDS}, **{name: [] for name in FRAMEWORK_LISTS}}
             for goal in data["goals"]}
    for name in FRAMEWORK_LISTS:
        for item in data[name]:
            goals[item["goal"]][name].append({
                "code": item["code"], "text_en": item["text_en"], "text_zh": item["text_zh"],
                "heading_en": item.get("heading_en", ""), "heading_zh": item.get("heading_zh", "")})
    return {"goals": list(goals.values())}


@blp.route("/framework", methods=["GET"])
@blp.response(200, FrameworkSchema)
@documented(blp)
def framework():
    """The Implementation Plan (Annex I) and the CB Action Plan (Annex II)

    Each goal with its objectives, Annex I indicators, key areas, example activities and CB indicators, in
    English and Chinese.
    """
    return framework_tree()


# --- the Parties --------------------------------------------------------------------------------------

class PartySchema(Schema):
    iso3 = ma.fields.String(required=True, metadata={"example": "KEN"})
    iso2 = ma.fields.String(required=True)
    name = ma.fields.String(required=True, metadata={"description": "In the caller's language."})
    name_en = ma.fields.String(required=True)
    name_zh = ma.fields.String(required=True)
    un_regional_group = ma.fields.String(required=True, allow_none=True, validate=one_of(REGIONAL_GROUPS))
    cartagena_party = ma.fields.Boolean(required=True)
    supplementary_protocol_party = ma.fields.Boolean(required=True)
    ldc = ma.fields.Boolean(required=True)
    sids = ma.fields.Boolean(required=True)


class PartyArgsSchema(PageArgsSchema):
    status = ma.fields.String(load_default="cartagena", validate=one_of(STATUS_FILTERS), metadata={
        "description": "Parties to the Cartagena Protocol (default), to the Supplementary Protocol, States that "
                       "are not Parties, or all."})
    region = ma.fields.String(validate=one_of(REGIONAL_GROUPS), metadata={"description": "UN regional group."})
    ldc = ma.fields.Boolean(metadata={"description": "Least developed countries (true) or the others (false)."})
    sids = ma.fields.Boolean(metadata={"description": "Small island developing States (true) or the others."})
    q = ma.fields.String(validate=at_most(100), metadata={
        "description": "Part of the name (English, Chinese or the caller's language) or the ISO code."})


def _party_rows() -> list[dict]:
    """Every State with its name in the caller's language and in English (parties_data, by ISO3)."""
    english = {row["iso3"]: row["name"] for row in parties_data("en")}
    return [{**row, "name_en": english[row["iso3"]]} for row in parties_data(current_language())]


def _keeps(row: dict, args: dict) -> bool:
    status = args["status"]
    if status == "cartagena" and not row["cartagena_party"]:
        return False
    if status == "supplementary" and not row["supplementary_protocol_party"]:
        return False
    if status == "non_party" and row["cartagena_party"]:
        return False
    if "region" in args and row["un_regional_group"] != args["region"]:
        return False
    if any(name in args and row[name] != args[name] for name in ("ldc", "sids")):
        return False
    words = args.get("q", "").strip().casefold()
    return not words or any(words in row[name].casefold() for name in ("iso3", "name", "name_en", "name_zh"))


@blp.route("/parties", methods=["GET"])
@blp.arguments(PartyArgsSchema, location="query")
@blp.response(200, page_schema(PartySchema, "PartyPage"))
@documented(blp)
def parties(args):
    """The Parties (and other States), by ISO code, with their groupings"""
    return page_of_list([row for row in _party_rows() if _keeps(row, args)], args)


@blp.route("/parties/<iso3>", methods=["GET"])
@blp.response(200, PartySchema)
@documented(blp, 404)
def party(iso3):
    """One Party or State, by its ISO 3166 alpha-3 code"""
    row = next((row for row in _party_rows() if row["iso3"] == iso3.upper()), None)
    if row is None:
        raise not_found()
    return row
