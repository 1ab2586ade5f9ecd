"""Working offline: the XLSX template of an assessment, uploading it back, preview and apply."""
import io
import re
import zipfile
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from openpyxl import Workbook, load_workbook

from tests.conftest import login, make_user, party, post
from tracker.accounts.models import PARTY_EDITOR, PARTY_FOCAL_POINT, SECRETARIAT
from tracker.assessments.content import AnswerInput, NeedInput, assessment_content
from tracker.assessments.models import AssessmentCycle, DeclaredQuestion, PendingUpload
from tracker.assessments.services import save_assessment, start_assessment
from tracker.assessments.xlsx_upload import MAX_ROWS, MAX_SHEETS, MAX_UPLOAD_BYTES, parse_upload
from tracker.audit.models import AuditEntry
from tracker.clock import today, utcnow
from tracker.extensions import db
from tracker.framework.models import Goal, KeyArea

FORMULA_COMMENT = '=HYPERLINK("http://evil.example/","click me")'
CHOICE_QUESTION, NUMBER_QUESTION = "cna_trained_staff", "ra_experts"


# --- data --------------------------------------------------------------------------------------

def make_cycle() -> AssessmentCycle:
    cycle = AssessmentCycle(name="Cycle 2026", opens_on=today() - timedelta(days=5),
                            closes_on=today() + timedelta(days=30), reference_date=today(), created_at=utcnow())
    db.session.add(cycle)
    db.session.commit()
    return cycle


def area_codes() -> list[str]:
    """Key area codes in the template's order."""
    return db.session.scalars(db.select(KeyArea.code).join(Goal).order_by(Goal.position, KeyArea.position)).all()


def save(assessment, actor, needs=None, answers=None):
    save_assessment(assessment, needs=needs or {}, answers=answers or {}, lock_version=assessment.lock_version,
                    actor=actor)
    db.session.commit()


def initial_needs(codes):
    return {
        codes[0]: NeedInput(level="low", priority=3, comment=FORMULA_COMMENT),
        codes[1]: NeedInput(level="medium", audiences=["cna_staff"], support_types=["training", "funding"],
                            modality="online"),
        codes[3]: NeedInput(level="high", languages=["fr"], wanted_by=date(2026, 12, 31), comment="Urgent; please"),
    }


def initial_answers():
    return {CHOICE_QUESTION: AnswerInput(choice="no", evidence_url="https://example.org/report"),
            NUMBER_QUESTION: AnswerInput(number=4)}


def start(iso3, cycle):
    editor = make_user(PARTY_EDITOR, party_iso3=iso3)
    assessment = start_assessment(party(iso3), cycle, actor=editor)
    db.session.commit()
    save(assessment, editor, initial_needs(area_codes()), initial_answers())
    return editor, assessment


@pytest.fixture
def kenya(ctx):
    cycle = make_cycle()
    editor, assessment = start("KEN", cycle)
    return {"cycle": cycle, "editor": editor, "assessment": assessment, "codes": area_codes(),
            "focal_point": make_user(PARTY_FOCAL_POINT, party_iso3="KEN")}


def saves_of(assessment) -> int:
    return db.session.scalar(db.select(db.func.count(AuditEntry.id)).where(
        AuditEntry.action == "assessment.save", AuditEntry.object_id == assessment.id))


def fresh_content(assessment) -> dict:
    db.session.expire_all()
    return assessment_content(assessment)


# --- workbook helpers --------------------------------------------------------------------------

def download(client, assessment):
    response = client.get(f"/assessments/{assessment.id}/template.xlsx")
    assert response.status_code == 200, response.status_code
    return response.data


def open_workbook(data: bytes):
    return load_workbook(io.BytesIO(data))


def as_bytes(workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def row_of(sheet, code) -> int:
    for row in range(1, sheet.max_row + 1):
        if sheet.cell(row, 1).value == code:
            return row
    raise AssertionError(f"{code} has no row")


NEED_COLUMN = {"level": 3, "priority": 4, "audiences": 5, "support_types": 6, "modality": 7, "languages": 8,
               "wanted_by": 9, "comment": 10}


def set_need(workbook, code, **values):
    sheet = workbook["Needs"]
    row = row_of(sheet, code)
    for name, value in values.items():
        sheet.cell(row, NEED_COLUMN[name]).value = value
    return row


def set_answer(workbook, code, value):
    sheet = workbook["Questions"]
    row = row_of(sheet, code)
    sheet.cell(row, 4).value = value
    return row


def upload(client, assessment, data: bytes, filename="template.xlsx"):
    return post(client, f"/assessments/{assessment.id}/upload", {"workbook": (io.BytesIO(data), filename)})


def preview_changes(html: str) -> list[tuple[str, str]]:
    """(code, field) of each row of the preview's table of changes."""
    table = re.search(r'<table class="upload-changes".*?</table>', html, re.S)
    if not table:
        return []
    return re.findall(r'<th scope="row"><span class="code">([^<]+)</span>.*?</th>\s*<td>([^<]+)</td>',
                      table.group(0), re.S)


def apply_preview(client, html: str):
    """Press the preview's apply button."""
    form = re.search(r'action="(/assessments/\d+/upload/\d+/apply)".*?name="made" value="([^"]+)"', html, re.S)
    return post(client, form.group(1), {"made": form.group(2)})


# --- the round trip ----------------------------------------------------------------------------

def test_xlsx_round_trip_previews_exactly_the_edits_and_applies_them_like_save_assessment(client, kenya):
    assessment, codes = kenya["assessment"], kenya["codes"]
    login(client, kenya["editor"])
    workbook = open_workbook(download(client, assessment))
    set_need(workbook, codes[0], level="High", priority=1)
    set_need(workbook, codes[1], audiences="cna_staff; Laboratory staff", wanted_by=datetime(2027, 3, 31))
    set_need(workbook, codes[2], level="Medium", priority=2, languages="en;fr")
    set_answer(workbook, CHOICE_QUESTION, "Partly")
    saves_before = saves_of(assessment)

    response = upload(client, assessment, as_bytes(workbook))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert sorted(preview_changes(html)) == sorted([
        (codes[0], "Need level"), (codes[0], "Priority"),
        (codes[1], "Target audiences"), (codes[1], "Wanted by"),
        (codes[2], "Need level"), (codes[2], "Priority"), (codes[2], "Languages"),
        (CHOICE_QUESTION, "Answer"),
    ])
    assert "Low" in html and "High" in html and "1 — highest" in html  # labels, not codes
    assert "Competent national authority staff, Laboratory staff" in html
    assert fresh_content(assessment)["needs"][codes[0]]["level"] == "low"  # nothing applied yet
    assert saves_of(assessment) == saves_before

    response = apply_preview(client, html)
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == f"/assessments/{assessment.id}"
    assert saves_of(assessment) == saves_before + 1
    assert db.session.scalar(db.select(db.func.count(PendingUpload.id))) == 0

    # The same values saved directly, on another Party's identical assessment, give the same content.
    _other_editor, other = start("UGA", kenya["cycle"])
    save(other, _other_editor, {
        codes[0]: NeedInput(level="high", priority=1, comment=FORMULA_COMMENT),
        codes[1]: NeedInput(level="medium", audiences=["cna_staff", "laboratory_staff"],
                            support_types=["training", "funding"], modality="online", wanted_by=date(2027, 3, 31)),
        codes[2]: NeedInput(level="medium", priority=2, languages=["en", "fr"]),
    }, {CHOICE_QUESTION: AnswerInput(choice="partly", evidence_url="https://example.org/report")})
    assert fresh_content(assessment) == assessment_content(other)


def test_untouched_template_uploads_with_zero_changes(client, kenya):
    assessment = kenya["assessment"]
    login(client, kenya["editor"])
    before = fresh_content(assessment)

    html = upload(client, assessment, download(client, assessment)).get_data(as_text=True)

    assert "there is nothing to apply" in html
    assert preview_changes(html) == []
    assert "Apply these changes" not in html
    assert db.session.scalar(db.select(db.func.count(PendingUpload.id))) == 0
    assert fresh_content(assessment) == before


def test_emptied_row_clears_the_area_and_a_missing_row_leaves_it(client, kenya):
    assessment, codes = kenya["assessment"], kenya["codes"]
    login(client, kenya["editor"])
    workbook = open_workbook(download(client, assessment))
    set_need(workbook, codes[0], level=None, priority=None, comment=None)
    workbook["Needs"].delete_rows(row_of(workbook["Needs"], codes[3]))

    html = upload(client, assessment, as_bytes(workbook)).get_data(as_text=True)
    assert sorted(preview_changes(html)) == [(codes[0], "Comment"), (codes[0], "Need level"), (codes[0], "Priority")]
    assert "1 key area has no row in the workbook" in html
    apply_preview(client, html)

    needs = fresh_content(assessment)["needs"]
    assert codes[0] not in needs and needs[codes[3]]["level"] == "high"


# --- malformed uploads -------------------------------------------------------------------------

def _zip_without_workbook(template, codes):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    return out.getvalue()


def _empty_workbook(template, codes):
    return as_bytes(Workbook())


def _emptied_sheets(template, codes):
    workbook = Workbook()
    workbook.active.title = "Needs"
    workbook.create_sheet("Questions")
    return as_bytes(workbook)


def _renamed_needs_sheet(template, codes):
    workbook = open_workbook(template)
    workbook["Needs"].title = "Besoins"
    return as_bytes(workbook)


def _edited(edit):
    def make(template, codes):
        workbook = open_workbook(template)
        edit(workbook, codes)
        return as_bytes(workbook)
    return make


MALFORMED = {
    "random bytes": (lambda t, c: bytes(range(256)) * 40, "is not an Excel workbook"),
    "a CSV renamed": (lambda t, c: b"code,level\nA.1(1),high\n", "it may be a CSV"),
    "an old .xls": (lambda t, c: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "old Excel file (.xls)"),
    "a zip without a workbook": (_zip_without_workbook, "not an Excel workbook (.xlsx) that the tracker can read"),
    "an empty workbook": (_empty_workbook, "no sheet named &#34;Needs&#34;"),
    "empty sheets": (_emptied_sheets, "The Needs sheet is empty"),
    "no Needs sheet": (_renamed_needs_sheet, "no sheet named &#34;Needs&#34;"),
    "an unknown key area": (_edited(lambda wb, codes: wb["Needs"].cell(row_of(wb["Needs"], codes[0]), 1,
                                                                        "Z.9(9)")),
                            "Z.9(9) is not a key area of the Action Plan."),
    "level extreme": (_edited(lambda wb, codes: set_need(wb, codes[0], level="extreme")),
                      "&#34;extreme&#34; is not a need level"),
    "priority 7": (_edited(lambda wb, codes: set_need(wb, codes[0], priority=7)), "&#34;7&#34; is not a priority"),
    "number many": (_edited(lambda wb, codes: set_answer(wb, NUMBER_QUESTION, "many")),
                    "&#34;many&#34; is not a whole number"),
    "unknown audience": (_edited(lambda wb, codes: set_need(wb, codes[1], audiences="cna_staff;aliens")),
                         "Unknown target audience: aliens"),
    "unknown language": (_edited(lambda wb, codes: set_need(wb, codes[1], languages="en;xx")),
                         "Unknown language: xx"),
    "unknown modality": (_edited(lambda wb, codes: set_need(wb, codes[1], modality="by pigeon")),
                         "&#34;by pigeon&#34; is not a modality"),
    "bad date": (_edited(lambda wb, codes: set_need(wb, codes[1], wanted_by="next spring")),
                 "&#34;next spring&#34; is not a date"),
    "answer without a level": (_edited(lambda wb, codes: set_need(wb, codes[5], priority=1)),
                               "Choose a need level for this area"),
}


@pytest.mark.parametrize("case", MALFORMED, ids=list(MALFORMED))
def test_malformed_upload_shows_the_error_and_changes_nothing(client, kenya, case):
    make, message = MALFORMED[case]
    assessment = kenya["assessment"]
    login(client, kenya["editor"])
    before, saves_before = fresh_content(assessment), saves_of(assessment)
    data = make(download(client, assessment), kenya["codes"])

    response = upload(client, assessment, data)
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert message in html
    assert "Apply these changes" not in html
    if "Preview of the uploaded workbook" in html:
        assert "Nothing will be applied until the file is corrected" in html
    assert fresh_content(assessment) == before
    assert saves_of(assessment) == saves_before
    assert db.session.scalar(db.select(db.func.count(PendingUpload.id))) == 0


def test_row_errors_name_the_sheet_and_row(client, kenya):
    assessment, codes = kenya["assessment"], kenya["codes"]
    login(client, kenya["editor"])
    workbook = open_workbook(download(client, assessment))
    need_row = set_need(workbook, codes[2], level="extreme")
    answer_row = set_answer(workbook, NUMBER_QUESTION, "many")

    html = upload(client, assessment, as_bytes(workbook)).get_data(as_text=True)

    errors = re.search(r'<table class="upload-errors".*?</table>', html, re.S).group(0)
    cells = [re.sub(r"\s+", " ", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", errors, re.S)]
    assert cells[:3] == ["Needs", str(need_row), "Need level"]
    assert cells[4:7] == ["Questions", str(answer_row), "Answer"]
    assert "2 problems were found" in html


def test_file_larger_than_two_megabytes_is_refused_before_parsing(ctx):
    parsed = parse_upload(io.BytesIO(b"PK" + b"\0" * MAX_UPLOAD_BYTES), [], [])
    assert parsed.unreadable and "larger than 2 MB" in parsed.errors[0].message


def test_workbook_with_too_many_sheets_or_rows_is_refused(ctx):
    many_sheets = Workbook()
    for number in range(MAX_SHEETS):
        many_sheets.create_sheet(f"S{number}")
    parsed = parse_upload(io.BytesIO(as_bytes(many_sheets)), [], [])
    assert parsed.unreadable and "more than 10 sheets" in parsed.errors[0].message

    long_sheet = Workbook()
    long_sheet.active.title = "Needs"
    long_sheet.create_sheet("Questions")
    long_sheet["Needs"].cell(MAX_ROWS + 20, 1, "A.1(1)")
    parsed = parse_upload(io.BytesIO(as_bytes(long_sheet)), ["A.1(1)"], [])
    assert [(e.sheet, e.message) for e in parsed.errors] == [("Needs", "The sheet has more than 500 rows; the "
                                                                       "template has far fewer.")]


def test_levels_priorities_and_lists_are_read_by_code_or_label_in_any_case(ctx):
    workbook = Workbook()
    needs = workbook.active
    needs.title = "Needs"
    workbook.create_sheet("Questions")
    rows = [("A", "HIGH", "2", "Laboratory staff;CNA_STAFF"), ("B", "no need", 3.0, ""), ("C", " Medium ", None, "")]
    for row, (code, level, priority, audiences) in enumerate(rows, start=5):
        for column, value in ((1, code), (3, level), (4, priority), (5, audiences)):
            needs.cell(row, column, value)

    parsed = parse_upload(io.BytesIO(as_bytes(workbook)), ["A", "B", "C"], [])

    assert parsed.errors == []
    assert parsed.needs == {"A": NeedInput(level="high", priority=2, audiences=["laboratory_staff", "cna_staff"]),
                            "B": NeedInput(level="none", priority=3), "C": NeedInput(level="medium")}


# --- stale previews ----------------------------------------------------------------------------

def test_stale_preview_is_refused_and_the_other_save_kept(client, kenya):
    assessment, codes = kenya["assessment"], kenya["codes"]
    login(client, kenya["editor"])
    workbook = open_workbook(download(client, assessment))
    set_need(workbook, codes[0], level="High")
    html = upload(client, assessment, as_bytes(workbook)).get_data(as_text=True)

    save(assessment, kenya["focal_point"], {codes[0]: NeedInput(level="none")})
    theirs = fresh_content(assessment)
    response = apply_preview(client, html)

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == f"/assessments/{assessment.id}/upload"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Someone else saved this assessment" in page
    assert fresh_content(assessment) == theirs
    assert db.session.scalar(db.select(db.func.count(PendingUpload.id))) == 0


def test_superseded_preview_cannot_be_applied(client, kenya):
    assessment, codes = kenya["assessment"], kenya["codes"]
    login(client, kenya["editor"])
    template = download(client, assessment)
    first, second = open_workbook(template), open_workbook(template)
    set_need(first, codes[0], level="High")
    set_need(second, codes[0], level="Medium")
    first_preview = upload(client, assessment, as_bytes(first)).get_data(as_text=True)
    second_preview = upload(client, assessment, as_bytes(second)).get_data(as_text=True)

    response = apply_preview(client, first_preview)

    assert urlsplit(response.headers["Location"]).path == f"/assessments/{assessment.id}/upload"
    assert "This preview has expired" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert fresh_content(assessment)["needs"][codes[0]]["level"] == "low"
    apply_preview(client, second_preview)
    assert fresh_content(assessment)["needs"][codes[0]]["level"] == "medium"


def test_preview_warns_when_the_template_is_older_than_the_assessment(client, kenya):
    assessment, codes = kenya["assessment"], kenya["codes"]
    login(client, kenya["editor"])
    template = download(client, assessment)
    save(assessment, kenya["focal_point"], {codes[4]: NeedInput(level="low")})

    html = upload(client, assessment, template).get_data(as_text=True)

    assert "was not made from the assessment as it is now" in html


def test_template_of_another_party_is_refused(client, kenya):
    login(client, kenya["editor"])
    workbook = open_workbook(download(client, kenya["assessment"]))
    workbook["About"]["B3"] = "PER"

    html = upload(client, kenya["assessment"], as_bytes(workbook)).get_data(as_text=True)

    assert "template of another Party (PER)" in html and "Apply these changes" not in html


def test_old_pending_uploads_are_deleted_when_a_new_one_is_made(client, kenya):
    assessment, codes = kenya["assessment"], kenya["codes"]
    old = PendingUpload(assessment_id=assessment.id, user_id=kenya["focal_point"].id,
                        created_at=utcnow() - timedelta(days=2), lock_version=assessment.lock_version,
                        content={"needs": {}, "answers": {}})
    recent = PendingUpload(assessment_id=assessment.id, user_id=kenya["focal_point"].id,
                           created_at=utcnow() - timedelta(hours=2), lock_version=assessment.lock_version,
                           content={"needs": {}, "answers": {}})
    db.session.add_all([old, recent])
    db.session.commit()
    old_id, recent_id = old.id, recent.id
    login(client, kenya["editor"])
    workbook = open_workbook(download(client, assessment))
    set_need(workbook, codes[0], level="High")

    upload(client, assessment, as_bytes(workbook))

    db.session.expire_all()
    remaining = set(db.session.scalars(db.select(PendingUpload.id)))
    assert old_id not in remaining and recent_id in remaining and len(remaining) == 2


# --- permissions -------------------------------------------------------------------------------

def _pending_of(kenya) -> PendingUpload:
    pending = PendingUpload(assessment_id=kenya["assessment"].id, user_id=kenya["editor"].id, created_at=utcnow(),
                            lock_version=kenya["assessment"].lock_version,
                            content={"needs": {kenya["codes"][0]: NeedInput(level="high").as_content()},
                                     "answers": {}})
    db.session.add(pending)
    db.session.commit()
    return pending


def test_other_partys_editor_gets_403_on_template_upload_and_apply(client, kenya):
    assessment = kenya["assessment"]
    pending = _pending_of(kenya)
    login(client, make_user(PARTY_EDITOR, party_iso3="PER"))

    assert client.get(f"/assessments/{assessment.id}/template.xlsx").status_code == 403
    assert client.get(f"/assessments/{assessment.id}/upload").status_code == 403
    assert upload(client, assessment, b"anything").status_code == 403
    assert post(client, f"/assessments/{assessment.id}/upload/{pending.id}/apply").status_code == 403
    assert fresh_content(assessment)["needs"][kenya["codes"][0]]["level"] == "low"


def test_secretariat_downloads_the_template_but_may_not_upload(client, kenya):
    assessment = kenya["assessment"]
    login(client, make_user(SECRETARIAT, party_iso3=None))

    response = client.get(f"/assessments/{assessment.id}/template.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["Content-Disposition"]
    assert client.get(f"/assessments/{assessment.id}/upload").status_code == 403
    assert upload(client, assessment, download(client, assessment)).status_code == 403


def test_only_the_uploader_may_apply_the_preview(client, kenya):
    assessment = kenya["assessment"]
    pending = _pending_of(kenya)
    login(client, kenya["focal_point"])

    assert post(client, f"/assessments/{assessment.id}/upload/{pending.id}/apply").status_code == 403
    assert fresh_content(assessment)["needs"][kenya["codes"][0]]["level"] == "low"


def test_anonymous_visitor_is_sent_to_log_in(client, kenya):
    response = client.get(f"/assessments/{kenya['assessment'].id}/template.xlsx")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- the template itself -----------------------------------------------------------------------

def test_formula_like_comment_is_written_as_escaped_text(client, kenya):
    login(client, kenya["editor"])
    workbook = open_workbook(download(client, kenya["assessment"]))
    cell = workbook["Needs"].cell(row_of(workbook["Needs"], kenya["codes"][0]), NEED_COLUMN["comment"])
    assert cell.data_type == "s"
    assert cell.value == "'" + FORMULA_COMMENT


def test_template_has_drop_downs_lists_and_protected_code_column(client, kenya):
    login(client, kenya["editor"])
    workbook = open_workbook(download(client, kenya["assessment"]))
    needs = workbook["Needs"]
    first, last = 5, 5 + len(kenya["codes"]) - 1
    assert [needs.cell(row, 1).value for row in range(first, last + 1)] == kenya["codes"]
    assert len(kenya["codes"]) == 41

    validations = {str(dv.sqref): dv for dv in needs.data_validations.dataValidation}
    level = validations[f"C{first}:C{last}"]
    assert level.type == "list" and level.formula1 == "NeedLevels"
    sheet_name, cells = workbook.defined_names["NeedLevels"].attr_text.split("!")
    labels = [cell.value for row in workbook[sheet_name][cells.replace("$", "")] for cell in row]
    assert labels == ["No need", "Low", "Medium", "High"]
    assert validations[f"D{first}:D{last}"].formula1 == '"1,2,3"'
    assert validations[f"G{first}:G{last}"].formula1 == "Modalities"

    assert needs.protection.sheet and needs.protection.password is None
    assert needs.cell(first, 1).protection.locked and not needs.cell(first, 3).protection.locked
    assert needs.cell(row_of(needs, kenya["codes"][0]), 3).value == "Low"

    questions = workbook["Questions"]
    codes = [questions.cell(row, 1).value for row in range(5, questions.max_row + 1)]
    asked = db.select(DeclaredQuestion.code).order_by(DeclaredQuestion.position)
    # Kenya is not a Party to the Supplementary Protocol: its questions are left out.
    assert codes == db.session.scalars(asked.where(DeclaredQuestion.supplementary_only.is_(False))).all()
    assert "supplementary_trained_personnel" not in codes
    assert questions.cell(row_of(questions, NUMBER_QUESTION), 4).value == 4
    kinds = {dv.type for dv in questions.data_validations.dataValidation}
    assert kinds == {"list", "whole"}

    about = {row[0].value: row[1].value for row in workbook["About"].iter_rows(min_row=2)}
    assert about["Party code"] == "KEN" and about["Cycle"] == "Cycle 2026"
    assert about["Revision (changes each time the assessment is saved)"] == kenya["assessment"].lock_version
    lists = {(row[0].value, row[1].value) for row in workbook["Lists"].iter_rows(min_row=2)}
    assert ("Target audiences", "cna_staff") in lists and ("Languages", "fr") in lists


def test_chinese_template_has_chinese_headers_and_key_area_texts(client, kenya):
    login(client, kenya["editor"])
    post(client, "/language", {"language": "zh"})
    workbook = open_workbook(download(client, kenya["assessment"]))
    needs = workbook["Needs"]

    assert workbook.sheetnames == ["Needs", "Questions", "Lists", "About"]
    assert needs["A4"].value == "代码" and needs["B4"].value == "关键能力建设领域"
    first_area = db.session.scalar(db.select(KeyArea).where(KeyArea.code == kenya["codes"][0]))
    assert needs["B5"].value == first_area.text_zh
    assert workbook["About"]["B2"].value == "肯尼亚"
