"""The indicators' pages: every indicator with its latest value and the change since the baseline, and one page
per indicator with its rule in words and its values per cycle and scope."""
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select

from tracker.accounts.permissions import acts_for_party, is_secretariat
from tracker.assessments.models import Assessment, AssessmentCycle
from tracker.core.views import safe_next
from tracker.exports import attachment
from tracker.extensions import db
from tracker.framework.models import CBIndicator, Goal, PlanIndicator
from tracker.i18n import current_language
from tracker.indicators.entries import is_share
from tracker.indicators.freshness import pending_changes, refresh_stale
from tracker.indicators.formulas import GLOBAL, LDC, SIDS, scopes
from tracker.indicators.models import IndicatorValue
from tracker.indicators.pdf import render_pdf
from tracker.indicators.rules import PLAN_PREFIX, rules
from tracker.parties.models import REGIONAL_GROUPS, Party
from tracker.parties.views import REGIONAL_GROUP_NAMES

bp = Blueprint("indicators", __name__)

KIND_NAMES = {
    "need_met": _l("Needs met"),
    "has_activity": _l("Parties with activities"),
    "assessment_done": _l("Self-assessments submitted"),
    "declared": _l("Declared by the Parties"),
    "declared_number": _l("Number declared by the Parties"),
    "count_outputs": _l("Count of activities or outputs"),
    "secretariat_value": _l("Entered by the Secretariat"),
    "no_data": _l("No data yet"),
}
DENOMINATOR_NAMES = {
    "cartagena": _l("The Parties to the Cartagena Protocol as at the cycle's reference date."),
    "supplementary": _l("The Parties to the Supplementary Protocol as at the cycle's reference date."),
}
SCOPE_NAMES = {GLOBAL: _l("All Parties"), **REGIONAL_GROUP_NAMES, LDC: _l("Least developed countries"),
               SIDS: _l("Small island developing States")}
# The reasons the formulas give (tracker/indicators/formulas.py), in the interface language.
REASONS = {
    "No Party in this scope is in the denominator.": _l("No Party in this scope is in the denominator."),
    "No Party in this scope reported a need in these key areas.":
        _l("No Party in this scope reported a need in these key areas."),
    "No Party in this scope answered the question.": _l("No Party in this scope answered the question."),
    "No Party in this scope gave the number.": _l("No Party in this scope gave the number."),
    "The Secretariat enters this value for all Parties only.":
        _l("The Secretariat enters this value for all Parties only."),
    "The Secretariat has not entered this value for the cycle yet.":
        _l("The Secretariat has not entered this value for the cycle yet."),
}


def text(rule: dict, field: str) -> str:
    """A rule's text in the interface language, falling back to English."""
    value = rule.get(field)
    if isinstance(value, dict):
        return value.get(current_language()) or value.get("en", "")
    return rule.get(f"{field}_{current_language()}") or rule.get(f"{field}_en", "")


def reason(value: IndicatorValue, rule: dict) -> str:
    if rule["kind"] == "no_data":
        return text(rule["params"], "data_needed")
    return str(REASONS.get(value.reason, value.reason))


def _cycles() -> list[AssessmentCycle]:
    return list(db.session.scalars(select(AssessmentCycle).order_by(AssessmentCycle.opens_on)))


def _framework_items() -> dict[str, object]:
    """Indicator code (with the Annex I prefix) → its framework item, for the texts."""
    items = {item.code: item for item in db.session.scalars(select(CBIndicator).order_by(CBIndicator.position))}
    items.update({PLAN_PREFIX + item.code: item
                  for item in db.session.scalars(select(PlanIndicator).order_by(PlanIndicator.position))})
    return items


@bp.app_template_filter("indicator_value")
def indicator_value(value: IndicatorValue | None) -> str:
    """A share as a percentage, anything else as a number; a dash when there is no value."""
    if value is None or value.value is None:
        return "—"
    if is_share(value):
        return f"{value.value * 100:.0f} %"
    return f"{value.value:,.0f}" if float(value.value).is_integer() else f"{value.value:,.1f}"


@bp.app_template_filter("indicator_change")
def indicator_change(value: IndicatorValue | None, before: IndicatorValue | None) -> str:
    """The change since an earlier value: percentage points for shares, the difference for numbers."""
    if value is None or before is None or value.value is None or before.value is None:
        return "—"
    if is_share(value):
        points = round((value.value - before.value) * 100)
        return ngettext("%(change)s point", "%(change)s points", abs(points), change=f"{points:+d}")
    return f"{value.value - before.value:+g}"


bp.add_app_template_test(is_share, "share")


@bp.get("/indicators")
def index():
    cycles = _cycles()
    baseline = next((cycle for cycle in cycles if cycle.baseline), None)
    values = {(value.code, value.cycle_id): value for value in db.session.scalars(
        select(IndicatorValue).where(IndicatorValue.scope == GLOBAL))}
    computed = [cycle for cycle in cycles if any(key[1] == cycle.id for key in values)]
    latest = computed[-1] if computed else None
    computed_at = max((v.computed_at for (code, cycle_id), v in values.items() if cycle_id == latest.id),
                      default=None) if latest else None
    return render_template("indicators/index.html", rules=rules(), items=_framework_items(), values=values,
                           latest=latest, baseline=baseline if baseline is not latest else None,
                           computed_at=computed_at, pending=pending_changes(),
                           KIND_NAMES=KIND_NAMES, PLAN_PREFIX=PLAN_PREFIX)


def _named_parties(value: IndicatorValue, names: dict[int, str], public: set[tuple[int, int]]) -> tuple[list, int]:
    """The Parties behind a numerator that the user may see named, and how many others there are. The
    Secretariat sees all; others see the Parties that made their assessment of the cycle public."""
    if is_secretariat(current_user):
        shown = value.parties
    else:
        shown = [pid for pid in value.parties if (pid, value.cycle_id) in public]
    return sorted(names[pid] for pid in shown if pid in names), len(value.parties) - len(shown)


@bp.get("/indicators/<path:code>")
def detail(code):
    rule = rules().get(code) or abort(404)
    item = _framework_items().get(code)
    cycles = _cycles()
    values = {(value.cycle_id, value.scope): value for value in db.session.scalars(
        select(IndicatorValue).where(IndicatorValue.code == code))}
    baseline = next((cycle for cycle in cycles if cycle.baseline), None)
    language = current_language()
    names = {party.id: party.name(language) for party in db.session.scalars(select(Party))}
    public = set(db.session.execute(select(Assessment.party_id, Assessment.cycle_id)
                                    .where(Assessment.visibility == "public")).all())
    named = {key: _named_parties(value, names, public) for key, value in values.items()}
    return render_template(
        "indicators/detail.html", code=code, rule=rule, item=item, cycles=cycles, values=values,
        baseline=baseline, scopes=scopes(REGIONAL_GROUPS), named=named, text=text, reason=reason,
        pending=pending_changes(),
        KIND_NAMES=KIND_NAMES, DENOMINATOR_NAMES=DENOMINATOR_NAMES, SCOPE_NAMES=SCOPE_NAMES,
        plan=code.startswith(PLAN_PREFIX))


PARTY_STATUS = {
    "counted": _l("Counted"),
    "not_counted": _l("Not counted yet"),
    "not_concerned": _l("Not concerned"),
    "contributes": _l("Contributes"),
}


def party_status(value: IndicatorValue | None, party_id: int) -> str | None:
    """Where the Party stands in a value: counted in the numerator, in the denominator only, or neither."""
    if value is None or value.value is None:
        return None
    if party_id in value.parties:
        return "counted" if value.denominator is not None else "contributes"
    if value.denominator is not None:
        return "not_counted" if party_id in value.members else "not_concerned"
    return None


@bp.get("/parties/<iso3>/indicators")
def party(iso3):
    """A Party's indicators next to its regional group's and the global values, for the latest computed cycle.
    Where it stands itself is shown to its own users and the Secretariat, and to everyone if it made that
    cycle's self-assessment public."""
    the_party = db.session.scalar(select(Party).where(Party.iso3 == iso3.upper()[:3])) or abort(404)
    cycle = db.session.scalar(select(AssessmentCycle).join(IndicatorValue, IndicatorValue.cycle_id == AssessmentCycle.id)
                              .order_by(AssessmentCycle.opens_on.desc()).limit(1))
    values = {}
    if cycle is not None:
        values = {(value.code, value.scope): value for value in db.session.scalars(
            select(IndicatorValue).where(IndicatorValue.cycle_id == cycle.id,
                                         IndicatorValue.scope.in_([GLOBAL, the_party.un_regional_group or GLOBAL])))}
    public = cycle is not None and db.session.scalar(select(Assessment.id).where(
        Assessment.party_id == the_party.id, Assessment.cycle_id == cycle.id, Assessment.visibility == "public"))
    shown = bool(public) or is_secretariat(current_user) or acts_for_party(current_user, the_party)
    return render_template("indicators/party.html", party=the_party, cycle=cycle, values=values, rules=rules(),
                           items=_framework_items(), shown=shown, party_status=party_status, GLOBAL=GLOBAL,
                           PARTY_STATUS=PARTY_STATUS, SCOPE_NAMES=SCOPE_NAMES, PLAN_PREFIX=PLAN_PREFIX)


def _report_context() -> dict:
    """Everything the evaluation report shows for the requested cycle (by default the latest computed one
    after the baseline): the values per goal, the baseline's, and the shares for the charts."""
    cycles = _cycles()
    requested = request.args.get("cycle", "")
    cycle = next((c for c in cycles if c.name == requested), None) if requested else None
    computed = set(db.session.scalars(select(IndicatorValue.cycle_id).distinct()))
    if cycle is None:
        cycle = next((c for c in reversed(cycles) if c.id in computed and not c.baseline), None)
    baseline = next((c for c in cycles if c.baseline), None)
    values = {}
    if cycle is not None:
        wanted = [cycle.id] + ([baseline.id] if baseline else [])
        values = {(value.code, value.cycle_id): value for value in db.session.scalars(
            select(IndicatorValue).where(IndicatorValue.scope == GLOBAL, IndicatorValue.cycle_id.in_(wanted)))}
    goals = db.session.scalars(select(Goal).order_by(Goal.position)).all()
    items = _framework_items()
    by_goal = {goal.id: [] for goal in goals}
    for code, rule in rules().items():
        item = items.get(code)
        if item is not None:
            by_goal[item.goal_id].append((code, rule, item))
    charts = {goal_id: _chart_rows(rows, values, cycle, baseline) for goal_id, rows in by_goal.items()}
    return dict(cycle=cycle, baseline=baseline, cycles=cycles, computed=computed, goals=goals, by_goal=by_goal,
                values=values, charts=charts, pending=pending_changes(), text=text, KIND_NAMES=KIND_NAMES,
                PLAN_PREFIX=PLAN_PREFIX)


def _chart_rows(rows, values, cycle, baseline) -> list[tuple[str, float | None, float | None]]:
    """(label, share in the cycle, share in the baseline) of a goal's indicators that are shares with a value."""
    chart = []
    for code, _rule, _item in rows:
        now = values.get((code, cycle.id)) if cycle else None
        before = values.get((code, baseline.id)) if baseline and baseline is not cycle else None
        if now is not None and now.value is not None and is_share(now):
            label = code[len(PLAN_PREFIX):] + " (I)" if code.startswith(PLAN_PREFIX) else code
            chart.append((label, now.value, before.value if before is not None else None))
    return chart


@bp.get("/reports/evaluation")
def evaluation_report():
    """The evaluation report of a cycle against the baseline: every indicator per goal with its value for all
    Parties, the baseline's and the change, with charts and the method notes; printable, and as a PDF."""
    return render_template("indicators/report.html", pdf=False, **_report_context())


@bp.get("/reports/evaluation.pdf")
def evaluation_report_pdf():
    """The same report as a PDF file, in the interface language."""
    context = _report_context()
    if context["cycle"] is None:
        abort(404)
    html = render_template("indicators/report_pdf.html", pdf=True, **context)
    return Response(render_pdf(html), mimetype="application/pdf",
                    headers=attachment(f"evaluation-report-{context['cycle'].name}.pdf"))


@bp.post("/indicators/recompute")
@login_required
def recompute():
    """The Secretariat recomputes at once the cycles whose data changed, instead of waiting for the scheduler."""
    if not is_secretariat(current_user):
        abort(403)
    count = refresh_stale(actor=current_user)
    db.session.commit()
    flash(ngettext("%(num)d cycle recomputed.", "%(num)d cycles recomputed.", count) if count
          else _("The values were already up to date."), "success")
    return redirect(safe_next(request.form.get("next"), url_for("indicators.index")))
