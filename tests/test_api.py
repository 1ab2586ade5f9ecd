"""The JSON API as its clients meet it: tokens made and revoked on the profile page, public and private paths,
each domain showing the same things as the pages to the same user, writes through the pages' services with
their checks, the error shape, pagination and filters, the OpenAPI document and its docs page."""
import hashlib
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import INLINE_SCRIPT, counting_queries, login, make_organisation, make_user, party, post, shot
from tests.test_matching import refreshed_pair, status_of
from tests.test_needs_explorer import make_assessment, make_cycle
from tests.test_offers import make_offer
from tracker.accounts.models import DEACTIVATED, PARTY_EDITOR, PARTY_FOCAL_POINT, PROVIDER, SECRETARIAT
from tracker.activities.models import Activity
from tracker.api import services as token_services
from tracker.api.models import ApiToken
from tracker.assessments.models import DRAFT, Assessment
from tracker.audit.models import AuditEntry
from tracker.clock import utcnow
from tracker.extensions import db
from tracker.indicators.models import IndicatorValue
from tracker.matching.models import AGREED, PROPOSED, SUGGESTED
from tracker.offers.models import CLOSED, DRAFT as OFFER_DRAFT, Offer

PUBLIC_PATHS = ["/api/v1/framework", "/api/v1/parties", "/api/v1/parties/KEN", "/api/v1/offers",
                "/api/v1/activities", "/api/v1/indicators", "/api/v1/openapi.json"]
PRIVATE_PATHS = ["/api/v1/needs", "/api/v1/assessments", "/api/v1/matches", "/api/v1/assessments/1",
                 "/api/v1/matches/1"]


# --- helpers -----------------------------------------------------------------------------------------

def token_for(user, name="script") -> str:
    _token, secret = token_services.create_token(user, name, actor=user)
    db.session.commit()
    return secret


def bearer(secret: str, **headers) -> dict:
    return {"Authorization": f"Bearer {secret}", **headers}


def api(client, method, path, user_or_secret=None, body=None, **headers):
    """A call as the user (a token is made for them) or with the given secret; JSON body when given."""
    if user_or_secret is not None:
        secret = user_or_secret if isinstance(user_or_secret, str) else token_for(user_or_secret)
        headers = bearer(secret, **headers)
    kwargs = {"headers": headers}
    if body is not None:
        kwargs["json"] = body
    return client.open(path, method=method, **kwargs)


def assert_error(response, status: int, code: str):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    error = response.json["error"]
    assert set(error) == {"status", "code", "message", "fields"}
    assert (error["status"], error["code"]) == (status, code)
    assert error["message"]
    return error


def offer_body(**changes) -> dict:
    body = {"title": "Biosafety inspection course", "support_types": ["training"], "key_areas": ["A.8(1)"],
            "languages": ["en", "fr"], "capacity": 4, "modality": "online",
            "eligibility": {"all": False, "ldc": True, "regional_groups": ["african"]}}
    body.update(changes)
    return body


# --- tokens ------------------------------------------------------------------------------------------

def test_a_token_made_on_the_profile_page_is_shown_once_stored_hashed_and_opens_the_api(client):
    user = make_user(PARTY_EDITOR, party_iso3="KEN")
    login(client, user)
    assert "/profile/tokens" in client.get("/profile").get_data(as_text=True)

    page = post(client, "/profile/tokens", {"name": "National reporting script"})
    assert page.status_code == 200 and "no-store" in page.headers["Cache-Control"]
    secret = re.search(r'id="api-token-secret"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)

    token = db.session.scalar(select(ApiToken))
    assert token.name == "National reporting script" and token.prefix == secret[:8]
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest() != secret
    listing = client.get("/profile/tokens").get_data(as_text=True)
    assert "National reporting script" in listing and token.prefix in listing and secret not in listing
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "api_token.create"))
    assert entry.actor_id == user.id and secret not in json.dumps(entry.after)

    response = client.get("/api/v1/needs", headers=bearer(secret))
    assert response.status_code == 200 and response.json["items"] == []
    db.session.refresh(token)
    assert token.last_used_at is not None


def test_a_token_notes_its_last_use_at_most_once_a_minute(client):
    secret = token_for(make_user(PARTY_EDITOR, party_iso3="KEN"))
    client.get("/api/v1/needs", headers=bearer(secret))
    with counting_queries() as statements:
        assert client.get("/api/v1/needs", headers=bearer(secret)).status_code == 200
    assert not [sql for sql in statements if sql.lstrip().upper().startswith("UPDATE")]

    token = db.session.scalar(select(ApiToken))
    token.last_used_at = utcnow() - timedelta(minutes=2)
    db.session.commit()
    client.get("/api/v1/needs", headers=bearer(secret))
    db.session.refresh(token)
    assert utcnow() - token.last_used_at < timedelta(minutes=1)


def test_a_revoked_token_answers_401_and_the_revocation_is_audited(client):
    user = make_user(PARTY_EDITOR, party_iso3="KEN")
    secret = token_for(user)
    token = db.session.scalar(select(ApiToken))
    login(client, user)
    assert post(client, f"/profile/tokens/{token.id}/revoke").status_code == 302

    response = client.get("/api/v1/needs", headers=bearer(secret))
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "api_token.revoke")).actor_id == user.id
    assert "Revoked" in client.get("/profile/tokens").get_data(as_text=True)


def test_revoking_needs_the_pages_csrf_token(client):
    user = make_user(PARTY_EDITOR, party_iso3="KEN")
    token_for(user)
    token = db.session.scalar(select(ApiToken))
    login(client, user)
    assert client.post(f"/profile/tokens/{token.id}/revoke").status_code == 400
    db.session.refresh(token)
    assert token.revoked_at is None


def test_another_users_token_cannot_be_revoked(client):
    owner = make_user(PARTY_EDITOR, party_iso3="KEN")
    secret = token_for(owner, "Owner's dashboard")
    token = db.session.scalar(select(ApiToken))
    login(client, make_user(PARTY_EDITOR, party_iso3="KEN"))
    assert post(client, f"/profile/tokens/{token.id}/revoke").status_code == 404
    assert "Owner&#39;s dashboard" not in client.get("/profile/tokens").get_data(as_text=True)
    assert client.get("/api/v1/needs", headers=bearer(secret)).status_code == 200


def test_an_inactive_users_tokens_stop_working(client):
    user = make_user(PARTY_EDITOR, party_iso3="KEN")
    secret = token_for(user)
    user.status = DEACTIVATED
    db.session.commit()
    assert_error(client.get("/api/v1/needs", headers=bearer(secret)), 401, "unauthorized")


@pytest.mark.parametrize("header", ["Bearer not-a-token", "Basic dXNlcjpwYXNz", "Bearer", "bearer  "])
def test_a_bad_authorization_header_is_401_even_on_public_paths(client, header):
    response = client.get("/api/v1/framework", headers={"Authorization": header})
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_needs_a_name(client):
    login(client, make_user(PARTY_EDITOR, party_iso3="KEN"))
    page = post(client, "/profile/tokens", {"name": "  "})
    assert page.status_code == 200 and 'id="api-token-secret"' not in page.get_data(as_text=True)
    assert db.session.scalar(select(ApiToken)) is None


# --- who may call what -------------------------------------------------------------------------------

@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_public_paths_answer_without_a_token(client, path):
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "application/json"


@pytest.mark.parametrize("path", PRIVATE_PATHS)
def test_private_paths_answer_401_without_a_token(client, path):
    response = client.get(path)
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_the_api_ignores_the_session_cookie_and_never_sets_one(client):
    user = make_user(PARTY_EDITOR, party_iso3="KEN")
    login(client, user)
    assert_error(client.get("/api/v1/needs"), 401, "unauthorized")  # logged in on the pages, not in the API
    assert "Set-Cookie" not in client.get("/api/v1/offers").headers
    secret = token_for(user)
    for response in (client.get("/api/v1/needs", headers=bearer(secret)),
                     client.get("/api/v1/nowhere", headers=bearer(secret)),
                     client.post("/api/v1/assessments", json={"cycle": "none"}, headers=bearer(secret))):
        assert "Set-Cookie" not in response.headers and "Cookie" not in response.headers.get("Vary", "")


def test_a_write_without_a_token_is_401_and_needs_no_csrf_token(client):
    assert_error(client.post("/api/v1/offers", json=offer_body()), 401, "unauthorized")


# --- reference data ----------------------------------------------------------------------------------

def test_the_framework_nests_each_goals_items_under_it(client):
    goals = client.get("/api/v1/framework").json["goals"]
    assert len(goals) == 14 and goals[0]["code"] == "A.1"
    a8 = next(goal for goal in goals if goal["code"] == "A.8")
    assert "A.8(1)" in [area["code"] for area in a8["key_areas"]]
    assert sum(len(goal["key_areas"]) for goal in goals) == 41
    assert {"objectives", "plan_indicators", "activity_examples", "cb_indicators"} <= set(a8)


def test_parties_are_paginated_and_filtered(client):
    first = client.get("/api/v1/parties?per_page=10").json
    assert (first["page"], first["per_page"], len(first["items"])) == (1, 10, 10)
    assert first["total"] > 150 and first["pages"] == -(-first["total"] // 10)
    second = client.get("/api/v1/parties?per_page=10&page=2").json
    assert not {p["iso3"] for p in first["items"]} & {p["iso3"] for p in second["items"]}

    african_ldcs = client.get("/api/v1/parties?region=african&ldc=true&per_page=100").json["items"]
    assert african_ldcs and all(p["un_regional_group"] == "african" and p["ldc"] for p in african_ldcs)
    assert [p["iso3"] for p in client.get("/api/v1/parties?q=keny").json["items"]] == ["KEN"]
    assert client.get("/api/v1/parties/ken").json["name_en"] == "Kenya"
    assert_error(client.get("/api/v1/parties/XXX"), 404, "not_found")
    assert client.get("/api/v1/parties?per_page=100&page=99").json["items"] == []


@pytest.mark.parametrize("query, field", [
    ("/api/v1/parties?region=atlantis", "region"),
    ("/api/v1/parties?per_page=101", "per_page"),
    ("/api/v1/parties?page=0", "page"),
    ("/api/v1/offers?support_type=magic", "support_type.0"),
    ("/api/v1/offers?key_area=Z.9(9)", "key_area.0"),
    ("/api/v1/activities?status=someday", "status"),
    ("/api/v1/indicators?scope=mars", "scope"),
    ("/api/v1/indicators?cycle=Never", "cycle"),
])
def test_an_unknown_filter_value_is_422_naming_the_field(client, query, field):
    error = assert_error(client.get(query), 422, "invalid")
    assert field in error["fields"]


# --- offers ------------------------------------------------------------------------------------------

def test_the_catalogue_shows_published_offers_and_a_draft_only_to_its_organisation(client):
    organisation = make_organisation("Lab Network", vetted=True)
    open_offer = make_offer(organisation, title="Open course")
    draft = make_offer(organisation, title="Draft course", status=OFFER_DRAFT)
    closed = make_offer(organisation, title="Closed course", status=CLOSED)
    own = make_user(PROVIDER, party_iso3=None, organisation=organisation)
    other = make_user(PROVIDER, party_iso3=None, organisation=make_organisation("Other"))

    assert [o["id"] for o in client.get("/api/v1/offers").json["items"]] == [open_offer.id]
    assert [o["id"] for o in client.get("/api/v1/offers?status=closed").json["items"]] == [closed.id]
    both = client.get("/api/v1/offers?status=open&status=closed").json
    assert {o["id"] for o in both["items"]} == {open_offer.id, closed.id} and both["total"] == 2
    assert client.get("/api/v1/offers?q=course&language=fr").json["items"] == []

    assert_error(client.get(f"/api/v1/offers/{draft.id}"), 404, "not_found")
    assert_error(api(client, "GET", f"/api/v1/offers/{draft.id}", other), 404, "not_found")
    shown = api(client, "GET", f"/api/v1/offers/{draft.id}", own).json
    assert (shown["status"], shown["organisation"]["name"]) == ("draft", "Lab Network")
    detail = client.get(f"/api/v1/offers/{open_offer.id}").json
    assert detail["key_areas"] == ["A.8(1)"] and detail["eligibility"]["all"] is True


def test_a_provider_creates_updates_and_publishes_an_offer(client):
    organisation = make_organisation("Lab Network", vetted=True)
    provider = make_user(PROVIDER, party_iso3=None, organisation=organisation)
    secret = token_for(provider)

    created = api(client, "POST", "/api/v1/offers", secret, offer_body(budget_amount=1500, budget_currency="USD"))
    assert created.status_code == 201, created.json
    offer = created.json
    assert (offer["status"], offer["budget_amount"], offer["eligibility"]["regional_groups"]) == (
        "draft", "1500.00", ["african"])

    changed = api(client, "PATCH", f"/api/v1/offers/{offer['id']}", secret,
                  {"title": "Inspection course", "lock_version": offer["lock_version"]})
    assert changed.status_code == 200
    assert changed.json["title"] == "Inspection course" and changed.json["languages"] == ["en", "fr"]
    assert changed.json["lock_version"] == offer["lock_version"] + 1

    published = api(client, "POST", f"/api/v1/offers/{offer['id']}/publish", secret)
    assert published.status_code == 200 and published.json["status"] == "open"
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "Offer")
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["offer.create", "offer.update", "offer.publish"]


def test_only_the_organisations_providers_write_its_offers(client):
    offer = make_offer(make_organisation("Lab Network", vetted=True))
    assert_error(api(client, "POST", "/api/v1/offers", make_user(PARTY_EDITOR, party_iso3="KEN"), offer_body()),
                 403, "forbidden")
    other = make_user(PROVIDER, party_iso3=None, organisation=make_organisation("Other", vetted=True))
    assert_error(api(client, "PATCH", f"/api/v1/offers/{offer.id}", other, {"title": "Mine", "lock_version": 1}),
                 403, "forbidden")
    assert_error(api(client, "POST", f"/api/v1/offers/{offer.id}/close", other), 403, "forbidden")


def test_a_stale_offer_change_is_409_and_changes_nothing(client):
    offer = make_offer(make_organisation("Lab Network", vetted=True))
    provider = make_user(PROVIDER, party_iso3=None, organisation=offer.organisation)
    stale = offer.lock_version
    offer.title = "Changed by someone else"
    db.session.commit()

    error = assert_error(api(client, "PATCH", f"/api/v1/offers/{offer.id}", provider,
                             {"title": "Mine", "lock_version": stale}), 409, "stale")
    assert "Someone else saved this offer" in error["message"]
    db.session.expire_all()
    assert db.session.get(Offer, offer.id).title == "Changed by someone else"


def test_an_invalid_offer_is_422_with_its_fields_and_changes_nothing(client):
    provider = make_user(PROVIDER, party_iso3=None, organisation=make_organisation("Lab Network", vetted=True))
    secret = token_for(provider)
    error = assert_error(api(client, "POST", "/api/v1/offers", secret, offer_body(
        title="  ", languages=[], closes_on="2001-01-01", opens_on="2002-01-01")), 422, "invalid")
    assert set(error["fields"]) == {"title", "languages", "closes_on"}  # the service's rules
    error = assert_error(api(client, "POST", "/api/v1/offers", secret, offer_body(
        capacity="many", colour="red", key_areas=["Z.1(1)"])), 422, "invalid")
    assert set(error["fields"]) == {"capacity", "colour", "key_areas.0"}  # the document's
    assert db.session.scalar(select(Offer)) is None


# --- needs and assessments -----------------------------------------------------------------------------

def _kenya_and_peru():
    cycle = make_cycle()
    kenya = make_assessment("KEN", cycle, {"A.8(1)": ("high", 1)}, visibility="providers")
    peru = make_assessment("PER", cycle, {"A.3(1)": "medium"}, visibility="secretariat")
    draft = make_assessment("BRA", cycle, {"A.1(1)": "high"}, status=DRAFT, visibility="public")
    return cycle, kenya, peru, draft


def test_each_caller_sees_the_needs_the_pages_show_them(client):
    _kenya_and_peru()

    def parties_of(who):
        return {row["party"] for row in api(client, "GET", "/api/v1/needs", who).json["items"]}

    assert parties_of(make_user(PARTY_EDITOR, party_iso3="KEN")) == {"KEN"}
    assert parties_of(make_user(PARTY_EDITOR, party_iso3="BRA")) == {"BRA"}  # its own draft
    vetted = make_user(PROVIDER, party_iso3=None, organisation=make_organisation("Vetted", vetted=True))
    assert parties_of(vetted) == {"KEN"}  # Peru keeps its needs for the Secretariat, Brazil has not submitted
    not_vetted = make_user(PROVIDER, party_iso3=None, organisation=make_organisation("New", vetted=False))
    assert parties_of(not_vetted) == set()
    secretariat = make_user(SECRETARIAT, party_iso3=None)
    assert parties_of(secretariat) == {"KEN", "PER"}
    drafts = api(client, "GET", "/api/v1/needs?drafts=true", secretariat).json["items"]
    assert "BRA" in {row["party"] for row in drafts}
    assert api(client, "GET", "/api/v1/needs?drafts=true", vetted).json["total"] == 1  # ignored for others

    (kenya_row,) = api(client, "GET", "/api/v1/needs?level=high&party=KEN", secretariat).json["items"]
    assert (kenya_row["key_area"], kenya_row["priority"], kenya_row["shown_from"]) == ("A.8(1)", 1, "submitted")
    assert api(client, "GET", "/api/v1/needs?level=low", secretariat).json["total"] == 0


def test_a_party_sees_its_own_assessments_only(client):
    _cycle, kenya, peru, _draft = _kenya_and_peru()
    editor = make_user(PARTY_EDITOR, party_iso3="KEN")
    secret = token_for(editor)
    listed = api(client, "GET", "/api/v1/assessments", secret).json
    assert [a["id"] for a in listed["items"]] == [kenya.id]
    detail = api(client, "GET", f"/api/v1/assessments/{kenya.id}", secret).json
    assert detail["needs"]["A.8(1)"]["level"] == "high" and detail["party"] == "KEN"
    assert_error(api(client, "GET", f"/api/v1/assessments/{peru.id}", secret), 404, "not_found")
    everyone = api(client, "GET", "/api/v1/assessments?status=submitted", make_user(SECRETARIAT, party_iso3=None))
    assert {a["party"] for a in everyone.json["items"]} == {"KEN", "PER"}


def test_an_editor_saves_the_draft_but_only_the_focal_point_submits_it(client):
    cycle = make_cycle()
    editor = token_for(make_user(PARTY_EDITOR, party_iso3="KEN"))
    focal_point = token_for(make_user(PARTY_FOCAL_POINT, party_iso3="KEN"))

    started = api(client, "POST", "/api/v1/assessments", editor, {"cycle": cycle.name})
    assert started.status_code == 201 and started.json["status"] == "draft"
    assessment_id = started.json["id"]
    again = api(client, "POST", "/api/v1/assessments", focal_point, {"cycle": cycle.name})
    assert again.status_code == 200 and again.json["id"] == assessment_id

    saved = api(client, "PATCH", f"/api/v1/assessments/{assessment_id}", editor, {
        "lock_version": started.json["lock_version"],
        "needs": {"A.8(1)": {"level": "high", "priority": 1, "languages": ["en"], "wanted_by": "2030-01-01"}},
    })
    assert saved.status_code == 200, saved.json
    assert saved.json["needs"]["A.8(1)"]["wanted_by"] == "2030-01-01"

    assert_error(api(client, "POST", f"/api/v1/assessments/{assessment_id}/submit", editor), 403, "forbidden")
    submitted = api(client, "POST", f"/api/v1/assessments/{assessment_id}/submit", focal_point)
    assert submitted.status_code == 200 and submitted.json["status"] == "submitted"
    assert_error(api(client, "PATCH", f"/api/v1/assessments/{assessment_id}", editor,
                     {"lock_version": submitted.json["lock_version"], "needs": {"A.8(1)": None}}), 403, "forbidden")
    visible = api(client, "POST", f"/api/v1/assessments/{assessment_id}/visibility", focal_point,
                  {"visibility": "public"})
    assert visible.json["visibility"] == "public"


def test_a_stale_or_invalid_assessment_save_changes_nothing(client):
    cycle = make_cycle()
    assessment = make_assessment("KEN", cycle, {"A.8(1)": "low"}, status=DRAFT)
    secret = token_for(make_user(PARTY_EDITOR, party_iso3="KEN"))
    current = assessment.lock_version

    error = assert_error(api(client, "PATCH", f"/api/v1/assessments/{assessment.id}", secret, {
        "lock_version": current, "needs": {"A.8(1)": {"level": "extreme"}, "Z.9(9)": {"level": "high"}}}),
        422, "invalid")
    assert {"needs.A.8(1).level", "needs.Z.9(9)"} <= set(error["fields"])
    error = assert_error(api(client, "PATCH", f"/api/v1/assessments/{assessment.id}", secret, {
        "lock_version": current, "answers": {"no_such_question": {"choice": "yes"}}}), 422, "invalid")
    assert "no_such_question.choice" in error["fields"]  # the service's check
    assert_error(api(client, "PATCH", f"/api/v1/assessments/{assessment.id}", secret, {
        "lock_version": current - 1 or 99, "needs": {"A.8(1)": {"level": "high"}}}), 409, "stale")
    db.session.expire_all()
    assert [need.level for need in db.session.get(Assessment, assessment.id).needs] == ["low"]


# --- activities -------------------------------------------------------------------------------------

def test_activities_are_shown_to_their_recorders_and_the_secretariat_only(client):
    now = utcnow()
    kenyan = Activity(party=party("KEN"), party_role="organised", title="Kenyan workshop", status="completed",
                      start_date=now.date(), created_at=now, updated_at=now)
    peruvian = Activity(party=party("PER"), party_role="took_part", title="Peruvian course", status="planned",
                        created_at=now, updated_at=now)
    db.session.add_all([kenyan, peruvian])
    db.session.commit()

    assert client.get("/api/v1/activities").json == {"items": [], "page": 1, "per_page": 50, "total": 0, "pages": 1}
    assert_error(client.get(f"/api/v1/activities/{kenyan.id}"), 404, "not_found")
    editor = token_for(make_user(PARTY_EDITOR, party_iso3="KEN"))
    assert [a["title"] for a in api(client, "GET", "/api/v1/activities", editor).json["items"]] == ["Kenyan workshop"]
    assert api(client, "GET", "/api/v1/activities?party=PER", editor).json["total"] == 0
    assert_error(api(client, "GET", f"/api/v1/activities/{peruvian.id}", editor), 404, "not_found")
    secretariat = token_for(make_user(SECRETARIAT, party_iso3=None))
    assert api(client, "GET", "/api/v1/activities", secretariat).json["total"] == 2
    assert api(client, "GET", "/api/v1/activities?party=PER&status=planned", secretariat).json["total"] == 1


def test_a_party_records_changes_and_deletes_its_activities(client):
    editor = make_user(PARTY_EDITOR, party_iso3="KEN")
    secret = token_for(editor)
    body = {"title": "Detection workshop", "status": "completed", "party_role": "organised",
            "start_date": "2025-03-01", "key_areas": ["A.8(1)"], "participants_women": 12,
            "outputs": [{"title": "Report", "url": "https://example.org/report"}]}
    created = api(client, "POST", "/api/v1/activities", secret, body)
    assert created.status_code == 201, created.json
    activity = created.json
    assert (activity["party"], activity["participants_total"], activity["outputs"][0]["title"]) == (
        "KEN", 12, "Report")

    assert_error(api(client, "PATCH", f"/api/v1/activities/{activity['id']}", secret,
                     {"end_date": "2020-01-01", "lock_version": activity["lock_version"]}), 422, "invalid")
    changed = api(client, "PATCH", f"/api/v1/activities/{activity['id']}", secret,
                  {"results": "Two labs accredited", "lock_version": activity["lock_version"]})
    assert changed.status_code == 200 and changed.json["results"] == "Two labs accredited"
    assert_error(api(client, "PATCH", f"/api/v1/activities/{activity['id']}", secret,
                     {"results": "Stale", "lock_version": activity["lock_version"]}), 409, "stale")

    other = make_user(PARTY_EDITOR, party_iso3="PER")
    assert_error(api(client, "DELETE", f"/api/v1/activities/{activity['id']}", other), 404, "not_found")
    assert api(client, "DELETE", f"/api/v1/activities/{activity['id']}", secret).status_code == 204
    assert db.session.scalar(select(Activity)) is None


# --- indicators ---------------------------------------------------------------------------------------

def test_indicator_values_name_only_the_parties_the_caller_may_see(client):
    cycle = make_cycle()
    make_assessment("KEN", cycle, {"A.8(1)": "high"}, visibility="public")
    make_assessment("PER", cycle, {"A.8(1)": "high"}, visibility="providers")
    db.session.add(IndicatorValue(code="A.8(a)", cycle_id=cycle.id, scope="global", numerator=2, denominator=4,
                                  value=0.5, parties=[party("KEN").id, party("PER").id], computed_at=utcnow()))
    db.session.add(IndicatorValue(code="A.8(a)", cycle_id=cycle.id, scope="african", numerator=None,
                                  denominator=None, value=None, reason="No Party in this scope answered the "
                                  "question.", parties=[], computed_at=utcnow()))
    db.session.commit()

    values = client.get(f"/api/v1/indicators?code=A.8(a)&cycle={cycle.name}").json["items"]
    assert [(v["scope"], v["value"]) for v in values] == [("african", None), ("global", 0.5)]
    global_value = values[1]
    assert (global_value["parties"], global_value["parties_not_named"]) == (["KEN"], 1)
    assert global_value["computed_at"].endswith("Z") and values[0]["reason"].startswith("No Party")
    named = api(client, "GET", "/api/v1/indicators?scope=global", make_user(SECRETARIAT, party_iso3=None)).json
    assert named["items"][0]["parties"] == ["KEN", "PER"]
    assert_error(client.get("/api/v1/indicators?code=Z.9(z)"), 422, "invalid")


# --- matches -----------------------------------------------------------------------------------------

def test_each_side_sees_its_matches_and_takes_only_its_own_steps(client):
    _assessment, offer, match = refreshed_pair()
    kenya = token_for(make_user(PARTY_FOCAL_POINT, party_iso3="KEN"))
    provider = token_for(make_user(PROVIDER, party_iso3=None, organisation=offer.organisation))
    peru = token_for(make_user(PARTY_EDITOR, party_iso3="PER"))

    listed = api(client, "GET", "/api/v1/matches", kenya).json["items"]
    assert [(m["id"], m["status"]) for m in listed] == [(match.id, SUGGESTED)]
    assert listed[0]["reasons"][0] == "Covers A.8(1)"
    assert api(client, "GET", f"/api/v1/matches?offer={offer.id}", provider).json["total"] == 1
    assert api(client, "GET", "/api/v1/matches", peru).json["total"] == 0
    assert_error(api(client, "GET", f"/api/v1/matches/{match.id}", peru), 404, "not_found")

    proposed = api(client, "POST", f"/api/v1/matches/{match.id}/propose", kenya, {"lock_version": match.lock_version})
    assert proposed.status_code == 200 and proposed.json["status"] == PROPOSED
    version = proposed.json["lock_version"]
    # The provider starts a delivery before agreeing: not this step's turn. Kenya delivers: not its side.
    assert_error(api(client, "POST", f"/api/v1/matches/{match.id}/start_delivery", provider,
                     {"lock_version": version}), 422, "invalid")
    assert_error(api(client, "POST", f"/api/v1/matches/{match.id}/record_delivery", kenya,
                     {"lock_version": version, "activity_id": 1}), 403, "forbidden")
    assert_error(api(client, "POST", f"/api/v1/matches/{match.id}/confirm", provider,
                     {"lock_version": version, "rating": 5}), 403, "forbidden")
    assert_error(api(client, "POST", f"/api/v1/matches/{match.id}/agree", provider,
                     {"lock_version": version - 1}), 409, "stale")
    assert status_of(match) == PROPOSED
    agreed = api(client, "POST", f"/api/v1/matches/{match.id}/agree", provider, {"lock_version": version})
    assert agreed.status_code == 200 and agreed.json["status"] == AGREED

    delivered = api(client, "POST", f"/api/v1/matches/{match.id}/record_delivery", provider, {
        "lock_version": agreed.json["lock_version"],
        "activity": {"title": "Detection course", "start_date": "2025-05-01", "participants_women": 9}})
    assert delivered.status_code == 200 and delivered.json["activity_id"]
    closed = api(client, "POST", f"/api/v1/matches/{match.id}/confirm", kenya,
                 {"lock_version": delivered.json["lock_version"], "rating": 4, "feedback": "Useful"})
    assert (closed.json["status"], closed.json["rating"]) == ("closed", 4)


def test_declining_needs_a_reason_from_the_list(client):
    _assessment, _offer, match = refreshed_pair()
    kenya = token_for(make_user(PARTY_EDITOR, party_iso3="KEN"))
    error = assert_error(api(client, "POST", f"/api/v1/matches/{match.id}/decline", kenya,
                             {"lock_version": match.lock_version, "reason": "other"}), 422, "invalid")
    assert "comment" in error["fields"]
    assert status_of(match) == SUGGESTED


# --- errors ------------------------------------------------------------------------------------------

def test_errors_have_one_shape_and_json_content_type(client, app, monkeypatch):
    assert_error(client.get("/api/v1/parties?q=a\x00b"), 400, "bad_request")
    assert_error(client.post("/api/v1/assessments", data="{not json", content_type="application/json",
                             headers=bearer(token_for(make_user(PARTY_EDITOR, party_iso3="KEN")))),
                 400, "bad_request")
    assert_error(client.get("/api/v1/nowhere"), 404, "not_found")
    assert_error(client.get("/api/nowhere"), 404, "not_found")
    response = client.delete("/api/v1/framework")
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]

    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)
    secret = token_for(make_user(PARTY_EDITOR, party_iso3="KEN"))
    assert_error(client.post("/api/v1/assessments", json={"cycle": "x" * 2000}, headers=bearer(secret)),
                 413, "too_large")

    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setattr("tracker.api.reference.framework_data", lambda: 1 / 0)
    assert_error(client.get("/api/v1/framework"), 500, "server_error")


def test_error_messages_follow_accept_language(client):
    zh = {"Accept-Language": "zh-CN,zh;q=0.9"}
    assert assert_error(client.get("/api/v1/nowhere", headers=zh), 404, "not_found")["message"] == "此地址不存在页面。"
    provider = make_user(PROVIDER, party_iso3=None, organisation=make_organisation("Lab", vetted=True))
    error = assert_error(api(client, "POST", "/api/v1/offers", provider, offer_body(title=" "), **zh), 422, "invalid")
    assert error["fields"]["title"] == ["请填写支持提议标题。"]
    editor = make_user(PARTY_EDITOR, party_iso3="KEN", locale="zh")
    error = assert_error(api(client, "POST", "/api/v1/offers", editor, offer_body(),
                             **{"Accept-Language": "en"}), 403, "forbidden")
    assert error["message"] == "You are not allowed to do this."  # the header wins over the account's language
    assert assert_error(api(client, "POST", "/api/v1/offers", editor, offer_body()), 403,
                        "forbidden")["message"] == "您无权执行此操作。"


def test_html_pages_keep_their_html_error_pages(client):
    for response, status in ((client.get("/nowhere"), 404), (client.delete("/framework"), 405),
                             (client.post("/profile/tokens"), 400)):
        assert response.status_code == status and response.mimetype == "text/html"


# --- the document and its page --------------------------------------------------------------------

def test_the_openapi_document_lists_every_path(client):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.")
    for path in ("/api/v1/framework", "/api/v1/parties", "/api/v1/offers", "/api/v1/activities",
                 "/api/v1/indicators", "/api/v1/needs", "/api/v1/assessments", "/api/v1/matches",
                 "/api/v1/assessments/{assessment_id}/submit", "/api/v1/matches/{match_id}/record_delivery"):
        assert path in document["paths"], path
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    needs = document["paths"]["/api/v1/needs"]["get"]
    assert needs["security"] == [{"bearerAuth": []}] and "401" in needs["responses"]
    assert document["components"]["schemas"]["Error"]["required"] == ["error"]


def test_the_docs_page_browses_the_document_with_local_files_only(client):
    response = client.get("/api/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert 'data-spec-url="/api/v1/openapi.json"' in html and not INLINE_SCRIPT.search(html)
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html)
    assert len(assets) == 4 and all(asset.startswith("/static/") for asset in assets)
    for asset in assets:
        served = client.get(asset)
        assert served.status_code == 200
        served.close()
    assert response.headers["Content-Security-Policy"] == client.get("/").headers["Content-Security-Policy"]


@pytest.mark.browser
def test_swagger_ui_shows_the_document_under_the_content_security_policy(browser, live_url):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(live_url + "/api/docs")
    page.locator(".opblock-tag", has_text="Assessments").wait_for()
    page.locator(".opblock-summary-control", has_text="/api/v1/offers").first.click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    page.locator(".live-responses-table .response-col_status", has_text="200").wait_for()
    page.get_by_role("button", name="Authorize").first.click()
    assert page.get_by_text("A personal API token from your profile page.").is_visible()
    shot(page, "90-api-docs", full_page=False)
    page.close()
    # No Content-Security-Policy refusal, no script error (a missing favicon is no problem).
    assert [problem for problem in problems if "favicon" not in problem and "404" not in problem] == []
