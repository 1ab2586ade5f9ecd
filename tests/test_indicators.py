"""Indicators computed from the database: the facts each rule kind reads (submitted assessments only, completed
activities by the cycle's end, the Parties at the reference date), the stored values, the commands and the
export contract."""
import itertools
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import make_organisation, party
from tests.test_needs_explorer import make_assessment, make_cycle
from tracker.activities.models import Activity
from tracker.assessments.models import DRAFT, DeclaredAnswer, DeclaredQuestion
from tracker.clock import utcnow
from tracker.extensions import db
from tracker.framework.models import KeyArea
from tracker.indicators import rules as rules_module
from tracker.indicators.data import load_facts
from tracker.indicators.models import IndicatorValue
from tracker.indicators.services import compute_cycle
from tracker.parties.models import Party

RULES = {
    "A.1(a)": {"code": "A.1(a)", "kind": "need_met", "params": {"key_areas": ["A.1(1)"]}, "denominator": "cartagena"},
    "B.1(a)": {"code": "B.1(a)", "kind": "assessment_done", "params": {}, "denominator": "cartagena"},
    "A.1(b)": {"code": "A.1(b)", "kind": "declared", "params": {"question": "cna_trained_staff"},
               "denominator": "cartagena"},
    "A.10(a)": {"code": "A.10(a)", "kind": "assessment_done", "params": {}, "denominator": "supplementary"},
}


@pytest.fixture
def small_rules(monkeypatch):
    monkeypatch.setattr(rules_module, "rules", lambda: RULES)
    monkeypatch.setattr("tracker.indicators.services.rules", lambda: RULES)


_numbers = itertools.count(1)


def area(code):
    return db.session.scalar(select(KeyArea).where(KeyArea.code == code))


def completed(iso3s, code="A.1(1)", end=None, status="completed"):
    activity = Activity(organisation=make_organisation(f"Organisation {next(_numbers)}"), title="Course",
                        status=status, end_date=end, key_areas=[area(code)],
                        beneficiaries=[party(iso3) for iso3 in iso3s], created_at=utcnow(), updated_at=utcnow())
    db.session.add(activity)
    db.session.commit()
    return activity


def answer(assessment, choice):
    question = db.session.scalar(select(DeclaredQuestion).where(DeclaredQuestion.code == "cna_trained_staff"))
    db.session.add(DeclaredAnswer(assessment=assessment, question=question, choice=choice))
    db.session.commit()


def stored(code, scope="global"):
    return db.session.scalar(select(IndicatorValue).where(IndicatorValue.code == code, IndicatorValue.scope == scope))


def test_values_are_computed_from_submitted_assessments_completed_activities_and_the_parties_of_the_day(
        ctx, small_rules):
    cycle = make_cycle()
    kenya = make_assessment("KEN", cycle, {"A.1(1)": "high"})
    make_assessment("UGA", cycle, {"A.1(1)": "medium"})
    make_assessment("PER", cycle, {"A.1(1)": "low"}, status=DRAFT)  # a draft counts for nothing
    answer(kenya, "yes")
    completed(["KEN"])
    completed(["UGA"], status="cancelled")
    completed(["UGA"], end=cycle.closes_on + timedelta(days=1))  # after the cycle
    # Peru became a Party after the reference date: not in the denominator.
    party("PER").cartagena_since = cycle.reference_date + timedelta(days=1)
    db.session.commit()

    assert compute_cycle(cycle) == len(RULES) * 8  # global, five regional groups, LDC, SIDS
    db.session.commit()
    parties = db.session.scalar(select(func.count()).select_from(Party).where(Party.cartagena_party.is_(True))) - 1

    need_met = stored("A.1(a)")
    assert (need_met.numerator, need_met.denominator, need_met.value) == (1, 2, 0.5)
    assert need_met.parties == [party("KEN").id]
    assert stored("A.1(a)", "african").value == 0.5 and stored("A.1(a)", "grulac").value is None

    done = stored("B.1(a)")
    assert (done.numerator, done.denominator) == (2, parties)
    assert stored("A.10(a)").denominator == 55  # the Supplementary Protocol's Parties (Peru's date is for the Protocol)
    assert (stored("A.1(b)").numerator, stored("A.1(b)").denominator, stored("A.1(b)").value) == (1, 1, 1.0)


def test_computing_again_replaces_the_values(ctx, small_rules):
    cycle = make_cycle()
    make_assessment("KEN", cycle, {"A.1(1)": "high"})
    compute_cycle(cycle)
    db.session.commit()
    assert stored("A.1(a)").value == 0.0
    completed(["KEN"])
    compute_cycle(cycle)
    db.session.commit()
    assert stored("A.1(a)").value == 1.0
    assert db.session.scalar(select(func.count()).select_from(IndicatorValue)) == len(RULES) * 8


def test_compute_command_and_export_contract(ctx, small_rules, runner):
    cycle = make_cycle("Mid-term review")
    make_assessment("KEN", cycle, {"A.1(1)": "high"})
    completed(["KEN"])
    result = runner.invoke(args=["indicators", "compute", "--cycle", "Mid-term review"])
    assert result.exit_code == 0 and "values computed" in result.output, result.output

    result = runner.invoke(args=["export", "indicators", "--format", "json", "--cycle", "Mid-term review"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    row = next(r for r in rows if r["code"] == "A.1(a)" and r["scope"] == "global")
    assert {"code", "cycle", "scope", "numerator", "denominator", "value", "reason", "computed_at"} <= set(row)
    assert (row["cycle"], row["numerator"], row["denominator"], row["value"], row["parties"]) == (
        "Mid-term review", 1, 1, 1.0, ["KEN"])
    empty = next(r for r in rows if r["code"] == "A.1(a)" and r["scope"] == "grulac")
    assert empty["value"] is None and empty["reason"]

    assert runner.invoke(args=["indicators", "compute", "--cycle", "Nope"]).exit_code != 0


def test_the_facts_of_a_cycle_take_the_same_few_queries_whatever_the_number_of_parties(ctx):
    from tests.test_offers import counting_queries

    cycle = make_cycle()

    def queries_for(iso3s):
        for iso3 in iso3s:
            make_assessment(iso3, cycle, {"A.1(1)": "high", "A.2(1)": "low"})
            completed([iso3])
        db.session.refresh(cycle)
        with counting_queries() as statements:
            facts = load_facts(cycle)
        return len(statements), facts

    few, __ = queries_for(["KEN"])
    many, facts = queries_for(["UGA", "TZA", "PER", "BRA", "IND"])
    assert few == many <= 9
    assert len(facts.activities) == 6 and len(facts.needs["A.1(1)"]) == 6
