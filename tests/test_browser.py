"""In a real browser (Debian chromium driven by Playwright): register, approval, login, language switch.

Screenshots go to test-artifacts/. Without chromium the tests skip, except with CI=true.
"""
import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import PASSWORD, make_user
from tracker import create_app
from tracker.accounts.models import SECRETARIAT
from tracker.extensions import db

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is required for the browser tests when CI=true (apt-get install chromium)")
        pytest.skip("chromium not found: install Debian's chromium package to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield browser
        browser.close()


@pytest.fixture
def live_url(app, database_url_for_tests):
    """The app served over HTTP on a free loopback port, on the test database."""
    served = create_app({"SECRET_KEY": "browser-test", "SQLALCHEMY_DATABASE_URI": database_url_for_tests})
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    with served.app_context():
        db.engine.dispose()


def shot(page, name, full_page=True):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


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
