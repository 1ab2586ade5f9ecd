"""Reading an uploaded assessment workbook (the layout of `xlsx_template`) back into service inputs.

`parse_upload` turns it into the `NeedInput`/`AnswerInput` values that `save_assessment` takes, with every
problem it finds listed by sheet and row. It reads nothing but its arguments, so it never changes anything.
"""
import io
import logging
import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl import load_workbook

from tracker.assessments.content import AnswerInput, NeedInput
from tracker.assessments.services import answer_errors, need_errors
from tracker.assessments.xlsx_template import (
    ABOUT_ASSESSMENT_ROW, ABOUT_PARTY_CODE_ROW, ABOUT_REVISION_ROW, ABOUT_SHEET, FIELD_NAMES, FIRST_DATA_ROW, LISTS,
    NEED_COLUMNS, NEED_INPUT_FIELDS, NEEDS_SHEET, QUESTION_COLUMNS, QUESTION_INPUT_FIELDS, QUESTIONS_SHEET,
)
from tracker.exports import FORMULA_PREFIXES
from tracker.i18n import LANGUAGE_NAMES
from tracker.security import bounded_number

log = logging.getLogger(__name__)

# Limits that keep a hostile or mistaken file from costing much.
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024  # a 2 MB zip that inflates past this is not a template
MAX_ZIP_ENTRIES = 1000
MAX_SHEETS = 10
MAX_ROWS = 500
MAX_COLUMNS = 30
VALUE_SEPARATORS = re.compile(r"[;；\n]")


@dataclass
class RowError:
    """A problem in the upload. `sheet` is None when the file itself cannot be read as a workbook."""

    sheet: str | None
    row: int | None
    message: str
    column: str = ""  # the column's header, in the interface language


@dataclass
class ParsedUpload:
    needs: dict[str, NeedInput] = field(default_factory=dict)
    answers: dict[str, AnswerInput] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    # What the About sheet says of the assessment the template was made from, when readable:
    # "party" (ISO3), "assessment_id" and "lock_version".
    about: dict = field(default_factory=dict)

    @property
    def unreadable(self) -> bool:
        return any(error.sheet is None for error in self.errors)

    def content(self) -> dict:
        """What PendingUpload keeps: {"needs": {code: need}, "answers": {code: answer}} as JSON-ready dicts."""
        return {"needs": {code: need.as_content() for code, need in self.needs.items()},
                "answers": {code: answer.as_content() for code, answer in self.answers.items()}}


def parse_upload(stream, key_area_codes, questions) -> ParsedUpload:
    """Read a filled-in template. `key_area_codes`: the codes that exist; `questions`: objects with
    `code` and `kind` ("choice" or "number"), such as DeclaredQuestion rows.

    Every row of the Needs sheet that names a key area becomes a NeedInput (an empty row an empty
    one, which clears the area); every row of the Questions sheet an AnswerInput. Areas and
    questions without a row are left out, so saving leaves them as they are.
    """
    result = ParsedUpload()
    data = stream.read(MAX_UPLOAD_BYTES + 1)
    problem = _file_problem(data)
    if problem:
        result.errors.append(RowError(None, None, problem))
        return result
    sheets, errors = _read_sheets(data)
    result.errors.extend(errors)
    if result.errors:
        return result
    accepted = _accepted_values()
    result.about = _read_about(sheets.get(ABOUT_SHEET, []))
    _read_needs(sheets[NEEDS_SHEET], set(key_area_codes), accepted, result)
    _read_questions(sheets[QUESTIONS_SHEET], {q.code: q for q in questions}, accepted, result)
    return result


def _file_problem(data: bytes) -> str | None:
    """Why these bytes cannot be an XLSX workbook we are willing to open, if they cannot."""
    if not data:
        return _("The file is empty.")
    if len(data) > MAX_UPLOAD_BYTES:
        return _("The file is larger than %(size)d MB. Upload the template you downloaded, filled in.",
                 size=MAX_UPLOAD_BYTES // (1024 * 1024))
    if data.startswith(b"\xd0\xcf\x11\xe0"):  # OLE2: Excel 97-2003, or a workbook encrypted with a password
        return _("This is an old Excel file (.xls) or a workbook protected by a password. Save it as an Excel "
                 "workbook (.xlsx) without a password and upload it again.")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return _("This file is not an Excel workbook (.xlsx): it may be a CSV or text file. Open it in your "
                 "spreadsheet program, save it as an Excel workbook (.xlsx) and upload it again.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        entries = None
    if entries is None or len(entries) > MAX_ZIP_ENTRIES or sum(e.file_size for e in entries) > MAX_UNZIPPED_BYTES:
        return _not_a_workbook()
    return None


def _not_a_workbook() -> str:
    return _("This file is not an Excel workbook (.xlsx) that the tracker can read. Download the template again, "
             "fill it in and upload it as .xlsx.")


def _read_sheets(data: bytes) -> tuple[dict[str, list[tuple[int, list]]], list[RowError]]:
    """The rows of the sheets we read, as (row number, values) with at most MAX_COLUMNS values each;
    the workbook is always closed."""
    try:
        with warnings.catch_warnings():
            # openpyxl warns about features it drops (extensions, unknown styles): irrelevant to reading values.
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises KeyError, ValueError, XML errors... on a malformed file
        log.info("unreadable upload: %r", error)
        return {}, [RowError(None, None, _not_a_workbook())]
    errors, sheets = [], {}
    try:
        names = workbook.sheetnames
        if len(names) > MAX_SHEETS:
            return {}, [RowError(None, None, _("The workbook has more than %(n)d sheets. Upload the template you "
                                               "downloaded, filled in.", n=MAX_SHEETS))]
        for name in (NEEDS_SHEET, QUESTIONS_SHEET):
            if name not in names:
                errors.append(RowError(name, None, _(
                    "The workbook has no sheet named \"%(sheet)s\". Use the template downloaded from the tracker "
                    "and keep its sheet names as they are.", sheet=name)))
        for name in (NEEDS_SHEET, QUESTIONS_SHEET, ABOUT_SHEET):
            if name in names:
                sheets[name], beyond = _rows(workbook[name])
                if beyond:
                    errors.append(RowError(name, beyond, _(
                        "The sheet has more than %(n)d rows; the template has far fewer.", n=MAX_ROWS)))
    except Exception as error:  # same: a damaged sheet inside an otherwise valid archive
        log.info("unreadable upload sheet: %r", error)
        return {}, [RowError(None, None, _not_a_workbook())]
    finally:
        workbook.close()
    if not errors and not any(_filled(values) for _row, values in sheets[NEEDS_SHEET]):
        errors.append(RowError(NEEDS_SHEET, None, _("The Needs sheet is empty: it has no key area rows.")))
    return sheets, errors


def _rows(sheet) -> tuple[list[tuple[int, list]], int | None]:
    """Up to MAX_ROWS rows of the sheet (empty ones left out), and the first filled row beyond, if any.

    Past MAX_ROWS the rows are only looked at, never kept: openpyxl streams them, and an empty
    row costs next to nothing even if a sheet claims a million of them.
    """
    rows, beyond = [], None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for number, values in enumerate(sheet.iter_rows(min_row=1, max_col=MAX_COLUMNS, values_only=True), start=1):
            if number > MAX_ROWS:
                if any(values) and _filled(values):
                    beyond = number
                    break
                continue
            if _filled(values):
                rows.append((number, list(values) + [None] * (MAX_COLUMNS - len(values))))
    return rows, beyond


def _filled(values) -> bool:
    return any(_text(value) for value in values)


def _text(value) -> str:
    """A cell as trimmed text: 3.0 reads "3"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _free_text(value) -> str:
    """A comment or link as typed; the apostrophe the template puts before formula-like text is removed."""
    if value is None or isinstance(value, bool):
        return "" if value is None else str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    if not text.strip():
        return ""
    if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
        return text[1:]
    return text


def _normal(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


def _accepted_values() -> dict[str, dict[str, object]]:
    """For each list, every accepted spelling (code, English label, Chinese label) -> code."""
    accepted = {name: {_normal(str(code)): code for code in vocabulary} for name, _heading, vocabulary in LISTS}
    for language in LANGUAGE_NAMES:
        with force_locale(language):
            for name, _heading, vocabulary in LISTS:
                for code, label in vocabulary.items():
                    accepted[name].setdefault(_normal(str(label)), code)
    return accepted


def _read_about(rows) -> dict:
    values = {number: row for number, row in rows}
    about = {}
    party = _text(values.get(ABOUT_PARTY_CODE_ROW, [None, None])[1])
    if party:
        about["party"] = party.upper()
    for key, row in (("assessment_id", ABOUT_ASSESSMENT_ROW), ("lock_version", ABOUT_REVISION_ROW)):
        number = bounded_number(_text(values.get(row, [None, None])[1]))
        if number is not None:
            about[key] = number
    return about


class _CellError(Exception):
    """A cell that cannot be read; the message says why."""


def _one_of(list_name: str, accepted, value, message):
    """The code a cell names by code or label; `message(text)` explains a value not in the list."""
    text = _text(value)
    if not text:
        return None
    if isinstance(value, bool) or _normal(text) not in accepted[list_name]:
        raise _CellError(message(text))
    return accepted[list_name][_normal(text)]


def _several_of(list_name: str, accepted, value, message) -> list:
    codes, unknown = [], []
    for part in VALUE_SEPARATORS.split(_text(value)):
        if not part.strip():
            continue
        code = accepted[list_name].get(_normal(part))
        if code is None:
            unknown.append(part.strip())
        elif code not in codes:
            codes.append(code)
    if unknown:
        raise _CellError(message("; ".join(unknown)))
    return codes


def _date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if not text:
        return None
    if isinstance(value, str):
        try:
            return date.fromisoformat(text.replace("/", "-"))
        except ValueError:
            pass
    raise _CellError(_("\"%(value)s\" is not a date. Give it as YYYY-MM-DD, for example 2027-06-30.", value=text))


def _whole_number(value) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = _text(value)
    if not text:
        return None
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    raise _CellError(_("\"%(value)s\" is not a whole number.", value=text))


def _link(value) -> str:
    return _free_text(value).strip()


def _need_readers(accepted):
    """field -> function reading its cell into the NeedInput value, or raising _CellError."""
    return {
        "level": lambda v: _one_of("NeedLevels", accepted, v, lambda text: _(
            "\"%(value)s\" is not a need level. Choose one from the list.", value=text)),
        "priority": lambda v: _one_of("Priorities", accepted, v, lambda text: _(
            "\"%(value)s\" is not a priority: the priority is 1, 2 or 3.", value=text)),
        "audiences": lambda v: _several_of("Audiences", accepted, v, lambda text: _(
            "Unknown target audience: %(value)s. Use codes or labels from the Lists sheet, separated by \";\".",
            value=text)),
        "support_types": lambda v: _several_of("SupportTypes", accepted, v, lambda text: _(
            "Unknown type of support: %(value)s. Use codes or labels from the Lists sheet, separated by \";\".",
            value=text)),
        "modality": lambda v: _one_of("Modalities", accepted, v, lambda text: _(
            "\"%(value)s\" is not a modality. Choose one from the list.", value=text)),
        "languages": lambda v: _several_of("Languages", accepted, v, lambda text: _(
            "Unknown language: %(value)s. Use codes such as en;fr or labels from the Lists sheet.", value=text)),
        "wanted_by": _date,
        "comment": _free_text,
    }


def _read_needs(rows, key_area_codes: set, accepted, result: ParsedUpload) -> None:
    readers = _need_readers(accepted)
    columns = {name: index for index, (name, _header) in enumerate(NEED_COLUMNS)}
    for number, values in rows:
        if number < FIRST_DATA_ROW:
            continue
        code = _text(values[columns["code"]])
        if not code:
            if any(_text(values[columns[name]]) for name in NEED_INPUT_FIELDS):
                result.errors.append(RowError(NEEDS_SHEET, number, _(
                    "This row has answers but no key area code in the first column."), str(FIELD_NAMES["code"])))
            continue
        if code not in key_area_codes:
            result.errors.append(RowError(NEEDS_SHEET, number, _(
                "%(code)s is not a key area of the Action Plan.", code=code), str(FIELD_NAMES["code"])))
            continue
        if code in result.needs:
            result.errors.append(RowError(NEEDS_SHEET, number, _(
                "Key area %(code)s has more than one row.", code=code), str(FIELD_NAMES["code"])))
            continue
        parsed, row_errors = {}, []
        for name in NEED_INPUT_FIELDS:
            try:
                parsed[name] = readers[name](values[columns[name]])
            except _CellError as error:
                row_errors.append(RowError(NEEDS_SHEET, number, str(error), str(FIELD_NAMES[name])))
        if not row_errors:
            need = NeedInput(**parsed)
            # The same rules as saving (need level required, date range, comment length), checked now
            # so that the preview lists every problem and applying cannot fail on one.
            for key, message in need_errors(code, need).items():
                name = key.rsplit(".", 1)[1]
                row_errors.append(RowError(NEEDS_SHEET, number, message, str(FIELD_NAMES.get(name, name))))
            result.needs[code] = need
        result.errors.extend(row_errors)


def _read_questions(rows, questions: dict, accepted, result: ParsedUpload) -> None:
    columns = {name: index for index, (name, _header) in enumerate(QUESTION_COLUMNS)}
    for number, values in rows:
        if number < FIRST_DATA_ROW:
            continue
        code = _text(values[columns["code"]])
        if not code:
            if any(_text(values[columns[name]]) for name in QUESTION_INPUT_FIELDS):
                result.errors.append(RowError(QUESTIONS_SHEET, number, _(
                    "This row has an answer but no question code in the first column."), str(FIELD_NAMES["code"])))
            continue
        question = questions.get(code)
        if question is None:
            result.errors.append(RowError(QUESTIONS_SHEET, number, _(
                "%(code)s is not one of the questions.", code=code), str(FIELD_NAMES["code"])))
            continue
        if code in result.answers:
            result.errors.append(RowError(QUESTIONS_SHEET, number, _(
                "Question %(code)s has more than one row.", code=code), str(FIELD_NAMES["code"])))
            continue
        cell, link = values[columns["answer"]], _link(values[columns["evidence_url"]])
        try:
            if question.kind == "number":
                answer = AnswerInput(number=_whole_number(cell), evidence_url=link)
            else:
                answer = AnswerInput(choice=_one_of("Answers", accepted, cell, lambda text: _(
                    "\"%(value)s\" is not an answer to this question: answer yes, partly or no.", value=text)),
                    evidence_url=link)
        except _CellError as error:
            result.errors.append(RowError(QUESTIONS_SHEET, number, str(error), str(FIELD_NAMES["answer"])))
            continue
        row_errors = [RowError(QUESTIONS_SHEET, number, message, str(FIELD_NAMES.get(key.rsplit(".", 1)[1], "")))
                      for key, message in answer_errors(question, answer).items()]
        result.errors.extend(row_errors)
        if not row_errors:
            result.answers[code] = answer
