"""Compute every indicator for a cycle and every scope, and store the values (all or nothing)."""
from sqlalchemy import delete, insert, select

from tracker.assessments.models import AssessmentCycle
from tracker.audit.services import record
from tracker.clock import utcnow
from tracker.extensions import db
from tracker.indicators.data import load_facts
from tracker.indicators.formulas import evaluate, scopes
from tracker.indicators.models import IndicatorChange, IndicatorValue
from tracker.indicators.rules import rules
from tracker.parties.models import REGIONAL_GROUPS


def compute_cycle(cycle: AssessmentCycle, *, actor=None) -> int:
    """Replace the cycle's stored values by freshly computed ones, taking in the changes pending for the cycle
    (tracker/indicators/freshness.py). Returns how many values were stored."""
    db.session.flush()
    seen = list(db.session.scalars(select(IndicatorChange.id).where(IndicatorChange.cycle_id == cycle.id)))
    facts = load_facts(cycle)
    now = utcnow()
    rows = []
    for rule in rules().values():
        for scope in scopes(REGIONAL_GROUPS):
            result = evaluate(facts, rule, scope)
            rows.append({"code": rule["code"], "cycle_id": cycle.id, "scope": scope, "numerator": result.numerator,
                         "denominator": result.denominator, "value": result.value, "reason": result.reason,
                         "parties": result.parties, "members": result.members, "computed_at": now})
    db.session.execute(delete(IndicatorValue).where(IndicatorValue.cycle_id == cycle.id))
    db.session.execute(insert(IndicatorValue), rows)
    for start in range(0, len(seen), 500):
        db.session.execute(delete(IndicatorChange).where(IndicatorChange.id.in_(seen[start:start + 500])))
    record(actor, "indicators.compute", cycle, after={"values": len(rows)})
    return len(rows)


def stored_values(cycle: AssessmentCycle | None = None) -> list[IndicatorValue]:
    query = select(IndicatorValue).join(IndicatorValue.cycle).order_by(
        AssessmentCycle.opens_on, IndicatorValue.id)
    if cycle is not None:
        query = query.where(IndicatorValue.cycle_id == cycle.id)
    return list(db.session.scalars(query))
