"""The dashboards: the Secretariat's (`/dashboard`) and the public one (`/dashboard/public`), charts drawn in the
browser from the tables on the page (static/js/charts.js), each table downloadable as CSV.

The public dashboard shows the same aggregates, as counts only (never a Party's name), and computes the needs-based
figures (heat map, unmet demand) only from the assessments whose Party made them public. Every figure is read with a
fixed number of aggregate queries (tracker/indicators/dashboard.py), whatever the number of rows.
"""
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property, wraps

from flask import Blueprint, abort, render_template, request, url_for
from babel.dates import format_skeleton
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from tracker.accounts.permissions import is_secretariat
from tracker.clock import today
from tracker.exports import send_table
from tracker.extensions import db
from tracker.framework.models import CBIndicator, PlanIndicator
from tracker.i18n import localized
from tracker.indicators import dashboard as figures
from tracker.indicators.rules import PLAN_PREFIX, rules
from tracker.indicators.views import KIND_NAMES
from tracker.matching.models import MATCH_STATUSES
from tracker.needs import queries as needs
from tracker.needs.permissions import SECRETARIAT_VISIBILITIES
from tracker.parties.models import REGIONAL_GROUPS
from tracker.parties.views import REGIONAL_GROUP_NAMES
from tracker.security import bounded_number
from tracker.vocabularies import NEED_LEVELS, SUPPORT_TYPES

bp = Blueprint("dashboards", __name__)

PUBLIC_VISIBILITIES = ("public",)
DEFAULT_LEVELS = ("high",)
NOT_STATED = "not_stated"
NO_KEY_AREA = "no_key_area"
ALL_PARTIES = "all_parties"
GROUP_SHORT_NAMES = {
    "african": _l("African"),
    "asia_pacific": _l("Asia-Pacific"),
    "ceeg": _l("CEE"),
    "grulac": _l("GRULAC"),
    "weog": _l("WEOG"),
}
STEP_NAMES = {
    "proposed": _l("Suggested → proposed"),
    "agreed": _l("Proposed → agreed"),
    "delivered": _l("Agreed → delivered"),
    "closed": _l("Delivered → closed"),
}


# --- a chart's table: the page shows it, the chart is drawn from it, the CSV download is it --------------------

@dataclass
class Column:
    key: str            # the CSV column
    label: str          # the header on the page
    series: bool = True  # drawn in the chart
    color: str = ""     # a CSS custom property giving the series its colour (charts.js), or the palette's next
    decimals: int = 0
    short: str = ""     # the series' name in the chart's legend, when shorter than `label`


@dataclass
class Row:
    key: str             # the first CSV cell: a code, a cycle name, a month
    label: str           # the row header on the page
    values: dict
    short: str = ""      # the label in the chart, when shorter than `label`
    code: str = ""       # a framework code printed before the label
    href: str = ""

    @property
    def chart_label(self) -> str:
        return self.short or self.label


@dataclass
class ChartTable:
    name: str
    key_column: str      # CSV name of the first column
    key_label: str       # its header on the page
    columns: list[Column]
    rows: list[Row] = field(default_factory=list)

    @property
    def csv_columns(self) -> list[str]:
        return [self.key_column, *(column.key for column in self.columns)]

    def cell(self, row_key: str, column_key: str, default=0):
        """The value of one cell (the key figures above the charts)."""
        return next((row.values[column_key] for row in self.rows if row.key == row_key), default)

    def csv_rows(self) -> list[dict]:
        return [{self.key_column: row.key, **{column.key: row.values.get(column.key) for column in self.columns}}
                for row in self.rows]


def _group_columns(total_label) -> list[Column]:
    return [*(Column(group, str(REGIONAL_GROUP_NAMES[group]), color=f"--group-{group}",
                     short=str(GROUP_SHORT_NAMES[group])) for group in REGIONAL_GROUPS),
            Column(ALL_PARTIES, str(total_label), series=False)]


def _group_values(counter: Counter) -> dict:
    return {**{group: counter[group] for group in REGIONAL_GROUPS}, ALL_PARTIES: sum(counter.values())}


# --- the figures of one page ----------------------------------------------------------------------------------

class Dashboard:
    """The figures of the Secretariat's dashboard or of the public one, read when first asked for (a CSV download
    reads only its own)."""

    def __init__(self, public: bool):
        self.public = public
        self.visibilities = PUBLIC_VISIBILITIES if public else SECRETARIAT_VISIBILITIES
        self.on = today()

    @cached_property
    def cycles(self):
        return figures.cycles()

    @cached_property
    def cycle(self):
        """The cycle asked for, or the most recent one that has opened (None before any has)."""
        asked = bounded_number(request.args.get("cycle"))
        by_id = {cycle.id: cycle for cycle in self.cycles}
        if asked in by_id:
            return by_id[asked]
        return by_id.get(needs.latest_opened_cycle_id(self.cycles, self.on))

    @cached_property
    def levels(self) -> tuple[str, ...]:
        asked = request.args.getlist("level")
        return tuple(level for level in NEED_LEVELS if level in asked) or DEFAULT_LEVELS

    @cached_property
    def areas(self):
        return needs.key_areas()

    def args(self, **changes) -> dict:
        """The page's choices as query-string arguments, for links and downloads."""
        args = {"cycle": self.cycle.id if self.cycle else None,
                "level": list(self.levels) if self.levels != DEFAULT_LEVELS else None, **changes}
        return {key: value for key, value in args.items() if value not in (None, [], "")}

    # (a) assessments submitted
    @cached_property
    def submissions(self) -> ChartTable:
        counts = figures.submissions_per_cycle()
        table = ChartTable("submissions", "cycle", str(_l("Cycle")), _group_columns(_l("All Parties")))
        table.rows = [Row(cycle.name, cycle.name, _group_values(counts.get(cycle.id, Counter())))
                      for cycle in self.cycles]
        return table

    @cached_property
    def submissions_by_month(self) -> ChartTable:
        table = ChartTable("submissions-by-month", "month", str(_l("Month")), _group_columns(_l("All Parties")))
        if self.cycle is not None:
            locale = get_locale()
            table.rows = [Row(month.strftime("%Y-%m"), format_skeleton("yMMMM", month, locale=locale),
                              _group_values(counter), short=format_skeleton("yMMM", month, locale=locale))
                          for month, counter in figures.submissions_by_month(self.cycle, self.on)]
        return table

    @cached_property
    def shown_assessments(self) -> int:
        """Submitted assessments of the cycle that the needs-based figures draw on."""
        return figures.submitted_assessments(self.cycle.id if self.cycle else None, self.visibilities)

    # (b) needs heat map
    @cached_property
    def heat(self) -> needs.Heatmap | None:
        if self.cycle is None:
            return None
        return figures.heatmap(self.cycle.id, self.visibilities, self.levels, REGIONAL_GROUPS, self.on, self.areas)

    @cached_property
    def heatmap(self) -> ChartTable:
        table = ChartTable("heatmap", "key_area", str(_l("Key area")), [
            Column("goal", str(_l("Goal")), series=False), *_group_columns(_l("All Parties")),
            Column("open_offers", str(_l("Open offers")), series=False),
            Column("no_offer", str(_l("No open offer")), series=False)])
        if self.heat is not None:
            table.rows = [Row(row.key_area.code, localized(row.key_area), {
                "goal": row.key_area.goal.code, **row.counts, ALL_PARTIES: row.total, "open_offers": row.open_offers,
                "no_offer": row.no_offer}) for row in self.heat.rows]
        return table

    # (c) unmet demand
    @cached_property
    def unmet(self) -> ChartTable:
        table = ChartTable("unmet-demand", "key_area", str(_l("Key area")), [
            Column("unmet", str(_l("No agreed match")), color="--chart-unmet"),
            Column("met", str(_l("Agreed match or further")), color="--chart-met"),
            Column("with_high_need", str(_l("Parties with a high need")), series=False)])
        if self.cycle is not None:
            table.rows = [Row(row.key_area.code, localized(row.key_area),
                              {"unmet": row.unmet, "met": row.met, "with_high_need": row.with_need},
                              short=row.key_area.code, code=row.key_area.code)
                          for row in figures.unmet_demand(self.cycle.id, self.visibilities, self.areas)]
        return table

    # (d) the match funnel and the days per step
    @cached_property
    def funnel(self) -> ChartTable:
        counts = figures.funnel()
        table = ChartTable("funnel", "step", str(_l("Step")), [
            Column("matches", str(_l("Matches that reached the step")), color="--chart-funnel"),
            Column("percent_of_previous", str(_l("Share of the previous step, in percent")), series=False, decimals=1)])
        previous = None
        for step in figures.FUNNEL_STEPS:
            share = round(100 * counts[step] / previous, 1) if previous else None
            table.rows.append(Row(step, str(MATCH_STATUSES[step]),
                                  {"matches": counts[step], "percent_of_previous": share}))
            previous = counts[step]
        return table

    @cached_property
    def step_days(self) -> ChartTable:
        days = figures.step_days()
        table = ChartTable("step-days", "step", str(_l("Step")), [
            Column("median_days", str(_l("Median days")), color="--chart-days", decimals=1),
            Column("matches", str(_l("Matches measured")), series=False)])
        table.rows = [Row(step, str(STEP_NAMES[step]), {"median_days": round(days[step][0], 1) if step in days
                                                        else None, "matches": days.get(step, (None, 0))[1]})
                      for step in figures.STEP_ACTIONS]
        return table

    # (e) completed activities
    @cached_property
    def activities(self) -> ChartTable:
        counts = figures.activities_by_goal()
        table = ChartTable("activities", "goal", str(_l("Goal")), [
            *(Column(code, str(label)) for code, label in SUPPORT_TYPES.items()),
            Column(NOT_STATED, str(_l("Not stated"))),
            Column("total", str(_l("Activities")), series=False)])
        goals = list({area.goal.id: area.goal for area in self.areas}.values())
        rows = [(goal.id, goal.code, localized(goal), goal.code) for goal in goals]
        if any(goal_id is None for goal_id, _ in counts):
            rows.append((None, NO_KEY_AREA, str(_l("No key area")), ""))
        for goal_id, key, label, code in rows:
            values = {code_: counts.get((goal_id, code_), 0) for code_ in SUPPORT_TYPES}
            values[NOT_STATED] = sum(count for (goal, support), count in counts.items()
                                     if goal == goal_id and support not in SUPPORT_TYPES)
            values["total"] = sum(values.values())
            table.rows.append(Row(key, label, values, short=code or label, code=code))
        return table

    # (f) indicators
    @cached_property
    def indicator_values(self):
        return figures.global_indicator_values()

    @cached_property
    def indicator_texts(self) -> dict[str, str]:
        texts = {item.code: localized(item) for item in db.session.scalars(db.select(CBIndicator))}
        texts.update({PLAN_PREFIX + item.code: localized(item) for item in db.session.scalars(db.select(PlanIndicator))})
        return texts

    @cached_property
    def indicators(self) -> ChartTable:
        values = self.indicator_values
        table = ChartTable("indicators", "indicator", str(_l("Indicator")), [
            Column("unit", str(_l("Unit")), series=False),
            *(Column(cycle.name, cycle.name) for cycle in self.cycles)])
        for code, rule in rules().items():
            row_values = {cycle.name: values.get((code, cycle.id)) for cycle in self.cycles}
            stored = [value for value in row_values.values() if value is not None]
            unit = "share" if any(value.denominator is not None for value in stored) else "number"
            table.rows.append(Row(code, self.indicator_texts.get(code, ""), {
                "unit": unit, **{name: value.value if value is not None else None for name, value in row_values.items()}},
                code=code[len(PLAN_PREFIX):] if code.startswith(PLAN_PREFIX) else code,
                href=url_for("indicators.detail", code=code)))
        return table

    def indicator_rows(self):
        """(annex, row, rule kind, {cycle id: IndicatorValue}) for the page, CB indicators first."""
        for row in self.indicators.rows:
            yield ("plan" if row.key.startswith(PLAN_PREFIX) else "cb", row, KIND_NAMES[rules()[row.key]["kind"]],
                   {cycle.id: self.indicator_values.get((row.key, cycle.id)) for cycle in self.cycles})

    def table(self, name: str) -> ChartTable:
        """The table a download asks for by name (404 for an unknown name)."""
        if name not in TABLES:
            abort(404)
        return getattr(self, TABLES[name])


# The tables that can be downloaded, by name (/dashboard/<name>.csv), and the Dashboard property giving each.
TABLES = {"submissions": "submissions", "submissions-by-month": "submissions_by_month", "heatmap": "heatmap",
          "unmet-demand": "unmet", "funnel": "funnel", "step-days": "step_days", "activities": "activities",
          "indicators": "indicators"}
TABLE_NAMES = tuple(TABLES)


# --- the pages ------------------------------------------------------------------------------------------------

def secretariat_required(view):
    """Logged in (or off to the login page), and the Secretariat (or 403)."""
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not is_secretariat(current_user):
            abort(403)
        return view(*args, **kwargs)
    return wrapped


def _page(public: bool):
    board = Dashboard(public)
    csv_endpoint = "dashboards.public_csv" if public else "dashboards.secretariat_csv"
    return render_template(
        "indicators/dashboard.html", board=board, public=public,
        csv_url=lambda name: url_for(csv_endpoint, name=name, **board.args()),
        REGIONAL_GROUPS=REGIONAL_GROUPS, REGIONAL_GROUP_NAMES=REGIONAL_GROUP_NAMES, NEED_LEVELS=NEED_LEVELS,
        PLAN_PREFIX=PLAN_PREFIX)


def _csv(public: bool, name: str):
    table = Dashboard(public).table(name)
    return send_table(table.csv_rows(), table.csv_columns, "csv",
                      f"{'public-' if public else ''}dashboard-{name}")


@bp.get("/dashboard")
@secretariat_required
def secretariat():
    return _page(public=False)


@bp.get("/dashboard/<name>.csv")
@secretariat_required
def secretariat_csv(name):
    return _csv(False, name)


@bp.get("/dashboard/public")
def public():
    return _page(public=True)


@bp.get("/dashboard/public/<name>.csv")
def public_csv(name):
    return _csv(True, name)
