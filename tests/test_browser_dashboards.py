"""In a real browser: the Secretariat opens its dashboard and anyone the public one; the charts are drawn from the
tables (the JavaScript ran under the Content-Security-Policy), the tables stay on the page, folded, and the
indicator rows get their sparklines. Screenshots go to test-artifacts/ (70-…)."""
import pytest

from tests.conftest import PASSWORD, make_user, shot
from tests.test_dashboards import build
from tracker.accounts.models import SECRETARIAT

pytestmark = pytest.mark.browser

CHARTS = ("chart-submissions", "chart-submissions-by-month", "chart-unmet-demand", "chart-funnel", "chart-step-days",
          "chart-activities")
# Pixels of a canvas that something was drawn on.
PAINTED = """canvas => {
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
  return painted;
}"""


def watch(page) -> list[str]:
    """Errors of the page: scripts failing, the Content-Security-Policy refusing something, files not found (the
    browser's own request for /favicon.ico aside)."""
    problems = []
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource") else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("response", lambda response: problems.append(f"{response.status} {response.url}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico") else None)
    return problems


def check_charts(page, charts=CHARTS):
    for figure_id in charts:
        figure = page.locator(f"#{figure_id}")
        assert figure.get_attribute("data-drawn") == "true", figure_id
        canvas = figure.locator(".chart-box canvas")
        assert canvas.evaluate(PAINTED) > 500, figure_id
        assert page.evaluate("id => Boolean(Chart.getChart(document.querySelector(`#${id} canvas`)))", figure_id)
        # The table is still there, folded under "Table"; opening it shows it.
        details = figure.locator("details.chart-data")
        assert details.get_attribute("open") is None
        details.locator("summary").click()
        assert figure.locator("table").is_visible()
        details.locator("summary").click()
    assert page.locator("[data-sparkline][data-drawn] canvas.sparkline").count() > 0


def test_the_secretariat_and_the_public_see_the_charts_drawn_from_the_tables(browser, live_url, ctx):
    build()
    make_user(SECRETARIAT, party_iso3=None, email="secretariat@example.org")

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems = watch(page)
    page.goto(live_url + "/login")
    page.get_by_label("E-mail address").fill("secretariat@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_url + "/")
    page.goto(live_url + "/dashboard")
    assert page.get_by_role("heading", name="Dashboard", exact=True).is_visible()
    check_charts(page)
    # The funnel spans more than two orders of magnitude? Not here (7 to 1): a linear axis.
    assert page.locator("#chart-funnel").get_attribute("data-scale") is None
    assert page.locator("section#heatmap table.heatmap td.heat-0").count() > 0
    assert page.locator("table.indicator-trends tbody tr td[data-value]").count() == 103 * 2
    shot(page, "70-dashboard")

    page.get_by_role("link", name="See the public dashboard").click()
    page.wait_for_url("**/dashboard/public**")
    assert page.get_by_role("heading", name="Public dashboard").is_visible()
    check_charts(page)
    assert "only the needs of Parties that made their self-assessment public" in page.content()

    visitor = browser.new_page(viewport={"width": 1280, "height": 900})  # not logged in
    problems += watch(visitor)
    visitor.goto(live_url + "/dashboard/public")
    check_charts(visitor)
    assert visitor.get_by_role("link", name="Back to the Secretariat's dashboard").count() == 0
    shot(visitor, "70-dashboard-public")
    # No script or style was refused by the Content-Security-Policy, nothing failed.
    assert problems == [], problems
