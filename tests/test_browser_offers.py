"""In a real browser: a provider of a vetted organisation writes an offer and publishes it; anyone then finds it
in the catalogue under its goal and its type of support. Screenshots go to test-artifacts/."""
import re
from datetime import timedelta

import pytest

from tests.conftest import PASSWORD, make_organisation, make_user, shot
from tracker.accounts.models import PROVIDER
from tracker.clock import today
from tracker.extensions import db
from tracker.offers.models import OPEN, Offer

pytestmark = pytest.mark.browser

TITLE = "Hands-on training in LMO detection"


def log_in(page, base, email):
    page.goto(base + "/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_provider_publishes_an_offer_and_the_catalogue_shows_it_under_its_facets(browser, live_url, ctx):
    organisation = make_organisation(name="East African Biosafety Laboratory Network", type="laboratory",
                                     vetted=True)
    make_user(PROVIDER, party_iso3=None, organisation=organisation, email="lab@example.org")

    provider = browser.new_page()
    log_in(provider, live_url, "lab@example.org")
    provider.goto(live_url + "/my-offers")
    provider.get_by_role("link", name="Write an offer").click()
    provider.get_by_label("Title").fill(TITLE)
    provider.get_by_label("Description").fill("Two weeks in our laboratory in Nairobi: sampling, PCR screening, "
                                              "event-specific methods.")
    provider.get_by_role("checkbox", name="Training", exact=True).check()
    goal = provider.locator("details.choice-fold").filter(has_text=re.compile(r"^\s*A\.8 "))
    goal.locator("summary").click()
    goal.get_by_role("checkbox", name=re.compile(r"^A\.8\(1\) ")).check()
    goal.get_by_role("checkbox", name=re.compile(r"^A\.8\(2\) ")).check()
    provider.get_by_role("checkbox", name="English", exact=True).check()
    provider.get_by_role("checkbox", name="French", exact=True).check()
    provider.get_by_label("Number of Parties it can serve").fill("6")
    provider.get_by_label("Opens on").fill(today().isoformat())
    provider.get_by_label("Closes on").fill((today() + timedelta(days=60)).isoformat())
    shot(provider, "20-offer-form")
    provider.get_by_role("button", name="Save the offer").click()
    assert "The offer is saved as a draft." in provider.content()
    provider.get_by_role("button", name="Publish the offer").click()
    assert "The offer is published" in provider.content()

    offer = db.session.scalar(db.select(Offer).where(Offer.title == TITLE))
    assert offer.status == OPEN and offer.languages == ["en", "fr"]
    assert [area.code for area in offer.key_areas] == ["A.8(1)", "A.8(2)"]

    visitor = browser.new_page()  # a new context: not logged in
    visitor.goto(live_url + "/offers")
    facets = visitor.locator("section.facets")
    facets.get_by_role("checkbox", name=re.compile(r"^A\.8 .*\(1\)$")).check()
    facets.get_by_role("checkbox", name="Training (1)").check()
    facets.get_by_role("button", name="Apply the filters").click()
    results = visitor.locator("section.results")
    assert results.get_by_role("link", name=TITLE).is_visible()
    assert "1 offer" in results.locator(".count").inner_text()
    assert facets.get_by_role("checkbox", name="Training (1)").is_checked()
    shot(visitor, "21-catalogue")

    visitor.get_by_role("link", name=TITLE).click()
    assert visitor.get_by_role("link", name=re.compile(r"^A\.8\(2\) ")).is_visible()


def test_key_area_picker_filters_as_you_type(browser, live_url, ctx):
    from tracker.accounts.models import PROVIDER

    from tests.conftest import PASSWORD, make_organisation, make_user

    make_user(PROVIDER, party_iso3=None, organisation=make_organisation(name="Picker Lab"), email="picker@example.org")
    page = browser.new_page()
    page.goto(live_url + "/login")
    page.get_by_label("E-mail address").fill("picker@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(live_url + "/offers/new")
    page.get_by_label("Find a key area").fill("detection")
    visible = page.locator("#key_areas li:visible")
    assert visible.count() >= 2
    assert all("detection" in text.lower() for text in visible.all_inner_texts()), visible.all_inner_texts()
    page.get_by_label("Find a key area").fill("")
    assert page.locator("#key_areas li").count() == 41
