"""In a real browser: Kenya's focal point finds an offer suggested for a need, with the reasons, and proposes
it; the provider agrees and records the delivery; the Party confirms and rates it, which closes the match.
The Secretariat then runs the allocation and reads the matches and the runs. Screenshots go to
test-artifacts/ (60-…)."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD, make_organisation, party, shot
from tests.test_matching import kenya_needs, lab_offer, people
from tests.test_needs_explorer import make_assessment
from tracker.activities.models import Activity
from tracker.clock import utcnow
from tracker.extensions import db
from tracker.matching import services
from tracker.matching.models import CLOSED, PROPOSED, SUGGESTED, Match, MatchRun

pytestmark = pytest.mark.browser

TITLE = "Hands-on training in LMO detection"
OTHER_TITLE = "Online course on detection methods"
DELIVERY = "Detection course, Nairobi"


def log_in(page, base, email):
    page.goto(base + "/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def flash(page) -> str:
    return " ".join(page.locator(".flash").all_inner_texts())


def status_line(page) -> str:
    return page.locator(".status-line").inner_text()


def waiting_matches(offer, cycle):
    """Uganda's need and two of its matches that have waited: one 35 days (amber), one 61 days (red)."""
    make_assessment("UGA", cycle, {"A.8(1)": {"level": "medium", "priority": 2, "languages": ["en"],
                                              "support_types": ["training"]},
                                   "A.8(2)": {"level": "high", "priority": 1, "languages": ["en"]}})
    second = lab_offer(offer.organisation, title="Reference materials for GMO detection", key_areas=("A.8(2)",),
                       support_types=("reference_materials",))
    services.refresh_party_suggestions(party("UGA").id)
    db.session.commit()
    waited = []
    for offer_id, days in ((offer.id, 35), (second.id, 61)):
        match = db.session.scalars(select(Match).where(Match.party_id == party("UGA").id,
                                                       Match.offer_id == offer_id)).one()
        match.status, match.proposed_by, match.step_at = PROPOSED, "party", utcnow() - timedelta(days=days)
        waited.append(match)
    db.session.commit()
    return waited


def test_a_suggestion_goes_from_proposal_to_a_rated_delivery(browser, live_url, ctx):
    assessment = kenya_needs(audiences=["laboratory_staff"])
    organisation = make_organisation("East African Biosafety Laboratory Network", type="laboratory", vetted=True)
    offer = lab_offer(organisation, title=TITLE, audiences=["laboratory_staff"], contact_email="lab@example.org",
                      description="Two weeks in our laboratory in Nairobi: sampling, PCR screening.")
    lab_offer(title=OTHER_TITLE, modality="online", languages=("en",))
    services.refresh_party_suggestions(party("KEN").id)
    db.session.commit()
    users = people(offer)
    uganda_amber, uganda_red = waiting_matches(offer, assessment.cycle)
    (match,) = db.session.scalars(select(Match).where(Match.offer_id == offer.id,
                                                      Match.party_id == party("KEN").id)).all()
    assert match.status == SUGGESTED

    # --- Kenya's focal point: the suggestions for its need in A.8(1), with the reasons in words.
    kenya = browser.new_page()
    log_in(kenya, live_url, users["party"].email)
    kenya.get_by_role("navigation", name="Main").get_by_role("link", name="Matches").click()
    assert kenya.get_by_role("heading", name="Matches", level=1).is_visible()
    group = kenya.locator("section.suggestion-group").filter(has_text="A.8(1)")
    assert "2 suggestions" in group.locator(".count").inner_text()
    suggestion = group.locator("article.suggestion").filter(has_text=TITLE)
    reasons = suggestion.locator(".reasons li").all_inner_texts()
    for reason in ("Covers A.8(1)", "Open to every Party", "English shared", "Training wanted and offered",
                   "In person preferred, Hybrid offered", "Reaches Laboratory staff"):
        assert reason in reasons, reasons
    assert "East African Biosafety Laboratory Network" in suggestion.inner_text()
    assert "No match in progress." in kenya.locator("table.matches").first.inner_text()
    suggestion.locator("details.why summary").click()
    assert suggestion.locator("table.components").get_by_role("row", name=re.compile("Type of support")).is_visible()
    shot(kenya, "60-party-suggestions")

    suggestion.get_by_role("button", name="Propose").click()
    assert "Proposed. The other side has been asked to agree." in flash(kenya)
    assert kenya.get_by_role("heading", name=TITLE, level=1).is_visible()
    assert "Proposed" in status_line(kenya)
    assert "Waiting for the other side to agree or decline." in kenya.locator(".match-steps").inner_text()

    # --- The provider: the Party's proposal is its next step; it agrees.
    provider = browser.new_page()  # a new context: its own session
    log_in(provider, live_url, users["provider"].email)
    provider.get_by_role("navigation", name="Main").get_by_role("link", name="Matches").click()
    row = provider.locator("table.matches tbody tr").filter(has_text="Kenya")
    assert "Proposed" in row.inner_text() and "Yours" in row.inner_text()
    assert "No step for 35 days" in provider.locator("tr.age-row-amber").inner_text()
    assert "No step for 61 days" in provider.locator("tr.age-row-red").inner_text()
    shot(provider, "60-provider-matches")
    row.get_by_role("link", name="Proposed").click()
    steps = provider.locator(".match-steps")
    assert "The Party proposed this match to your organisation." in steps.inner_text()
    assert "Covers A.8(1)" in provider.locator("ul.reasons").inner_text()
    shot(provider, "60-provider-match-before-agreeing")

    steps.get_by_role("button", name="Agree").click()
    assert "Agreed. The offer keeps a place for the Party." in flash(provider)
    assert "Agreed" in status_line(provider)

    # --- It records the delivery: a new activity with Kenya as beneficiary.
    provider.locator(".match-steps summary", has_text="Record the delivery").click()
    form = provider.locator("form.delivery-form")
    assert form.get_by_label("Title").input_value() == TITLE  # the offer's title, to start from
    form.get_by_label("Title").fill(DELIVERY)
    form.get_by_label("Start date").fill("2026-10-01")
    form.get_by_label("End date").fill("2026-10-05")
    form.get_by_label("Women").fill("7")
    form.get_by_label("Men", exact=True).fill("5")
    form.get_by_label("Results").fill("Twelve analysts ran the event-specific PCR methods on reference samples.")
    shot(provider, "60-provider-delivery-form")
    form.get_by_role("button", name="Record the delivery").click()
    assert "Delivery recorded. The Party has been asked to confirm and rate it." in flash(provider)
    assert "Delivered" in status_line(provider)
    assert "Waiting for the Party to confirm and rate the delivery." in provider.locator(".match-steps").inner_text()
    assert provider.get_by_role("link", name=DELIVERY).is_visible()

    # --- Kenya confirms and rates it: the match is closed.
    kenya.get_by_role("navigation", name="Main").get_by_role("link", name="Matches").click()
    row = kenya.locator("table.matches tbody tr").filter(has_text=TITLE)
    assert "Delivered" in row.inner_text() and "Yours" in row.inner_text()
    row.get_by_role("link", name="Delivered").click()
    steps = kenya.locator(".match-steps")
    assert "The provider recorded the delivery." in steps.inner_text()
    steps.get_by_role("radio", name="4", exact=True).check()
    steps.get_by_label("Comment").fill("Very practical; the reference samples were most useful.")
    shot(kenya, "60-party-confirm-form")
    steps.get_by_role("button", name="Confirm and rate").click()
    assert "Thank you. The match is closed." in flash(kenya)
    assert "Closed" in status_line(kenya)
    assert "The Party rated it 4 out of 5." in kenya.content()
    assert "This match is finished: there is no step left." in kenya.locator(".match-steps").inner_text()
    history = kenya.locator("ol.history").inner_text()
    for step in ("Proposed", "Agreed", "Delivery recorded", "Confirmed and rated"):
        assert step in history, history
    shot(kenya, "60-party-match-closed")

    db.session.expire_all()
    match = db.session.get(Match, match.id)
    assert (match.status, match.rating) == (CLOSED, 4)
    activity = db.session.get(Activity, match.activity_id)
    assert activity.title == DELIVERY and activity.organisation_id == organisation.id
    assert [p.iso3 for p in activity.beneficiaries] == ["KEN"] and activity.participants_total == 12

    # --- The Secretariat runs the allocation (twice, to compare) and reads the matches.
    secretariat = browser.new_page()
    log_in(secretariat, live_url, users["secretariat"].email)
    secretariat.get_by_role("navigation", name="Main").get_by_role("link", name="Matches").click()
    secretariat.get_by_role("link", name="Allocation runs").click()
    assert "No run yet." in secretariat.locator("table.runs").inner_text()
    secretariat.get_by_role("button", name="Run the allocation now").click()
    assert re.search(r"Allocation done: \d+ needs? served\.", flash(secretariat))
    secretariat.get_by_role("button", name="Run the allocation now").click()
    assert db.session.scalar(select(db.func.count()).select_from(MatchRun)) == 2
    assert secretariat.locator("table.runs tbody tr").count() == 2
    shot(secretariat, "60-secretariat-runs")
    secretariat.get_by_role("button", name="Compare the two chosen runs").click()
    assert secretariat.get_by_role("heading", name=re.compile(r"^Compare runs #\d+ and #\d+$")).is_visible()
    shot(secretariat, "60-secretariat-compare")

    secretariat.get_by_role("navigation", name="Main").get_by_role("link", name="Matches").click()
    funnel = secretariat.locator("table.funnel")
    assert funnel.get_by_role("columnheader", name="Closed").count() == 1  # each status once
    rows = secretariat.locator("table.matches tbody tr")
    assert "Closed" in rows.filter(has_text="Kenya").filter(has_text=TITLE).inner_text()
    assert "No step for 61 days" in rows.filter(has_text="Uganda").filter(has_text="Reference materials").inner_text()
    shot(secretariat, "60-secretariat-matches")
    funnel.locator("td").first.get_by_role("link").click()  # the suggestions' count
    assert secretariat.get_by_role("heading", name="Suggested", level=2).is_visible()
    assert "Suggested by allocation" in secretariat.locator("table.matches").inner_text()

    # --- Kenya's matches in Chinese (the CJK font renders them).
    kenya.get_by_role("navigation", name="Main").get_by_role("link", name="Matches").click()
    kenya.get_by_role("button", name="中文").click()
    assert kenya.locator("html").get_attribute("lang") == "zh"
    assert kenya.get_by_role("button", name="退出登录").is_visible()
    assert kenya.locator("table.matches").first.is_visible()
    shot(kenya, "60-party-matches-zh")
    kenya.set_viewport_size({"width": 390, "height": 844})
    kenya.get_by_role("link", name="Hands-on training in LMO detection").click()
    shot(kenya, "60-party-match-zh-phone")
