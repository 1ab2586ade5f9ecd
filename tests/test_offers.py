"""Providers publish offers of support; anyone browses, searches and downloads the catalogue."""
import csv
import io
import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tests.conftest import INLINE_SCRIPT, counting_queries, csrf_token, login, make_organisation, make_user, party, post
from tracker.accounts.models import PARTY_EDITOR, PROVIDER, SECRETARIAT
from tracker.activities.models import Activity
from tracker.audit.models import AuditEntry
from tracker.clock import today, utcnow
from tracker.errors import InvalidInput, PermissionDenied, StaleEdit
from tracker.extensions import db
from tracker.framework.models import KeyArea
from tracker.offers import permissions, services
from tracker.offers.commands import offers_cli
from tracker.offers.exports import COLUMNS, export_offers
from tracker.offers.models import CLOSED, DRAFT, EXPIRED, OPEN, Offer
from tracker.offers.search import OfferFilters, fts5_query, include_name, query_terms, tsquery
from tracker.offers.services import OfferInput
from tracker.organisations.models import Organisation
from tracker.organisations.services import OrganisationProfileInput, update_organisation_profile

ANONYMOUS = "anonymous"
OWN_PROVIDER = "provider of the organisation"
OTHER_PROVIDER = "provider of another organisation"
PARTY_USER = "party editor"
SECRETARIAT_ROLE = "secretariat"
ACTORS = [ANONYMOUS, OWN_PROVIDER, OTHER_PROVIDER, PARTY_USER, SECRETARIAT_ROLE]


# --- factories and helpers -----------------------------------------------------------------------

def make_actor(who, organisation=None):
    if who == ANONYMOUS:
        return None
    return {
        OWN_PROVIDER: lambda: make_user(PROVIDER, party_iso3=None, organisation=organisation),
        OTHER_PROVIDER: lambda: make_user(PROVIDER, party_iso3=None,
                                          organisation=make_organisation(name="Another Organisation")),
        PARTY_USER: lambda: make_user(PARTY_EDITOR, party_iso3="KEN"),
        SECRETARIAT_ROLE: lambda: make_user(SECRETARIAT, party_iso3=None),
    }[who]()


def key_area(code):
    return db.session.scalar(db.select(KeyArea).where(KeyArea.code == code))


def make_offer(organisation=None, *, title="Detection training for laboratory staff", status=OPEN,
               key_areas=("A.8(1)",), support_types=("training",), languages=("en",), capacity=5,
               eligible_parties=(), **fields) -> Offer:
    now = utcnow()
    offer = Offer(
        organisation=organisation or make_organisation(), title=title, status=status,
        key_areas=[key_area(code) for code in key_areas], support_types=list(support_types),
        languages=list(languages), capacity=capacity, eligible_parties=[party(iso3) for iso3 in eligible_parties],
        created_at=now, updated_at=now, published_at=None if status == DRAFT else now, **fields)
    offer.search_text = services.offer_search_text(offer)
    db.session.add(offer)
    db.session.commit()
    return offer


def link_activity(offer, beneficiaries, status="completed"):
    now = utcnow()
    activity = Activity(organisation=offer.organisation, title="Delivered under the offer", status=status,
                        offer=offer, beneficiaries=[party(iso3) for iso3 in beneficiaries],
                        created_at=now, updated_at=now)
    db.session.add(activity)
    db.session.commit()
    return activity


def valid_form(**overrides) -> dict:
    data = {
        "title": "Training on LMO detection",
        "description": "Two weeks in our laboratory, with reference materials.",
        "support_types": ["training", "reference_materials"],
        "key_areas": ["A.8(1)", "A.8(2)"],
        "activity_examples": ["A.8㈡"],
        "eligibility": "some",
        "eligible_groups": ["african"],
        "eligible_ldc": "y",
        "eligible_parties": ["PER"],
        "languages": ["en", "fr"],
        "modality": "in_person",
        "capacity": "4",
        "opens_on": today().isoformat(),
        "closes_on": (today() + timedelta(days=60)).isoformat(),
        "budget_amount": "25000",
        "budget_currency": "eur",
        "contact_email": "training@example.org",
    }
    data.update(overrides)
    return data


def offer_input(**overrides) -> OfferInput:
    values = dict(title="Expert advice on risk assessment", support_types=["expert_advice"],
                  key_areas=["A.5(1)"], languages=["en"], capacity=3)
    values.update(overrides)
    return OfferInput(**values)


def audit_actions() -> list[str]:
    return list(db.session.scalars(db.select(AuditEntry.action).order_by(AuditEntry.id)))


def titles(page) -> list[str]:
    return [listed.offer.title for listed in page.items]


def search(**filters):
    page, counts = services.search_offers(OfferFilters(**filters))
    return titles(page)


# --- who may do what -----------------------------------------------------------------------------

# (action, method, url, expected status for: anonymous, own provider, other provider, party editor, secretariat)
ACTIONS = [
    ("list mine", "GET", "/my-offers", [302, 200, 200, 403, 200]),
    ("new form", "GET", "/offers/new", [302, 200, 200, 403, 403]),
    ("create", "POST", "/offers/new", [302, 302, 302, 403, 403]),
    ("edit form", "GET", "/offers/{draft}/edit", [302, 200, 403, 403, 200]),
    ("save an edit", "POST", "/offers/{draft}/edit", [302, 302, 403, 403, 302]),
    ("publish", "POST", "/offers/{draft}/publish", [302, 302, 403, 403, 302]),
    ("close", "POST", "/offers/{published}/close", [302, 302, 403, 403, 302]),
    ("view draft", "GET", "/offers/{draft}", [302, 200, 403, 403, 200]),
    ("view published", "GET", "/offers/{published}", [200, 200, 200, 200, 200]),
    ("catalogue", "GET", "/offers", [200, 200, 200, 200, 200]),
    ("download", "GET", "/offers/export?format=csv", [200, 200, 200, 200, 200]),
    ("own organisation profile", "GET", "/organisation", [302, 200, 200, 403, 403]),
    ("any organisation profile", "GET", "/admin/organisations/{organisation}/edit", [302, 403, 403, 403, 200]),
]


@pytest.mark.parametrize("who", ACTORS)
@pytest.mark.parametrize("action, method, url, expected", ACTIONS, ids=[a[0] for a in ACTIONS])
def test_role_by_action_gets_the_expected_status(client, who, action, method, url, expected):
    organisation = make_organisation(name="Biosafety Lab Network")
    draft = make_offer(organisation, title="The draft", status=DRAFT)
    published = make_offer(organisation, title="The published offer")
    actor = make_actor(who, organisation)
    if actor:
        login(client, actor)
    url = url.format(draft=draft.id, published=published.id, organisation=organisation.id)
    if method == "GET":
        response = client.get(url)
    else:
        data = valid_form(title="Changed", lock_version=str(draft.lock_version)) if "edit" in url or "new" in url \
            else {}
        response = client.post(url, data={"csrf_token": csrf_token(client), **data})
    status = expected[ACTORS.index(who)]
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    if who == ANONYMOUS and status == 302:
        assert "/login" in response.headers["Location"]
    if status != 302 or who == ANONYMOUS:  # refused: nothing changed
        db.session.expire_all()
        assert db.session.get(Offer, draft.id).title == "The draft"
        assert db.session.get(Offer, draft.id).status == DRAFT
        assert db.session.get(Offer, published.id).status == OPEN
        assert db.session.scalar(db.select(db.func.count(Offer.id))) == 2


@pytest.mark.parametrize("who, listed, created, edited, draft_seen, published_seen, profile, renamed", [
    (OWN_PROVIDER, True, True, True, True, True, True, False),
    (OTHER_PROVIDER, True, False, False, False, True, False, False),
    (PARTY_USER, False, False, False, False, True, False, False),
    (SECRETARIAT_ROLE, True, False, True, True, True, True, True),
])
def test_permission_functions_by_role(ctx, who, listed, created, edited, draft_seen, published_seen, profile,
                                      renamed):
    organisation = make_organisation(name="Biosafety Lab Network", vetted=True)
    draft = make_offer(organisation, status=DRAFT)
    published = make_offer(organisation)
    user = make_actor(who, organisation)
    assert permissions.can_list_own_offers(user) is listed
    assert permissions.can_create_offer(user, organisation) is created
    assert permissions.can_edit_offer(user, draft) is edited
    assert permissions.can_view_offer(user, draft) is draft_seen
    assert permissions.can_view_offer(user, published) is published_seen
    assert permissions.can_edit_organisation_profile(user, organisation) is profile
    assert permissions.can_rename_organisation(user, organisation) is renamed


def test_permission_functions_refuse_anonymous_and_inactive_users(ctx):
    from flask_login import AnonymousUserMixin

    organisation = make_organisation(vetted=False)
    draft = make_offer(organisation, status=DRAFT)
    pending = make_user(PROVIDER, party_iso3=None, organisation=organisation, status="pending")
    for user in (AnonymousUserMixin(), pending, None):
        assert not permissions.can_list_own_offers(user)
        assert not permissions.can_create_offer(user, organisation)
        assert not permissions.can_edit_offer(user, draft)
        assert not permissions.can_view_offer(user, draft)
        assert not permissions.can_edit_organisation_profile(user, organisation)
        assert not permissions.can_rename_organisation(user, organisation)
    assert permissions.can_rename_organisation(make_user(PROVIDER, party_iso3=None, organisation=organisation),
                                               organisation)  # not vetted yet


def test_services_refuse_whoever_may_not_change_the_offer(ctx):
    organisation = make_organisation(name="Biosafety Lab Network")
    offer = make_offer(organisation, status=DRAFT)
    for who in (OTHER_PROVIDER, PARTY_USER):
        actor = make_actor(who)
        with pytest.raises(PermissionDenied):
            services.create_offer(organisation, offer_input(), actor=actor)
        with pytest.raises(PermissionDenied):
            services.update_offer(offer, offer_input(), lock_version=offer.lock_version, actor=actor)
        with pytest.raises(PermissionDenied):
            services.publish_offer(offer, actor=actor)
        with pytest.raises(PermissionDenied):
            services.close_offer(offer, actor=actor)
    with pytest.raises(PermissionDenied):  # the Secretariat edits offers but does not write them
        services.create_offer(organisation, offer_input(), actor=make_actor(SECRETARIAT_ROLE))
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(Offer.id))) == 1


def test_party_users_cannot_create_offers(client):
    login(client, make_user(PARTY_EDITOR, party_iso3="KEN"))
    assert client.get("/offers/new").status_code == 403
    assert post(client, "/offers/new", valid_form()).status_code == 403
    assert db.session.scalar(db.select(db.func.count(Offer.id))) == 0


def test_missing_offer_is_404(client):
    login(client, make_user(SECRETARIAT, party_iso3=None))
    for url in ("/offers/999999", "/offers/999999/edit"):
        assert client.get(url).status_code == 404
    assert post(client, "/offers/999999/publish").status_code == 404


def test_publish_without_csrf_token_is_refused(client):
    organisation = make_organisation()
    offer = make_offer(organisation, status=DRAFT)
    login(client, make_user(PROVIDER, party_iso3=None, organisation=organisation))
    assert client.post(f"/offers/{offer.id}/publish").status_code == 400
    db.session.expire_all()
    assert db.session.get(Offer, offer.id).status == DRAFT


# --- writing and publishing ----------------------------------------------------------------------

def test_provider_writes_an_offer_with_the_form_and_it_is_a_draft(client):
    organisation = make_organisation(name="Biosafety Lab Network")
    provider = make_user(PROVIDER, party_iso3=None, organisation=organisation)
    login(client, provider)
    form_page = client.get("/offers/new").get_data(as_text=True)
    assert form_page.count('name="key_areas"') == 41
    assert form_page.count('<details class="choice-fold"') == 14
    assert 'name="eligible_parties"' in form_page and "<optgroup" in form_page

    response = post(client, "/offers/new", valid_form())
    assert response.status_code == 302
    offer = db.session.scalar(db.select(Offer))
    assert response.headers["Location"] == f"/offers/{offer.id}"
    assert offer.status == DRAFT and offer.organisation_id == organisation.id
    assert offer.support_types == ["training", "reference_materials"]
    assert [area.code for area in offer.key_areas] == ["A.8(1)", "A.8(2)"]
    assert [example.code for example in offer.activity_examples] == ["A.8㈡"]
    assert not offer.eligible_all and offer.eligible_groups == ["african"] and offer.eligible_ldc
    assert [p.iso3 for p in offer.eligible_parties] == ["PER"]
    assert offer.languages == ["en", "fr"] and offer.modality == "in_person" and offer.capacity == 4
    assert offer.budget_amount == Decimal("25000.00") and offer.budget_currency == "EUR"
    assert offer.contact_email == "training@example.org" and offer.updated_by_id == provider.id
    assert "training" in offer.search_text and "a 8 1" in offer.search_text and "检测" in offer.search_text
    assert audit_actions() == ["offer.create"]

    page = client.get(f"/offers/{offer.id}").get_data(as_text=True)
    assert "Draft" in page and "Publish the offer" in page
    assert 'href="/framework/key-areas/A.8(1)"' in page
    assert "African Group; Least developed countries; Peru" in page
    mine = client.get("/my-offers").get_data(as_text=True)
    assert "Training on LMO detection" in mine and "Draft" in mine


@pytest.mark.parametrize("overrides, field, message", [
    ({"title": ""}, "title", "Give the offer a title"),
    ({"support_types": []}, "support_types", "Choose at least one type of support"),
    ({"key_areas": []}, "key_areas", "Choose at least one key area"),
    ({"languages": []}, "languages", "Choose at least one language"),
    ({"capacity": "0"}, "capacity", "between 1 and 1000"),
    ({"closes_on": "2020-01-01", "opens_on": "2021-01-01"}, "closes_on", "cannot close before it opens"),
    ({"budget_currency": "XYZ"}, "budget_currency", "ISO 4217"),
    ({"budget_amount": "-1"}, "budget_amount", "number of 0 or more"),
    ({"contact_email": "not an address"}, "contact_email", "valid e-mail address"),
    ({"eligible_groups": [], "eligible_ldc": "", "eligible_parties": []}, "eligibility", "Say which Parties"),
])
def test_half_valid_form_keeps_the_input_and_saves_nothing(client, overrides, field, message):
    organisation = make_organisation()
    login(client, make_user(PROVIDER, party_iso3=None, organisation=organisation))
    data = {key: value for key, value in valid_form(**overrides).items() if value != ""}
    response = post(client, "/offers/new", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html
    block = html[html.index(f'id="{field}"'):]
    assert message in block[:block.find("</fieldset>") if field in (
        "support_types", "key_areas", "languages", "eligibility") else 2000]
    assert "Two weeks in our laboratory" in html
    assert re.search(r'value="reference_materials"\s*checked', html) or field == "support_types"
    if field != "key_areas":
        assert re.search(r'value="A\.8\(2\)"\s*checked', html)
        assert '<details class="choice-fold" open>' in html  # the goal with ticked areas stays unfolded
    assert db.session.scalar(db.select(db.func.count(Offer.id))) == 0
    assert audit_actions() == []


def test_service_checks_every_rule_whatever_the_form(ctx):
    organisation = make_organisation()
    provider = make_user(PROVIDER, party_iso3=None, organisation=organisation)
    with pytest.raises(InvalidInput) as refused:
        services.create_offer(organisation, offer_input(
            title=" ", support_types=["magic"], key_areas=["Z.9(9)"], activity_examples=["nope"],
            eligible_all=False, eligible_groups=["martian"], eligible_parties=["XXX"], languages=["xx"],
            modality="telepathy", capacity=None, budget_amount=Decimal("NaN"), contact_email="@"), actor=provider)
    assert set(refused.value.field_errors) == {
        "title", "support_types", "key_areas", "activity_examples", "eligible_groups", "eligible_parties",
        "languages", "modality", "capacity", "budget_amount", "contact_email"}
    with pytest.raises(InvalidInput) as refused:
        services.create_offer(organisation, offer_input(eligible_all=False, eligible_parties=["USA"]),
                              actor=provider)  # not a Party to the Protocol
    assert set(refused.value.field_errors) == {"eligible_parties"}
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(Offer.id))) == 0


def test_an_offer_for_everyone_keeps_no_criteria(ctx):
    organisation = make_organisation()
    provider = make_user(PROVIDER, party_iso3=None, organisation=organisation)
    offer = services.create_offer(organisation, offer_input(eligible_all=True, eligible_ldc=True,
                                                            eligible_groups=["weog"], eligible_parties=["KEN"]),
                                  actor=provider)
    assert offer.eligible_all and not offer.eligible_ldc and offer.eligible_groups == [] and offer.eligible_parties == []


def test_an_unvetted_organisation_cannot_publish(client):
    organisation = make_organisation(name="New Lab", vetted=False)
    offer = make_offer(organisation, title="Waiting offer", status=DRAFT)
    login(client, make_user(PROVIDER, party_iso3=None, organisation=organisation))
    assert "has not vetted New Lab yet" in client.get("/my-offers").get_data(as_text=True)
    response = post(client, f"/offers/{offer.id}/publish", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "The Secretariat has not vetted New Lab yet, so its offers cannot be published" in html
    db.session.expire_all()
    assert db.session.get(Offer, offer.id).status == DRAFT
    assert "Waiting offer" not in client.get("/offers").get_data(as_text=True)
    assert audit_actions() == []
    # the Secretariat may not publish it either
    with pytest.raises(InvalidInput):
        services.publish_offer(db.session.get(Offer, offer.id), actor=make_user(SECRETARIAT, party_iso3=None))


def test_publishing_a_vetted_organisations_offer_puts_it_in_the_catalogue(client):
    organisation = make_organisation(name="Vetted Lab", vetted=True)
    offer = make_offer(organisation, title="Ready offer", status=DRAFT)
    provider = make_user(PROVIDER, party_iso3=None, organisation=organisation)
    login(client, provider)
    assert "Ready offer" not in client.get("/offers").get_data(as_text=True)
    response = post(client, f"/offers/{offer.id}/publish", follow_redirects=True)
    assert "The offer is published" in response.get_data(as_text=True)
    db.session.expire_all()
    published = db.session.get(Offer, offer.id)
    assert published.status == OPEN and published.published_at is not None
    assert "Ready offer" in client.get("/offers").get_data(as_text=True)
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "offer.publish"))
    assert entry.actor_id == provider.id and entry.before == {"status": DRAFT} and entry.after == {"status": OPEN}

    post(client, f"/offers/{offer.id}/close")
    db.session.expire_all()
    assert db.session.get(Offer, offer.id).status == CLOSED
    assert "Ready offer" not in client.get("/offers").get_data(as_text=True)
    assert audit_actions() == ["offer.publish", "offer.close"]


def test_an_offer_past_its_window_cannot_be_published_again(ctx):
    organisation = make_organisation()
    offer = make_offer(organisation, status=CLOSED, closes_on=today() - timedelta(days=1))
    provider = make_user(PROVIDER, party_iso3=None, organisation=organisation)
    with pytest.raises(InvalidInput, match="window ended"):
        services.publish_offer(offer, actor=provider)
    offer.closes_on = today() + timedelta(days=5)
    assert services.publish_offer(offer, actor=provider) is True
    assert offer.status == OPEN


def test_a_draft_cannot_be_closed(ctx):
    organisation = make_organisation()
    offer = make_offer(organisation, status=DRAFT)
    with pytest.raises(InvalidInput):
        services.close_offer(offer, actor=make_user(PROVIDER, party_iso3=None, organisation=organisation))


def test_editing_saves_audits_and_keeps_the_search_text_up_to_date(client):
    organisation = make_organisation()
    offer = make_offer(organisation, title="Old title about sampling")
    provider = make_user(PROVIDER, party_iso3=None, organisation=organisation)
    login(client, provider)
    page = client.get(f"/offers/{offer.id}/edit").get_data(as_text=True)
    assert f'name="lock_version" type="hidden" value="{offer.lock_version}"' in page
    assert re.search(r'value="A\.8\(1\)"\s*checked', page)
    response = post(client, f"/offers/{offer.id}/edit",
                    valid_form(title="Fellowships in molecular biology", lock_version=str(offer.lock_version)))
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Offer, offer.id)
    assert saved.title == "Fellowships in molecular biology" and saved.lock_version == 2 and saved.status == OPEN
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "offer.update"))
    assert entry.before["title"] == "Old title about sampling"
    assert entry.after["title"] == "Fellowships in molecular biology"
    assert search(q="molecular") == ["Fellowships in molecular biology"]
    assert search(q="old title") == []


def test_stale_edit_is_refused_and_the_other_change_kept(client):
    organisation = make_organisation()
    offer = make_offer(organisation, title="Original title")
    me = make_user(PROVIDER, party_iso3=None, organisation=organisation)
    colleague = make_user(PROVIDER, party_iso3=None, organisation=organisation)
    login(client, me)
    page = client.get(f"/offers/{offer.id}/edit").get_data(as_text=True)
    opened_version = re.search(r'name="lock_version" type="hidden" value="(\d+)"', page).group(1)

    services.update_offer(offer, offer_input(title="Colleague's title"), lock_version=offer.lock_version,
                          actor=colleague)
    db.session.commit()

    response = post(client, f"/offers/{offer.id}/edit", valid_form(title="My title", lock_version=opened_version))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Someone else saved this offer after you opened it" in html
    assert 'value="My title"' in html
    db.session.expire_all()
    assert db.session.get(Offer, offer.id).title == "Colleague's title"
    assert audit_actions() == ["offer.update"]


def test_concurrent_save_detected_at_flush_becomes_stale_edit(ctx):
    organisation = make_organisation()
    offer = make_offer(organisation, title="Original title")
    provider = make_user(PROVIDER, party_iso3=None, organisation=organisation)
    loaded_version = offer.lock_version
    db.session.execute(Offer.__table__.update().where(Offer.__table__.c.id == offer.id)
                       .values(lock_version=loaded_version + 1))
    with pytest.raises(StaleEdit):
        services.update_offer(offer, offer_input(title="Mine"), lock_version=loaded_version, actor=provider)
    db.session.rollback()


def test_the_secretariat_edits_any_offer(client):
    offer = make_offer(make_organisation(), title="Typo in the titel", status=DRAFT)
    login(client, make_user(SECRETARIAT, party_iso3=None))
    assert "Typo in the titel" in client.get("/my-offers").get_data(as_text=True)
    response = post(client, f"/offers/{offer.id}/edit", valid_form(title="Typo fixed", lock_version="1"))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Offer, offer.id).title == "Typo fixed"


# --- offers close themselves ---------------------------------------------------------------------

def test_an_offer_past_its_window_shows_as_expired_and_leaves_the_catalogue(client):
    organisation = make_organisation()
    offer = make_offer(organisation, title="Ended yesterday", closes_on=today() - timedelta(days=1))
    make_offer(organisation, title="Ends today", closes_on=today())
    assert offer.status == OPEN  # nothing was written down yet
    catalogue = client.get("/offers").get_data(as_text=True)
    assert "Ended yesterday" not in catalogue and "Ends today" in catalogue
    assert "Expired" in client.get(f"/offers/{offer.id}").get_data(as_text=True)
    with_closed = client.get("/offers?include_closed=1").get_data(as_text=True)
    assert "Ended yesterday" in with_closed and "status-expired" in with_closed
    assert services.listed_offer(offer.id).status == EXPIRED


def test_an_offer_whose_capacity_is_used_by_linked_activities_is_closed(client):
    organisation = make_organisation()
    full = make_offer(organisation, title="Two Parties only", capacity=2)
    roomy = make_offer(organisation, title="Three Parties", capacity=3)
    for offer in (full, roomy):
        link_activity(offer, ["KEN", "PER"])
        link_activity(offer, ["KEN"])  # the same Party again counts once
    assert services.listed_offer(full.id).status == CLOSED
    assert services.listed_offer(full.id).capacity_used == 2
    assert services.listed_offer(roomy.id).status == OPEN
    catalogue = client.get("/offers").get_data(as_text=True)
    assert "Two Parties only" not in catalogue and "Three Parties" in catalogue
    assert "Closed" in client.get(f"/offers/{full.id}").get_data(as_text=True)


def test_close_finished_offers_writes_the_statuses_down_with_audit_entries(ctx):
    organisation = make_organisation()
    ended = make_offer(organisation, title="Ended", closes_on=today() - timedelta(days=3))
    full = make_offer(organisation, title="Full", capacity=1)
    link_activity(full, ["KEN"])
    running = make_offer(organisation, title="Running", closes_on=today() + timedelta(days=3))
    draft = make_offer(organisation, title="Draft", status=DRAFT, closes_on=today() - timedelta(days=3))

    assert services.close_finished_offers(today()) == 2
    db.session.commit()
    db.session.expire_all()
    assert [db.session.get(Offer, o.id).status for o in (ended, full, running, draft)] == [
        EXPIRED, CLOSED, OPEN, DRAFT]
    entries = db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.object_id)).all()
    assert [(e.action, e.object_id, e.actor_id) for e in entries] == [
        ("offer.expire", ended.id, None), ("offer.close", full.id, None)]
    assert entries[0].after["status"] == EXPIRED and entries[1].after["capacity_used"] == 1
    assert services.close_finished_offers(today()) == 0  # nothing left to do


def test_close_finished_command(runner, ctx):
    make_offer(make_organisation(), closes_on=today() - timedelta(days=1))
    result = runner.invoke(offers_cli, ["close-finished"])
    assert result.exit_code == 0, result.output
    assert "1 offer(s) closed or expired" in result.output
    db.session.expire_all()
    assert db.session.scalar(db.select(Offer.status)) == EXPIRED
    later = runner.invoke(offers_cli, ["close-finished", "--date", "2999-01-01"])
    assert later.exit_code == 0 and "0 offer(s)" in later.output


# --- the catalogue -------------------------------------------------------------------------------

@pytest.fixture
def five_offers(ctx):
    """Offers with known facets, plus a closed one and a draft that the catalogue leaves out."""
    lab, agency = make_organisation(name="Lab"), make_organisation(name="Agency", type="gef_agency")
    make_offer(lab, title="Detection training", key_areas=("A.8(1)", "A.8(2)"), support_types=("training",),
               languages=("en", "fr"), modality="in_person", closes_on=today() + timedelta(days=30))
    make_offer(agency, title="Risk assessment advice", key_areas=("A.5(1)",),
               support_types=("expert_advice", "technical_assistance"), languages=("en",), modality="online",
               eligible_all=False, eligible_groups=["african"], closes_on=today() + timedelta(days=10))
    make_offer(lab, title="Laboratory access", key_areas=("A.8(3)",),
               support_types=("infrastructure", "reference_materials"), languages=("es",), modality="in_person",
               eligible_all=False, eligible_groups=["grulac"])
    make_offer(agency, title="Fellowships for LDCs", key_areas=("B.1(1)",), support_types=("fellowship",),
               languages=("fr",), modality="hybrid", eligible_all=False, eligible_ldc=True,
               opens_on=today() + timedelta(days=10), closes_on=today() + timedelta(days=20))
    make_offer(lab, title="Closed training", key_areas=("A.8(1)",), status=CLOSED)
    make_offer(lab, title="Draft training", key_areas=("A.8(1)",), status=DRAFT)


def test_facets_count_the_published_open_offers(five_offers):
    page, counts = services.search_offers(OfferFilters())
    assert page.total == counts.total == 4
    assert counts.goals == {"A.8": 2, "A.5": 1, "B.1": 1}
    assert counts.key_areas == {"A.8(1)": 1, "A.8(2)": 1, "A.8(3)": 1, "A.5(1)": 1, "B.1(1)": 1}
    assert {code: n for code, n in counts.support_types.items() if n} == {
        "training": 1, "expert_advice": 1, "technical_assistance": 1, "infrastructure": 1,
        "reference_materials": 1, "fellowship": 1}
    assert counts.support_types["funding"] == 0
    assert {code: n for code, n in counts.languages.items() if n} == {"en": 2, "fr": 2, "es": 1}
    assert counts.modalities == {"in_person": 2, "online": 1, "hybrid": 1}
    # all Parties; named groups; LDCs are found in the African and Asia-Pacific Groups only
    assert counts.regional_groups == {"african": 3, "asia_pacific": 2, "ceeg": 1, "grulac": 2, "weog": 1}
    assert counts.open_now == 3  # the fellowships open in ten days


def test_facets_combine_and_count_each_choice_with_the_others_kept(five_offers):
    page, counts = services.search_offers(OfferFilters(goals=["A.8"], support_types=["training"]))
    assert titles(page) == ["Detection training"] and counts.total == 1
    # within the support facet: what each type would give among A.8 offers
    assert {code: n for code, n in counts.support_types.items() if n} == {
        "training": 1, "infrastructure": 1, "reference_materials": 1}
    # within the goal facet: what each goal would give among training offers
    assert counts.goals == {"A.8": 1}
    assert counts.languages["en"] == 1 and counts.languages["es"] == 0

    assert sorted(search(languages=["en", "es"])) == ["Detection training", "Laboratory access",
                                                      "Risk assessment advice"]  # alternatives
    assert search(regional_groups=["grulac"], modalities=["in_person"]) == ["Detection training",
                                                                           "Laboratory access"]
    assert search(key_areas=["A.8(3)"]) == ["Laboratory access"]
    assert search(open_now=True, languages=["fr"]) == ["Detection training"]
    assert "Closed training" in search(include_closed=True, key_areas=["A.8(1)"])


def test_catalogue_page_shows_facets_with_counts_that_keep_the_other_filters(client, five_offers):
    html = client.get("/offers?support=training&q=training").get_data(as_text=True)
    assert re.search(r'name="goal" value="A\.8">\s*<label[^>]*>A\.8 [^<]*<span class="facet-count">\(1\)', html)
    assert re.search(r'name="support" value="training" checked>\s*<label[^>]*>Training <span class="facet-count">'
                     r'\(1\)', html)
    assert 'name="q" value="training"' in html  # the search box keeps its text, and the facets are in its form
    assert "Detection training" in html and "Risk assessment advice" not in html
    assert 'href="/offers?q=training"' in html  # removing the training filter keeps the search


def test_search_finds_words_of_the_title_and_the_description_in_english_and_chinese(ctx):
    organisation = make_organisation()
    make_offer(organisation, title="改性活生物体检测培训", key_areas=("A.3(2)",))
    make_offer(organisation, title="Legal drafting workshop", description="Support for biosafety regulations",
               key_areas=("A.1(2)",))
    make_offer(organisation, title="Public awareness", description="公众意识和参与的宣传材料", key_areas=("A.1(1)",))
    assert search(q="检测培训") == ["改性活生物体检测培训"]
    assert search(q="生物") == ["改性活生物体检测培训"]
    assert search(q="生") == ["改性活生物体检测培训"]  # one character: the pairs that start with it
    assert search(q="drafting") == ["Legal drafting workshop"]
    assert search(q="REGULATIONS biosafety") == ["Legal drafting workshop"]  # description, any case, every word
    assert search(q="宣传材料") == ["Public awareness"]
    make_offer(organisation, title="Formación en detección", key_areas=("A.1(2)",))
    assert search(q="formacion DETECCIÓN") == search(q="Formación") == ["Formación en detección"]
    assert search(q="workshop 检测") == []
    assert search(q="microscopy") == []
    assert search(q="!!! ***")  # no terms: no search, everything
    assert search(q="national reports") == ["改性活生物体检测培训"]  # the key area's text (A.3(2), in English)


def test_search_terms_are_safe_for_both_databases():
    assert query_terms('foo_bar "x" OR 生物安全 生') == [
        ("foo", False), ("bar", False), ("x", False), ("or", False), ("生物", False), ("物安", False),
        ("安全", False), ("生", True)]
    assert fts5_query(query_terms("NEAR(a b) 生")) == '"near" "a" "b" "生"*'
    assert tsquery(query_terms("a' & b:* 生")) == "'a' & 'b' & '生':*"
    assert not include_name("offer_fts", "table", {}) and not include_name("offer_fts_data", "table", {})
    assert not include_name("ix_offer_search_text_tsvector", "index", {})
    assert include_name("offer", "table", {}) and include_name("ix_offer_status", "index", {})


def test_sort_by_closing_date_or_relevance(ctx):
    organisation = make_organisation()
    make_offer(organisation, title="Training, no end", closes_on=None)
    make_offer(organisation, title="Training in ten days", closes_on=today() + timedelta(days=10))
    make_offer(organisation, title="Training training training in five days",
               description="training", closes_on=today() + timedelta(days=5))
    assert search(sort="closing") == ["Training training training in five days", "Training in ten days",
                                      "Training, no end"]
    assert search() == search(sort="closing")  # no search text: by closing date
    assert search(q="training", sort="closing") == search(sort="closing")
    assert search(q="training ten")[0] == "Training in ten days"


def test_catalogue_shows_twenty_offers_a_page(client):
    organisation = make_organisation()
    for n in range(21):
        make_offer(organisation, title=f"Offer number {n:02d}", closes_on=today() + timedelta(days=n))
    first = client.get("/offers").get_data(as_text=True)
    second = client.get("/offers?page=2").get_data(as_text=True)
    assert first.count("Offer number") == 20 and "Offer number 20" in second and second.count("Offer number") == 1
    assert "21 offers" in first and 'href="/offers?page=2"' in first


def test_catalogue_query_count_does_not_grow_with_the_page(client):
    organisation = make_organisation()

    def queries_for_catalogue(total):
        while db.session.scalar(db.select(db.func.count(Offer.id))) < total:
            n = db.session.scalar(db.select(db.func.count(Offer.id)))
            offer = make_offer(organisation, title=f"Offer {n}", key_areas=("A.8(1)", "B.1(2)"),
                               activity_examples=[], eligible_all=False, eligible_parties=("KEN", "PER"))
            link_activity(offer, ["KEN"])
        with counting_queries() as statements:
            response = client.get("/offers?q=offer&language=en")
        assert response.status_code == 200
        assert response.get_data(as_text=True).count('class="offer-card"') == min(total, 20)
        return len(statements)

    assert queries_for_catalogue(3) == queries_for_catalogue(25)


def test_a_drafts_page_is_not_public_and_a_published_one_links_its_areas_and_organisation(client):
    organisation = make_organisation(name="Lab Network", website="https://lab.example.org",
                                     description="A network of detection laboratories.")
    draft = make_offer(organisation, title="Secret draft", status=DRAFT)
    published = make_offer(organisation, title="Public offer", key_areas=("A.8(1)", "A.8(3)"))
    response = client.get(f"/offers/{draft.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "Secret draft" not in client.get(f"/offers?organisation={organisation.id}").get_data(as_text=True)
    html = client.get(f"/offers/{published.id}").get_data(as_text=True)
    assert 'href="/framework/key-areas/A.8(1)"' in html and 'href="/framework/key-areas/A.8(3)"' in html
    assert f'href="/offers?organisation={organisation.id}&amp;include_closed=1"' in html
    assert 'href="https://lab.example.org"' in html and "A network of detection laboratories." in html
    assert "Edit" not in html and "Publish" not in html
    by_organisation = client.get(f"/offers?organisation={organisation.id}").get_data(as_text=True)
    assert "Public offer" in by_organisation and "Offers of Lab Network" in by_organisation


# --- downloads -----------------------------------------------------------------------------------

def test_export_offers_json_contract(runner, ctx):
    organisation = make_organisation(name="Agency", type="gef_agency")
    offer = make_offer(organisation, title="Regional fellowship", key_areas=("A.8(1)", "B.1(1)"),
                       support_types=("fellowship", "funding"), languages=("en", "zh"), modality="hybrid",
                       capacity=3, eligible_all=False, eligible_groups=["asia_pacific"], eligible_sids=True,
                       eligible_parties=("PER", "KEN"), opens_on=today(), closes_on=today() + timedelta(days=9),
                       budget_amount=Decimal("1000.50"), budget_currency="USD")
    link_activity(offer, ["KEN"])
    make_offer(organisation, title="Ended", closes_on=today() - timedelta(days=1))
    make_offer(organisation, title="Draft", status=DRAFT)

    result = runner.invoke(export_offers, ["--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [row["title"] for row in rows] == ["Ended", "Regional fellowship"]  # by closing date, no drafts
    row = rows[1]
    assert set(COLUMNS) <= set(row)
    assert row["id"] == offer.id and row["organisation"] == "Agency" and row["organisation_type"] == "gef_agency"
    assert row["key_areas"] == ["A.8(1)", "B.1(1)"] and row["support_types"] == ["fellowship", "funding"]
    assert row["eligibility"] == {"all": False, "regional_groups": ["asia_pacific"], "ldc": False, "sids": True,
                                  "developing": False, "supplementary": False, "parties": ["KEN", "PER"]}
    assert row["languages"] == ["en", "zh"] and row["modality"] == "hybrid"
    assert row["capacity"] == 3 and row["capacity_used"] == 1 and row["status"] == "open"
    assert row["opens_on"] == today().isoformat() and row["budget_amount"] == 1000.5
    assert rows[0]["status"] == "expired" and rows[0]["eligibility"]["all"] is True

    with_drafts = json.loads(runner.invoke(export_offers, ["--format", "json", "--drafts"]).output)
    assert [row["status"] for row in with_drafts] == ["open", "expired", "draft"]

    flat = runner.invoke(export_offers, ["--format", "csv"]).output
    cells = list(csv.DictReader(io.StringIO(flat)))
    assert cells[1]["eligibility"] == "regional_groups: asia_pacific; sids; parties: KEN, PER"
    assert cells[1]["key_areas"] == "A.8(1); B.1(1)" and cells[0]["eligibility"] == "all"


def test_csv_download_escapes_formulas_and_follows_the_filters(client):
    organisation = make_organisation()
    make_offer(organisation, title='=HYPERLINK("https://evil.example","click")', languages=("en", "fr"))
    make_offer(organisation, title="Spanish only", languages=("es",))
    response = client.get("/offers/export?format=csv&language=fr")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert list(rows[0]) == COLUMNS
    assert [row["title"] for row in rows] == ['\'=HYPERLINK("https://evil.example","click")']
    assert rows[0]["languages"] == "en; fr"


def test_xlsx_and_json_downloads(client):
    make_offer(make_organisation(), title="+1 offer", support_types=("training", "funding"))
    sheet = load_workbook(io.BytesIO(client.get("/offers/export?format=xlsx").data), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == COLUMNS and dict(zip(COLUMNS, rows[1]))["title"] == "'+1 offer"
    assert dict(zip(COLUMNS, rows[1]))["support_types"] == "training; funding"
    [row] = json.loads(client.get("/offers/export?format=json").data)
    assert row["support_types"] == ["training", "funding"] and row["eligibility"]["all"] is True
    assert client.get("/offers/export?format=pdf").status_code == 404


def test_odd_query_strings_are_ignored(client):
    make_offer(make_organisation(), title="Still listed")
    for query in ("organisation=99999999999999999999&page=abc", "page=99999999999", "goal=Z.9&area=nope&support=x",
                  "q=" + "生" * 500, "sort=evil&include_closed=yes", 'q="unbalanced AND (NEAR'):
        response = client.get(f"/offers?{query}")
        assert response.status_code == 200, query
        assert client.get(f"/offers/export?format=json&{query}").status_code == 200
    assert "Still listed" in client.get("/offers?goal=Z.9&support=x").get_data(as_text=True)


def test_offer_pages_have_no_inline_script_or_style_and_work_in_chinese(client):
    organisation = make_organisation()
    offer = make_offer(organisation, title="检测培训", description="<script>alert(1)</script>")
    login(client, make_user(PROVIDER, party_iso3=None, organisation=organisation, locale="zh"))
    for url in ("/offers", f"/offers/{offer.id}", "/offers/new", f"/offers/{offer.id}/edit", "/my-offers",
                "/organisation", "/offers?q=检测"):
        html = client.get(url).get_data(as_text=True)
        assert '<html lang="zh">' in html, url
        assert not INLINE_SCRIPT.search(html) and "style=" not in html, url


def test_catalogue_download_links_keep_the_filters(client):
    make_offer(make_organisation())
    html = client.get("/offers?support=training&language=en&q=detection").get_data(as_text=True)
    assert 'href="/offers/export?format=csv&amp;support=training&amp;language=en&amp;q=detection"' in html


# --- the organisation profile --------------------------------------------------------------------

def test_provider_edits_the_organisations_profile_and_it_is_audited(client):
    organisation = make_organisation(name="Young Lab", vetted=False, type="laboratory")
    provider = make_user(PROVIDER, party_iso3=None, organisation=organisation)
    login(client, provider)
    page = client.get("/organisation").get_data(as_text=True)
    assert 'value="Young Lab"' in page and "readonly" not in page
    response = post(client, "/organisation", {
        "name": "Young Lab Network", "type": "university", "country": "KEN", "website": "https://young.example.org",
        "description": "Detection of LMOs in East Africa.", "contact_email": "info@young.example.org"})
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Organisation, organisation.id)
    assert (saved.name, saved.type, saved.country.iso3, saved.website) == (
        "Young Lab Network", "university", "KEN", "https://young.example.org")
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "organisation.update"))
    assert entry.actor_id == provider.id and entry.before["name"] == "Young Lab"
    assert entry.after["description"] == "Detection of LMOs in East Africa."


@pytest.mark.parametrize("field, value, message", [
    ("website", "javascript:alert(1)", "must start with http:// or https://"),
    ("website", "ftp://files.example.org", "must start with http:// or https://"),
    ("contact_email", "nobody", "valid e-mail address"),
    ("name", "", "This field is required"),
    ("name", "Taken Name", "Another organisation already has this name"),
])
def test_profile_refuses_bad_values_and_saves_nothing(client, field, value, message):
    make_organisation(name="Taken Name")
    organisation = make_organisation(name="Young Lab", vetted=False)
    login(client, make_user(PROVIDER, party_iso3=None, organisation=organisation))
    data = {"name": "Young Lab", "type": "laboratory", "website": "", "contact_email": "", field: value}
    html = post(client, "/organisation", data).get_data(as_text=True)
    assert message in html
    db.session.expire_all()
    assert db.session.get(Organisation, organisation.id).website == ""
    assert audit_actions() == []


def test_a_vetted_organisations_name_is_read_only_for_its_providers(client):
    organisation = make_organisation(name="Vetted Lab", vetted=True)
    provider = make_user(PROVIDER, party_iso3=None, organisation=organisation)
    login(client, provider)
    assert re.search(r'name="name"[^>]*readonly', client.get("/organisation").get_data(as_text=True))
    post(client, "/organisation", {"name": "Renamed", "type": "ngo"})
    db.session.expire_all()
    assert db.session.get(Organisation, organisation.id).name == "Vetted Lab"
    assert db.session.get(Organisation, organisation.id).type == "ngo"
    with pytest.raises(InvalidInput) as refused:
        update_organisation_profile(db.session.get(Organisation, organisation.id),
                                    OrganisationProfileInput(name="Renamed", type="ngo"), actor=provider)
    assert set(refused.value.field_errors) == {"name"}


def test_the_secretariat_edits_any_organisations_profile(client):
    organisation = make_organisation(name="Vetted Lab", vetted=True)
    login(client, make_user(SECRETARIAT, party_iso3=None))
    response = post(client, f"/admin/organisations/{organisation.id}/edit",
                    {"name": "Vetted Laboratory", "type": "laboratory", "website": "http://lab.example.org"})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/organisations"
    db.session.expire_all()
    assert db.session.get(Organisation, organisation.id).name == "Vetted Laboratory"
    assert client.get("/admin/organisations/999999/edit").status_code == 404
