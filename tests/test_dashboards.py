"""The dashboards: who may see the Secretariat's and the public one, each chart's table on a small data set whose
numbers can be checked by hand, the public page leaving out the needs Parties did not make public, the CSV
downloads, a number of queries that does not grow with the data, and no inline script."""
import csv
import io
import itertools
import re
from datetime import timedelta

import lxml.html
import pytest

from tests.conftest import INLINE_SCRIPT, counting_queries, login, make_organisation, make_user, party
from tests.test_matching import lab_offer
from tests.test_needs_explorer import area, make_assessment, make_cycle
from tracker.accounts.models import PARTY_EDITOR, PROVIDER, SECRETARIAT
from tracker.activities.models import Activity
from tracker.assessments.models import DRAFT, AssessmentCycle
from tracker.audit.models import AuditEntry
from tracker.clock import today, utcnow
from tracker.extensions import db
from tracker.indicators.dashboard_views import TABLE_NAMES
from tracker.indicators.services import compute_cycle
from tracker.matching.models import AGREED, CLOSED, DECLINED, DELIVERING, SUGGESTED, WITHDRAWN, Match
from tracker.parties.models import Party

T0 = utcnow().replace(microsecond=0) - timedelta(days=40)
DAY = timedelta(days=1)
_numbers = itertools.count(1)


# --- the data set -------------------------------------------------------------------------------------------

def make_match(iso3, code, offer, status, steps=(), created_at=T0) -> Match:
    """A match with its steps in the audit log: `steps` are (action, days after T0)."""
    match = Match(party=party(iso3), key_area=area(code), offer=offer, status=status, score=1.0, components={},
                  created_at=created_at, step_at=created_at)
    db.session.add(match)
    db.session.flush()
    for action, days in steps:
        db.session.add(AuditEntry(at=T0 + days * DAY, action=action, object_type="Match", object_id=match.id,
                                  object_label="test"))
    db.session.commit()
    return match


def make_activity(codes, support_type, status="completed", **fields) -> Activity:
    now = utcnow()
    activity = Activity(title=f"Activity {next(_numbers)}", status=status, support_type=support_type,
                        key_areas=[area(code) for code in codes], created_at=now, updated_at=now, **fields)
    db.session.add(activity)
    db.session.commit()
    return activity


def build():
    """Two cycles; five Parties with different visibilities; seven matches at every step; four activities.

    Baseline: Kenya and France submitted (Nigeria's is a draft).
    Mid-term (current): Kenya (public) high in A.8(1) and A.5(1), medium in A.1(1); Nigeria (providers) high in
    A.8(1); Peru (Secretariat only) high in A.8(1), low in A.5(1); India (public) reopened its assessment: it
    submitted A.5(1) high and is drafting it as low; France (public) has a draft never submitted, high in A.8(1).
    """
    baseline = make_cycle("Baseline 2024", opens_on=today() - timedelta(days=700))
    current = make_cycle("Mid-term 2026")
    make_assessment("KEN", baseline, {"A.8(1)": "high"})
    make_assessment("FRA", baseline, {"A.8(1)": "low"}, visibility="public")
    make_assessment("NGA", baseline, {"A.8(1)": "high"}, status=DRAFT)

    make_assessment("KEN", current, {"A.8(1)": "high", "A.5(1)": "high", "A.1(1)": "medium"}, visibility="public")
    make_assessment("NGA", current, {"A.8(1)": "high"}, visibility="providers")
    make_assessment("PER", current, {"A.8(1)": "high", "A.5(1)": "low"}, visibility="secretariat")
    india = make_assessment("IND", current, {"A.5(1)": "low"}, status=DRAFT, visibility="public",
                            submitted={"A.5(1)": "high"})
    india.submitted_at = india.versions[0].submitted_at  # reopening keeps the time of the last submission
    make_assessment("FRA", current, {"A.8(1)": "high"}, status=DRAFT, visibility="public")
    db.session.commit()

    detection = lab_offer(title="Detection course", key_areas=("A.8(1)",))
    risk = lab_offer(title="Risk assessment course", key_areas=("A.5(1)",))
    risk_too = lab_offer(title="Risk assessment mentoring", key_areas=("A.5(1)",))
    make_match("KEN", "A.8(1)", detection, CLOSED, [("match.propose", 1), ("match.agree", 3),
                                                     ("match.deliver", 10), ("match.confirm", 12)])
    make_match("IND", "A.5(1)", risk, WITHDRAWN, [("match.propose", 2), ("match.agree", 5),
                                                  ("match.withdraw", 6)])
    make_match("PER", "A.8(1)", detection, DECLINED, [("match.propose", 4), ("match.decline", 5)])
    make_match("NGA", "A.8(1)", detection, AGREED)         # moved on without audit entries, as the demo data does
    make_match("KEN", "A.5(1)", risk, SUGGESTED)
    make_match("PER", "A.5(1)", risk, DECLINED, [("match.decline", 1)])  # declined as a suggestion
    make_match("IND", "A.5(1)", risk_too, DELIVERING)

    organisation = make_organisation("Activity Provider")
    make_activity(["A.8(1)", "A.8(2)"], "training", party=party("KEN"), party_role="organised")
    make_activity(["A.8(1)", "A.5(1)"], "funding", organisation=organisation)
    make_activity([], None, organisation=organisation)
    make_activity(["A.8(1)"], "training", status="planned", organisation=organisation)

    for cycle in (baseline, current):
        compute_cycle(cycle)
    db.session.commit()
    return baseline, current


def secretariat_client(app):
    client = app.test_client()
    login(client, make_user(SECRETARIAT, party_iso3=None))
    return client


def chart(html: str, figure_id: str) -> dict[str, list[str]]:
    """{row's chart label: the cells' data-value} of a figure's table, with the header row under "" (the series'
    chart labels, or their headers)."""
    page = lxml.html.fromstring(html)
    (table,) = page.xpath(f'//*[@id="{figure_id}"]//table')
    heads = table.xpath("./thead/tr/th")[1:]
    rows = {"": [th.get("data-label") or th.text_content().strip() for th in heads]}
    for tr in table.xpath("./tbody/tr[td]"):
        rows[tr.xpath("./th")[0].get("data-label")] = [td.get("data-value") for td in tr.xpath("./td")]
    return rows


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))


# --- who may see what ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("who, page, csv_status", [
    ("anonymous", 302, 302),
    ("party editor", 403, 403),
    ("provider", 403, 403),
    ("secretariat", 200, 200),
])
def test_only_the_secretariat_sees_its_dashboard_and_anyone_the_public_one(app, ctx, who, page, csv_status):
    make_cycle()
    client = app.test_client()
    user = {"anonymous": None,
            "party editor": lambda: make_user(PARTY_EDITOR, party_iso3="KEN"),
            "provider": lambda: make_user(PROVIDER, party_iso3=None, organisation=make_organisation("Lab", vetted=True)),
            "secretariat": lambda: make_user(SECRETARIAT, party_iso3=None)}[who]
    if user:
        login(client, user())
    response = client.get("/dashboard")
    assert response.status_code == page
    if page == 302:
        assert "/login" in response.headers["Location"]
    for name in TABLE_NAMES:
        assert client.get(f"/dashboard/{name}.csv").status_code == csv_status
        assert client.get(f"/dashboard/public/{name}.csv").status_code == 200
    assert client.get("/dashboard/public").status_code == 200


def test_an_unknown_table_is_not_found(app, ctx):
    assert app.test_client().get("/dashboard/public/parties.csv").status_code == 404
    assert secretariat_client(app).get("/dashboard/nothing.csv").status_code == 404


# --- each chart's table ----------------------------------------------------------------------------------------

def test_submissions_per_cycle_and_month_by_month(app, ctx):
    build()
    html = secretariat_client(app).get("/dashboard").get_data(as_text=True)
    submissions = chart(html, "chart-submissions")
    assert submissions[""] == ["African", "Asia-Pacific", "CEE", "GRULAC", "WEOG", "All Parties"]
    # Baseline: Kenya and France (Nigeria's draft does not count); mid-term: Kenya, Nigeria, Peru and India,
    # which is revising a submitted assessment (France's draft never submitted does not count).
    assert submissions["Baseline 2024"] == ["1", "0", "0", "0", "1", "2"]
    assert submissions["Mid-term 2026"] == ["2", "1", "0", "1", "0", "4"]
    monthly = chart(html, "chart-submissions-by-month")
    *earlier, last = list(monthly.items())[1:]
    assert last[1] == ["2", "1", "0", "1", "0", "4"]  # every submission is from this month
    assert all(values == ["0"] * 6 for _, values in earlier)  # the cycle opened 10 days ago: maybe last month


def test_heat_map_counts_submitted_needs_per_key_area_and_group(app, ctx):
    build()
    client = secretariat_client(app)
    page = lxml.html.fromstring(client.get("/dashboard").get_data(as_text=True))

    def cells(code):
        row = page.xpath(f'//section[@id="heatmap"]//tr[th/span[@class="code"][text()="{code}"]]')[0]
        return [(td.text_content().strip(), td.get("class")) for td in row.xpath("./td")]

    # High needs, every visibility for the Secretariat: A.8(1) Kenya, Nigeria (African), Peru (GRULAC);
    # A.5(1) Kenya, and India as last submitted. France's draft and India's draft level are not counted.
    counts = {code: [text for text, _ in cells(code)] for code in ("A.8(1)", "A.5(1)", "A.1(1)")}
    assert counts["A.8(1)"] == ["2", "0", "0", "1", "0", "3", "1"]  # … all Parties, open offers
    assert counts["A.5(1)"] == ["1", "1", "0", "0", "0", "2", "2"]
    assert counts["A.1(1)"] == ["0", "0", "0", "0", "0", "0", "0"]
    shaded = [css for _, css in cells("A.8(1)")[:5]]
    assert shaded[0].startswith("number heat heat-") and shaded[1] == "number heat heat-0"
    assert shaded[0] != shaded[3]  # 2 and 1 fall in different classes

    medium = lxml.html.fromstring(client.get("/dashboard?level=medium").get_data(as_text=True))
    row = medium.xpath('//section[@id="heatmap"]//tr[th/span[@class="code"][text()="A.1(1)"]]')[0]
    assert [td.text_content().strip() for td in row.xpath("./td")][:6] == ["1", "0", "0", "0", "0", "1"]
    rows = {row["key_area"]: row for row in csv_rows(client.get("/dashboard/heatmap.csv"))}
    assert rows["A.8(1)"]["african"] == "2" and rows["A.8(1)"]["all_parties"] == "3"
    assert rows["A.8(1)"]["open_offers"] == "1" and rows["A.8(1)"]["no_offer"] == "False"
    assert rows["A.1(1)"]["all_parties"] == "0" and len(rows) == 41


def test_unmet_demand_counts_high_needs_without_an_agreed_match(app, ctx):
    build()
    unmet = chart(secretariat_client(app).get("/dashboard").get_data(as_text=True), "chart-unmet-demand")
    assert unmet[""] == ["No agreed match", "Agreed match or further", "Parties with a high need"]
    # A.8(1): Kenya (closed) and Nigeria (agreed) are answered; Peru's proposal was declined.
    # A.5(1): India's second offer is being delivered (its first was withdrawn); Kenya's is only suggested.
    assert unmet == {"": unmet[""], "A.5(1)": ["1", "1", "2"], "A.8(1)": ["1", "2", "3"]}


def test_the_funnel_counts_every_step_a_match_reached_and_the_median_days(app, ctx):
    build()
    html = secretariat_client(app).get("/dashboard").get_data(as_text=True)
    funnel = chart(html, "chart-funnel")
    # Suggested: all 7. Proposed: closed, withdrawn after agreement, declined after proposal, agreed, delivering.
    # Agreed: closed, withdrawn after agreement, agreed, delivering. Delivered and closed: the closed one.
    assert {label: values[0] for label, values in funnel.items() if label} == {
        "Suggested": "7", "Proposed": "5", "Agreed": "4", "Delivered": "1", "Closed": "1"}
    assert [values[1] for label, values in funnel.items() if label] == ["", "71.4", "80.0", "25.0", "100.0"]
    days = chart(html, "chart-step-days")
    # Suggested → proposed: 1, 2, 4 days; proposed → agreed: 2, 3; agreed → delivered: 7; delivered → closed: 2.
    assert {label: values for label, values in days.items() if label} == {
        "Suggested → proposed": ["2.0", "3"], "Proposed → agreed": ["2.5", "2"],
        "Agreed → delivered": ["7.0", "1"], "Delivered → closed": ["2.0", "1"]}
    assert "Suggested → proposed" in html and "2.5" in html


def test_completed_activities_by_goal_and_type_of_support(app, ctx):
    build()
    activities = chart(secretariat_client(app).get("/dashboard").get_data(as_text=True), "chart-activities")
    header = activities[""]
    assert header[0] == "Training" and header[-2:] == ["Not stated", "Activities"]

    def row(label):
        return {name: value for name, value in zip(header, activities[label]) if value != "0"}

    # A.8: one training activity (two key areas of A.8 count once) and the funding one, which also counts in A.5.
    assert row("A.8") == {"Training": "1", "Funding": "1", "Activities": "2"}
    assert row("A.5") == {"Funding": "1", "Activities": "1"}
    assert row("No key area") == {"Not stated": "1", "Activities": "1"}
    assert row("A.1") == {}  # the planned activity is not counted anywhere


def test_indicator_table_gives_every_indicator_per_cycle_with_a_trend_cell(app, ctx):
    build()
    html = secretariat_client(app).get("/dashboard").get_data(as_text=True)
    page = lxml.html.fromstring(html)
    rows = page.xpath('//table[@data-sparklines]/tbody/tr[td]')
    assert len(rows) == 103
    b1a = next(row for row in rows if row.xpath('.//span[@class="code"]')[0].text == "B.1(a)")
    parties = db.session.scalar(db.select(db.func.count()).select_from(Party).where(Party.cartagena_party.is_(True)))
    values = [td.get("data-value") for td in b1a.xpath("./td[@data-value]")]
    # Submitted assessments ÷ Parties: 2 in the baseline, 3 now (India's is a draft while revised).
    assert [float(value) for value in values] == [pytest.approx(2 / parties), pytest.approx(3 / parties)]
    assert b1a.xpath("./td[@data-sparkline]")
    assert [td.text_content().strip() for td in b1a.xpath("./td[@data-value]")] == [
        f"{200 / parties:.0f} %", f"{300 / parties:.0f} %"]
    rows = {row["indicator"]: row for row in csv_rows(secretariat_client(app).get("/dashboard/indicators.csv"))}
    assert float(rows["B.1(a)"]["Mid-term 2026"]) == pytest.approx(3 / parties)
    assert rows["B.1(a)"]["unit"] == "share" and len(rows) == 103


# --- the public dashboard -------------------------------------------------------------------------------------

def test_the_public_dashboard_counts_only_public_needs_and_names_no_party(app, ctx):
    build()
    client = app.test_client()
    html = client.get("/dashboard/public").get_data(as_text=True)
    assert "only the needs of Parties that made their self-assessment public" in html
    assert "2 submitted self-assessments are public" in html  # Kenya and India (France's is a draft)
    page = lxml.html.fromstring(html)
    row = page.xpath('//section[@id="heatmap"]//tr[th/span[@class="code"][text()="A.8(1)"]]')[0]
    # Only Kenya's A.8(1): Nigeria shows its needs to providers, Peru to the Secretariat only.
    assert [td.text_content().strip() for td in row.xpath("./td")][:6] == ["1", "0", "0", "0", "0", "1"]
    assert not row.xpath(".//a")  # no link to the needs explorer, which is not public
    unmet = chart(html, "chart-unmet-demand")
    assert {label: values for label, values in unmet.items() if label} == {
        "A.5(1)": ["1", "1", "2"], "A.8(1)": ["0", "1", "1"]}
    # Counts that do not come from needs are the same as the Secretariat's.
    assert chart(html, "chart-submissions")["Mid-term 2026"] == ["2", "1", "0", "1", "0", "4"]
    assert chart(html, "chart-funnel")["Suggested"][0] == "7"
    for name in ("Kenya", "Nigeria", "Peru", "India", "France"):
        assert name not in html
    heat = {row["key_area"]: row for row in csv_rows(client.get("/dashboard/public/heatmap.csv"))}
    assert heat["A.8(1)"]["all_parties"] == "1" and heat["A.5(1)"]["all_parties"] == "2"
    unmet_csv = csv_rows(client.get("/dashboard/public/unmet-demand.csv"))
    assert unmet_csv == [{"key_area": "A.5(1)", "unmet": "1", "met": "1", "with_high_need": "2"},
                         {"key_area": "A.8(1)", "unmet": "0", "met": "1", "with_high_need": "1"}]


# --- downloads --------------------------------------------------------------------------------------------------

def test_every_chart_downloads_its_table_as_csv(app, ctx):
    build()
    client = secretariat_client(app)
    html = client.get("/dashboard").get_data(as_text=True)
    links = set(re.findall(r'href="(/dashboard/[a-z-]+\.csv[^"]*)"', html))
    assert {link.split(".csv")[0].rsplit("/", 1)[1] for link in links} == set(TABLE_NAMES)
    for link in links:
        response = client.get(link.replace("&amp;", "&"))
        assert response.headers["Content-Disposition"].startswith('attachment; filename="dashboard-')
        assert csv_rows(response)
    assert csv_rows(client.get("/dashboard/submissions.csv")) == [
        {"cycle": "Baseline 2024", "african": "1", "asia_pacific": "0", "ceeg": "0", "grulac": "0", "weog": "1",
         "all_parties": "2"},
        {"cycle": "Mid-term 2026", "african": "2", "asia_pacific": "1", "ceeg": "0", "grulac": "1", "weog": "0",
         "all_parties": "4"}]
    assert csv_rows(client.get("/dashboard/funnel.csv"))[1] == {"step": "proposed", "matches": "5",
                                                                "percent_of_previous": "71.4"}
    assert csv_rows(client.get("/dashboard/step-days.csv"))[1] == {"step": "agreed", "median_days": "2.5",
                                                                   "matches": "2"}
    activities = {row["goal"]: row for row in csv_rows(client.get("/dashboard/activities.csv"))}
    assert activities["A.5"]["funding"] == "1" and activities["no_key_area"]["not_stated"] == "1"
    public_links = set(re.findall(r'href="(/dashboard/public/[a-z-]+\.csv[^"]*)"',
                                  app.test_client().get("/dashboard/public").get_data(as_text=True)))
    assert len(public_links) == len(TABLE_NAMES)
    # The chosen cycle and levels follow into the downloads.
    baseline = db.session.scalar(db.select(AssessmentCycle.id).where(AssessmentCycle.name == "Baseline 2024"))
    html = client.get(f"/dashboard?cycle={baseline}&level=low").get_data(as_text=True)
    assert f'/dashboard/heatmap.csv?cycle={baseline}&amp;level=low' in html
    rows = {row["key_area"]: row for row in csv_rows(client.get(f"/dashboard/heatmap.csv?cycle={baseline}&level=low"))}
    assert rows["A.8(1)"]["weog"] == "1" and rows["A.8(1)"]["all_parties"] == "1"  # France's low need


# --- performance and the page's markup -----------------------------------------------------------------------

def more_data(n: int):
    """n more Parties with submitted needs, reopened drafts, matches with steps, and activities."""
    cycle = db.session.scalar(db.select(AssessmentCycle).where(AssessmentCycle.name == "Mid-term 2026"))
    offer = lab_offer(title=f"More {next(_numbers)}", key_areas=("A.8(1)", "A.8(2)"))
    isos = ["UGA", "TZA", "GHA", "BRA", "CHN", "DEU", "POL", "MEX", "JPN", "EGY"][:n]
    for index, iso3 in enumerate(isos):
        if index % 2:
            make_assessment(iso3, cycle, {"A.8(2)": "low"}, status=DRAFT, visibility="public",
                            submitted={"A.8(2)": "high"})
        else:
            make_assessment(iso3, cycle, {"A.8(1)": "high", "A.8(2)": "medium"}, visibility="public")
        make_match(iso3, "A.8(1)", offer, CLOSED, [("match.propose", 1), ("match.agree", 2), ("match.deliver", 3),
                                                   ("match.confirm", 4)])
        make_activity(["A.8(1)", "B.1(1)"], "training", party=party(iso3), party_role="organised")
    compute_cycle(cycle)
    db.session.commit()


def test_the_pages_read_a_fixed_number_of_queries_whatever_the_data(app, ctx):
    build()
    client = secretariat_client(app)
    anonymous = app.test_client()

    def queries(url, who):
        with counting_queries() as statements:
            response = who.get(url)
        assert response.status_code == 200
        return len(statements)

    before = {url: queries(url, who) for url, who in (("/dashboard", client), ("/dashboard/public", anonymous))}
    before_csv = {name: queries(f"/dashboard/{name}.csv", client) for name in TABLE_NAMES}
    more_data(10)
    after = {url: queries(url, who) for url, who in (("/dashboard", client), ("/dashboard/public", anonymous))}
    after_csv = {name: queries(f"/dashboard/{name}.csv", client) for name in TABLE_NAMES}
    assert before == after and before_csv == after_csv
    assert after["/dashboard"] <= 20 and after["/dashboard/public"] <= 20, after
    # The more data is there: five submitted and five reopened assessments with high needs in A.8(1) or A.8(2).
    assert chart(client.get("/dashboard").get_data(as_text=True), "chart-funnel")["Closed"][0] == "11"


def test_no_inline_script_or_style_and_the_charts_scripts_are_included(app, ctx):
    build()
    for html in (secretariat_client(app).get("/dashboard").get_data(as_text=True),
                 app.test_client().get("/dashboard/public").get_data(as_text=True)):
        assert not INLINE_SCRIPT.search(html)
        assert not re.search(r"<style|\sstyle=", html)
        assert '<script defer src="/static/vendor/chartjs/chart.umd.min.js"></script>' in html
        assert '<script defer src="/static/js/charts.js"></script>' in html
        page = lxml.html.fromstring(html)
        for figure in page.xpath('//figure[@data-chart]'):
            # Without JavaScript the table is there, open; charts.js draws above it and folds it.
            assert figure.xpath('./details[@open]//table'), figure.get("id")


def test_a_dashboard_with_no_cycle_says_so(app, ctx):
    html = secretariat_client(app).get("/dashboard").get_data(as_text=True)
    assert "No assessment cycle has opened yet" in html
    assert app.test_client().get("/dashboard/public").status_code == 200
    assert csv_rows(app.test_client().get("/dashboard/public/heatmap.csv")) == []
