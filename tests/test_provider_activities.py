"""Providers record the activities their organisation delivers: beneficiary Parties, funding, the offer it came
from. Party users keep to their Party's records; the Secretariat reads everything and may edit organisations'
records."""
import csv
import io
import json
import re
from datetime import date

import pytest
from openpyxl import load_workbook

from tests.conftest import counting_queries, csrf_token, login, make_organisation, make_user, party, post
from tests.test_activities import key_area, make_activity
from tracker.accounts.models import PARTY_EDITOR, PROVIDER, SECRETARIAT
from tracker.activities import permissions, services
from tracker.activities.exports import COLUMNS, activity_rows
from tracker.activities.models import Activity
from tracker.activities.services import ActivityInput
from tracker.audit.models import AuditEntry
from tracker.clock import utcnow
from tracker.errors import InvalidInput, PermissionDenied
from tracker.extensions import db
from tracker.offers.models import Offer

OWN_PROVIDER = "provider of the organisation"
OTHER_PROVIDER = "provider of another organisation"
PARTY_USER = "party editor"
SECRETARIAT_ROLE = "secretariat"
ACTORS = [OWN_PROVIDER, OTHER_PROVIDER, PARTY_USER, SECRETARIAT_ROLE]


# --- factories -----------------------------------------------------------------------------------

def organisation(name="Biosafety Lab Network", **fields):
    return make_organisation(name=name, type=fields.pop("type", "laboratory"), **fields)


def provider_of(org):
    return make_user(PROVIDER, party_iso3=None, organisation=org)


def make_offer(org, *, title="Detection training", status="draft") -> Offer:
    now = utcnow()
    offer = Offer(organisation=org, title=title, status=status, capacity=3, created_at=now, updated_at=now)
    db.session.add(offer)
    db.session.commit()
    return offer


def make_org_activity(org, *, title="Regional detection workshop", beneficiaries=("PER", "UGA"), **fields):
    now = utcnow()
    activity = Activity(
        organisation=org, title=title, status=fields.pop("status", "completed"),
        start_date=fields.pop("start_date", date(2024, 9, 2)), end_date=fields.pop("end_date", date(2024, 9, 6)),
        key_areas=[key_area(code) for code in fields.pop("key_areas", ("A.8(3)",))],
        beneficiaries=[party(code) for code in beneficiaries], created_at=now, updated_at=now, **fields)
    db.session.add(activity)
    db.session.commit()
    return activity


def org_form(**overrides) -> dict:
    data = {
        "title": "Regional course on LMO detection",
        "description": "Five days of laboratory practice.",
        "status": "completed",
        "start_date": "2024-05-06",
        "end_date": "2024-05-10",
        "key_areas": ["A.8(3)"],
        "support_type": "training",
        "modality": "in_person",
        "languages": ["en", "es"],
        "participants_women": "10",
        "participants_men": "8",
        "beneficiaries": ["PER", "UGA"],
        "offer": "",
        "outputs-0-title": "Course manual",
        "outputs-0-url": "https://example.org/manual.pdf",
        "funding_amount": "42000",
        "funding_currency": "USD",
        "funding_source": "GEF",
    }
    data.update(overrides)
    return data


def org_input(**overrides) -> ActivityInput:
    values = dict(title="Webinar on risk assessment", status="planned", key_areas=["A.5(1)"],
                  start_date=date(2027, 3, 1), beneficiaries=["KEN"])
    values.update(overrides)
    return ActivityInput(**values)


@pytest.fixture
def world(ctx):
    """An organisation with one record, its provider, another organisation's provider, a Party editor and the
    Secretariat."""
    org = organisation()
    return {
        "org": org,
        "activity": make_org_activity(org),
        OWN_PROVIDER: provider_of(org),
        OTHER_PROVIDER: provider_of(organisation("Another University", type="university")),
        PARTY_USER: make_user(PARTY_EDITOR, party_iso3="PER"),  # a beneficiary Party: still not its record
        SECRETARIAT_ROLE: make_user(SECRETARIAT, party_iso3=None),
    }


# --- who may do what with an organisation's record -------------------------------------------------

# (action, method, url, expected status for: own provider, other provider, party editor, secretariat)
ACTIONS = [
    ("list", "GET", "/activities", [200, 200, 200, 200]),
    ("view", "GET", "/activities/{id}", [200, 403, 403, 200]),
    ("new form", "GET", "/activities/new", [200, 200, 200, 403]),
    ("edit form", "GET", "/activities/{id}/edit", [200, 403, 403, 200]),
    ("save an edit", "POST", "/activities/{id}/edit", [302, 403, 403, 302]),
    ("delete confirmation", "GET", "/activities/{id}/delete", [200, 403, 403, 200]),
    ("delete", "POST", "/activities/{id}/delete", [302, 403, 403, 302]),
    ("export", "GET", "/activities/export?format=json", [200, 200, 200, 200]),
]
# Whether the record is in the list and the export.
SEES_RECORD = {OWN_PROVIDER: True, OTHER_PROVIDER: False, PARTY_USER: False, SECRETARIAT_ROLE: True}


@pytest.mark.parametrize("who", ACTORS)
@pytest.mark.parametrize("action, method, url, expected", ACTIONS, ids=[a[0] for a in ACTIONS])
def test_role_by_action_on_an_organisation_record(client, world, who, action, method, url, expected):
    activity = world["activity"]
    activity_id = activity.id
    login(client, world[who])
    url = url.format(id=activity_id)
    if method == "GET":
        response = client.get(url)
    else:
        data = org_form(title="Changed title", lock_version=str(activity.lock_version)) if "edit" in url else {}
        response = client.post(url, data={"csrf_token": csrf_token(client), **data})
    status = expected[ACTORS.index(who)]
    assert response.status_code == status
    if action in ("list", "export"):
        assert ("Regional detection workshop" in response.get_data(as_text=True)) is SEES_RECORD[who]
    db.session.expire_all()
    stored = db.session.get(Activity, activity_id)
    if method == "POST" and status == 302:
        assert stored is None if action == "delete" else stored.title == "Changed title"
    else:
        assert stored is not None and stored.title == "Regional detection workshop"


@pytest.mark.parametrize("who, viewed, edited, records_for_org", [
    (OWN_PROVIDER, True, True, True),
    (OTHER_PROVIDER, False, False, False),
    (PARTY_USER, False, False, False),
    (SECRETARIAT_ROLE, True, True, False),
])
def test_permission_functions_for_an_organisation_record(world, who, viewed, edited, records_for_org):
    user = world[who]
    assert permissions.can_list_activities(user)
    assert permissions.can_view_activity(user, world["activity"]) is viewed
    assert permissions.can_edit_activity(user, world["activity"]) is edited
    assert permissions.can_record_activity_for_organisation(user, world["org"]) is records_for_org


def test_secretariat_still_may_not_edit_a_partys_record(world):
    kenya_record = make_activity("KEN")
    assert permissions.can_view_activity(world[SECRETARIAT_ROLE], kenya_record)
    assert not permissions.can_edit_activity(world[SECRETARIAT_ROLE], kenya_record)
    assert not permissions.can_edit_activity(world[OWN_PROVIDER], kenya_record)


def test_provider_without_an_organisation_has_no_activity_list(client):
    login(client, make_user(PROVIDER, party_iso3=None, organisation=None))
    assert client.get("/activities").status_code == 403
    assert client.get("/activities/new").status_code == 403
    assert client.get("/activities/export?format=csv").status_code == 403


def test_services_refuse_to_record_for_an_organisation_one_does_not_act_for(world):
    for who in (OTHER_PROVIDER, PARTY_USER, SECRETARIAT_ROLE):
        with pytest.raises(PermissionDenied):
            services.create_organisation_activity(world["org"], org_input(), actor=world[who])
    with pytest.raises(PermissionDenied):
        services.create_activity(party("PER"), org_input(party_role="organised", beneficiaries=[]),
                                 actor=world[OWN_PROVIDER])
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(Activity.id))) == 1


def test_party_users_form_records_for_their_party_whatever_is_posted(client, world):
    offer = make_offer(world["org"])
    login(client, world[PARTY_USER])
    html = client.get("/activities/new").get_data(as_text=True)
    assert 'name="party_role"' in html and 'name="beneficiaries"' not in html and 'name="offer"' not in html
    response = post(client, "/activities/new", org_form(party_role="took_part", offer=str(offer.id)))
    assert response.status_code == 302
    created = db.session.scalar(db.select(Activity).where(Activity.title == "Regional course on LMO detection"))
    assert created.party.iso3 == "PER" and created.organisation_id is None
    assert created.offer_id is None and created.beneficiaries == []


def test_unvetted_organisation_records_activities(client):
    unvetted = organisation("Newly registered NGO", type="ngo", vetted=False)
    login(client, provider_of(unvetted))
    response = post(client, "/activities/new", org_form())
    assert response.status_code == 302
    created = db.session.scalar(db.select(Activity))
    assert created.organisation_id == unvetted.id and created.party_id is None and created.party_role is None


# --- what a provider records -----------------------------------------------------------------------

def test_provider_records_beneficiaries_and_they_are_shown(client, world):
    login(client, world[OWN_PROVIDER])
    html = client.get("/activities/new").get_data(as_text=True)
    assert 'name="party_role"' not in html
    assert re.search(r'name="beneficiaries" value="UGA"', html)
    assert 'value="USA"' not in html  # not a Party to the Protocol

    response = post(client, "/activities/new", org_form(beneficiaries=["UGA", "PER", "EUU"]))
    assert response.status_code == 302
    created = db.session.scalar(db.select(Activity).where(Activity.title == "Regional course on LMO detection"))
    assert sorted(p.iso3 for p in created.beneficiaries) == ["EUU", "PER", "UGA"]
    assert created.organisation_id == world["org"].id and created.funding_source == "GEF"

    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Beneficiary Parties" in detail and "European Union, Peru, Uganda" in detail
    assert "Biosafety Lab Network" in detail

    listed = client.get("/activities").get_data(as_text=True)
    assert '<abbr title="Uganda">UGA</abbr>' in listed

    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "activity.create"))
    assert entry.after["beneficiaries"] == ["EUU", "PER", "UGA"]
    assert entry.after["organisation_id"] == world["org"].id and entry.after["party"] is None


def test_edit_form_shows_the_stored_beneficiaries_and_offer(client, world):
    offer = make_offer(world["org"], title="Our detection course", status="open")
    activity = world["activity"]
    activity.offer = offer
    db.session.commit()
    login(client, world[OWN_PROVIDER])
    html = client.get(f"/activities/{activity.id}/edit").get_data(as_text=True)
    assert re.search(r'value="PER"\s*checked', html) and re.search(r'value="UGA"\s*checked', html)
    assert not re.search(r'value="KEN"\s*checked', html)
    assert re.search(rf'<option selected value="{offer.id}">Our detection course \(Open\)</option>', html)


@pytest.mark.parametrize("codes", [["KEN", "USA"], ["XXX"]], ids=["a State not Party", "no such code"])
def test_beneficiaries_must_be_parties_to_the_protocol(world, codes):
    assert party("USA") is not None and not party("USA").cartagena_party
    with pytest.raises(InvalidInput) as refused:
        services.create_organisation_activity(world["org"], org_input(beneficiaries=codes), actor=world[OWN_PROVIDER])
    assert set(refused.value.field_errors) == {"beneficiaries"}


def test_provider_links_an_activity_to_its_own_offer_even_a_draft(client, world):
    draft = make_offer(world["org"], title="Draft offer of ours", status="draft")
    make_offer(world["org"], title="Closed offer of ours", status="closed")
    make_offer(organisation("Rival Agency", type="gef_agency"), title="Their offer", status="open")
    login(client, world[OWN_PROVIDER])
    html = client.get("/activities/new").get_data(as_text=True)
    assert "Draft offer of ours" in html and "Closed offer of ours" in html
    assert "Their offer" not in html

    response = post(client, "/activities/new", org_form(offer=str(draft.id)))
    assert response.status_code == 302
    created = db.session.scalar(db.select(Activity).where(Activity.title == "Regional course on LMO detection"))
    assert created.offer_id == draft.id
    assert "Draft offer of ours" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_linking_to_another_organisations_offer_is_refused(client, world):
    theirs = make_offer(organisation("Rival Agency", type="gef_agency"), title="Their offer", status="open")
    login(client, world[OWN_PROVIDER])
    response = post(client, "/activities/new", org_form(offer=str(theirs.id)))
    assert response.status_code == 200
    assert "Choose one of the offers of Biosafety Lab Network." in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Activity.id))) == 1  # the world's record only

    edit = post(client, f"/activities/{world['activity'].id}/edit",
                org_form(offer=str(theirs.id), lock_version=str(world["activity"].lock_version)))
    assert edit.status_code == 200
    db.session.expire_all()
    assert db.session.get(Activity, world["activity"].id).offer_id is None

    for offer_id in (theirs.id, 10**12, -1):
        with pytest.raises(InvalidInput) as refused:
            services.create_organisation_activity(world["org"], org_input(offer_id=offer_id),
                                                  actor=world[OWN_PROVIDER])
        assert set(refused.value.field_errors) == {"offer"}
    assert post(client, "/activities/new", org_form(offer="not-a-number")).status_code == 200


def test_party_records_take_no_beneficiaries_nor_offer(world):
    offer = make_offer(world["org"])
    editor = make_user(PARTY_EDITOR, party_iso3="KEN")
    with pytest.raises(InvalidInput) as refused:
        services.create_activity(party("KEN"), org_input(party_role="organised", offer_id=offer.id), actor=editor)
    assert set(refused.value.field_errors) == {"beneficiaries", "offer"}


def test_secretariat_edits_an_organisation_record_with_that_organisations_offers(client, world):
    offer = make_offer(world["org"], title="Lab network offer")
    login(client, world[SECRETARIAT_ROLE])
    activity = world["activity"]
    html = client.get(f"/activities/{activity.id}/edit").get_data(as_text=True)
    assert "Lab network offer" in html
    response = post(client, f"/activities/{activity.id}/edit",
                    org_form(title="Corrected by the Secretariat", offer=str(offer.id), beneficiaries=["KEN"],
                             lock_version=str(activity.lock_version)))
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Activity, activity.id)
    assert saved.offer_id == offer.id and [p.iso3 for p in saved.beneficiaries] == ["KEN"]
    assert saved.organisation_id == world["org"].id  # still the organisation's record
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "activity.update"))
    assert entry.actor_id == world[SECRETARIAT_ROLE].id
    assert entry.before["beneficiaries"] == ["PER", "UGA"] and entry.after["beneficiaries"] == ["KEN"]
    assert entry.before["offer_id"] is None and entry.after["offer_id"] == offer.id


def test_removing_the_offer_and_beneficiaries(world):
    offer = make_offer(world["org"])
    activity = world["activity"]
    activity.offer = offer
    db.session.commit()
    changed = services.update_activity(activity, org_input(beneficiaries=[], offer_id=None),
                                       lock_version=activity.lock_version, actor=world[OWN_PROVIDER])
    db.session.commit()
    assert changed and activity.offer_id is None and activity.beneficiaries == []


def test_deleting_an_organisation_record_names_the_organisation(client, world):
    login(client, world[OWN_PROVIDER])
    html = client.get(f"/activities/{world['activity'].id}/delete").get_data(as_text=True)
    assert "will be removed from the activities of Biosafety Lab Network" in html
    assert "your Party" not in html


# --- lists and exports ---------------------------------------------------------------------------

def test_lists_keep_to_their_scope(client, world):
    make_activity("PER", title="Peru own record")
    make_org_activity(world["org"], title="Second record of ours")
    login(client, world[OWN_PROVIDER])
    mine = client.get("/activities").get_data(as_text=True)
    assert "Regional detection workshop" in mine and "Second record of ours" in mine
    assert "Peru own record" not in mine
    assert "Record an activity" in mine and "2 activities" in mine
    assert "Peru own record" not in client.get("/activities?party=PER").get_data(as_text=True)

    client.post("/logout", data={"csrf_token": csrf_token(client)})
    login(client, world[PARTY_USER])
    peru = client.get("/activities").get_data(as_text=True)
    assert "Peru own record" in peru and "Regional detection workshop" not in peru
    assert "Regional detection workshop" not in client.get(
        "/activities?recorded_by=organisations").get_data(as_text=True)


def test_secretariat_filters_by_who_recorded(client, world):
    make_activity("KEN", title="Kenya own record")
    login(client, world[SECRETARIAT_ROLE])
    everything = client.get("/activities").get_data(as_text=True)
    assert "Kenya own record" in everything and "Regional detection workshop" in everything
    assert "Biosafety Lab Network" in everything  # who recorded it
    parties = client.get("/activities?recorded_by=parties").get_data(as_text=True)
    assert "Kenya own record" in parties and "Regional detection workshop" not in parties
    organisations = client.get("/activities?recorded_by=organisations").get_data(as_text=True)
    assert "Regional detection workshop" in organisations and "Kenya own record" not in organisations
    rows = json.loads(client.get("/activities/export?format=json&recorded_by=organisations").data)
    assert [row["title"] for row in rows] == ["Regional detection workshop"]


def test_csv_and_xlsx_exports_have_organisation_and_beneficiaries(client, world):
    login(client, world[OWN_PROVIDER])
    response = client.get("/activities/export?format=csv")
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert list(rows[0]) == COLUMNS and "organisation" in COLUMNS and "beneficiaries" in COLUMNS
    assert len(rows) == 1
    assert rows[0]["organisation"] == "Biosafety Lab Network" and rows[0]["party"] == ""
    assert rows[0]["beneficiaries"] == "PER; UGA" and rows[0]["party_role"] == ""

    sheet = load_workbook(io.BytesIO(client.get("/activities/export?format=xlsx").data), read_only=True).active
    header, first = list(sheet.iter_rows(values_only=True))
    row = dict(zip(header, first))
    assert row["organisation"] == "Biosafety Lab Network" and row["beneficiaries"] == "PER; UGA"


def test_json_export_of_the_secretariat_has_both_kinds_of_record(client, world):
    make_activity("KEN", title="Kenya own record")
    login(client, world[SECRETARIAT_ROLE])
    rows = {row["title"]: row for row in json.loads(client.get("/activities/export?format=json").data)}
    assert rows["Regional detection workshop"]["organisation"] == "Biosafety Lab Network"
    assert rows["Regional detection workshop"]["beneficiaries"] == ["PER", "UGA"]
    assert rows["Regional detection workshop"]["party"] == ""
    assert rows["Kenya own record"]["party"] == "KEN" and rows["Kenya own record"]["organisation"] == ""
    assert rows["Kenya own record"]["beneficiaries"] == []


def test_activity_rows_filter_by_organisation(world):
    make_activity("KEN", title="Kenya own record")
    assert [row["title"] for row in activity_rows({"organisation": world["org"]})] == ["Regional detection workshop"]
    assert [row["title"] for row in activity_rows({"recorded_by": "parties"})] == ["Kenya own record"]
    assert len(activity_rows({})) == 2


def test_provider_list_query_count_does_not_grow_with_the_rows(client, world):
    login(client, world[OWN_PROVIDER])

    def queries_for_list(total):
        while db.session.scalar(db.select(db.func.count(Activity.id))) < total:
            make_org_activity(world["org"], title="Activity of ours", beneficiaries=("PER", "UGA", "KEN"))
        with counting_queries() as statements:
            response = client.get("/activities")
        assert response.status_code == 200
        return len(statements)

    assert queries_for_list(3) == queries_for_list(20)
