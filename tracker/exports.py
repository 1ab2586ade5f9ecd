"""Writing tables as CSV, JSON or XLSX, safe to open in a spreadsheet."""
import csv
import io
import json
import sys
from datetime import date
from decimal import Decimal

import click
from flask import Response, abort

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def safe_cell(value):
    """Text that a spreadsheet would run as a formula is prefixed with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def flat_cell(value):
    """A list becomes "a; b" for a spreadsheet cell; other values stay."""
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    return value


def _csv_cell(value):
    """A cell safe in a CSV file. Line breaks become "\n": the csv module quotes a cell only for the characters
    of its line terminator, and a spreadsheet ends the row at a lone CR too, so what follows one would open a
    row of its own, unescaped."""
    value = safe_cell(flat_cell(value))
    if isinstance(value, str):
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def to_csv(rows: list[dict], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    # The header too: some tables name their columns after data, such as the cycles of the dashboard's indicators.
    writer.writerow({column: _csv_cell(column) for column in columns})
    for row in rows:
        writer.writerow({key: _csv_cell(value) for key, value in row.items()})
    return out.getvalue()


def _json_value(value):
    if isinstance(value, date):  # dates and datetimes
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def to_json(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=_json_value)


def render_table(rows: list[dict], columns: list[str], fmt: str, title: str) -> str | bytes:
    if fmt == "csv":
        return to_csv(rows, columns)
    if fmt == "json":
        return to_json([{column: row.get(column) for column in columns} for row in rows])
    if fmt == "xlsx":
        from tracker.spreadsheets import to_xlsx

        return to_xlsx([{column: flat_cell(row.get(column)) for column in columns} for row in rows], columns, title)
    raise ValueError(fmt)


def send_table(rows: list[dict], columns: list[str], fmt: str, filename: str) -> Response:
    """A download of the table; an unknown format is a 404."""
    if fmt not in MIMETYPES:
        abort(404)
    body = render_table(rows, columns, fmt, filename[:31])
    if fmt == "csv":
        body = body.encode("utf-8-sig")  # the byte-order mark tells spreadsheets the text is UTF-8
    return Response(body, mimetype=MIMETYPES[fmt], headers=attachment(f"{filename}.{fmt}"))


def attachment(filename: str) -> dict:
    """The header that makes the response a download with this (ASCII-safe) file name."""
    return {"Content-Disposition": f'attachment; filename="{_ascii(filename)}"'}


def write_table(rows: list[dict], columns: list[str], fmt: str, title: str) -> None:
    """Print the table to standard output (XLSX as bytes)."""
    body = render_table(rows, columns, fmt, title)
    if isinstance(body, bytes):
        if sys.stdout.isatty():
            raise click.UsageError("XLSX is binary: redirect the output to a file (… > file.xlsx).")
        sys.stdout.buffer.write(body)
        sys.stdout.buffer.flush()
    else:
        sys.stdout.write(body)


def _ascii(name: str) -> str:
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "-" for c in name)
