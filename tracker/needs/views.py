"""The needs explorer and heat map, for vetted providers and the Secretariat.

What each sees is decided in tracker.needs.queries (the rule is in its docstring and on the pages):
the needs Parties chose to show them, and of each Party only what it has submitted.
"""
from functools import wraps

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user, login_required

from tracker.assessments.models import AssessmentCycle
from tracker.clock import today
from tracker.exports import send_table
from tracker.extensions import db
from tracker.i18n import current_language, localized
from tracker.needs import permissions, queries
from tracker.paging import requested_page
from tracker.parties.models import REGIONAL_GROUPS
from tracker.parties.views import REGIONAL_GROUP_NAMES
from tracker.security import bounded_number
from tracker.vocabularies import AUDIENCES, LANGUAGES, MODALITIES, NEED_LEVELS, PRIORITIES, SUPPORT_TYPES

bp = Blueprint("needs", __name__)

PER_PAGE = 50
FORMATS = ("csv", "xlsx", "json")
EXPLORER_LEVELS = ("medium", "high")
HEATMAP_LEVELS = ("high",)

NEED_COLUMNS = ["party", "party_name", "un_regional_group", "ldc", "sids", "cycle", "key_area", "goal", "level",
                "priority", "audiences", "support_types", "modality", "languages", "wanted_by", "comment",
                "version", "shown_from", "visibility"]
HEATMAP_COLUMNS = ["key_area", "goal", *REGIONAL_GROUPS, "all_parties", "open_offers", "no_offer"]

_VOCABULARIES = {"NEED_LEVELS": NEED_LEVELS, "PRIORITIES": PRIORITIES, "AUDIENCES": AUDIENCES,
                 "SUPPORT_TYPES": SUPPORT_TYPES, "MODALITIES": MODALITIES, "LANGUAGES": LANGUAGES,
                 "REGIONAL_GROUP_NAMES": REGIONAL_GROUP_NAMES}


@bp.app_context_processor
def navigation() -> dict:
    """The menu shows the needs pages to those who may see them."""
    return {"can_explore_needs": permissions.can_explore_needs}


def _vocabularies() -> dict[str, dict]:
    """Labels translated once per page rather than once per cell."""
    return {name: {code: str(label) for code, label in vocabulary.items()}
            for name, vocabulary in _VOCABULARIES.items()}


def explorer_required(view):
    """Logged in (or off to the login page), and a vetted provider or the Secretariat (or 403). A provider
    whose organisation is not vetted yet is told that the Secretariat must vet it first."""
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not permissions.can_explore_needs(current_user):
            if permissions.awaits_vetting(current_user):
                return render_template("needs/not_vetted.html", organisation=current_user.organisation), 403
            abort(403)
        return view(*args, **kwargs)
    return wrapped


# --- reading the filters ---------------------------------------------------------------------------

def _cycles() -> list[AssessmentCycle]:
    return db.session.scalars(db.select(AssessmentCycle).order_by(AssessmentCycle.opens_on.desc())).all()


def _cycle_id(cycles: list[AssessmentCycle]) -> int | None:
    """The cycle asked for, or the most recent one that has opened."""
    asked = bounded_number(request.args.get("cycle"))
    if asked is not None and any(cycle.id == asked for cycle in cycles):
        return asked
    return queries.latest_opened_cycle_id(cycles, today())


def _levels(default: tuple[str, ...]) -> tuple[str, ...]:
    asked = [level for level in NEED_LEVELS if level in request.args.getlist("level")]
    return tuple(asked) or default


def _filters(cycle_id: int | None, areas, default_levels: tuple[str, ...], *,
             by_area: bool = True) -> queries.NeedFilters:
    """The filters of the query string, within what the current user may see. Without `by_area` (the heat map,
    which shows every key area and group) the key area, goal and group filters are left out."""
    args = request.args
    codes = {area.code for area in areas}
    goals = {area.goal.code for area in areas}
    priority = bounded_number(args.get("priority"))
    return queries.NeedFilters(
        cycle_id=cycle_id,
        visibilities=permissions.visible_visibilities(current_user),
        include_drafts=args.get("drafts") == "1" and permissions.can_include_drafts(current_user),
        levels=_levels(default_levels),
        key_area=args.get("key_area") if by_area and args.get("key_area") in codes else None,
        goal=args.get("goal") if by_area and args.get("goal") in goals else None,
        group=args.get("group") if by_area and args.get("group") in REGIONAL_GROUPS else None,
        priority=priority if priority in PRIORITIES else None,
        ldc=args.get("ldc") == "1",
        sids=args.get("sids") == "1",
    )


def _query_args(filters: queries.NeedFilters, **changes) -> dict:
    """The filters as query-string arguments (lists repeat the key), for links and downloads."""
    args = {"cycle": filters.cycle_id, "key_area": filters.key_area, "goal": filters.goal, "group": filters.group,
            "level": list(filters.levels), "priority": filters.priority, "ldc": "1" if filters.ldc else None,
            "sids": "1" if filters.sids else None, "drafts": "1" if filters.include_drafts else None}
    args.update(changes)
    return {key: value for key, value in args.items() if value not in (None, "", [])}


def _short(text: str, length: int = 70) -> str:
    """A key area's text cut for a select list (Chinese has no spaces to cut at, so cut anywhere)."""
    text = " ".join(text.split())
    return text if len(text) <= length else text[:length - 1].rstrip() + "…"


def _filter_options(areas) -> dict:
    goals = []
    for area in areas:
        if not goals or goals[-1][0] != area.goal.code:
            goals.append((area.goal.code, f"{area.goal.code} — {_short(localized(area.goal))}"))
    return {"area_options": [(area.code, f"{area.code} — {_short(localized(area))}") for area in areas],
            "goal_options": goals,
            "group_options": list(REGIONAL_GROUP_NAMES.items()),
            "priority_options": [(str(code), label) for code, label in PRIORITIES.items()]}


def _chosen_cycle(cycles, filters) -> AssessmentCycle | None:
    return next((cycle for cycle in cycles if cycle.id == filters.cycle_id), None)


def _common(cycles, filters) -> dict:
    """What both pages show: the cycle choice, the filters, who is looking, the vocabularies."""
    return {"cycle_options": [(str(cycle.id), cycle.name) for cycle in cycles],
            "cycle": _chosen_cycle(cycles, filters), "filters": filters,
            "can_include_drafts": permissions.can_include_drafts(current_user),
            "sees_every_visibility": "secretariat" in filters.visibilities, "FORMATS": FORMATS,
            "query_args": _query_args, **_vocabularies()}


# --- the explorer ----------------------------------------------------------------------------------

@bp.get("/needs")
@explorer_required
def explorer():
    cycles = _cycles()
    areas = queries.key_areas()
    filters = _filters(_cycle_id(cycles), areas, EXPLORER_LEVELS)
    page = queries.paginate(queries.visible_needs(filters, areas, details=False),
                            requested_page(), PER_PAGE)
    page.items = queries.with_details(page.items)
    return render_template(
        "needs/explorer.html", page=page, parties=queries.parties_by_id(row.party_id for row in page.items),
        areas={area.id: area for area in areas}, **_filter_options(areas), **_common(cycles, filters))


def need_table_rows(rows: list[queries.NeedRow], areas, cycle_name: str) -> list[dict]:
    """The explorer's rows for a download: codes rather than labels, lists kept (flattened for CSV and XLSX)."""
    parties = queries.parties_by_id(row.party_id for row in rows)
    by_id = {area.id: area for area in areas}
    language = current_language()
    return [
        {"party": row.party_iso3, "party_name": parties[row.party_id].name(language),
         "un_regional_group": row.group, "ldc": row.ldc, "sids": row.sids, "cycle": cycle_name,
         "key_area": by_id[row.key_area_id].code, "goal": by_id[row.key_area_id].goal.code, "level": row.level,
         "priority": row.priority, "audiences": row.audiences, "support_types": row.support_types,
         "modality": row.modality, "languages": row.languages,
         "wanted_by": row.wanted_by.isoformat() if row.wanted_by else None, "comment": row.comment,
         "version": row.version, "shown_from": row.source, "visibility": row.visibility}
        for row in rows
    ]


@bp.get("/needs/export")
@explorer_required
def export():
    fmt = request.args.get("format", "csv")
    if fmt not in FORMATS:
        abort(404)
    cycles = _cycles()
    areas = queries.key_areas()
    filters = _filters(_cycle_id(cycles), areas, EXPLORER_LEVELS)
    cycle = _chosen_cycle(cycles, filters)
    rows = need_table_rows(queries.visible_needs(filters, areas), areas, cycle.name if cycle else "")
    return send_table(rows, NEED_COLUMNS, fmt, f"needs-{cycle.name if cycle else 'none'}-{today().isoformat()}")


# --- the heat map ----------------------------------------------------------------------------------

def _heatmap(cycles):
    areas = queries.key_areas()
    filters = _filters(_cycle_id(cycles), areas, HEATMAP_LEVELS, by_area=False)
    return filters, queries.heatmap(filters, REGIONAL_GROUPS, today(), areas)


@bp.get("/needs/heatmap")
@explorer_required
def heatmap():
    cycles = _cycles()
    filters, heat = _heatmap(cycles)

    def explorer_url(area, group=None) -> str:
        return url_for("needs.explorer", **_query_args(filters, key_area=area.code, group=group))

    return render_template("needs/heatmap.html", heat=heat, explorer_url=explorer_url, **_common(cycles, filters))


@bp.get("/needs/heatmap/export")
@explorer_required
def heatmap_export():
    fmt = request.args.get("format", "csv")
    if fmt not in FORMATS:
        abort(404)
    cycles = _cycles()
    filters, heat = _heatmap(cycles)
    cycle = _chosen_cycle(cycles, filters)
    rows = [{"key_area": row.key_area.code, "goal": row.key_area.goal.code, **row.counts,
             "all_parties": row.total, "open_offers": row.open_offers, "no_offer": row.no_offer}
            for row in heat.rows]
    return send_table(rows, HEATMAP_COLUMNS, fmt,
                      f"needs-heatmap-{cycle.name if cycle else 'none'}-{today().isoformat()}")
