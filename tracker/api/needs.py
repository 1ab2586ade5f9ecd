"""Parties' needs, as each caller may see them on the pages: a Party's users their own Party's (its draft
included, as on its assessment page); vetted providers and the Secretariat what the needs explorer shows them
(tracker/needs/queries.py: what each Party chose to show, and only what it submitted, unless the Secretariat
asks for drafts)."""
from datetime import date

import marshmallow as ma
from flask_babel import gettext as _

from tracker.accounts.permissions import acts_for_party
from tracker.api.auth import require_caller
from tracker.api.errors import ApiError
from tracker.api.schemas import (
    Blueprint, Codes, FrameworkCode, PageArgsSchema, Schema, at_most, between, documented, one_of, page_of_list,
    page_schema,
)
from tracker.assessments.exports import need_rows
from tracker.assessments.models import VISIBILITIES, AssessmentCycle
from tracker.clock import today
from tracker.extensions import db
from tracker.i18n import current_language
from tracker.needs import permissions, queries
from tracker.needs.views import need_table_rows
from tracker.parties.models import REGIONAL_GROUPS
from tracker.parties.services import party_by_iso3
from tracker.vocabularies import AUDIENCES, LANGUAGES, MODALITIES, NEED_LEVELS, SUPPORT_TYPES

blp = Blueprint("Needs", __name__, url_prefix="/api/v1", description="Parties' capacity-building needs.")

SHOWN_FROM = (queries.SUBMITTED_CONTENT, queries.LAST_SUBMITTED_VERSION, queries.DRAFT_CONTENT)


class NeedSchema(Schema):
    party = ma.fields.String(required=True, metadata={"description": "ISO3."})
    party_name = ma.fields.String(required=True, metadata={"description": "In the caller's language."})
    un_regional_group = ma.fields.String(required=True, allow_none=True, validate=one_of(REGIONAL_GROUPS))
    ldc = ma.fields.Boolean(required=True)
    sids = ma.fields.Boolean(required=True)
    cycle = ma.fields.String(required=True)
    key_area = ma.fields.String(required=True)
    goal = ma.fields.String(required=True)
    level = ma.fields.String(required=True, validate=one_of(NEED_LEVELS))
    priority = ma.fields.Integer(required=True, allow_none=True, metadata={"description": "1 (highest) to 3."})
    audiences = Codes(AUDIENCES, required=True)
    support_types = Codes(SUPPORT_TYPES, required=True)
    modality = ma.fields.String(required=True, allow_none=True, validate=one_of(MODALITIES))
    languages = Codes(LANGUAGES, required=True)
    wanted_by = ma.fields.Date(required=True, allow_none=True)
    comment = ma.fields.String(required=True)
    version = ma.fields.Integer(required=True, metadata={"description": "The assessment's version."})
    visibility = ma.fields.String(required=True, validate=one_of(VISIBILITIES), metadata={
        "description": "Who the Party lets see its needs."})
    shown_from = ma.fields.String(required=True, validate=one_of(SHOWN_FROM), metadata={
        "description": "submitted: a submitted assessment; last_version: what a Party revising its assessment "
                       "last submitted; draft: the current draft (the Party itself, or the Secretariat on "
                       "request)."})


class NeedArgsSchema(PageArgsSchema):
    cycle = ma.fields.String(validate=at_most(100), metadata={
        "description": "The cycle's name; by default the latest cycle that has opened."})
    key_area = FrameworkCode("key_areas")
    goal = FrameworkCode("goals")
    level = Codes(NEED_LEVELS, metadata={"description": "By default every level."})
    priority = ma.fields.Integer(validate=between(1, 3))
    party = ma.fields.String(validate=at_most(3), metadata={"description": "ISO3."})
    drafts = ma.fields.Boolean(load_default=False, metadata={
        "description": "The Secretariat only: the Parties' drafts instead of what they submitted."})


def _cycle(args: dict, errors: dict) -> AssessmentCycle | None:
    """The cycle asked for, or the latest that has opened (as the explorer chooses)."""
    cycles = db.session.scalars(db.select(AssessmentCycle)).all()
    if "cycle" not in args:
        latest = queries.latest_opened_cycle_id(cycles, today())
        return next((cycle for cycle in cycles if cycle.id == latest), None)
    cycle = next((cycle for cycle in cycles if cycle.name == args["cycle"]), None)
    if cycle is None:
        errors["cycle"] = [_("There is no assessment cycle with this name.")]
    return cycle


def _own_needs(user, cycle: AssessmentCycle) -> list[dict]:
    """The Party's needs in the cycle as its assessment holds them now (need_rows, the Party's own download)."""
    party = user.party
    rows = []
    for row in need_rows(cycle.name, party_id=party.id):
        wanted_by = row["wanted_by"]
        rows.append({**row, "party_name": party.name(current_language()),
                     "un_regional_group": party.un_regional_group, "ldc": party.ldc, "sids": party.sids,
                     "wanted_by": date.fromisoformat(wanted_by) if wanted_by else None,
                     "shown_from": queries.DRAFT_CONTENT if row["status"] == "draft" else queries.SUBMITTED_CONTENT})
    return rows


def _explored_needs(user, cycle: AssessmentCycle, args: dict) -> list[dict]:
    """What the needs explorer shows the user (need_table_rows, its download)."""
    areas = queries.key_areas()
    filters = queries.NeedFilters(
        cycle_id=cycle.id, visibilities=permissions.visible_visibilities(user),
        include_drafts=args["drafts"] and permissions.can_include_drafts(user),
        levels=tuple(NEED_LEVELS), key_area=args.get("key_area"), goal=args.get("goal"),
        priority=args.get("priority"))
    rows = need_table_rows(queries.visible_needs(filters, areas), areas, cycle.name)
    for row in rows:
        row["wanted_by"] = date.fromisoformat(row["wanted_by"]) if row["wanted_by"] else None
    return rows


def _kept(row: dict, args: dict) -> bool:
    return ((not args.get("level") or row["level"] in args["level"])
            and ("key_area" not in args or row["key_area"] == args["key_area"])
            and ("goal" not in args or row["goal"] == args["goal"])
            and ("priority" not in args or row["priority"] == args["priority"])
            and ("party" not in args or row["party"] == args["party"].upper()))


@blp.route("/needs", methods=["GET"])
@blp.arguments(NeedArgsSchema, location="query")
@blp.response(200, page_schema(NeedSchema, "NeedPage"))
@documented(blp, private=True)
def needs(args):
    """The needs the caller may see, in one cycle

    A Party's users: their own Party's, draft included. Vetted providers: what the Parties chose to show
    providers, as they submitted it. The Secretariat: every Party's submitted needs, or the drafts with
    `drafts=true`. Anyone else: none.
    """
    user = require_caller()
    errors = {}
    if "party" in args and party_by_iso3(args["party"].upper()) is None:
        errors["party"] = [_("There is no Party with this code.")]
    cycle = _cycle(args, errors)
    if errors:
        raise ApiError(422, fields=errors)
    rows = []
    if cycle is not None and acts_for_party(user, user.party):
        rows = _own_needs(user, cycle)
    elif cycle is not None and permissions.can_explore_needs(user):
        rows = _explored_needs(user, cycle, args)
    return page_of_list([row for row in rows if _kept(row, args)], args)
