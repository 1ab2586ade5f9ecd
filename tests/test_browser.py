"""In a real browser (Debian chromium driven by Playwright): register, approval, login, language switch.

Screenshots go to test-artifacts/. Without chromium the tests skip, except with CI=true.
"""
import pytest

from tests.conftest import PASSWORD, make_user, shot
from tracker.accounts.models import SECRETARIAT

pytestmark = pytest.mark.browser


def test_register_approve_login_and_switch_language(browser, live_url, ctx):
    make_user(SECRETARIAT, party_iso3=None, email="officer@example.org")

    applicant = browser.new_page()
    applicant.goto(live_url + "/")
    applicant.get_by_role("link", name="Register").click()
    applicant.get_by_role("link", name="A Party").click()
    applicant.get_by_label("Party").select_option("KEN")
    applicant.get_by_label("Full name").fill("Wanjiku Kamau")
    applicant.get_by_label("Position").fill("Biosafety officer")
    applicant.get_by_label("E-mail address").fill("wanjiku@example.org")
    applicant.get_by_label("Password", exact=True).fill(PASSWORD)
    applicant.get_by_label("Repeat the password").fill(PASSWORD)
    shot(applicant, "01-register-party")
    applicant.get_by_role("button", name="Send the request").click()
    assert "The Secretariat will review your request" in applicant.content()
    shot(applicant, "02-registered")

    officer = browser.new_page()
    officer.goto(live_url + "/login")
    officer.get_by_label("E-mail address").fill("officer@example.org")
    officer.get_by_label("Password").fill(PASSWORD)
    officer.get_by_role("button", name="Log in").click()
    officer.get_by_role("link", name="Users").click()
    row = officer.get_by_role("row").filter(has_text="wanjiku@example.org")
    assert "Awaiting approval" in row.inner_text()
    shot(officer, "03-users-awaiting-approval")
    row.get_by_role("button", name="Approve").click()
    assert "Wanjiku Kamau can now log in." in officer.content()
    shot(officer, "04-approved")

    applicant.goto(live_url + "/login")
    applicant.get_by_label("E-mail address").fill("wanjiku@example.org")
    applicant.get_by_label("Password").fill(PASSWORD)
    applicant.get_by_role("button", name="Log in").click()
    assert applicant.get_by_role("link", name="Wanjiku Kamau").is_visible()

    applicant.get_by_role("link", name="Action Plan", exact=True).click()
    applicant.get_by_role("link", name="A.8", exact=False).first.click()
    applicant.get_by_role("button", name="中文").click()
    assert applicant.locator("html").get_attribute("lang") == "zh"
    assert applicant.get_by_role("heading", name="关键能力建设领域").is_visible()
    assert applicant.get_by_role("button", name="退出登录").is_visible()
    shot(applicant, "05-goal-page-zh")

    applicant.set_viewport_size({"width": 390, "height": 844})
    applicant.get_by_role("link", name="缔约方", exact=True).first.click()
    shot(applicant, "06-parties-zh-phone", full_page=False)
    applicant.get_by_role("button", name="退出登录").click()
    assert applicant.get_by_role("link", name="登录").is_visible()
