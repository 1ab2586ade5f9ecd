"""Writing tables as XLSX, safe to open: text a spreadsheet would run as a formula is escaped."""
import io
import re

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from tracker.exports import safe_cell

_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def cell_value(value):
    """A value a spreadsheet shows as it is: lists as "a; b", no formula, no character the file cannot hold."""
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(item) for item in value)
    if isinstance(value, str):
        # Control characters make an invalid file; they carry nothing a reader could see anyway.
        value = safe_cell(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def to_xlsx(rows: list[dict], columns: list[str], sheet_title: str) -> bytes:
    """One sheet: a bold header row of `columns`, then one row per dict. Lists become "a; b" text."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_SHEET_TITLE_FORBIDDEN.sub(" ", sheet_title)[:31] or "Sheet1")
    sheet.freeze_panes = "A2"
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=cell_value(column))
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([cell_value(row.get(column)) for column in columns])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
