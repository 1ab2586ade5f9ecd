"""A Party logs the CB activities it organised or took part in; the Secretariat reads every Party's."""
import csv
import io
import json
import re
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tests.conftest import counting_queries, csrf_token, login, make_organisation, make_user, party, post
from tracker.accounts.models import PARTY_EDITOR, PARTY_FOCAL_POINT, PROVIDER, SECRETARIAT
from tracker.activities import permissions, services
from tracker.activities.exports import COLUMNS, activity_rows, export_activities
from tracker.activities.models import Activity
from tracker.activities.services import ActivityFilters, ActivityInput
from tracker.assessments.models import AssessmentCycle
from tracker.audit.models import AuditEntry
from tracker.clock import utcnow
from tracker.errors import InvalidInput, PermissionDenied, StaleEdit
from tracker.extensions import db
from tracker.framework.models import ActivityExample, KeyArea
from tracker.spreadsheets import to_xlsx

ANONYMOUS = "anonymous"
EDITOR = "editor of the Party"
FOCAL_POINT = "focal point of the Party"
OTHER_PARTY = "editor of another Party"
PROVIDER_ROLE = "provider"
SECRETARIAT_ROLE = "secretariat"
ACTORS = [ANONYMOUS, EDITOR, FOCAL_POINT, OTHER_PARTY, PROVIDER_ROLE, SECRETARIAT_ROLE]


# --- factories and helpers -----------------------------------------------------------------------

def make_actor(who):
    if who == ANONYMOUS:
        return None
    return {
        EDITOR: lambda: make_user(PARTY_EDITOR, party_iso3="KEN"),
        FOCAL_POINT: lambda: make_user(PARTY_FOCAL_POINT, party_iso3="KEN"),
        OTHER_PARTY: lambda: make_user(PARTY_EDITOR, party_iso3="PER"),
        PROVIDER_ROLE: lambda: make_user(PROVIDER, party_iso3=None, organisation=make_organisation()),
        SECRETARIAT_ROLE: lambda: make_user(SECRETARIAT, party_iso3=None),
    }[who]()


def key_area(code):
    return db.session.scalar(db.select(KeyArea).where(KeyArea.code == code))


def make_activity(party_iso3="KEN", *, title="Biosafety training for customs officers", status="completed",
                  start_date=date(2024, 3, 4), end_date=date(2024, 3, 8), key_areas=("A.1(1)", "A.8(3)"),
                  **fields) -> Activity:
    now = utcnow()
    activity = Activity(
        party=party(party_iso3), party_role=fields.pop("party_role", "organised"), title=title, status=status,
        start_date=start_date, end_date=end_date, key_areas=[key_area(code) for code in key_areas],
        created_at=now, updated_at=now, **fields)
    db.session.add(activity)
    db.session.commit()
    return activity


def valid_form(**overrides) -> dict:
    data = {
        "title": "Workshop on detection of LMOs",
        "description": "Three days of laboratory practice.",
        "party_role": "organised",
        "status": "completed",
        "start_date": "2024-05-06",
        "end_date": "2024-05-08",
        "key_areas": ["A.1(1)", "A.8(3)"],
        "activity_examples": ["A.8㈡"],
        "support_type": "training",
        "modality": "in_person",
        "languages": ["en", "fr"],
        "participants_women": "12",
        "participants_men": "9",
        "participants_other": "",
        "outputs-0-title": "Workshop report",
        "outputs-0-url": "https://example.org/report.pdf",
        "outputs-1-title": "",
        "outputs-1-url": "",
        "outputs-2-title": "",
        "outputs-2-url": "",
        "funding_amount": "15000.50",
        "funding_currency": "usd",
        "funding_source": "GEF",
        "results": "Two laboratories now run the detection method.",
    }
    data.update(overrides)
    return data


def activity_input(**overrides) -> ActivityInput:
    values = dict(title="Regional meeting", status="completed", party_role="took_part",
                  start_date=date(2023, 1, 10), end_date=date(2023, 1, 12), key_areas=["B.1(1)"])
    values.update(overrides)
    return ActivityInput(**values)


def count_activities() -> int:
    return db.session.scalar(db.select(db.func.count(Activity.id)))


# --- who may do what -----------------------------------------------------------------------------

# (action, method, url, expected status for: anonymous, editor, focal point, other Party, provider, secretariat)
# A provider lists, exports and records its own organisation's activities (tests/test_provider_activities.py),
# never a Party's.
ACTIONS = [
    ("list", "GET", "/activities", [302, 200, 200, 200, 200, 200]),
    ("view", "GET", "/activities/{id}", [302, 200, 200, 403, 403, 200]),
    ("new form", "GET", "/activities/new", [302, 200, 200, 200, 200, 403]),
    ("edit form", "GET", "/activities/{id}/edit", [302, 200, 200, 403, 403, 403]),
    ("save an edit", "POST", "/activities/{id}/edit", [302, 302, 302, 403, 403, 403]),
    ("delete confirmation", "GET", "/activities/{id}/delete", [302, 200, 200, 403, 403, 403]),
    ("delete", "POST", "/activities/{id}/delete", [302, 302, 302, 403, 403, 403]),
    ("export", "GET", "/activities/export?format=csv", [302, 200, 200, 200, 200, 200]),
]


@pytest.mark.parametrize("who", ACTORS)
@pytest.mark.parametrize("action, method, url, expected", ACTIONS, ids=[a[0] for a in ACTIONS])
def test_role_by_action_gets_the_expected_status(client, who, action, method, url, expected):
    activity = make_activity("KEN", title="Kenya's own activity")
    actor = make_actor(who)
    if actor:
        login(client, actor)
    url = url.format(id=activity.id)
    if method == "GET":
        response = client.get(url)
    else:
        data = valid_form(title="Changed title", lock_version=str(activity.lock_version)) if "edit" in url else {}
        response = client.post(url, data={"csrf_token": csrf_token(client), **data})
    status = expected[ACTORS.index(who)]
    assert response.status_code == status
    if who == ANONYMOUS:
        assert "/login" in response.headers["Location"]
    if method == "POST" and status != 302 or who == ANONYMOUS:
        db.session.expire_all()
        unchanged = db.session.get(Activity, activity.id)
        assert unchanged is not None and unchanged.title == "Kenya's own activity"


@pytest.mark.parametrize("url", ["/activities", "/activities/export?format=csv", "/activities/export?format=json"])
def test_party_users_see_only_their_own_partys_activities(client, url):
    make_activity("KEN", title="Kenya activity")
    make_activity("PER", title="Peru activity")
    login(client, make_user(PARTY_EDITOR, party_iso3="PER"))
    text = client.get(url).get_data(as_text=True)
    assert "Peru activity" in text
    assert "Kenya activity" not in text


def test_party_filter_is_ignored_for_party_users(client):
    make_activity("KEN", title="Kenya activity")
    login(client, make_user(PARTY_EDITOR, party_iso3="PER"))
    assert "Kenya activity" not in client.get("/activities?party=KEN").get_data(as_text=True)


def test_secretariat_sees_every_party_and_filters_by_party(client):
    make_activity("KEN", title="Kenya activity")
    make_activity("PER", title="Peru activity")
    login(client, make_user(SECRETARIAT, party_iso3=None))
    everything = client.get("/activities").get_data(as_text=True)
    assert "Kenya activity" in everything and "Peru activity" in everything
    assert "Record an activity" not in everything
    only_peru = client.get("/activities?party=PER").get_data(as_text=True)
    assert "Peru activity" in only_peru and "Kenya activity" not in only_peru


@pytest.mark.parametrize("who, link_shown", [
    (ANONYMOUS, False), (EDITOR, True), (FOCAL_POINT, True), (PROVIDER_ROLE, True), (SECRETARIAT_ROLE, True)])
def test_activities_link_in_the_menu_for_those_who_record_or_read_activities(client, who, link_shown):
    actor = make_actor(who)
    if actor:
        login(client, actor)
    assert ('href="/activities"' in client.get("/framework").get_data(as_text=True)) is link_shown


@pytest.mark.parametrize("who, listed, viewed, recorded, edited", [
    (EDITOR, True, True, True, True),
    (FOCAL_POINT, True, True, True, True),
    (OTHER_PARTY, True, False, False, False),
    (PROVIDER_ROLE, True, False, False, False),  # lists its own organisation's records only
    (SECRETARIAT_ROLE, True, True, False, False),
])
def test_permission_functions_by_role(ctx, who, listed, viewed, recorded, edited):
    activity = make_activity("KEN")
    user = make_actor(who)
    assert permissions.can_list_activities(user) is listed
    assert permissions.can_view_activity(user, activity) is viewed
    assert permissions.can_record_activity_for_party(user, party("KEN")) is recorded
    assert permissions.can_edit_activity(user, activity) is edited


def test_permission_functions_refuse_anonymous_and_inactive_users(ctx):
    from flask_login import AnonymousUserMixin

    activity = make_activity("KEN")
    pending_editor = make_user(PARTY_EDITOR, party_iso3="KEN", status="pending")
    for user in (AnonymousUserMixin(), pending_editor):
        assert not permissions.can_list_activities(user)
        assert not permissions.can_view_activity(user, activity)
        assert not permissions.can_record_activity_for_party(user, party("KEN"))
        assert not permissions.can_edit_activity(user, activity)


def test_services_refuse_whoever_may_not_change_the_activity(ctx):
    activity = make_activity("KEN")
    for who in (OTHER_PARTY, PROVIDER_ROLE, SECRETARIAT_ROLE):
        actor = make_actor(who)
        with pytest.raises(PermissionDenied):
            services.create_activity(party("KEN"), activity_input(), actor=actor)
        with pytest.raises(PermissionDenied):
            services.update_activity(activity, activity_input(), lock_version=activity.lock_version, actor=actor)
        with pytest.raises(PermissionDenied):
            services.delete_activity(activity, actor=actor)
    db.session.rollback()
    assert count_activities() == 1


def test_delete_without_csrf_token_is_refused(client):
    activity = make_activity("KEN")
    login(client, make_user(PARTY_EDITOR, party_iso3="KEN"))
    assert client.post(f"/activities/{activity.id}/delete").status_code == 400
    assert count_activities() == 1


def test_missing_activity_is_404(client):
    login(client, make_user(PARTY_EDITOR, party_iso3="KEN"))
    assert client.get("/activities/999999").status_code == 404
    assert client.get("/activities/999999/edit").status_code == 404


# --- recording, editing, deleting ----------------------------------------------------------------

def test_editor_records_an_activity_with_the_form_and_sees_it_listed(client):
    editor = make_user(PARTY_EDITOR, party_iso3="KEN")
    login(client, editor)
    form_page = client.get("/activities/new").get_data(as_text=True)
    assert "Your Party organised it" in form_page and "Your Party took part" in form_page
    assert form_page.count('name="key_areas"') == 41

    response = post(client, "/activities/new", valid_form())
    assert response.status_code == 302
    activity = db.session.scalar(db.select(Activity))
    assert response.headers["Location"] == f"/activities/{activity.id}"
    assert activity.party.iso3 == "KEN" and activity.party_role == "organised"
    assert [area.code for area in activity.key_areas] == ["A.1(1)", "A.8(3)"]
    assert [example.code for example in activity.activity_examples] == ["A.8㈡"]
    assert activity.languages == ["en", "fr"]
    assert activity.participants_total == 21
    assert activity.outputs == [{"title": "Workshop report", "url": "https://example.org/report.pdf"}]
    assert activity.funding_amount == Decimal("15000.50") and activity.funding_currency == "USD"
    assert activity.updated_by_id == editor.id

    listed = client.get("/activities").get_data(as_text=True)
    assert "Workshop on detection of LMOs" in listed and "A.8(3)" in listed and ">21<" in listed
    shown = client.get(f"/activities/{activity.id}").get_data(as_text=True)
    assert 'href="https://example.org/report.pdf"' in shown and "21 in all (women: 12, men: 9)" in shown


@pytest.mark.parametrize("overrides, field, message", [
    ({"end_date": "2024-05-01"}, "end_date", "cannot end before it starts"),
    ({"outputs-0-url": "javascript:alert(1)"}, "outputs-0-url", "must start with http:// or https://"),
    ({"participants_men": "-4"}, "participants_men", "Give a whole number between 0 and 10000000"),
    ({"start_date": "", "end_date": ""}, "start_date", "start date of a completed activity"),
    ({"start_date": "1999-12-31"}, "start_date", "between 2000 and 2100"),
    ({"key_areas": []}, "key_areas", "Choose at least one key area"),
    ({"party_role": ""}, "party_role", "organised the activity or took part"),
    ({"funding_currency": "XYZ"}, "funding_currency", "ISO 4217"),
    ({"funding_amount": "-5"}, "funding_amount", "number of 0 or more"),
    ({"outputs-1-url": "https://example.org/no-title"}, "outputs-1-title", "Give the material a title"),
])
def test_half_valid_form_keeps_the_input_and_saves_nothing(client, overrides, field, message):
    login(client, make_user(PARTY_EDITOR, party_iso3="KEN"))
    response = post(client, "/activities/new", valid_form(**overrides))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html
    # The message sits in the field's own block, after its input.
    block = html[html.index(f'id="{field}"'):]
    assert message in block[:block.find("</fieldset>") if field in ("key_areas", "party_role") else 2000]
    assert 'value="Workshop on detection of LMOs"' in html
    assert "Three days of laboratory practice." in html
    assert re.search(r'value="fr"\s*checked', html)  # ticked boxes stay ticked
    if field != "key_areas":
        assert re.search(r'value="A\.8\(3\)"\s*checked', html)
    assert count_activities() == 0
    assert db.session.scalar(db.select(db.func.count(AuditEntry.id))) == 0


def test_edit_form_shows_stored_values_and_three_empty_material_rows(client):
    outputs = [{"title": f"Report {n}", "url": f"https://example.org/{n}"} for n in range(2)]
    activity = make_activity("KEN", outputs=outputs, languages=["es"])
    login(client, make_user(PARTY_EDITOR, party_iso3="KEN"))
    html = client.get(f"/activities/{activity.id}/edit").get_data(as_text=True)
    assert 'value="Report 1"' in html
    assert 'name="outputs-4-url"' in html and 'name="outputs-5-url"' not in html
    assert re.search(r'value="es"\s*checked', html)
    assert f'name="lock_version" type="hidden" value="{activity.lock_version}"' in html


def test_no_more_than_ten_material_rows(client):
    activity = make_activity("KEN", outputs=[{"title": f"R{n}", "url": ""} for n in range(9)])
    login(client, make_user(PARTY_EDITOR, party_iso3="KEN"))
    html = client.get(f"/activities/{activity.id}/edit").get_data(as_text=True)
    assert 'name="outputs-9-title"' in html and 'name="outputs-10-title"' not in html


def test_editor_saves_an_edit_and_the_audit_log_has_before_and_after(client):
    activity = make_activity("KEN", title="Old title", status="ongoing")
    editor = make_user(PARTY_FOCAL_POINT, party_iso3="KEN")
    login(client, editor)
    response = post(client, f"/activities/{activity.id}/edit",
                    valid_form(title="New title", key_areas=["A.1(1)", "A.8(3)"], lock_version="1"))
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Activity, activity.id)
    assert saved.title == "New title" and saved.status == "completed" and saved.lock_version == 2
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "activity.update"))
    assert entry.actor_id == editor.id and entry.object_type == "Activity" and entry.object_id == activity.id
    assert entry.before["title"] == "Old title" and entry.after["title"] == "New title"
    assert entry.before["status"] == "ongoing" and entry.after["status"] == "completed"
    assert "key_areas" not in entry.after  # unchanged fields are left out


def test_stale_edit_is_refused_and_the_other_change_kept(client):
    activity = make_activity("KEN", title="Original title")
    me = make_user(PARTY_EDITOR, party_iso3="KEN")
    colleague = make_user(PARTY_FOCAL_POINT, party_iso3="KEN")
    login(client, me)
    page = client.get(f"/activities/{activity.id}/edit").get_data(as_text=True)
    opened_version = re.search(r'name="lock_version" type="hidden" value="(\d+)"', page).group(1)

    services.update_activity(activity, activity_input(title="Colleague's title"),
                             lock_version=activity.lock_version, actor=colleague)
    db.session.commit()

    response = post(client, f"/activities/{activity.id}/edit",
                    valid_form(title="My title", lock_version=opened_version))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Someone else saved this activity after you opened it" in html
    assert 'value="My title"' in html  # the user's input is kept in the form
    db.session.expire_all()
    assert db.session.get(Activity, activity.id).title == "Colleague's title"
    assert db.session.scalar(db.select(db.func.count(AuditEntry.id))) == 1  # the colleague's save only


def test_concurrent_save_detected_at_flush_becomes_stale_edit(ctx):
    activity = make_activity("KEN", title="Original title")
    editor = make_user(PARTY_EDITOR, party_iso3="KEN")
    loaded_version = activity.lock_version
    # Another request saves between our check and our flush: the row's version moves on under us.
    db.session.execute(Activity.__table__.update().where(Activity.__table__.c.id == activity.id)
                       .values(lock_version=loaded_version + 1, title="Theirs"))
    with pytest.raises(StaleEdit):
        services.update_activity(activity, activity_input(title="Mine"), lock_version=loaded_version, actor=editor)
    db.session.rollback()
    assert db.session.get(Activity, activity.id).title == "Original title"  # the raw update was rolled back too


def test_service_checks_every_rule_whatever_the_form(ctx):
    editor = make_user(PARTY_EDITOR, party_iso3="KEN")
    with pytest.raises(InvalidInput) as refused:
        services.create_activity(party("KEN"), activity_input(
            title=" ", status="finished", party_role="funded", key_areas=["Z.9(9)"], activity_examples=["nope"],
            support_type="magic", modality="telepathy", languages=["xx"], participants_other=-1,
            funding_amount=Decimal("NaN"), outputs=[{"title": "x", "url": "ftp://example.org"}]), actor=editor)
    assert set(refused.value.field_errors) == {
        "title", "status", "party_role", "key_areas", "activity_examples", "support_type", "modality",
        "languages", "participants_other", "funding_amount", "outputs.0.url"}
    db.session.rollback()
    assert count_activities() == 0


def test_create_writes_the_audit_entry_with_the_whole_record(ctx):
    editor = make_user(PARTY_EDITOR, party_iso3="KEN")
    activity = services.create_activity(party("KEN"), activity_input(
        funding_amount=Decimal("100"), funding_currency="eur", outputs=[{"title": "", "url": ""}]), actor=editor)
    db.session.commit()
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "activity.create"))
    assert entry.before is None
    assert entry.after["party"] == "KEN" and entry.after["key_areas"] == ["B.1(1)"]
    assert entry.after["funding_amount"] == "100.00" and entry.after["funding_currency"] == "EUR"
    assert entry.after["outputs"] == []  # empty rows are dropped
    assert entry.object_id == activity.id


def test_saving_unchanged_values_writes_no_audit_entry(ctx):
    editor = make_user(PARTY_EDITOR, party_iso3="KEN")
    activity = services.create_activity(party("KEN"), activity_input(), actor=editor)
    db.session.commit()
    assert services.update_activity(activity, activity_input(), lock_version=activity.lock_version,
                                    actor=editor) is False
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count(AuditEntry.id))) == 1
    assert activity.lock_version == 1


def test_delete_after_confirmation_keeps_a_copy_in_the_audit_log(client):
    activity = make_activity("KEN", title="To be removed")
    editor = make_user(PARTY_EDITOR, party_iso3="KEN")
    login(client, editor)
    confirmation = client.get(f"/activities/{activity.id}/delete").get_data(as_text=True)
    assert "Delete the activity?" in confirmation and "To be removed" in confirmation
    response = post(client, f"/activities/{activity.id}/delete")
    assert response.status_code == 302 and response.headers["Location"] == "/activities"
    assert count_activities() == 0
    assert db.session.scalar(db.text("SELECT count(*) FROM activity_key_area")) == 0
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "activity.delete"))
    assert entry.actor_id == editor.id and entry.object_id == activity.id and entry.object_label == "To be removed"
    assert entry.before["title"] == "To be removed" and entry.before["key_areas"] == ["A.1(1)", "A.8(3)"]
    assert entry.after is None


# --- the list ------------------------------------------------------------------------------------

def test_list_filters_by_status_and_year(client):
    make_activity("KEN", title="Planned next year", status="planned",
                  start_date=date(2026, 2, 1), end_date=date(2026, 2, 3))
    make_activity("KEN", title="Done in 2024", status="completed",
                  start_date=date(2024, 6, 1), end_date=date(2024, 6, 2))
    make_activity("KEN", title="Spanning 2023 and 2024", status="completed",
                  start_date=date(2023, 12, 20), end_date=date(2024, 1, 10))
    login(client, make_user(PARTY_EDITOR, party_iso3="KEN"))
    planned = client.get("/activities?status=planned").get_data(as_text=True)
    assert "Planned next year" in planned and "Done in 2024" not in planned
    in_2024 = client.get("/activities?year=2024").get_data(as_text=True)
    assert "Done in 2024" in in_2024 and "Spanning 2023 and 2024" in in_2024 and "Planned next year" not in in_2024
    in_2023 = client.get("/activities?year=2023").get_data(as_text=True)
    assert "Spanning 2023 and 2024" in in_2023 and "Done in 2024" not in in_2023
    assert '<option value="2026"' in in_2023 and '<option value="2023"' in in_2023


def test_list_shows_fifty_activities_a_page(client):
    for n in range(51):
        make_activity("KEN", title=f"Activity number {n:02d}", start_date=date(2024, 1, 1 + n % 28))
    login(client, make_user(PARTY_EDITOR, party_iso3="KEN"))
    first = client.get("/activities").get_data(as_text=True)
    second = client.get("/activities?page=2").get_data(as_text=True)
    assert first.count("Activity number") == 50 and second.count("Activity number") == 1
    assert "51 activities" in first


@pytest.mark.parametrize("who", [EDITOR, SECRETARIAT_ROLE])
def test_list_query_count_does_not_grow_with_the_rows(client, who):
    login(client, make_actor(who))

    def queries_for_list(total):
        while count_activities() < total:
            make_activity("KEN", title=f"Activity {count_activities()}",
                          activity_examples=[db.session.scalar(db.select(ActivityExample).limit(1))])
        with counting_queries() as statements:
            response = client.get("/activities")
        assert response.status_code == 200 and response.get_data(as_text=True).count("Activity ") >= total
        return len(statements)

    assert queries_for_list(3) == queries_for_list(30)


# --- exports -------------------------------------------------------------------------------------

def test_csv_export_escapes_formulas_and_joins_lists(client):
    make_activity("KEN", title='=HYPERLINK("https://evil.example","click")', languages=["en", "zh"],
                  outputs=[{"title": "Guide", "url": "https://example.org/guide"}, {"title": "Poster", "url": ""}])
    login(client, make_user(PARTY_EDITOR, party_iso3="KEN"))
    response = client.get("/activities/export?format=csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert list(rows[0]) == COLUMNS
    assert rows[0]["title"] == '\'=HYPERLINK("https://evil.example","click")'
    assert rows[0]["party"] == "KEN" and rows[0]["key_areas"] == "A.1(1); A.8(3)"
    assert rows[0]["languages"] == "en; zh"
    assert rows[0]["outputs"] == "Guide <https://example.org/guide>; Poster"


def test_xlsx_export_opens_with_openpyxl_and_has_the_rows(client):
    make_activity("KEN", title="=1+1", participants_women=3, participants_men=4)
    make_activity("KEN", title="Second", start_date=date(2022, 1, 1), end_date=None)
    login(client, make_user(PARTY_EDITOR, party_iso3="KEN"))
    response = client.get("/activities/export?format=xlsx")
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == COLUMNS
    assert len(rows) == 3
    first = dict(zip(COLUMNS, rows[1]))
    assert first["title"] == "'=1+1"
    assert first["participants_total"] == 7 and first["key_areas"] == "A.1(1); A.8(3)"
    assert first["start_date"].date() == date(2024, 3, 4)


def test_json_export_has_real_types(client):
    make_activity("KEN", participants_women=5, participants_other=1, funding_amount=Decimal("2500.75"),
                  funding_currency="USD", languages=["fr"], outputs=[{"title": "Guide", "url": "https://x.org/g"}])
    login(client, make_user(PARTY_EDITOR, party_iso3="KEN"))
    response = client.get("/activities/export?format=json")
    assert response.mimetype == "application/json"
    [row] = json.loads(response.data)
    assert row["key_areas"] == ["A.1(1)", "A.8(3)"] and row["languages"] == ["fr"]
    assert row["participants_women"] == 5 and row["participants_men"] is None and row["participants_total"] == 6
    assert row["funding_amount"] == 2500.75
    assert row["outputs"] == [{"title": "Guide", "url": "https://x.org/g"}]
    assert row["start_date"] == "2024-03-04" and isinstance(row["id"], int)


def test_export_follows_the_list_filters(client):
    make_activity("KEN", title="Planned one", status="planned")
    make_activity("KEN", title="Completed one", status="completed")
    login(client, make_user(SECRETARIAT, party_iso3=None))
    rows = json.loads(client.get("/activities/export?format=json&status=planned").data)
    assert [row["title"] for row in rows] == ["Planned one"]
    assert json.loads(client.get("/activities/export?format=json&party=PER").data) == []


def test_export_in_an_unknown_format_is_404(client):
    login(client, make_user(PARTY_EDITOR, party_iso3="KEN"))
    assert client.get("/activities/export?format=pdf").status_code == 404


def test_activity_rows_takes_filters_or_a_query(ctx):
    make_activity("KEN", title="Kenya")
    make_activity("PER", title="Peru")
    assert [row["title"] for row in activity_rows({"party": party("PER")})] == ["Peru"]
    query = db.select(Activity).where(Activity.title == "Kenya")
    assert [row["party"] for row in activity_rows(query)] == ["KEN"]
    assert len(activity_rows(ActivityFilters())) == 2


def test_cli_exports_the_activities_of_a_cycle(app, runner, ctx):
    db.session.add(AssessmentCycle(name="2024 cycle", opens_on=date(2024, 1, 1), closes_on=date(2024, 12, 31),
                                   reference_date=date(2024, 1, 1), created_at=utcnow()))
    make_activity("KEN", title="Inside the cycle", start_date=date(2024, 5, 1), end_date=None)
    make_activity("PER", title="Before the cycle", start_date=date(2023, 5, 1), end_date=None)
    result = runner.invoke(export_activities, ["--format", "json", "--cycle", "2024 cycle"])
    assert result.exit_code == 0, result.output
    assert [row["title"] for row in json.loads(result.output)] == ["Inside the cycle"]

    everything = runner.invoke(export_activities, ["--format", "csv"])
    assert everything.output.count("\n") == 3  # the header and two rows

    xlsx = runner.invoke(export_activities, ["--format", "xlsx"])
    assert xlsx.exit_code == 0
    assert load_workbook(io.BytesIO(xlsx.stdout_bytes)).active.max_row == 3

    unknown = runner.invoke(export_activities, ["--cycle", "no such cycle"])
    assert unknown.exit_code == 2 and "no assessment cycle is named" in unknown.output


def test_to_xlsx_escapes_formulas_and_drops_control_characters():
    data = to_xlsx([{"a": "@SUM(A1)", "b": "bell\x07", "c": ["x", "y"], "d": 4}], ["a", "b", "c", "d"], "My: sheet?")
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.active
    assert sheet.title == "My  sheet "
    assert [cell.value for cell in sheet[1]] == ["a", "b", "c", "d"]
    assert [cell.value for cell in sheet[2]] == ["'@SUM(A1)", "bell", "x; y", 4]
    assert sheet["A1"].font.bold
