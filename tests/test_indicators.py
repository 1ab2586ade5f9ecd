"""Indicators computed from the database: the facts each rule kind reads (submitted assessments only, completed
activities by the cycle's end, the Parties at the reference date), the stored values, the commands and the
export contract."""
import io
import itertools
import json
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from tests.conftest import counting_queries, make_organisation, party, post
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


@pytest.fixture
def peru_joins_later():
    """Peru became a Party after the reference date; the Parties are reference data, so it is put back after."""
    yield
    party("PER").cartagena_since = None
    db.session.commit()


def test_values_are_computed_from_submitted_assessments_completed_activities_and_the_parties_of_the_day(
        ctx, small_rules, peru_joins_later):
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


@pytest.fixture
def small_rules_everywhere(small_rules, monkeypatch):
    monkeypatch.setattr("tracker.indicators.views.rules", lambda: RULES)


def test_the_indicator_page_shows_the_rule_in_words_and_the_values_per_scope_with_the_change_since_baseline(
        client, small_rules_everywhere):
    RULES["A.1(a)"]["counted_en"] = "Parties with a need in A.1(1) that benefited from a completed activity there."
    baseline = make_cycle("Baseline", opens_on=date(2024, 1, 1))
    baseline.baseline = True
    current = make_cycle("Mid-term")
    make_assessment("KEN", baseline, {"A.1(1)": "high"})
    make_assessment("KEN", current, {"A.1(1)": "high"}, visibility="public")
    make_assessment("UGA", current, {"A.1(1)": "high"})
    compute_cycle(baseline)
    completed(["KEN", "UGA"])
    compute_cycle(current)
    db.session.commit()

    html = client.get("/indicators/A.1(a)").get_data(as_text=True)
    assert "Parties with a need in A.1(1) that benefited" in html
    assert "The Parties to the Cartagena Protocol as at the cycle" in html
    assert "Mid-term" in html and "Baseline" in html and "100 %" in html and "+100 points" in html
    # Kenya made its assessment public; Uganda did not: it is counted but not named.
    assert "Kenya" in html and "Uganda" not in html and "1 not named" in html
    assert "No Party in this scope reported a need in these key areas." in html

    html = client.get("/indicators").get_data(as_text=True)
    assert "A.1(a)" in html and "Needs met" in html and "100 %" in html
    assert client.get("/indicators/Z.9(z)").status_code == 404


def test_every_indicator_page_renders_with_the_real_rules_in_both_languages(app, ctx, client):
    from tracker.indicators.rules import rules

    cycle = make_cycle()
    make_assessment("KEN", cycle, {"A.1(1)": "high"}, visibility="public")
    completed(["KEN"])
    compute_cycle(cycle)
    db.session.commit()
    assert client.get("/indicators").status_code == 200
    for code in rules():
        response = client.get(f"/indicators/{code}")
        assert response.status_code == 200, code
    post(client, "/language", {"language": "zh"})
    html = client.get("/indicators/B.1(a)").get_data(as_text=True)
    assert "计算方法" in html


def test_a_party_page_shows_its_indicators_next_to_its_region_and_the_world_and_where_it_stands(
        app, client, small_rules_everywhere):
    from tests.conftest import login, make_user
    from tracker.accounts.models import PARTY_EDITOR

    cycle = make_cycle()
    make_assessment("KEN", cycle, {"A.1(1)": "high"})  # visible to providers: not public
    make_assessment("UGA", cycle, {"A.1(1)": "high"}, visibility="public")
    make_assessment("BRA", cycle, {"A.2(1)": "high"}, visibility="public")
    completed(["KEN"])
    compute_cycle(cycle)
    db.session.commit()

    # Anyone: Uganda made its assessment public, so where it stands is shown: in the denominator of A.1(a)
    # (a need in A.1(1)), not in the numerator. The African Group: 1 of 2; all Parties: 1 of 2.
    html = client.get("/parties/UGA/indicators").get_data(as_text=True)
    assert "African Group" in html and "50 %" in html and "<td>Not counted yet</td>" in html
    # Brazil reported no need in A.1(1): not concerned.
    assert "<td>Not concerned</td>" in client.get("/parties/BRA/indicators").get_data(as_text=True)
    # Kenya's standing is not public...
    html = client.get("/parties/KEN/indicators").get_data(as_text=True)
    assert "<td>Counted</td>" not in html and "shown only to its own users and the Secretariat" in html
    # ...but Kenya's own users see it.
    kenya = app.test_client()
    login(kenya, make_user(PARTY_EDITOR, party_iso3="KEN"))
    assert "<td>Counted</td>" in kenya.get("/parties/KEN/indicators").get_data(as_text=True)
    assert client.get("/parties/XXX/indicators").status_code == 404
    assert "Indicators of Kenya" in client.get("/parties/KEN").get_data(as_text=True)


def test_the_evaluation_report_gives_each_goal_s_indicators_against_the_baseline_in_both_languages(
        client, small_rules_everywhere):
    baseline = make_cycle("Baseline", opens_on=date(2024, 1, 1))
    baseline.baseline = True
    current = make_cycle("Mid-term")
    make_assessment("KEN", baseline, {"A.1(1)": "high"})
    make_assessment("KEN", current, {"A.1(1)": "high"})
    make_assessment("UGA", current, {"A.1(1)": "high"})
    compute_cycle(baseline)
    completed(["KEN"])
    compute_cycle(current)
    db.session.commit()

    html = client.get("/reports/evaluation").get_data(as_text=True)
    assert "Evaluation report: Mid-term" in html and "compared with the baseline cycle Baseline" in html
    # A.1(a): 1 of 2 Parties with the need were helped now, 0 of 1 at the baseline.
    start = html.index('<span class="code">A.1(a)')
    row = html[start:html.index("</tr>", start)]
    assert "50 %" in row and "0 %" in row and "+50 points" in row
    assert "Method" in html and "as at the cycle" in html
    assert "Evaluation report: Baseline" in client.get("/reports/evaluation?cycle=Baseline").get_data(as_text=True)
    post(client, "/language", {"language": "zh"})
    assert "评估报告" in client.get("/reports/evaluation").get_data(as_text=True)


def test_the_report_draws_each_goal_s_shares_and_downloads_as_a_pdf_in_the_interface_language(
        client, small_rules_everywhere):
    baseline = make_cycle("Baseline", opens_on=date(2024, 1, 1))
    baseline.baseline = True
    current = make_cycle("Mid-term")
    make_assessment("KEN", baseline, {"A.1(1)": "high"})
    for iso3 in ("KEN", "UGA", "PER", "IND"):
        make_assessment(iso3, current, {"A.1(1)": "high"})
    compute_cycle(baseline)
    completed(["KEN"])
    compute_cycle(current)
    db.session.commit()

    html = client.get("/reports/evaluation").get_data(as_text=True)
    chart = html[html.index("<svg"):html.index("</svg>")]
    # A.1(a): 1 of the 4 Parties with the need was helped (25 %), 0 of 1 at the baseline; the plot is 470 wide.
    assert 'width="117.5"' in chart and "25 %" in chart and 'width="0.0"' in chart
    assert "Share of Parties per indicator of A.1: Mid-term against Baseline" in chart

    response = client.get("/reports/evaluation.pdf?cycle=Mid-term")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="evaluation-report-Mid-term.pdf"'
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Evaluation report: Mid-term" in text and "25 %" in text and "+25 points" in text
    assert "Download as PDF" not in text, "the page's buttons stay out of the file"

    post(client, "/language", {"language": "zh"})
    chinese = "\n".join(page.extract_text() for page in PdfReader(
        io.BytesIO(client.get("/reports/evaluation.pdf?cycle=Mid-term").data)).pages)
    assert "评估报告" in chinese
    assert client.get("/reports/evaluation.pdf?cycle=No such cycle").status_code == 200, \
        "an unknown cycle falls back to the latest, as the page does"
