"""Partner data feeds (issue 18, point 1): what each kind of partner file holds, how its columns
map to what CaseFlow reads, and reading it a row at a time.

A file is CSV (UTF-8) or XLSX (read by openpyxl in read-only mode, a row at a time, the values
as the spreadsheet last calculated them: a formula is never run here). Every row is checked on
its own: a bad row is a problem with its line number and the good rows are kept. Each good row
has a key: the partner's own row id when the file has one, otherwise the person and the fact it
records (who, what, when), never the value, so a corrected file replaces the rows it corrects
and importing the same file again finds every row already there.
"""
from __future__ import annotations

import csv
import difflib
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Iterator

from caseflow.core import text
from caseflow.core.timescales import today_london
from caseflow.families.matching import normalise_name
from caseflow.imports.bundle import CellError, parse_date
from caseflow.imports.models import FeedKind
from caseflow.outcomes.vocab import EvidenceKind

IDENTITY_FIELDS = ("given_name", "family_name", "date_of_birth", "postcode", "sex", "upn", "nhs_number")


@dataclass(frozen=True)
class Field:
    name: str      # what CaseFlow reads (the evidence column or the person's detail)
    label: str     # the usual heading in a partner's file, and how the page names it
    kind: str      # text, date, number, code
    required: bool = True


def _identity() -> tuple[Field, ...]:
    return (Field("row_id", "Row id", "text", False),
            Field("given_name", "First name", "text"), Field("family_name", "Last name", "text"),
            Field("date_of_birth", "Date of birth", "date"), Field("postcode", "Postcode", "text", False),
            Field("sex", "Sex", "text", False), Field("upn", "UPN", "text", False),
            Field("nhs_number", "NHS number", "text", False))


@dataclass(frozen=True)
class FeedSpec:
    kind: FeedKind
    label: str
    evidence_kind: EvidenceKind
    fields: tuple[Field, ...]
    fixed_code: str | None = None

    @property
    def all_fields(self) -> tuple[Field, ...]:
        return _identity() + self.fields


_ON = Field("period_start", "Date", "date")
SPECS = {spec.kind: spec for spec in (
    FeedSpec(FeedKind.SCHOOL_ATTENDANCE, "School attendance per term", EvidenceKind.ATTENDANCE,
             (Field("period_start", "Term start", "date"), Field("period_end", "Term end", "date"),
              Field("value", "Attendance %", "number"))),
    FeedSpec(FeedKind.SCHOOL_EXCLUSIONS, "School exclusions", EvidenceKind.EXCLUSION,
             (_ON, Field("code", "Exclusion type", "code"))),
    FeedSpec(FeedKind.POLICE_OFFENCES, "Police: proven offences", EvidenceKind.OFFENCE,
             (_ON, Field("code", "Offence", "code", False))),
    FeedSpec(FeedKind.POLICE_ASB, "Police: anti-social behaviour incidents", EvidenceKind.ASB,
             (_ON, Field("code", "Incident type", "code", False))),
    FeedSpec(FeedKind.POLICE_DOMESTIC_ABUSE, "Police: domestic abuse incidents", EvidenceKind.DOMESTIC_ABUSE_INCIDENT,
             (_ON, Field("code", "Incident type", "code", False))),
    FeedSpec(FeedKind.HOUSING, "Housing", EvidenceKind.HOUSING, (_ON, Field("code", "Event", "code"))),
    FeedSpec(FeedKind.BENEFITS, "Out-of-work benefits", EvidenceKind.BENEFIT_CLAIM,
             (Field("period_start", "Claim start", "date"), Field("period_end", "Claim end", "date", False),
              Field("code", "Benefit", "code"))),
    FeedSpec(FeedKind.EMPLOYMENT, "Employment spells", EvidenceKind.EMPLOYMENT,
             (Field("period_start", "Start date", "date"), Field("period_end", "End date", "date", False))),
    FeedSpec(FeedKind.HEALTH_FLAGS, "Health flags", EvidenceKind.HEALTH_FLAG,
             (_ON, Field("code", "Flag", "code"))),
)}
FEED_KIND_LABELS = {kind: spec.label for kind, spec in SPECS.items()}


def _heading(value) -> str:
    return re.sub(r"[^a-z0-9%]+", " ", str(value or "").lower()).strip()


def default_mapping(kind: FeedKind) -> dict[str, str]:
    return {f.name: f.label for f in SPECS[kind].all_fields}


def clean_mapping(kind: FeedKind, raw: dict) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The mapping an analyst typed ({field: the file's heading}), checked: (mapping, errors)."""
    mapping, errors = {}, {}
    for f in SPECS[kind].all_fields:
        value = raw.get(f.name)
        value = text.clean_line(value) if isinstance(value, str) else ""
        if len(value) > 100:
            errors[f.name] = [f"The heading for {f.label.lower()} must be 100 characters or fewer"]
        elif value:
            mapping[f.name] = value
        elif f.required:
            errors[f.name] = [f"Enter the heading of the column that holds {f.label.lower()}"]
    return mapping, errors


# --- rows ---------------------------------------------------------------------------------------

@dataclass
class Problem:
    line: int | None
    message: str
    column: str | None = None

    def as_dict(self, file: str) -> dict:
        return {"file": file, "line": self.line, "column": self.column, "message": self.message}


@dataclass
class FeedRow:
    line: int
    row_key: str
    identity: dict        # given_name, family_name, date_of_birth (date), postcode, sex, upn, nhs_number
    evidence: dict        # period_start, period_end (dates), value, code, row_id


@dataclass
class Reading:
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    rows_read: int = 0
    stopped: bool = False  # the file could not be read past a point (its header, its encoding)

    def add(self, problem: Problem, keep: int = 1000) -> None:
        self.problem_count += 1
        if len(self.problems) < keep:
            self.problems.append(problem)


class FileUnreadable(ValueError):
    """The file is not CSV or XLSX that can be opened: nothing in it is read."""


_FORMULA = ("=", "+", "@")


class Formula(str):
    """A spreadsheet cell holding a formula (its text): never run, never stored."""


def _text_cell(f: Field, value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    raw = str(value)
    reason = text.problem(raw)
    if reason:
        raise CellError(reason)
    cleaned = text.clean_line(raw)
    return cleaned or None


def parse_value(f: Field, value):
    """One cell, read as its field says; None when empty. CellError says what is wrong."""
    if isinstance(value, Formula):
        raise CellError(f"holds a formula ({text.fit(str(value), 40)}): CaseFlow never runs formulas, so copy the "
                        "column and paste it back as values, then upload the file again")
    if isinstance(value, str) and value.strip().startswith(_FORMULA) and f.kind in ("date", "number"):
        raise CellError(f"'{text.fit(value.strip(), 40)}' is a formula: CaseFlow never runs formulas, so put the "
                        "value itself in the cell")
    if f.kind == "date":
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        cell = _text_cell(f, value)
        return parse_date(cell) if cell else None
    if f.kind == "number":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            number = float(value)
        else:
            cell = _text_cell(f, value)
            if not cell:
                return None
            try:
                number = float(cell.rstrip("%").replace(",", ""))
            except ValueError:
                raise CellError(f"'{text.fit(cell, 20)}' is not a number") from None
        if not 0 <= number <= 100:
            raise CellError(f"{number:g} is not a percentage from 0 to 100")
        return number
    cell = _text_cell(f, value)
    if cell is None:
        return None
    if f.kind == "code":
        cell = re.sub(r"[\s\-]+", "_", cell.lower())
        if len(cell) > 40:
            raise CellError("is longer than the 40 characters a code may have")
        return cell
    limit = _TEXT_LIMITS.get(f.name, 100)
    if f.name == "nhs_number":
        cell = cell.replace(" ", "")
        if not re.fullmatch(r"\d{10}", cell):
            raise CellError(f"'{text.fit(cell, 20)}' is not a 10-digit NHS number")
    if f.name == "upn":
        cell = cell.upper()
    if len(cell) > limit:
        raise CellError(f"is {len(cell)} characters long; at most {limit} fit")
    return cell


_TEXT_LIMITS = {"postcode": 10, "upn": 13, "nhs_number": 10, "sex": 16, "row_id": 100}
_SEXES = {"m": "male", "male": "male", "boy": "male", "f": "female", "female": "female", "girl": "female"}


@lru_cache(maxsize=1 << 16)
def _cached(kind: str, name: str, cell: str):
    """(value, None) or (None, message) for a plain cell: the same dates, codes and postcodes
    recur thousands of times in a file, so each is read once."""
    try:
        return parse_value(_FIELD_BY_KIND_NAME[(kind, name)], cell), None
    except (CellError, text.BadText) as exc:
        return None, str(exc)


_FIELD_BY_KIND_NAME: dict[tuple[str, str], Field] = {}


def _fast_value(f: Field, raw):
    """parse_value, quicker for the plain ASCII cells that make up nearly every file."""
    if type(raw) is str and raw.isascii() and raw.isprintable():
        cell = raw.strip()
        if not cell:
            return None
        if f.kind == "text" and not cell.startswith(_FORMULA) and f.name not in ("nhs_number", "upn"):
            if len(cell) > _TEXT_LIMITS.get(f.name, 100):
                raise CellError(f"is {len(cell)} characters long; at most {_TEXT_LIMITS.get(f.name, 100)} fit")
            return cell
        if f.kind == "number" and not cell.startswith(_FORMULA):
            try:
                number = float(cell.rstrip("%").replace(",", ""))
            except ValueError:
                raise CellError(f"'{text.fit(cell, 20)}' is not a number") from None
            if 0 <= number <= 100:
                return number
        _FIELD_BY_KIND_NAME.setdefault((f.kind, f.name), f)
        value, message = _cached(f.kind, f.name, cell)
        if message:
            raise CellError(message)
        return value
    return parse_value(f, raw)


def row_key(source_id: str, spec: FeedSpec, values: dict) -> str:
    """The row's key, unique per source: the partner's row id, or else who and what and when."""
    if values.get("row_id"):
        natural = ["id", values["row_id"]]
    else:
        natural = ["fact", normalise_name(values.get("given_name")), normalise_name(values.get("family_name")),
                   str(values.get("date_of_birth") or ""), values.get("upn") or "", values.get("nhs_number") or "",
                   str(values.get("period_start") or ""), values.get("code") or ""]
    return hashlib.sha256("\x1f".join([source_id, *natural]).encode()).hexdigest()


def _check_rules(spec: FeedSpec, values: dict) -> Iterator[Problem]:
    end = values.get("period_end")
    if end is not None and values.get("period_start") is not None and end < values["period_start"]:
        yield Problem(None, "ends before it starts", "period_end")
    dob = values.get("date_of_birth")
    if dob is not None and values.get("period_start") is not None and values["period_start"] < dob:
        yield Problem(None, "is dated before the person was born", "period_start")
    if dob is not None and dob > today_london():
        yield Problem(None, "is a date of birth in the future", "date_of_birth")


def read_feed(source_id: str, spec: FeedSpec, mapping: dict, rows: Iterator[tuple[int, list]],
              reading: Reading) -> Iterator[FeedRow]:
    """The good rows of a file, given as (line, cells) with its header first; problems go on
    `reading`. A required column missing from the header stops the file: its rows could not be
    read faithfully."""
    try:
        first = next(rows, None)
    except (UnicodeDecodeError, csv.Error) as exc:
        reading.add(Problem(1, _unreadable(exc)))
        reading.stopped = True
        return
    if first is None:
        reading.add(Problem(1, "The file is empty: it needs a header row naming its columns"))
        reading.stopped = True
        return
    _, header = first
    headings = [_heading(h) for h in header]
    positions = {}
    for f in spec.all_fields:
        wanted = _heading(mapping.get(f.name) or f.label)
        if wanted in headings:
            positions[f.name] = headings.index(wanted)
        elif f.required:
            close = difflib.get_close_matches(wanted, [h for h in headings if h], n=1, cutoff=0.6)
            hint = f" (is it '{header[headings.index(close[0])]}'? change the source's column mapping)" if close else \
                " (add the column, or change the source's column mapping)"
            reading.add(Problem(1, f"has no column '{mapping.get(f.name) or f.label}' for {f.label.lower()}{hint}",
                                f.name))
    if reading.problem_count:
        reading.stopped = True
        return
    columns = [(f, positions.get(f.name)) for f in spec.all_fields]
    try:
        for line, cells in rows:
            if not any(c not in (None, "") and str(c).strip() for c in cells):
                continue
            reading.rows_read += 1
            values, good = {}, True
            width = len(cells)
            for f, position in columns:
                raw = cells[position] if position is not None and position < width else None
                try:
                    value = _fast_value(f, raw)
                except (CellError, text.BadText) as exc:
                    reading.add(Problem(line, str(exc), f.name))
                    good = False
                    continue
                if value is None and f.required:
                    reading.add(Problem(line, "is empty, and must be filled in", f.name))
                    good = False
                values[f.name] = value
            if not good:
                continue
            broken = False
            for problem in _check_rules(spec, values):
                problem.line = line
                reading.add(problem)
                broken = True
            if broken:
                continue
            if spec.fixed_code and not values.get("code"):
                values["code"] = spec.fixed_code
            sex = _SEXES.get((values.get("sex") or "").lower())
            identity = {name: values.get(name) for name in IDENTITY_FIELDS} | {"sex": sex}
            evidence = {"period_start": values["period_start"], "period_end": values.get("period_end"),
                        "value": values.get("value"), "code": values.get("code"), "row_id": values.get("row_id")}
            yield FeedRow(line, row_key(source_id, spec, values), identity, evidence)
    except (UnicodeDecodeError, csv.Error) as exc:
        reading.add(Problem(None, _unreadable(exc) + " Rows before this point were read."))
        reading.stopped = True


def _unreadable(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return ("The file is not UTF-8 text (it may have been saved as 'CSV' from an old spreadsheet): save it "
                "as 'CSV UTF-8' and upload it again")
    return f"The file cannot be read as CSV ({exc})"


# --- files --------------------------------------------------------------------------------------

def open_rows(path: str, filename: str) -> Iterator[tuple[int, list]]:
    """(line, cells) for each row of the file, the header first, a row at a time."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _xlsx_rows(path)
    if name.endswith(".csv") or name.endswith(".txt"):
        return _csv_rows(path)
    raise FileUnreadable("The file must be a CSV (UTF-8) or an Excel workbook (.xlsx)")


def _csv_rows(path: str) -> Iterator[tuple[int, list]]:
    with open(path, "rb") as handle:
        stream = io.TextIOWrapper(handle, encoding="utf-8-sig", errors="strict", newline="")
        reader = csv.reader(stream, strict=True)
        while True:
            start = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            yield start, cells


def _xlsx_rows(path: str) -> Iterator[tuple[int, list]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        # read_only streams the sheet a row at a time. Formulas come as their text and are
        # refused cell by cell (never evaluated, never stored).
        book = load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileUnreadable("The file is not an Excel workbook that can be opened (.xlsx)") from exc
    try:
        sheet = book.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(), start=1):
            yield number, [Formula(c.value) if getattr(c, "data_type", None) == "f" else c.value for c in row]
    finally:
        book.close()
