"""The dashboards' figures: each read with one or two aggregate queries (GROUP BY, window functions), never a query
per Party, match, activity or indicator. The pages (tracker/indicators/dashboard_views.py) say what each counts.

- Submissions: an assessment counts as submitted once it has been submitted (`submitted_at` set); a Party revising
  a submitted assessment still counts. Over the months of a cycle, by the month of its *first* submission.
- Needs (heat map, unmet demand): the rule of the needs explorer (tracker.needs.queries) — per Party, only what it
  submitted (for a reopened draft, its last submitted version) — among the assessments whose visibility is in
  `visibilities`: every visibility for the Secretariat, "public" only for the public page.
- Unmet demand: a Party's high need in a key area is met when the Party has a match in that key area that reached
  agreement and did not leave the workflow since (agreed, delivering, delivered or closed), whatever the cycle.
- Funnel: a match reached a step when its status is that step or a later one, or when the audit log records the
  step for it (so a match declined after a proposal counts as proposed, one withdrawn after agreement as agreed).
  Every match starts as a suggestion; suggestions that stop fitting are removed and are not counted.
- Days per step: the median time between the audit entries of consecutive steps (the match's creation for the
  suggestion), over the matches that have both.
- Activities: completed ones, Party and organisation records alike, counted once per goal of their key areas.
"""
from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, distinct, extract, func, literal, or_, select, union_all

from tracker.activities.models import Activity, activity_key_area
from tracker.assessments.models import DRAFT, SUBMITTED, Assessment, AssessmentCycle, AssessmentVersion, Need
from tracker.audit.models import AuditEntry
from tracker.extensions import db
from tracker.framework.models import KeyArea
from tracker.indicators.formulas import GLOBAL
from tracker.indicators.models import IndicatorValue
from tracker.matching.models import AGREED, ANSWERS_NEED, CLOSED, DELIVERED, DELIVERING, PROPOSED, SUGGESTED, Match
from tracker.needs import queries as needs
from tracker.parties.models import Party

COMPLETED = "completed"
HIGH = "high"
# The funnel's steps, the audit action that takes a match to each, and the statuses a match has once there.
FUNNEL_STEPS = (SUGGESTED, PROPOSED, AGREED, DELIVERED, CLOSED)
STEP_ACTIONS = {PROPOSED: "match.propose", AGREED: "match.agree", DELIVERED: "match.deliver",
                CLOSED: "match.confirm"}
REACHED_BY_STATUS = {PROPOSED: (PROPOSED, AGREED, DELIVERING, DELIVERED, CLOSED),
                     AGREED: (AGREED, DELIVERING, DELIVERED, CLOSED),
                     DELIVERED: (DELIVERED, CLOSED),
                     CLOSED: (CLOSED,)}


def cycles() -> list[AssessmentCycle]:
    """Every cycle, oldest first (one query)."""
    return list(db.session.scalars(select(AssessmentCycle).order_by(AssessmentCycle.opens_on, AssessmentCycle.id)))


# --- submissions --------------------------------------------------------------------------------------------

def submissions_per_cycle() -> dict[int, Counter]:
    """{cycle id: Counter({UN regional group or None: assessments submitted})} (one query)."""
    counts: dict[int, Counter] = {}
    for cycle_id, group, count in db.session.execute(
            select(Assessment.cycle_id, Party.un_regional_group, func.count(Assessment.id))
            .join(Party, Party.id == Assessment.party_id)
            .where(Assessment.submitted_at.is_not(None))
            .group_by(Assessment.cycle_id, Party.un_regional_group)):
        counts.setdefault(cycle_id, Counter())[group] += count
    return counts


def _months(first: date, last: date) -> list[date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = month.replace(year=month.year + 1, month=1) if month.month == 12 else month.replace(
            month=month.month + 1)
    return months


def submissions_by_month(cycle: AssessmentCycle, on: date) -> list[tuple[date, Counter]]:
    """[(first day of the month, Counter({group: assessments first submitted by the end of that month}))] from
    the cycle's opening month to its closing month or the current one, whichever comes first — or later, if a
    submission came later (one query)."""
    first_submission = (
        select(AssessmentVersion.assessment_id, func.min(AssessmentVersion.submitted_at).label("at"))
        .group_by(AssessmentVersion.assessment_id).subquery())
    at = func.coalesce(first_submission.c.at, Assessment.submitted_at)
    year, month = extract("year", at), extract("month", at)
    per_month: dict[date, Counter] = {}
    for y, m, group, count in db.session.execute(
            select(year, month, Party.un_regional_group, func.count(Assessment.id))
            .select_from(Assessment).join(Party, Party.id == Assessment.party_id)
            .outerjoin(first_submission, first_submission.c.assessment_id == Assessment.id)
            .where(Assessment.cycle_id == cycle.id, Assessment.submitted_at.is_not(None))
            .group_by(year, month, Party.un_regional_group)):
        per_month.setdefault(date(int(y), int(m), 1), Counter())[group] += count
    last = max([min(cycle.closes_on, on), cycle.opens_on, *per_month])
    first = min([cycle.opens_on, *per_month])
    running, rows = Counter(), []
    for month in _months(first, last):
        running.update(per_month.get(month, Counter()))
        rows.append((month, Counter(running)))
    return rows


# --- needs ----------------------------------------------------------------------------------------------------

def heatmap(cycle_id: int | None, visibilities: tuple[str, ...], levels: tuple[str, ...], groups, on: date,
            areas: list[KeyArea]) -> needs.Heatmap:
    """Needs per key area × regional group (the needs explorer's rule, submitted content only; three queries)."""
    filters = needs.NeedFilters(cycle_id=cycle_id, visibilities=visibilities, levels=levels)
    return needs.heatmap(filters, groups, on, areas)


@dataclass
class UnmetRow:
    key_area: KeyArea
    with_need: int  # Parties with a high need in the key area
    met: int        # of them, Parties with a match there that reached agreement

    @property
    def unmet(self) -> int:
        return self.with_need - self.met


def _meeting_match(party_id, key_area_id):
    return (select(Match.id).where(Match.party_id == party_id, Match.key_area_id == key_area_id,
                                   Match.status.in_(ANSWERS_NEED)).exists())


def unmet_demand(cycle_id: int | None, visibilities: tuple[str, ...], areas: list[KeyArea]) -> list[UnmetRow]:
    """Per key area with a high need in the cycle: Parties with one, and of them those whose need a match answers
    (three queries: the submitted needs, grouped; reopened drafts' last submitted versions; their matches)."""
    filters = needs.NeedFilters(cycle_id=cycle_id, visibilities=visibilities, levels=(HIGH,))
    if cycle_id is None or not visibilities:
        return []
    with_need, met = Counter(), Counter()
    meeting = _meeting_match(Assessment.party_id, Need.key_area_id)
    for area_id, total, answered in db.session.execute(
            select(Need.key_area_id, func.count(distinct(Assessment.party_id)),
                   func.count(distinct(case((meeting, Assessment.party_id)))))
            .select_from(Need).join(Assessment, Assessment.id == Need.assessment_id)
            .where(Assessment.cycle_id == cycle_id, Assessment.visibility.in_(visibilities),
                   Assessment.status == SUBMITTED, Need.level == HIGH)
            .group_by(Need.key_area_id)):
        with_need[area_id] += total
        met[area_id] += answered
    # Reopened drafts count with the version last submitted (JSON content, read as the needs explorer does).
    drafted = needs._from_versions(filters, areas, None)  # noqa: SLF001 — the explorer's rule, not a copy of it
    answered_pairs = set(db.session.execute(
        select(Match.party_id, Match.key_area_id).distinct()
        .where(Match.status.in_(ANSWERS_NEED), Match.party_id.in_(
            select(Assessment.party_id).where(Assessment.cycle_id == cycle_id, Assessment.status == DRAFT,
                                              Assessment.visibility.in_(visibilities))))).all())
    for row in drafted:
        with_need[row.key_area_id] += 1
        met[row.key_area_id] += (row.party_id, row.key_area_id) in answered_pairs
    return [UnmetRow(area, with_need[area.id], met[area.id]) for area in areas if with_need[area.id]]


# --- matches ----------------------------------------------------------------------------------------------------

def _step_entries(*columns):
    """`columns` of the audit entries of the funnel's steps joined to their match (only entries made since the
    match was: a match id reused after a deletion does not inherit the old match's steps)."""
    return (select(*columns).select_from(AuditEntry)
            .join(Match, and_(AuditEntry.object_type == "Match", AuditEntry.object_id == Match.id,
                              AuditEntry.at >= Match.created_at))
            .where(AuditEntry.action.in_(STEP_ACTIONS.values())))


def funnel() -> dict[str, int]:
    """{step: matches that reached it} for the steps of FUNNEL_STEPS (one query)."""
    audited = (
        _step_entries(
            AuditEntry.object_id.label("match_id"),
            *[func.max(case((AuditEntry.action == action, 1), else_=0)).label(step)
              for step, action in STEP_ACTIONS.items()])
        .group_by(AuditEntry.object_id).subquery())
    reached = [func.coalesce(func.sum(case((or_(Match.status.in_(REACHED_BY_STATUS[step]), audited.c[step] == 1), 1),
                                           else_=0)), 0)
               for step in STEP_ACTIONS]
    row = db.session.execute(select(func.count(Match.id), *reached).select_from(Match)
                             .outerjoin(audited, audited.c.match_id == Match.id)).one()
    return dict(zip(FUNNEL_STEPS, (int(value) for value in row)))


def _days_between(later, earlier):
    """Days (fractional) from one timestamp to another, on SQLite and PostgreSQL."""
    if db.session.get_bind().dialect.name == "sqlite":
        return func.julianday(later) - func.julianday(earlier)
    return extract("epoch", later - earlier) / 86400.0


def step_days() -> dict[str, tuple[float, int]]:
    """{step: (median days from the previous step, matches measured)} for the steps after the suggestion that
    some match reached with both ends recorded (one query: the median by window functions)."""
    times = (
        _step_entries(
            Match.id.label("match_id"), Match.created_at.label(SUGGESTED),
            *[func.min(case((AuditEntry.action == action, AuditEntry.at))).label(step)
              for step, action in STEP_ACTIONS.items()])
        .group_by(Match.id, Match.created_at).cte("step_times"))
    previous = dict(zip(FUNNEL_STEPS[1:], FUNNEL_STEPS))
    durations = union_all(*[
        select(literal(step).label("step"), _days_between(times.c[step], times.c[previous[step]]).label("days"))
        .where(times.c[step].is_not(None), times.c[previous[step]].is_not(None))
        for step in STEP_ACTIONS]).subquery()
    ranked = select(
        durations.c.step, durations.c.days,
        func.row_number().over(partition_by=durations.c.step, order_by=durations.c.days).label("rank"),
        func.count().over(partition_by=durations.c.step).label("n")).subquery()
    rows = db.session.execute(
        select(ranked.c.step, func.avg(ranked.c.days), func.max(ranked.c.n))
        .where(or_(ranked.c.rank == (ranked.c.n + 1) // 2, ranked.c.rank == (ranked.c.n + 2) // 2))
        .group_by(ranked.c.step))
    return {step: (max(0.0, float(median)), int(n)) for step, median, n in rows}


# --- activities and indicators ---------------------------------------------------------------------------------

def activities_by_goal() -> dict[tuple[int | None, str | None], int]:
    """{(goal id or None for no key area, support type or None): completed activities} (one query). An activity
    whose key areas belong to two goals counts under each, once."""
    query = (
        select(KeyArea.goal_id, Activity.support_type, func.count(distinct(Activity.id)))
        .select_from(Activity)
        .outerjoin(activity_key_area, activity_key_area.c.activity_id == Activity.id)
        .outerjoin(KeyArea, KeyArea.id == activity_key_area.c.key_area_id)
        .where(Activity.status == COMPLETED)
        .group_by(KeyArea.goal_id, Activity.support_type))
    return {(goal_id, support_type): count for goal_id, support_type, count in db.session.execute(query)}


def global_indicator_values() -> dict[tuple[str, int], IndicatorValue]:
    """{(indicator code, cycle id): its value for all Parties} (one query)."""
    return {(value.code, value.cycle_id): value for value in db.session.scalars(
        select(IndicatorValue).where(IndicatorValue.scope == GLOBAL))}


def submitted_assessments(cycle_id: int | None, visibilities: tuple[str, ...]) -> int:
    """Assessments of the cycle submitted at least once whose visibility is among `visibilities` (one query)."""
    if cycle_id is None:
        return 0
    return db.session.scalar(select(func.count(Assessment.id)).where(
        Assessment.cycle_id == cycle_id, Assessment.submitted_at.is_not(None),
        Assessment.visibility.in_(visibilities)))
