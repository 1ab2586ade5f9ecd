"""A Party's self-assessment: cycles, drafting, stale edits, submission, versions, visibility, copying."""
from datetime import date, timedelta

import pytest

from tests.conftest import csrf_token, login, make_user, party, post
from tracker.accounts.models import PARTY_EDITOR, PARTY_FOCAL_POINT, PROVIDER, SECRETARIAT
from tracker.assessments import services
from tracker.assessments.content import AnswerInput, NeedInput, assessment_content
from tracker.assessments.models import Assessment, AssessmentCycle, AssessmentVersion
from tracker.audit.models import AuditEntry
from tracker.clock import today, utcnow
from tracker.errors import InvalidInput, PermissionDenied, StaleEdit
from tracker.extensions import db
from tracker.framework.models import KeyArea


def make_cycle(name="Cycle 2026", open_=True, baseline=False, opens_on=None) -> AssessmentCycle:
    start = opens_on or (today() - timedelta(days=10) if open_ else date(2024, 1, 1))
    end = today() + timedelta(days=20) if open_ else date(2024, 6, 30)
    cycle = AssessmentCycle(name=name, opens_on=start, closes_on=end, reference_date=start, baseline=baseline,
                            created_at=utcnow())
    db.session.add(cycle)
    db.session.commit()
    return cycle


def area(code: str) -> KeyArea:
    return db.session.scalar(db.select(KeyArea).where(KeyArea.code == code))


def need_field(code: str, name: str) -> str:
    return f"need-{area(code).id}-{name}"


@pytest.fixture
def kenya(ctx):
    cycle = make_cycle()
    editor = make_user(PARTY_EDITOR, party_iso3="KEN")
    focal_point = make_user(PARTY_FOCAL_POINT, party_iso3="KEN")
    assessment = services.start_assessment(party("KEN"), cycle, actor=editor)
    db.session.commit()
    return {"cycle": cycle, "editor": editor, "focal_point": focal_point, "assessment": assessment}


def save(assessment, actor, needs=None, answers=None, lock_version=None):
    services.save_assessment(assessment, needs=needs or {}, answers=answers or {},
                             lock_version=assessment.lock_version if lock_version is None else lock_version,
                             actor=actor)
    db.session.commit()


# --- the Secretariat's cycles ------------------------------------------------------------------

def test_secretariat_opens_a_cycle_and_parties_see_it_with_days_left(client):
    login(client, make_user(SECRETARIAT, party_iso3=None))
    opens, closes = today() - timedelta(days=1), today() + timedelta(days=30)
    response = post(client, "/cycles/new", {"name": "Mid-term 2026", "opens_on": opens.isoformat(),
                                            "closes_on": closes.isoformat(), "reference_date": opens.isoformat(),
                                            "baseline": ""})
    assert response.status_code == 302
    cycle = db.session.scalar(db.select(AssessmentCycle))
    assert cycle.name == "Mid-term 2026" and not cycle.baseline

    party_client = client.application.test_client()
    login(party_client, make_user(PARTY_EDITOR, party_iso3="KEN"))
    html = party_client.get("/").get_data(as_text=True)
    assert "Mid-term 2026" in html and "30 days left" in html


def test_cycle_that_closes_before_it_opens_is_refused(client):
    login(client, make_user(SECRETARIAT, party_iso3=None))
    response = post(client, "/cycles/new", {"name": "Backwards", "opens_on": "2026-05-01", "closes_on": "2026-04-01",
                                            "reference_date": "2026-05-01"})
    assert "must close after it opens" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(AssessmentCycle.id))) == 0


# --- drafting ----------------------------------------------------------------------------------

def test_editor_saves_a_half_filled_draft_through_the_form(client, kenya):
    assessment = kenya["assessment"]
    login(client, kenya["editor"])
    response = post(client, f"/assessments/{assessment.id}", {
        "lock_version": assessment.lock_version,
        need_field("A.8(3)", "level"): "high", need_field("A.8(3)", "priority"): "1",
        need_field("A.8(3)", "audiences"): ["laboratory_staff", "customs_border"],
        need_field("A.8(3)", "support_types"): "reference_materials",
        need_field("A.8(3)", "languages"): ["en", "fr"], need_field("A.8(3)", "wanted_by"): "2027-06-30",
        need_field("A.5(1)", "level"): "medium",
        need_field("A.1(1)", "level"): "none",
        "goal": "A.8",
    })
    assert response.status_code == 302 and response.headers["Location"].endswith("?goal=A.8")
    db.session.expire_all()
    content = assessment_content(db.session.get(Assessment, assessment.id))
    assert set(content["needs"]) == {"A.8(3)", "A.5(1)", "A.1(1)"}
    assert content["needs"]["A.8(3)"] == {
        "level": "high", "priority": 1, "audiences": ["laboratory_staff", "customs_border"],
        "support_types": ["reference_materials"], "modality": None, "languages": ["en", "fr"],
        "wanted_by": "2027-06-30", "comment": ""}
    page = client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    assert "1 of 4 areas considered" in page or "1 of 3 areas considered" in page  # A.8's progress


def test_invalid_values_are_refused_with_messages_and_nothing_is_saved(client, kenya):
    assessment = kenya["assessment"]
    login(client, kenya["editor"])
    response = post(client, f"/assessments/{assessment.id}", {
        "lock_version": assessment.lock_version,
        need_field("A.8(3)", "level"): "high",
        need_field("A.8(2)", "level"): "extreme",
        need_field("A.8(1)", "priority"): "7",
        need_field("A.8(4)", "wanted_by"): "not a date",
    })
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Nothing was saved" in html and "Give a date as YYYY-MM-DD." in html
    db.session.expire_all()
    assert assessment_content(db.session.get(Assessment, assessment.id))["needs"] == {}


def test_service_rejects_unknown_codes_and_out_of_range_values(kenya):
    assessment, editor = kenya["assessment"], kenya["editor"]
    with pytest.raises(InvalidInput) as refused:
        services.save_assessment(assessment, needs={
            "Z.9(9)": NeedInput(level="high"),
            "A.8(1)": NeedInput(level="high", priority=4, audiences=["aliens"]),
        }, answers={"ra_experts": AnswerInput(number=-3), "cna_trained_staff": AnswerInput(choice="maybe")},
            lock_version=assessment.lock_version, actor=editor)
    assert set(refused.value.field_errors) == {"Z.9(9).level", "A.8(1).priority", "A.8(1).audiences",
                                               "ra_experts.number", "cna_trained_staff.choice"}


def test_declared_answers_are_saved_with_evidence(client, kenya):
    assessment = kenya["assessment"]
    login(client, kenya["editor"])
    from tracker.assessments.models import DeclaredQuestion

    questions = {q.code: q for q in db.session.scalars(db.select(DeclaredQuestion))}
    post(client, f"/assessments/{assessment.id}", {
        "lock_version": assessment.lock_version,
        f"answer-{questions['cna_trained_staff'].id}-choice": "partly",
        f"answer-{questions['cna_trained_staff'].id}-evidence_url": "https://bch.cbd.int/en/countries/KE",
        f"answer-{questions['ra_experts'].id}-number": "12",
    })
    db.session.expire_all()
    answers = assessment_content(db.session.get(Assessment, assessment.id))["answers"]
    assert answers == {"cna_trained_staff": {"choice": "partly", "number": None,
                                             "evidence_url": "https://bch.cbd.int/en/countries/KE"},
                       "ra_experts": {"choice": None, "number": 12, "evidence_url": ""}}
    html = client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    assert "Feeds indicator A.1(b)" in html and "Feeds indicator A.5(c)" in html


def test_second_save_on_a_stale_version_is_refused_and_the_first_is_kept(client, kenya):
    assessment = kenya["assessment"]
    stale_lock = assessment.lock_version
    save(assessment, kenya["focal_point"], needs={"A.8(3)": NeedInput(level="high")})

    login(client, kenya["editor"])
    response = post(client, f"/assessments/{assessment.id}", {
        "lock_version": stale_lock, need_field("A.8(3)", "level"): "low", need_field("A.5(1)", "level"): "medium"})
    html = response.get_data(as_text=True)
    assert "Someone else saved this assessment" in html
    assert 'value="low" checked' in html  # the user's input is still on the page
    db.session.expire_all()
    needs = assessment_content(db.session.get(Assessment, assessment.id))["needs"]
    assert needs["A.8(3)"]["level"] == "high" and "A.5(1)" not in needs


def test_stale_edit_is_refused_by_the_service_too(kenya):
    assessment = kenya["assessment"]
    lock = assessment.lock_version
    save(assessment, kenya["editor"], needs={"A.8(3)": NeedInput(level="high")})
    with pytest.raises(StaleEdit):
        services.save_assessment(assessment, needs={"A.8(3)": NeedInput(level="low")}, answers={},
                                 lock_version=lock, actor=kenya["focal_point"])


def test_every_save_is_audited_with_the_changed_areas_only(kenya):
    save(kenya["assessment"], kenya["editor"], needs={"A.8(3)": NeedInput(level="high"), "A.8(2)": NeedInput()})
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "assessment.save"))
    assert entry.actor_id == kenya["editor"].id
    assert entry.before == {"needs": {"A.8(3)": None}}
    assert entry.after["needs"]["A.8(3)"]["level"] == "high"


# --- submitting, reopening, versions -----------------------------------------------------------

def test_focal_point_submits_then_editors_can_only_read(client, kenya):
    assessment = kenya["assessment"]
    save(assessment, kenya["editor"], needs={"A.8(3)": NeedInput(level="high", priority=1)})
    login(client, kenya["focal_point"])
    post(client, f"/assessments/{assessment.id}/submit")
    db.session.expire_all()
    assessment = db.session.get(Assessment, assessment.id)
    assert assessment.status == "submitted" and assessment.submitted_by_id == kenya["focal_point"].id
    assert [v.version for v in assessment.versions] == [1]

    editor_client = client.application.test_client()
    login(editor_client, kenya["editor"])
    page = editor_client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    assert "Save the draft" not in page and "High" in page
    response = post(editor_client, f"/assessments/{assessment.id}", {
        "lock_version": assessment.lock_version, need_field("A.8(3)", "level"): "low"})
    assert response.status_code == 403


def test_editor_cannot_submit(client, kenya):
    save(kenya["assessment"], kenya["editor"], needs={"A.8(3)": NeedInput(level="high")})
    login(client, kenya["editor"])
    assert post(client, f"/assessments/{kenya['assessment'].id}/submit").status_code == 403
    with pytest.raises(PermissionDenied):
        services.submit_assessment(kenya["assessment"], actor=kenya["editor"])


def test_reopening_makes_a_new_version_and_the_changes_are_shown(client, kenya):
    assessment, focal_point = kenya["assessment"], kenya["focal_point"]
    save(assessment, focal_point, needs={"A.8(3)": NeedInput(level="high", priority=1), "A.5(1)": NeedInput(level="low")})
    services.submit_assessment(assessment, actor=focal_point)
    services.reopen_assessment(assessment, actor=focal_point)
    db.session.commit()
    assert assessment.status == "draft" and assessment.version == 2
    save(assessment, focal_point, needs={"A.8(3)": NeedInput(level="medium", priority=1), "A.5(1)": NeedInput()})
    services.submit_assessment(assessment, actor=focal_point)
    db.session.commit()

    versions = db.session.scalars(db.select(AssessmentVersion).order_by(AssessmentVersion.version)).all()
    assert [v.version for v in versions] == [1, 2]
    assert versions[0].content["needs"]["A.8(3)"]["level"] == "high"  # the first submission is kept as it was

    login(client, focal_point)
    html = client.get(f"/assessments/{assessment.id}/compare?from=1&to=2").get_data(as_text=True)
    assert "2 changes" in html and "A.8(3)" in html and "A.5(1)" in html
    assert "Medium" in html and "Low" in html


def test_empty_assessment_cannot_be_submitted(kenya):
    with pytest.raises(InvalidInput, match="at least one key area"):
        services.submit_assessment(kenya["assessment"], actor=kenya["focal_point"])


def test_closed_cycle_is_read_only_for_the_party(client, ctx):
    cycle = make_cycle("Baseline", open_=False, baseline=True)
    editor = make_user(PARTY_EDITOR, party_iso3="KEN")
    assessment = Assessment(party=party("KEN"), cycle=cycle, created_at=utcnow(), updated_at=utcnow())
    db.session.add(assessment)
    db.session.commit()
    login(client, editor)
    assert "Save the draft" not in client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    assert post(client, f"/assessments/start/{cycle.id}").status_code == 403


# --- visibility, copying -------------------------------------------------------------------------

def test_focal_point_chooses_who_sees_the_needs_editor_cannot(client, kenya):
    assessment = kenya["assessment"]
    assert assessment.visibility == "providers"  # the default
    login(client, kenya["editor"])
    assert post(client, f"/assessments/{assessment.id}/visibility", {"visibility": "public"}).status_code == 403
    focal = client.application.test_client()
    login(focal, kenya["focal_point"])
    post(focal, f"/assessments/{assessment.id}/visibility", {"visibility": "secretariat"})
    db.session.expire_all()
    assert db.session.get(Assessment, assessment.id).visibility == "secretariat"


def test_copy_last_cycles_answers_as_a_starting_point(client, ctx):
    editor = make_user(PARTY_EDITOR, party_iso3="KEN")
    focal_point = make_user(PARTY_FOCAL_POINT, party_iso3="KEN")
    old_cycle = make_cycle("Baseline", opens_on=today() - timedelta(days=400))
    old = services.start_assessment(party("KEN"), old_cycle, actor=editor)
    save(old, editor, needs={"A.8(3)": NeedInput(level="high", priority=1, languages=["en"])},
         answers={"ra_experts": AnswerInput(number=4)})
    services.submit_assessment(old, actor=focal_point)
    db.session.commit()
    new_cycle = make_cycle("Mid-term")
    login(client, editor)
    response = post(client, f"/assessments/start/{new_cycle.id}")
    assessment_id = int(response.headers["Location"].rsplit("/", 1)[1])
    post(client, f"/assessments/{assessment_id}/copy-previous")
    db.session.expire_all()
    copied = assessment_content(db.session.get(Assessment, assessment_id))
    assert copied["needs"] == assessment_content(old)["needs"] and copied["answers"]["ra_experts"]["number"] == 4
    # A second copy would overwrite answers: refused.
    response = post(client, f"/assessments/{assessment_id}/copy-previous", follow_redirects=True)
    assert "already has answers" in response.get_data(as_text=True)


# --- who may do what -----------------------------------------------------------------------------

ROLES = ["anonymous", "editor", "focal_point", "other_party_editor", "provider", "secretariat"]
EXPECTED = {
    # action: statuses for ROLES in order
    "view": [302, 200, 200, 403, 403, 200],
    "save": [302, 302, 302, 403, 403, 403],
    "submit": [302, 403, 302, 403, 403, 403],
    "visibility": [302, 403, 302, 403, 403, 403],
    "versions": [302, 200, 200, 403, 403, 200],
    "cycles": [302, 403, 403, 403, 403, 200],
    "overview": [302, 403, 403, 403, 403, 200],
}


@pytest.mark.parametrize("action", EXPECTED)
@pytest.mark.parametrize("role_index", range(len(ROLES)), ids=ROLES)
def test_permission_table(client, kenya, action, role_index):
    from tests.conftest import make_organisation

    role = ROLES[role_index]
    assessment = kenya["assessment"]
    save(assessment, kenya["editor"], needs={"A.8(3)": NeedInput(level="high")})
    users = {
        "editor": kenya["editor"], "focal_point": kenya["focal_point"],
        "other_party_editor": make_user(PARTY_EDITOR, party_iso3="PER"),
        "provider": make_user(PROVIDER, party_iso3=None, organisation=make_organisation()),
        "secretariat": make_user(SECRETARIAT, party_iso3=None),
    }
    if role != "anonymous":
        login(client, users[role])
    token = csrf_token(client)
    base = f"/assessments/{assessment.id}"
    requests = {
        "view": lambda: client.get(base),
        "save": lambda: client.post(base, data={"csrf_token": token, "lock_version": assessment.lock_version,
                                                need_field("A.8(3)", "level"): "low"}),
        "submit": lambda: client.post(base + "/submit", data={"csrf_token": token}),
        "visibility": lambda: client.post(base + "/visibility", data={"csrf_token": token, "visibility": "public"}),
        "versions": lambda: client.get(base + "/versions"),
        "cycles": lambda: client.get("/cycles"),
        "overview": lambda: client.get(f"/cycles/{kenya['cycle'].id}"),
    }
    assert requests[action]().status_code == EXPECTED[action][role_index]


# --- the Secretariat's overview --------------------------------------------------------------------

def test_overview_shows_not_started_draft_and_submitted_with_region_filter_and_export(client, kenya):
    focal_point = kenya["focal_point"]
    save(kenya["assessment"], focal_point, needs={"A.8(3)": NeedInput(level="high")})
    services.submit_assessment(kenya["assessment"], actor=focal_point)
    uganda = make_user(PARTY_EDITOR, party_iso3="UGA")
    services.start_assessment(party("UGA"), kenya["cycle"], actor=uganda)
    db.session.commit()

    login(client, make_user(SECRETARIAT, party_iso3=None))
    base = f"/cycles/{kenya['cycle'].id}"
    html = client.get(base + "?group=african").get_data(as_text=True)
    assert "Kenya" in html and "Uganda" in html and "Peru" not in html
    rows = client.get(base + "?group=african&format=json").json
    by_party = {row["party"]: row for row in rows}
    assert by_party["KEN"]["status"] == "submitted" and by_party["KEN"]["high_needs"] == 1
    assert by_party["UGA"]["status"] == "draft" and by_party["NGA"]["status"] == "not_started"
    assert all(row["un_regional_group"] == "african" for row in rows)
    only_drafts = client.get(base + "?status=draft&format=json").json
    assert [row["party"] for row in only_drafts] == ["UGA"]
    csv_text = client.get(base + "?format=csv").get_data().decode("utf-8-sig")  # with a byte-order mark for Excel
    assert csv_text.splitlines()[0].startswith("party,party_name,un_regional_group")
    assert len(csv_text.splitlines()) == 1 + 173


def test_export_needs_command_contract(runner, kenya):
    save(kenya["assessment"], kenya["editor"], needs={
        "A.8(3)": NeedInput(level="high", priority=1, comment="=cmd|' /C calc'!A0")})
    import json

    rows = json.loads(runner.invoke(args=["export", "needs", "--format", "json", "--cycle", "Cycle 2026"]).output)
    assert rows == [{**rows[0], "party": "KEN", "cycle": "Cycle 2026", "key_area": "A.8(3)", "level": "high",
                     "priority": 1, "status": "draft", "visibility": "providers"}]
    csv_text = runner.invoke(args=["export", "needs", "--format", "csv"]).output
    assert "'=cmd|" in csv_text  # a spreadsheet will not run it
    unknown = runner.invoke(args=["export", "needs", "--cycle", "No such cycle"])
    assert unknown.exit_code != 0 and "No assessment cycle is named" in unknown.output


def test_copy_leaves_out_past_dates_and_counts_since_the_last_cycle(ctx):
    editor = make_user(PARTY_EDITOR, party_iso3="KEN")
    old = services.start_assessment(party("KEN"), make_cycle("Baseline", opens_on=today() - timedelta(days=400)),
                                    actor=editor)
    save(old, editor, needs={"A.8(3)": NeedInput(level="high", wanted_by=today() - timedelta(days=1)),
                             "A.8(2)": NeedInput(level="low", wanted_by=today() + timedelta(days=100))},
         answers={"illegal_movements_reported": AnswerInput(number=3), "ra_experts": AnswerInput(number=4)})
    new = services.start_assessment(party("KEN"), make_cycle("Mid-term"), actor=editor)
    services.copy_previous_answers(new, actor=editor)
    content = assessment_content(new)
    assert content["needs"]["A.8(3)"]["wanted_by"] is None
    assert content["needs"]["A.8(2)"]["wanted_by"] == (today() + timedelta(days=100)).isoformat()
    assert set(content["answers"]) == {"ra_experts"}


def test_supplementary_protocol_question_is_only_for_its_parties(client, kenya):
    # Kenya is not a Party to the Supplementary Protocol.
    assert not party("KEN").supplementary_protocol_party
    with pytest.raises(InvalidInput):
        services.save_assessment(kenya["assessment"], needs={},
                                 answers={"supplementary_trained_personnel": AnswerInput(choice="yes")},
                                 lock_version=kenya["assessment"].lock_version, actor=kenya["editor"])
    login(client, kenya["editor"])
    html = client.get(f"/assessments/{kenya['assessment'].id}").get_data(as_text=True)
    assert "Supplementary Protocol" not in html.split("Questions for the indicators")[1]


def test_needs_download_for_the_party_and_the_secretariat(client, kenya):
    save(kenya["assessment"], kenya["editor"], needs={"A.8(3)": NeedInput(level="high", audiences=["cna_staff", "public"])})
    other = make_user(PARTY_EDITOR, party_iso3="UGA")
    services.save_assessment(services.start_assessment(party("UGA"), kenya["cycle"], actor=other),
                             needs={"A.5(1)": NeedInput(level="low")}, answers={}, lock_version=1, actor=other)
    db.session.commit()
    login(client, kenya["editor"])
    rows = client.get(f"/assessments/{kenya['assessment'].id}/needs?format=json").json
    assert [(row["party"], row["key_area"], row["audiences"]) for row in rows] == [("KEN", "A.8(3)", ["cna_staff", "public"])]
    csv_text = client.get(f"/assessments/{kenya['assessment'].id}/needs?format=csv").get_data().decode("utf-8-sig")
    assert "cna_staff; public" in csv_text
    assert client.get(f"/cycles/{kenya['cycle'].id}?table=needs&format=json").status_code == 403

    secretariat = client.application.test_client()
    login(secretariat, make_user(SECRETARIAT, party_iso3=None))
    rows = secretariat.get(f"/cycles/{kenya['cycle'].id}?table=needs&format=json").json
    assert {row["party"] for row in rows} == {"KEN", "UGA"}
    assert secretariat.get(f"/cycles/{kenya['cycle'].id}?table=needs&format=pdf").status_code == 404
