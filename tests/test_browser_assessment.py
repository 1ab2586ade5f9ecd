"""In a real browser: an editor fills three areas and saves, the focal point submits, the Secretariat's
overview shows the Party as submitted. Screenshots go to test-artifacts/."""
from datetime import timedelta

import pytest

from tests.conftest import PASSWORD, make_user, shot
from tracker.accounts.models import PARTY_EDITOR, PARTY_FOCAL_POINT, SECRETARIAT
from tracker.assessments.models import AssessmentCycle
from tracker.clock import today, utcnow
from tracker.extensions import db

pytestmark = pytest.mark.browser


def log_in(page, base, email):
    page.goto(base + "/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_editor_drafts_focal_point_submits_secretariat_sees_it(browser, live_url, ctx):
    db.session.add(AssessmentCycle(name="Mid-term review 2026", opens_on=today() - timedelta(days=5),
                                   closes_on=today() + timedelta(days=25), reference_date=today(),
                                   baseline=False, created_at=utcnow()))
    db.session.commit()
    make_user(PARTY_EDITOR, party_iso3="KEN", email="editor@example.org")
    make_user(PARTY_FOCAL_POINT, party_iso3="KEN", email="focal@example.org")
    make_user(SECRETARIAT, party_iso3=None, email="officer@example.org")

    editor = browser.new_page()
    log_in(editor, live_url, "editor@example.org")
    assert "25 days left" in editor.content()
    editor.get_by_role("link", name="Start the assessment").click()
    editor.get_by_role("button", name="Start the assessment").click()
    goal = editor.locator("#goal-A\\.8")
    goal.locator("summary").first.click()
    for code, level in (("A.8(1)", "High"), ("A.8(2)", "Medium"), ("A.8(3)", "High")):
        area = goal.locator("fieldset.area").filter(has_text=code).first
        area.get_by_role("radio", name=level, exact=True).check()
    goal.locator("fieldset.area").filter(has_text="A.8(3)").first.get_by_label("Priority").select_option("1")
    shot(editor, "10-editor-fills-a8")
    goal.get_by_role("button", name="Save the draft").click()
    assert "Saved." in editor.content()
    assert editor.locator("#goal-A\\.8").get_by_text("3 of 4 areas considered").is_visible()
    shot(editor, "11-draft-saved")

    focal = browser.new_page()
    log_in(focal, live_url, "focal@example.org")
    focal.get_by_role("link", name="Open the assessment").click()
    focal.get_by_role("button", name="Submit the assessment").click()
    assert "The assessment is submitted" in focal.content()
    shot(focal, "12-submitted")

    officer = browser.new_page()
    log_in(officer, live_url, "officer@example.org")
    officer.get_by_role("link", name="Cycles").click()
    officer.get_by_role("link", name="Mid-term review 2026").click()
    officer.get_by_label("UN regional group").select_option("african")
    officer.get_by_role("button", name="Filter").click()
    row = officer.get_by_role("row").filter(has_text="Kenya")
    assert "Submitted" in row.inner_text()
    shot(officer, "13-secretariat-overview")
