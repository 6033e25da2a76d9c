"""What leaves the system from the reports: CSV and XLSX downloads of a dashboard's tables and
the analyst's pseudonymised record-level extracts.

Anything that leaves is made safe here, once:
- small numbers: a count from 1 to 4 is shown as "<5" (SMALL_NUMBER), so no one can be picked
  out of a small cell; in a record-level extract, a value of a describing column (team, age band,
  closure reason...) that fewer than 5 rows share is replaced by "suppressed";
- spreadsheet formulas: a text cell starting with = + - @ (or a tab or carriage return) is
  prefixed with an apostrophe, so a spreadsheet shows it rather than running it;
- pseudonyms: HMAC-SHA256 of the record id under a key from configuration and the extract's
  purpose, so the same family has the same pseudonym in every extract for one purpose, and
  extracts for different purposes cannot be joined.
"""
from __future__ import annotations

import csv
import hashlib
import hmac
import io
from collections import Counter
from datetime import date

SMALL_NUMBER = 5
SUPPRESSED_COUNT = "<5"
SUPPRESSED_VALUE = "suppressed"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A cell a spreadsheet will show, never evaluate."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def suppress_count(value):
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < SMALL_NUMBER:
        return SUPPRESSED_COUNT
    return value


def safe_rows(table) -> list[list]:
    """A dashboard table's rows as they may leave: counts under 5 suppressed, text neutralised.
    Derived figures (a median, a percentage) built on a suppressed count are suppressed too."""
    out = []
    for row in table.rows:
        small = any(c.kind == "count" and suppress_count(v) == SUPPRESSED_COUNT for c, v in zip(table.columns, row))
        cells = []
        for column, value in zip(table.columns, row):
            if column.kind == "count":
                cells.append(suppress_count(value))
            elif column.kind == "number" and small and value is not None and column.label != "Target (working days)":
                cells.append(SUPPRESSED_COUNT)
            else:
                cells.append(neutralise(value))
        out.append(cells)
    return out


def table_csv(table) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(c.label) for c in table.columns])
    writer.writerows(safe_rows(table))
    return buffer.getvalue()


def workbook(sheets: list[tuple[str, list[str], list[list]]]) -> bytes:
    """An XLSX file (openpyxl) with one sheet per (title, header, rows); rows already safe."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    used = set()
    for title, header, rows in sheets:
        name = "".join(ch for ch in title if ch not in "[]:*?/\\")[:31] or "Sheet"
        while name in used:
            name = name[:28] + f"~{len(used)}"
        used.add(name)
        sheet = book.create_sheet(name)
        sheet.append([neutralise(h) for h in header])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([neutralise(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def dashboard_xlsx(dashboard) -> bytes:
    sheets = [(t.title, [c.label for c in t.columns], safe_rows(t)) for t in dashboard.tables]
    notes = [[t.title, t.note] for t in dashboard.tables]
    f = dashboard.filters
    notes.insert(0, ["Period", f"{f.start.isoformat()} to {f.end.isoformat()}"])
    notes.append(["Small numbers", f"Counts from 1 to {SMALL_NUMBER - 1} are shown as {SUPPRESSED_COUNT}."])
    sheets.append(("How this is counted", ["Table", "How this is counted"], notes))
    return workbook(sheets)


# --- pseudonymised extracts ------------------------------------------------------------------------

def pseudonym(key: bytes, purpose: str, record_id: str, prefix: str = "P") -> str:
    """Stable for (key, purpose, record): the same family gets the same pseudonym in every
    extract made for one purpose, and a different one for another purpose."""
    digest = hmac.new(key, f"{purpose}\x00{record_id}".encode(), hashlib.sha256).hexdigest()
    return f"{prefix}{digest[:16]}"


def derived_key(secret_key: str) -> bytes:
    return hmac.new(secret_key.encode(), b"caseflow pseudonyms", hashlib.sha256).digest()


AGE_BANDS = ((0, 5, "0-4"), (5, 11, "5-10"), (11, 16, "11-15"), (16, 18, "16-17"), (18, 25, "18-24"),
             (25, 40, "25-39"), (40, 65, "40-64"), (65, 200, "65+"))


def age_band(date_of_birth: date | None, on: date) -> str:
    if date_of_birth is None:
        return "unknown"
    age = on.year - date_of_birth.year - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))
    for low, high, label in AGE_BANDS:
        if low <= age < high:
            return label
    return "unknown"


def suppress_rare_values(rows: list[dict], columns) -> list[dict]:
    """In a record-level extract, a value of a describing column that fewer than SMALL_NUMBER
    rows share would single someone out: it becomes "suppressed"."""
    for column in columns:
        counts = Counter(r[column] for r in rows)
        for r in rows:
            if counts[r[column]] < SMALL_NUMBER:
                r[column] = SUPPRESSED_VALUE
    return rows


def rows_csv(header: list[str], rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for r in rows:
        writer.writerow([neutralise(r[h]) for h in header])
    return buffer.getvalue()
