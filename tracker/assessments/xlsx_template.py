"""An assessment as an XLSX workbook to fill in offline: its layout, and writing it.

`build_template` writes the current draft in the interface language; `xlsx_upload` reads the same layout back.
"""
import io
import logging

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from tracker.assessments.content import NeedInput, need_input
from tracker.assessments.models import ANSWER_CHOICES
from tracker.assessments.services import MAX_NUMBER, questions_for
from tracker.clock import utcnow
from tracker.spreadsheets import cell_value
from tracker.extensions import db
from tracker.framework.models import Goal, KeyArea
from tracker.i18n import LANGUAGE_NAMES, localized
from tracker.vocabularies import AUDIENCES, LANGUAGES, MODALITIES, NEED_LEVELS, PRIORITIES, SUPPORT_TYPES

log = logging.getLogger(__name__)

# Sheet names stay in English whatever the language, so an upload is recognised by them.
NEEDS_SHEET, QUESTIONS_SHEET, LISTS_SHEET, ABOUT_SHEET = "Needs", "Questions", "Lists", "About"
HEADER_ROW = 4  # rows 1-3: title, instructions, blank
FIRST_DATA_ROW = HEADER_ROW + 1


# (field, header) in column order. The field names are those of NeedInput and AnswerInput.
NEED_COLUMNS = (
    ("code", _l("Code")),
    ("text", _l("Key capacity-building area")),
    ("level", _l("Need level")),
    ("priority", _l("Priority")),
    ("audiences", _l("Target audiences")),
    ("support_types", _l("Support wanted")),
    ("modality", _l("Modality")),
    ("languages", _l("Languages")),
    ("wanted_by", _l("Wanted by")),
    ("comment", _l("Comment")),
)
QUESTION_COLUMNS = (
    ("code", _l("Code")),
    ("indicator", _l("Indicator")),
    ("text", _l("Question")),
    ("answer", _l("Answer")),
    ("evidence_url", _l("Evidence link")),
)
NEED_INPUT_FIELDS = ("level", "priority", "audiences", "support_types", "modality", "languages", "wanted_by", "comment")
QUESTION_INPUT_FIELDS = ("answer", "evidence_url")
FIELD_NAMES = {name: header for name, header in NEED_COLUMNS + QUESTION_COLUMNS}
FIELD_NAMES.update({"choice": _l("Answer"), "number": _l("Answer")})

# The Lists sheet: (defined name, heading, vocabulary). Drop-downs point at the labels by name.
LISTS = (
    ("NeedLevels", _l("Need level"), NEED_LEVELS),
    ("Priorities", _l("Priority"), PRIORITIES),
    ("Audiences", _l("Target audiences"), AUDIENCES),
    ("SupportTypes", _l("Support wanted"), SUPPORT_TYPES),
    ("Modalities", _l("Modality"), MODALITIES),
    ("Languages", _l("Languages"), LANGUAGES),
    ("Answers", _l("Answer"), ANSWER_CHOICES),
)

# The About sheet: one fact a row; an upload reads the Party, assessment and revision back by row.
ABOUT_PARTY_CODE_ROW, ABOUT_ASSESSMENT_ROW, ABOUT_REVISION_ROW = 3, 5, 6

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_HEADER_FONT = Font(bold=True)
_TITLE_FONT = Font(bold=True, size=14)
_HEADER_FILL = PatternFill("solid", fgColor="DCE6EC")
_INPUT_HEADER_FILL = PatternFill("solid", fgColor="FFE699")
_INPUT_FILL = PatternFill("solid", fgColor="FFF9E0")
_WRAP = Alignment(wrap_text=True, vertical="top")
_UNLOCKED = Protection(locked=False)


# --- writing -----------------------------------------------------------------------------------

def build_template(assessment, language: str) -> bytes:
    """The assessment's current needs and answers as a workbook, in `language`."""
    key_areas = db.session.scalars(db.select(KeyArea).join(Goal).order_by(Goal.position, KeyArea.position)).all()
    questions = questions_for(assessment.party)
    with force_locale(language):
        workbook = Workbook()
        _write_needs(workbook.active, assessment, key_areas, language)
        _write_questions(workbook.create_sheet(QUESTIONS_SHEET), assessment, questions)
        _write_lists(workbook, workbook.create_sheet(LISTS_SHEET))
        _write_about(workbook.create_sheet(ABOUT_SHEET), assessment, language)
        workbook.properties.creator = _("Biosafety CB Tracker")
        out = io.BytesIO()
        workbook.save(out)
    return out.getvalue()


def _label(vocabulary: dict, code) -> str | None:
    return str(vocabulary[code]) if code in vocabulary else code


def _write_header(sheet, title: str, instructions: str, columns, input_fields, widths) -> None:
    sheet["A1"] = cell_value(title)
    sheet["A1"].font = _TITLE_FONT
    sheet["A2"] = cell_value(instructions)
    sheet["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(columns))
    sheet.row_dimensions[2].height = 75
    for column, (name, header) in enumerate(columns, start=1):
        cell = sheet.cell(HEADER_ROW, column, cell_value(str(header)))
        cell.font = _HEADER_FONT
        cell.alignment = _WRAP
        cell.fill = _INPUT_HEADER_FILL if name in input_fields else _HEADER_FILL
        sheet.column_dimensions[get_column_letter(column)].width = widths[column - 1]
    sheet.freeze_panes = sheet.cell(FIRST_DATA_ROW, 3)


def _unlock(sheet, first_row: int, last_row: int, columns, input_fields) -> None:
    """Only the input cells can be edited; the rest of the sheet is protected, without password."""
    for column, (name, _header) in enumerate(columns, start=1):
        if name in input_fields:
            for row in range(first_row, last_row + 1):
                cell = sheet.cell(row, column)
                cell.protection = _UNLOCKED
                cell.fill = _INPUT_FILL
                cell.alignment = _WRAP
    sheet.protection.sheet = True
    # People may still widen columns and rows to read long texts.
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False


def _column(columns, name: str) -> str:
    return get_column_letter([n for n, _header in columns].index(name) + 1)


def _validation(sheet, cells: str, prompt: str, **rule) -> None:
    """A drop-down or check on `cells` (ranges separated by spaces) with a hint; only a hint without `type`."""
    validation = DataValidation(sqref=cells, allow_blank=True, showInputMessage=True, prompt=prompt, **rule)
    if rule.get("type"):
        validation.showErrorMessage = True
        validation.errorTitle = _("Not in the list")
        validation.error = prompt
    sheet.add_data_validation(validation)


def _write_needs(sheet, assessment, key_areas, language: str) -> None:
    sheet.title = NEEDS_SHEET
    party = assessment.party.name(language)
    _write_header(
        sheet, _("Capacity-building needs of %(party)s, %(cycle)s", party=party, cycle=assessment.cycle.name),
        _("Fill in the yellow columns, one row per key area, then upload the workbook on the assessment's upload "
          "page. Leave a row empty if the area was not considered: an empty row clears the area. Give several "
          "audiences, types of support or languages as codes or labels from the Lists sheet, separated by \";\" "
          "(for example en;fr). Dates as YYYY-MM-DD. Nothing is saved before you confirm the preview."),
        NEED_COLUMNS, NEED_INPUT_FIELDS, (10, 60, 14, 10, 30, 30, 14, 14, 13, 50))
    needs = {need.key_area.code: need_input(need) for need in assessment.needs}
    for row, area in enumerate(key_areas, start=FIRST_DATA_ROW):
        need = needs.get(area.code, NeedInput())
        values = {
            "code": area.code, "text": localized(area), "level": _label(NEED_LEVELS, need.level),
            "priority": need.priority, "audiences": ";".join(need.audiences),
            "support_types": ";".join(need.support_types), "modality": _label(MODALITIES, need.modality),
            "languages": ";".join(need.languages), "wanted_by": need.wanted_by, "comment": need.comment or None,
        }
        for column, (name, _header) in enumerate(NEED_COLUMNS, start=1):
            cell = sheet.cell(row, column, cell_value(values[name]))
            if name == "text":
                cell.alignment = _WRAP
            elif name == "wanted_by":
                cell.number_format = "yyyy-mm-dd"
    last_row = FIRST_DATA_ROW + len(key_areas) - 1
    _unlock(sheet, FIRST_DATA_ROW, last_row, NEED_COLUMNS, NEED_INPUT_FIELDS)

    def cells(name):
        letter = _column(NEED_COLUMNS, name)
        return f"{letter}{FIRST_DATA_ROW}:{letter}{last_row}"

    _validation(sheet, cells("level"), _("Choose a need level from the list."), type="list", formula1="NeedLevels")
    _validation(sheet, cells("priority"), _("The priority is 1, 2 or 3."), type="list", formula1='"1,2,3"')
    _validation(sheet, cells("modality"), _("Choose a modality from the list."), type="list", formula1="Modalities")
    _validation(sheet, cells("wanted_by"), _("Give a date between 2000 and 2100."), type="date",
                operator="between", formula1="DATE(2000,1,1)", formula2="DATE(2100,12,31)")
    for name in ("audiences", "support_types", "languages"):
        _validation(sheet, cells(name), _("Codes or labels from the Lists sheet, separated by \";\"."))


def _write_questions(sheet, assessment, questions) -> None:
    _write_header(
        sheet, _("Questions for the declared indicators"),
        _("Answer yes, partly or no from the list, or give a whole number where the question asks how many. "
          "The evidence link starts with http:// or https://. Leave both empty if you do not answer."),
        QUESTION_COLUMNS, QUESTION_INPUT_FIELDS, (26, 12, 70, 14, 40))
    answers = {answer.question.code: answer for answer in assessment.answers}
    choice_cells, number_cells = [], []
    answer_letter = _column(QUESTION_COLUMNS, "answer")
    for row, question in enumerate(questions, start=FIRST_DATA_ROW):
        answer = answers.get(question.code)
        if question.kind == "number":
            value = answer.number if answer else None
            number_cells.append(f"{answer_letter}{row}")
        else:
            value = _label(ANSWER_CHOICES, answer.choice) if answer and answer.choice else None
            choice_cells.append(f"{answer_letter}{row}")
        values = {"code": question.code, "indicator": question.indicator_code, "text": localized(question),
                  "answer": value, "evidence_url": (answer.evidence_url if answer else "") or None}
        for column, (name, _header) in enumerate(QUESTION_COLUMNS, start=1):
            cell = sheet.cell(row, column, cell_value(values[name]))
            if name == "text":
                cell.alignment = _WRAP
    _unlock(sheet, FIRST_DATA_ROW, FIRST_DATA_ROW + len(questions) - 1, QUESTION_COLUMNS, QUESTION_INPUT_FIELDS)
    if choice_cells:
        _validation(sheet, " ".join(choice_cells), _("Answer yes, partly or no."), type="list", formula1="Answers")
    if number_cells:
        _validation(sheet, " ".join(number_cells), _("Give a whole number between 0 and %(max)d.", max=MAX_NUMBER),
                    type="whole", operator="between", formula1="0", formula2=str(MAX_NUMBER))


def _write_lists(workbook, sheet) -> None:
    """Every allowed value with its code; each list's labels are a named range for the drop-downs."""
    for column, header in enumerate((_("List"), _("Code"), _("Label")), start=1):
        cell = sheet.cell(1, column, cell_value(header))
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
    row = 2
    for name, heading, vocabulary in LISTS:
        first = row
        for code, label in vocabulary.items():
            sheet.cell(row, 1, cell_value(str(heading)))
            sheet.cell(row, 2, cell_value(code))
            sheet.cell(row, 3, cell_value(str(label)))
            row += 1
        workbook.defined_names[name] = DefinedName(name, attr_text=f"{LISTS_SHEET}!$C${first}:$C${row - 1}")
    for letter, width in zip("ABC", (22, 22, 40)):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    sheet.protection.sheet = True


def _write_about(sheet, assessment, language: str) -> None:
    facts = (
        (_("About this workbook"), ""),
        (_("Party"), assessment.party.name(language)),
        (_("Party code"), assessment.party.iso3),
        (_("Cycle"), assessment.cycle.name),
        (_("Assessment number"), assessment.id),
        (_("Revision (changes each time the assessment is saved)"), assessment.lock_version),
        (_("Made on (UTC)"), utcnow().strftime("%Y-%m-%d %H:%M:%S")),
        (_("Language"), LANGUAGE_NAMES.get(language, language)),
    )
    for row, (label, value) in enumerate(facts, start=1):
        sheet.cell(row, 1, cell_value(label)).font = _TITLE_FONT if row == 1 else _HEADER_FONT
        sheet.cell(row, 2, cell_value(value))
    sheet.column_dimensions["A"].width = 50
    sheet.column_dimensions["B"].width = 40
    sheet.protection.sheet = True
