"""The needs an explorer may see, as plain rows, and their counts per key area and UN regional group.

Which needs are shown — the rule, also explained on the pages:

- A Party's needs are shown only if the Party's *current* choice of who may see them
  (`Assessment.visibility`) is among `NeedFilters.visibilities`: "providers" and "public" for a vetted
  provider, all three (including "secretariat") for the Secretariat. A Party that narrows its choice
  hides even what it submitted earlier.
- For each Party, the cycle's assessment, and of it only what the Party has *submitted*:
  * a submitted assessment: its Need rows (an assessment is read-only once submitted, so they are the
    submitted version);
  * a draft that was submitted before and reopened to be revised: the content of its latest
    AssessmentVersion, i.e. what the Party last submitted; the changes it is drafting stay private;
  * a draft never submitted: nothing.
- With `include_drafts` (offered to the Secretariat only), every assessment's current content is shown
  instead, drafts included.

Every function makes a fixed number of queries, whatever the number of Parties, assessments or needs.
"""
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date
from math import ceil

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import contains_eager

from tracker.assessments.models import DRAFT, SUBMITTED, Assessment, AssessmentVersion, Need
from tracker.extensions import db
from tracker.framework.models import Goal, KeyArea
from tracker.needs.permissions import PROVIDER_VISIBILITIES
from tracker.offers.models import OPEN, Offer, offer_key_area
from tracker.paging import Page
from tracker.parties.models import Party
from tracker.vocabularies import NEED_LEVELS

LEVEL_RANK = {level: rank for rank, level in enumerate(NEED_LEVELS)}  # none 0 … high 3
HEAT_CLASSES = 5  # heat-1 … heat-5 for counts above zero; heat-0 is zero

# Where a row's content comes from.
SUBMITTED_CONTENT = "submitted"        # a submitted assessment's needs
LAST_SUBMITTED_VERSION = "last_version"  # a reopened draft: the version the Party last submitted
DRAFT_CONTENT = "draft"                # the current draft (the Secretariat, on request)


@dataclass(frozen=True)
class NeedFilters:
    """What to show. `visibilities` and `include_drafts` say who is looking: set them from
    tracker.needs.permissions, never from the request alone. Codes are as printed ("A.8(3)", "A.8")."""

    cycle_id: int | None
    visibilities: tuple[str, ...] = PROVIDER_VISIBILITIES
    include_drafts: bool = False
    levels: tuple[str, ...] = ("medium", "high")
    key_area: str | None = None
    goal: str | None = None
    group: str | None = None  # UN regional group code
    priority: int | None = None
    ldc: bool = False
    sids: bool = False


@dataclass(slots=True)
class NeedRow:
    party_id: int
    party_iso3: str
    group: str | None
    ldc: bool
    sids: bool
    key_area_id: int
    level: str
    priority: int | None
    version: int
    visibility: str
    source: str  # SUBMITTED_CONTENT, LAST_SUBMITTED_VERSION or DRAFT_CONTENT
    # The Need row, for rows read from one; None for a version's content, whose details are always filled in.
    need_id: int | None = None
    # Details: filled in unless visible_needs(details=False) left them for with_details() to fill.
    audiences: list = field(default_factory=list)
    support_types: list = field(default_factory=list)
    modality: str | None = None
    languages: list = field(default_factory=list)
    wanted_by: date | None = None
    comment: str = ""

    def sort_key(self, area_positions: dict[int, int]):
        """Priority 1 first (none last), then the highest level, then Party and key area."""
        return (self.priority or 9, -LEVEL_RANK.get(self.level, -1), self.party_iso3,
                area_positions.get(self.key_area_id, 0))


# --- the framework and the cycles --------------------------------------------------------------

def key_areas() -> list[KeyArea]:
    """The key areas in the Action Plan's order, each with its goal loaded (one query)."""
    return db.session.scalars(
        select(KeyArea).join(KeyArea.goal).options(contains_eager(KeyArea.goal))
        .order_by(Goal.position, KeyArea.position)
    ).all()


def latest_opened_cycle_id(cycles, on: date) -> int | None:
    """The most recent cycle that has opened by `on` (cycles: AssessmentCycle objects, in any order)."""
    opened = [cycle for cycle in cycles if cycle.opens_on <= on]
    return max(opened, key=lambda cycle: (cycle.opens_on, cycle.id)).id if opened else None


def _area_ids(filters: NeedFilters, areas: list[KeyArea]) -> set[int] | None:
    """The key areas the filters keep; None when they keep every area."""
    if not filters.key_area and not filters.goal:
        return None
    return {area.id for area in areas
            if (not filters.key_area or area.code == filters.key_area)
            and (not filters.goal or area.goal.code == filters.goal)}


def _shows_nothing(filters: NeedFilters) -> bool:
    return filters.cycle_id is None or not filters.visibilities or not filters.levels


# --- the needs ------------------------------------------------------------------------------------

def _assessment_conditions(filters: NeedFilters) -> list:
    """The Parties and assessments in scope: the cycle, the Parties' visibility choice, the Party filters."""
    conditions = [Assessment.cycle_id == filters.cycle_id, Assessment.visibility.in_(filters.visibilities)]
    if filters.group:
        conditions.append(Party.un_regional_group == filters.group)
    if filters.ldc:
        conditions.append(Party.ldc.is_(True))
    if filters.sids:
        conditions.append(Party.sids.is_(True))
    return conditions


def _need_row_conditions(filters: NeedFilters, area_ids: set[int] | None) -> list:
    """Need rows shown as they are: of submitted assessments, or of any assessment when drafts are asked for."""
    conditions = [*_assessment_conditions(filters), Need.level.in_(filters.levels)]
    if not filters.include_drafts:
        conditions.append(Assessment.status == SUBMITTED)
    if filters.priority:
        conditions.append(Need.priority == filters.priority)
    if area_ids is not None:
        conditions.append(Need.key_area_id.in_(area_ids))
    return conditions


_DETAIL_COLUMNS = (Need.audiences, Need.support_types, Need.modality, Need.languages, Need.wanted_by, Need.comment)


def _details(audiences, support_types, modality, languages, wanted_by, comment) -> dict:
    return {"audiences": list(audiences or []), "support_types": list(support_types or []), "modality": modality,
            "languages": list(languages or []), "wanted_by": wanted_by, "comment": comment or ""}


def _from_need_rows(filters: NeedFilters, area_ids: set[int] | None, details: bool) -> list[NeedRow]:
    """Rows from Need rows; without `details`, only what sorting, counting and filtering need (no JSON to decode)."""
    query = (
        select(Party.id, Party.iso3, Party.un_regional_group, Party.ldc, Party.sids, Need.key_area_id, Need.level,
               Need.priority, Assessment.version, Assessment.visibility, Assessment.status, Need.id,
               *(_DETAIL_COLUMNS if details else ()))
        .select_from(Need).join(Assessment, Assessment.id == Need.assessment_id)
        .join(Party, Party.id == Assessment.party_id)
        .where(*_need_row_conditions(filters, area_ids))
    )
    return [
        NeedRow(party_id, iso3, group, ldc, sids, area_id, level, priority, version, visibility,
                SUBMITTED_CONTENT if status == SUBMITTED else DRAFT_CONTENT, need_id,
                **(_details(*more) if details else {}))
        for (party_id, iso3, group, ldc, sids, area_id, level, priority, version, visibility, status, need_id,
             *more) in db.session.execute(query)
    ]


def with_details(rows: list[NeedRow]) -> list[NeedRow]:
    """The rows with their details filled in (one query, for the rows read from Need rows): a page of the
    explorer loads the details of its own rows only."""
    ids = [row.need_id for row in rows if row.need_id is not None]
    if not ids:
        return list(rows)
    found = {need_id: _details(*values) for need_id, *values in db.session.execute(
        select(Need.id, *_DETAIL_COLUMNS).where(Need.id.in_(ids)))}
    return [replace(row, **found[row.need_id]) if row.need_id in found else row for row in rows]


def _last_submitted_versions(filters: NeedFilters):
    """For each reopened draft in scope, the content it was last submitted with, and the Party (one query)."""
    latest = (
        select(AssessmentVersion.assessment_id, func.max(AssessmentVersion.version).label("version"))
        .join(Assessment, Assessment.id == AssessmentVersion.assessment_id)
        .where(Assessment.cycle_id == filters.cycle_id, Assessment.status == DRAFT)
        .group_by(AssessmentVersion.assessment_id)
        .subquery()
    )
    query = (
        select(Party.id, Party.iso3, Party.un_regional_group, Party.ldc, Party.sids,
               AssessmentVersion.version, AssessmentVersion.content, Assessment.visibility)
        .select_from(AssessmentVersion)
        .join(latest, and_(latest.c.assessment_id == AssessmentVersion.assessment_id,
                           latest.c.version == AssessmentVersion.version))
        .join(Assessment, Assessment.id == AssessmentVersion.assessment_id)
        .join(Party, Party.id == Assessment.party_id)
        .where(*_assessment_conditions(filters), Assessment.status == DRAFT)
    )
    return db.session.execute(query).all()


def _from_versions(filters: NeedFilters, areas: list[KeyArea], area_ids: set[int] | None) -> list[NeedRow]:
    """The needs of reopened drafts as last submitted, filtered here: they are JSON, not rows."""
    if filters.include_drafts:
        return []  # the Secretariat asked for the drafts themselves: their Need rows
    by_code = {area.code: area for area in areas}
    rows = []
    for party_id, iso3, group, ldc, sids, version, content, visibility in _last_submitted_versions(filters):
        for code, values in (content or {}).get("needs", {}).items():
            area = by_code.get(code)
            if (area is None or values.get("level") not in filters.levels
                    or (area_ids is not None and area.id not in area_ids)
                    or (filters.priority and values.get("priority") != filters.priority)):
                continue
            wanted_by = values.get("wanted_by")
            rows.append(NeedRow(
                party_id, iso3, group, ldc, sids, area.id, values["level"], values.get("priority"), version,
                visibility, LAST_SUBMITTED_VERSION,
                **_details(values.get("audiences"), values.get("support_types"), values.get("modality"),
                           values.get("languages"), date.fromisoformat(wanted_by) if wanted_by else None,
                           values.get("comment"))))
    return rows


def visible_needs(filters: NeedFilters, areas: list[KeyArea] | None = None, *, details: bool = True) -> list[NeedRow]:
    """Every need the filters keep, by priority (1 first), then level (high first), then Party and key area.

    Two queries (three without `areas`), whatever the number of Parties. Without `details`, rows read from
    Need rows leave audiences, support types, modality, languages, wanted-by and comment empty: a page
    fills in its own with with_details()."""
    if _shows_nothing(filters):
        return []
    areas = key_areas() if areas is None else areas
    area_ids = _area_ids(filters, areas)
    if area_ids is not None and not area_ids:
        return []
    rows = _from_need_rows(filters, area_ids, details) + _from_versions(filters, areas, area_ids)
    positions = {area.id: index for index, area in enumerate(areas)}
    return sorted(rows, key=lambda row: row.sort_key(positions))


def parties_by_id(ids) -> dict[int, Party]:
    ids = set(ids)
    if not ids:
        return {}
    return {party.id: party for party in db.session.scalars(select(Party).where(Party.id.in_(ids)))}


def paginate(rows: list, page: int, per_page: int) -> Page:
    """Page `page` (from 1) of the rows; a page past the end shows the last one."""
    total = len(rows)
    page = min(max(page, 1), max(1, ceil(total / per_page)))
    return Page(rows[(page - 1) * per_page:page * per_page], page, per_page, total)


# --- the heat map ----------------------------------------------------------------------------------

def demand_counts(filters: NeedFilters, areas: list[KeyArea] | None = None) -> dict[int, Counter]:
    """{key area id: Counter({UN regional group or None: number of needs})}, by the same rule as
    visible_needs (two queries: a GROUP BY over the Need rows, and the reopened drafts' versions)."""
    counts: dict[int, Counter] = {}
    if _shows_nothing(filters):
        return counts
    areas = key_areas() if areas is None else areas
    area_ids = _area_ids(filters, areas)
    if area_ids is not None and not area_ids:
        return counts
    query = (
        select(Need.key_area_id, Party.un_regional_group, func.count(Need.id))
        .select_from(Need).join(Assessment, Assessment.id == Need.assessment_id)
        .join(Party, Party.id == Assessment.party_id)
        .where(*_need_row_conditions(filters, area_ids))
        .group_by(Need.key_area_id, Party.un_regional_group)
    )
    for area_id, group, count in db.session.execute(query):
        counts.setdefault(area_id, Counter())[group] += count
    for row in _from_versions(filters, areas, area_ids):
        counts.setdefault(row.key_area_id, Counter())[row.group] += 1
    return counts


def open_offer_counts(on: date) -> dict[int, int]:
    """{key area id: number of offers open on that day that cover it} (one query). Open: status "open"
    and no closing date, or one not yet past."""
    query = (
        select(offer_key_area.c.key_area_id, func.count(offer_key_area.c.offer_id))
        .join(Offer, Offer.id == offer_key_area.c.offer_id)
        .where(Offer.status == OPEN, or_(Offer.closes_on.is_(None), Offer.closes_on >= on))
        .group_by(offer_key_area.c.key_area_id)
    )
    return dict(db.session.execute(query).all())


def heat_breaks(values, classes: int = HEAT_CLASSES) -> list[int]:
    """Upper bounds of the shading classes 1 … classes-1: quantiles of the counts above zero."""
    positive = sorted(value for value in values if value > 0)
    if not positive:
        return []
    return [positive[max(0, ceil(len(positive) * k / classes) - 1)] for k in range(1, classes)]


def heat_class(value: int, breaks: list[int]) -> int:
    """0 for zero; otherwise 1 (lowest quantile) … len(breaks) + 1 (highest)."""
    if value <= 0:
        return 0
    return 1 + sum(1 for bound in breaks if value > bound)


def heat_legend(values, breaks: list[int]) -> list[tuple[int, int, int]]:
    """(class, lowest count, highest count) of each class that some count falls in, zero included."""
    ranges: dict[int, list[int]] = {}
    for value in set(values) | {0}:
        ranges.setdefault(heat_class(value, breaks), []).append(value)
    return [(shade, min(found), max(found)) for shade, found in sorted(ranges.items())]


@dataclass
class HeatRow:
    key_area: KeyArea
    counts: dict[str, int]  # per UN regional group
    shades: dict[str, int]  # per UN regional group: the heat class
    total: int  # every Party, those in no regional group (the European Union) included
    open_offers: int

    @property
    def no_offer(self) -> bool:
        """Demand that no open offer answers."""
        return self.total > 0 and self.open_offers == 0


@dataclass
class Heatmap:
    groups: tuple[str, ...]
    rows: list[HeatRow]
    legend: list[tuple[int, int, int]]

    def by_goal(self) -> list[tuple[Goal, list[HeatRow]]]:
        grouped: list[tuple[Goal, list[HeatRow]]] = []
        for row in self.rows:
            if not grouped or grouped[-1][0].id != row.key_area.goal_id:
                grouped.append((row.key_area.goal, []))
            grouped[-1][1].append(row)
        return grouped

    @property
    def without_offer(self) -> list[HeatRow]:
        return [row for row in self.rows if row.no_offer]


def heatmap(filters: NeedFilters, groups: tuple[str, ...], on: date, areas: list[KeyArea] | None = None) -> Heatmap:
    """Needs per key area × regional group, with the open offers per key area (three queries)."""
    areas = key_areas() if areas is None else areas
    demand = demand_counts(filters, areas)
    offers = open_offer_counts(on)
    cells = [demand.get(area.id, Counter()) for area in areas]
    breaks = heat_breaks(counter[group] for counter in cells for group in groups)
    rows = [HeatRow(area, {group: counter[group] for group in groups},
                    {group: heat_class(counter[group], breaks) for group in groups},
                    sum(counter.values()), offers.get(area.id, 0))
            for area, counter in zip(areas, cells)]
    return Heatmap(groups, rows, heat_legend((row.counts[group] for row in rows for group in groups), breaks))
