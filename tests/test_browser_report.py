"""In a real browser: the evaluation report in English and Chinese, and its print layout without the navigation.
Screenshots go to test-artifacts/ (71-…)."""
from datetime import date

import pytest

from tests.conftest import shot
from tests.test_indicators import completed
from tests.test_needs_explorer import make_assessment, make_cycle
from tracker.extensions import db
from tracker.indicators.services import compute_cycle

pytestmark = pytest.mark.browser


def test_the_evaluation_report_reads_and_prints_in_english_and_chinese(browser, live_url, ctx):
    baseline = make_cycle("Baseline 2024", opens_on=date(2024, 1, 1))
    baseline.baseline = True
    current = make_cycle("Mid-term review 2026")
    for iso3 in ("KEN", "UGA", "PER"):
        make_assessment(iso3, baseline, {"A.1(1)": "high", "A.8(1)": "medium"})
        make_assessment(iso3, current, {"A.1(1)": "high", "A.8(1)": "medium"})
    compute_cycle(baseline)
    completed(["KEN", "UGA"])
    completed(["PER"], code="A.8(1)")
    compute_cycle(current)
    db.session.commit()

    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(live_url + "/indicators")
    page.get_by_role("link", name="The evaluation report of a cycle against the baseline, printable").click()
    assert page.get_by_role("heading", name="Evaluation report: Mid-term review 2026", level=1).is_visible()
    row = page.locator("table.report-table tr").filter(has_text="A.1(a)").first
    assert "Baseline 2024" in page.locator("table.report-table").first.inner_text()
    assert row.is_visible()
    assert page.get_by_role("heading", name="Method").is_visible()
    shot(page, "71-report")

    page.emulate_media(media="print")
    assert not page.locator("header.site-header").is_visible()
    assert not page.get_by_role("button", name="Show").is_visible()
    shot(page, "71-report-print")
    page.emulate_media(media="screen")

    page.get_by_role("button", name="中文").click()
    assert page.get_by_role("heading", name="评估报告：Mid-term review 2026", level=1).is_visible()
    assert page.get_by_role("heading", name="方法").is_visible()
    shot(page, "71-report-zh")
