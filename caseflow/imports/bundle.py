"""The migration bundle: which CSV files, which columns, and how each cell is read and checked.

The layout is documented for people in docs/migration-bundle.md; this module is the same layout
for the machine (`FILES`). Reading streams: each file is read a row at a time through the csv
module over an open file handle, so a file of any size is checked in the same memory. What is
kept while checking is the source ids seen (to find duplicates and references that lead
nowhere), not the rows.

Cells are text and stay text: a cell that starts with "=", "+", "-" or "@" is stored as the
characters it holds and never evaluated (nothing here evaluates anything); whatever writes such
text out again to a spreadsheet neutralises it (`spreadsheet_safe`).
"""
from __future__ import annotations

import csv
import difflib
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from enum import StrEnum
from pathlib import Path
from typing import Iterator

from caseflow.consent.vocab import ConsentMethod, ConsentPurpose, GivenBy
from caseflow.core import text
from caseflow.core.roles import OrgType, Role
from caseflow.core.stages import Stage
from caseflow.core.timescales import LONDON
from caseflow.core.vocab import Category, ClosureReason, HeadlineProblem
from caseflow.families.models import Relationship, Sex
from caseflow.imports.models import MigratedKind
from caseflow.plans.vocab import (ActionStatus, AssessmentStatus, ContactType, OutcomeStatus, PlanStatus,
                                  ReviewDecision)

MAX_PROBLEMS_KEPT = 1000  # every problem is counted; the first thousand are listed
FREE_TEXT_MAX = 20_000
# The csv module refuses a field over its limit (128 KiB by default) with an error that ends the
# file; a cell a little over our own limit is better reported as too long, with its line.
csv.field_size_limit(4 * FREE_TEXT_MAX)


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # id | line | free | date | datetime | enum | enums | bool | int | ref | refs | scores | names
    required: bool = True
    max_length: int = 200
    enum: type[StrEnum] | None = None
    ref: MigratedKind | None = None
    low: int | None = None
    high: int | None = None


@dataclass(frozen=True)
class FileSpec:
    name: str
    kind: MigratedKind
    columns: tuple[Column, ...]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def _id() -> Column:
    return Column("id", "id", max_length=64)


def _ref(name: str, kind: MigratedKind, required: bool = True) -> Column:
    return Column(name, "ref", required, max_length=64, ref=kind)


K = MigratedKind
FILES: tuple[FileSpec, ...] = (
    FileSpec("organisations.csv", K.ORGANISATION, (
        _id(), Column("name", "line"), Column("type", "enum", enum=OrgType))),
    FileSpec("users.csv", K.USER, (
        _id(), Column("email", "line", max_length=254), Column("name", "line"), Column("role", "enum", enum=Role),
        _ref("organisation_id", K.ORGANISATION), Column("team", "line", False),
        Column("active", "bool", False))),
    FileSpec("families.csv", K.FAMILY, (
        _id(), Column("name", "line"), Column("created_at", "datetime", False))),
    FileSpec("people.csv", K.PERSON, (
        _id(), Column("given_name", "line", max_length=100), Column("family_name", "line", max_length=100),
        Column("date_of_birth", "date", False), Column("sex", "enum", False, enum=Sex),
        Column("address", "free", False, max_length=500), Column("postcode", "line", False, max_length=10),
        Column("nhs_number", "line", False, max_length=10), Column("upn", "line", False, max_length=13),
        Column("phone", "line", False, max_length=40), Column("email", "line", False, max_length=254),
        Column("created_at", "datetime", False))),
    FileSpec("memberships.csv", K.MEMBERSHIP, (
        _id(), _ref("family_id", K.FAMILY), _ref("person_id", K.PERSON),
        Column("relationship", "enum", enum=Relationship), Column("in_household", "bool", False),
        Column("created_at", "datetime", False))),
    FileSpec("cases.csv", K.CASE, (
        _id(), _ref("family_id", K.FAMILY), Column("stage", "enum", enum=Stage),
        Column("opened_at", "datetime"), Column("closed_at", "datetime", False),
        Column("closure_reason", "enum", False, enum=ClosureReason),
        Column("closure_summary", "free", False, max_length=FREE_TEXT_MAX),
        _ref("keyworker_id", K.USER, False), _ref("lead_professional_id", K.USER, False),
        Column("level_of_need", "int", False, low=1, high=4),
        Column("assessment_due_on", "date", False), Column("review_due_on", "date", False))),
    FileSpec("case_stages.csv", K.CASE_STAGE, (
        _id(), _ref("case_id", K.CASE), Column("from_stage", "enum", False, enum=Stage),
        Column("to_stage", "enum", enum=Stage), Column("at", "datetime"), _ref("by_user_id", K.USER, False),
        Column("reason", "free", False, max_length=FREE_TEXT_MAX))),
    FileSpec("contacts.csv", K.CONTACT, (
        _id(), _ref("case_id", K.CASE), Column("occurred_on", "date"),
        Column("contact_type", "enum", enum=ContactType), Column("notes", "free", max_length=FREE_TEXT_MAX),
        Column("next_steps", "free", False, max_length=FREE_TEXT_MAX), _ref("recorded_by_id", K.USER),
        Column("recorded_at", "datetime", False))),
    FileSpec("assessments.csv", K.ASSESSMENT, (
        _id(), _ref("case_id", K.CASE), Column("status", "enum", enum=AssessmentStatus),
        Column("due_on", "date"), Column("started_at", "datetime"), _ref("started_by_id", K.USER),
        Column("completed_at", "datetime", False), _ref("completed_by_id", K.USER, False),
        Column("family_views", "free", False, max_length=FREE_TEXT_MAX),
        Column("summary", "free", False, max_length=FREE_TEXT_MAX),
        Column("confirmed_problems", "enums", False, max_length=500, enum=HeadlineProblem),
        Column("baseline", "scores", False, max_length=500, enum=HeadlineProblem, low=1, high=10))),
    FileSpec("plans.csv", K.PLAN, (
        _id(), _ref("case_id", K.CASE), Column("status", "enum", enum=PlanStatus),
        Column("agreed_at", "datetime", False), _ref("agreed_by_id", K.USER, False),
        Column("family_agreed", "bool", False), Column("updated_at", "datetime"), _ref("updated_by_id", K.USER))),
    FileSpec("plan_outcomes.csv", K.PLAN_OUTCOME, (
        _id(), _ref("plan_id", K.PLAN), Column("position", "int", False, low=0, high=10_000),
        Column("headline_problem", "enum", enum=HeadlineProblem),
        Column("description", "free", max_length=FREE_TEXT_MAX), Column("measure", "free", max_length=FREE_TEXT_MAX),
        Column("target_date", "date"), Column("status", "enum", False, enum=OutcomeStatus))),
    FileSpec("plan_actions.csv", K.PLAN_ACTION, (
        _id(), _ref("plan_id", K.PLAN), _ref("outcome_id", K.PLAN_OUTCOME, False),
        Column("position", "int", False, low=0, high=10_000), Column("description", "free", max_length=FREE_TEXT_MAX),
        _ref("owner_user_id", K.USER, False), _ref("owner_organisation_id", K.ORGANISATION, False),
        Column("due_date", "date"), Column("status", "enum", False, enum=ActionStatus))),
    FileSpec("reviews.csv", K.REVIEW, (
        _id(), _ref("case_id", K.CASE), Column("held_on", "date"), Column("decision", "enum", enum=ReviewDecision),
        Column("attendees", "names", False, max_length=2000), Column("notes", "free", False, max_length=FREE_TEXT_MAX),
        Column("next_review_on", "date", False), _ref("recorded_by_id", K.USER),
        Column("recorded_at", "datetime", False))),
    FileSpec("consents.csv", K.CONSENT, (
        _id(), _ref("family_id", K.FAMILY), _ref("person_id", K.PERSON),
        Column("covers", "refs", False, max_length=2000, ref=K.PERSON),
        Column("purpose", "enum", enum=ConsentPurpose), Column("given_by", "line"),
        Column("given_by_relationship", "enum", enum=GivenBy), Column("method", "enum", enum=ConsentMethod),
        Column("given_on", "date"), Column("expires_on", "date", False), Column("withdrawn_at", "datetime", False),
        Column("withdrawal_reason", "free", False, max_length=FREE_TEXT_MAX),
        Column("categories", "enums", max_length=500, enum=Category),
        Column("recipient_types", "enums", False, max_length=500, enum=OrgType),
        _ref("recorded_by_id", K.USER), Column("recorded_at", "datetime", False))),
)
FILE_BY_NAME = {spec.name: spec for spec in FILES}
FILE_BY_KIND = {spec.kind: spec for spec in FILES}
# People are brought in as staff, never as administrators or machine accounts: those are made in
# CaseFlow itself, by someone who can answer for them.
ROLES_NOT_IMPORTED = frozenset({Role.ADMIN, Role.PARTNER_SYSTEM})


# --- where a bundle is read from ----------------------------------------------------------------

class Source:
    """A bundle: a directory of CSV files, or a zip of them."""

    def names(self) -> list[str]:
        raise NotImplementedError

    def size(self, name: str) -> int:
        raise NotImplementedError

    def open(self, name: str):
        """The file as bytes, to be read as a stream."""
        raise NotImplementedError

    def close(self) -> None:
        pass


class DirectorySource(Source):
    def __init__(self, path: Path):
        self.path = Path(path)

    def names(self) -> list[str]:
        return sorted(p.name for p in self.path.iterdir() if p.is_file() and not p.name.startswith("."))

    def size(self, name: str) -> int:
        return (self.path / name).stat().st_size

    def open(self, name: str):
        return (self.path / name).open("rb")


class ZipSource(Source):
    """A zipped bundle. Its files may sit in one folder inside the zip (zipping a folder does
    that); sizes are the uncompressed sizes, so a small zip that unpacks to a huge file is
    refused before it is read."""

    def __init__(self, file):
        self.zip = zipfile.ZipFile(file)
        self._members = {}
        for info in self.zip.infolist():
            if info.is_dir() or info.filename.startswith("__MACOSX/"):
                continue
            base = info.filename.rsplit("/", 1)[-1]
            if base and not base.startswith("."):
                self._members.setdefault(base, info)

    def names(self) -> list[str]:
        return sorted(self._members)

    def size(self, name: str) -> int:
        return self._members[name].file_size

    def open(self, name: str):
        return self.zip.open(self._members[name])

    def close(self) -> None:
        self.zip.close()


def open_source(path) -> Source:
    path = Path(path)
    if path.is_dir():
        return DirectorySource(path)
    return ZipSource(path)


# --- problems -----------------------------------------------------------------------------------

@dataclass
class Problem:
    file: str
    line: int | None
    message: str
    column: str | None = None

    def as_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "column": self.column, "message": self.message}

    def __str__(self) -> str:
        where = self.file + (f", line {self.line}" if self.line else "") + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass
class CheckReport:
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    rows: dict[str, int] = field(default_factory=dict)  # data rows per file

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    def add(self, problem: Problem) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS_KEPT:
            self.problems.append(problem)


class CellError(ValueError):
    """A cell that cannot be read: the message says what is wrong and how to write it."""


# --- reading cells ------------------------------------------------------------------------------

MONTHS = {name.lower(): number for number, name in enumerate(
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
     "November", "December"], start=1)}
MONTHS.update({name[:3]: number for name, number in list(MONTHS.items())})
MONTHS["sept"] = 9
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DAY_FIRST = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{2,4})$")
_WORDS = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]+)\.?,?\s+(\d{4})$")
_MONTH_FIRST_WORDS = re.compile(r"^([A-Za-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$")
DATE_HINT = "write it as 2026-12-03, 03/12/2026 or 3 December 2026"


def parse_date(raw: str) -> date:
    value = raw.strip()
    if match := _ISO_DATE.match(value):
        year, month, day = (int(g) for g in match.groups())
    elif match := _DAY_FIRST.match(value):
        day, month, year = int(match[1]), int(match[3]), match[4]
        if len(year) != 4:
            raise CellError(f"'{value}' has a two-digit year, which could be either century: {DATE_HINT}")
        year = int(year)
        if month > 12 and day <= 12:
            raise CellError(f"'{value}' looks like month/day/year; dates with slashes are read day first "
                            f"(03/12/2026 is 3 December 2026): {DATE_HINT}")
    elif (match := _WORDS.match(value)) or (match := _MONTH_FIRST_WORDS.match(value)):
        if match.re is _WORDS:
            day, month_name, year = int(match[1]), match[2], int(match[3])
        else:
            month_name, day, year = match[1], int(match[2]), int(match[3])
        month = MONTHS.get(month_name.lower())
        if month is None:
            raise CellError(f"'{value}' names no month: {DATE_HINT}")
    else:
        raise CellError(f"'{value}' is not a date CaseFlow can read: {DATE_HINT}")
    if not 1900 <= year <= 2100:
        raise CellError(f"'{value}': the year {year} cannot be right")
    try:
        return date(year, month, day)
    except ValueError:
        raise CellError(f"'{value}' is not a day of the calendar: {DATE_HINT}") from None


def parse_datetime(raw: str) -> datetime:
    """A moment: a date, a date and a time (UK time unless it says otherwise), or an ISO
    timestamp with its offset. Stored in UTC."""
    value = raw.strip()
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if len(value) > 10:  # a bare ISO date falls through to the date reading below
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=LONDON)
            return _plausible(value, moment.astimezone(timezone.utc))
    except ValueError:
        pass
    day_part, _, time_part = value.rpartition(" ")
    if day_part and (clock := _TIME.match(time_part)):
        day = parse_date(day_part)
        hour, minute, second = int(clock[1]), int(clock[2]), int(clock[3] or 0)
        if hour > 23 or minute > 59 or second > 59:
            raise CellError(f"'{value}' is not a time of day")
        return datetime.combine(day, time(hour, minute, second), LONDON).astimezone(timezone.utc)
    return datetime.combine(parse_date(value), time(0, 0), LONDON).astimezone(timezone.utc)


def _plausible(value: str, moment: datetime) -> datetime:
    if not 1900 <= moment.year <= 2100:
        raise CellError(f"'{value}': the year {moment.year} cannot be right")
    return moment


_TRUE, _FALSE = {"yes", "y", "true", "1", "t"}, {"no", "n", "false", "0", "f"}


def _code(value: str) -> str:
    return re.sub(r"[\s\-]+", "_", value.strip().lower())


def parse_enum(column: Column, value: str):
    code = _code(value)
    try:
        member = column.enum(code)
    except ValueError:
        choices = ", ".join(m.value for m in column.enum)
        raise CellError(f"unknown value '{text.fit(value, 60)}': use one of {choices}") from None
    if column.enum is Role and member in ROLES_NOT_IMPORTED:
        raise CellError(f"'{member}' accounts are made in CaseFlow, not imported")
    return member


def _list(value: str) -> list[str]:
    return [item.strip() for item in value.split(";") if item.strip()]


def parse_cell(column: Column, raw: str):
    """The cell's value, or None when it is empty; CellError when it cannot be read."""
    reason = text.problem(raw)
    if reason:
        raise CellError(reason)
    if not raw.strip():
        if column.required:
            raise CellError("is empty, and must be filled in")
        return None if column.kind not in ("enums", "refs", "names") else []
    if column.kind in ("line", "id", "ref"):
        value = text.clean_line(raw)
    elif column.kind == "free":
        value = text.clean_free_text(raw).strip()
    else:
        value = raw.strip()
    if len(value) > column.max_length:
        raise CellError(f"is {len(value):,} characters long; at most {column.max_length:,} fit")
    if column.kind in ("line", "free", "id", "ref"):
        return value
    if column.kind == "date":
        return parse_date(value)
    if column.kind == "datetime":
        return parse_datetime(value)
    if column.kind == "enum":
        return parse_enum(column, value)
    if column.kind == "enums":
        return sorted({parse_enum(column, item) for item in _list(value)})
    if column.kind == "refs":
        return list(dict.fromkeys(text.clean_line(item) for item in _list(value)))
    if column.kind == "names":
        return [text.clean_line(item) for item in _list(value)]
    if column.kind == "bool":
        if value.lower() in _TRUE:
            return True
        if value.lower() in _FALSE:
            return False
        raise CellError(f"'{text.fit(value, 20)}' is not yes or no")
    if column.kind == "int":
        return _int(column, value)
    if column.kind == "scores":
        scores = {}
        for item in _list(value):
            name, _, score = item.partition(":")
            scores[parse_enum(column, name)] = _int(column, score.strip())
        return scores
    raise AssertionError(column.kind)


def _int(column: Column, value: str) -> int:
    if not re.fullmatch(r"\d{1,9}", value):
        raise CellError(f"'{text.fit(value, 20)}' is not a whole number")
    number = int(value)
    if (column.low is not None and number < column.low) or (column.high is not None and number > column.high):
        raise CellError(f"{number} is outside {column.low} to {column.high}")
    return number


# --- reading files ------------------------------------------------------------------------------

@dataclass
class Row:
    line: int
    values: dict


def _suggest(name: str, choices) -> str:
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def read_rows(source: Source, spec: FileSpec, report: CheckReport) -> Iterator[Row]:
    """Each good row of one file, with its line number; each problem goes on the report. The
    header is checked first: a missing or renamed column stops the file (its rows cannot be
    read faithfully), and so does text that is not UTF-8."""
    handle = source.open(spec.name)
    stream = io.TextIOWrapper(handle, encoding="utf-8-sig", errors="strict", newline="")
    reader = csv.reader(stream, strict=True)
    line = 1
    try:
        try:
            header = next(reader, None)
        except UnicodeDecodeError:
            report.add(Problem(spec.name, 1, "is not UTF-8 text: save the file as 'CSV UTF-8' and try again"))
            return
        if header is None:
            report.add(Problem(spec.name, 1, "is empty: it needs a header row naming its columns"))
            return
        header = [text.clean_line(h.replace("\x00", "")).lower() for h in header]
        if not _header_ok(spec, header, report):
            return
        positions = {name: header.index(name) for name in spec.column_names if name in header}
        while True:
            start = reader.line_num + 1  # a quoted cell may span lines: a row is named by its first
            try:
                cells = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError:
                report.add(Problem(spec.name, start,
                                   "is not UTF-8 text (from about this line): save the file as 'CSV UTF-8' and try again"))
                return
            except csv.Error as exc:
                report.add(Problem(spec.name, start, f"cannot be read as CSV here ({exc})"))
                return
            line = start
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(header):
                report.add(Problem(spec.name, line, f"has {len(cells)} cells where the header has {len(header)}"))
                continue
            values, good = {}, True
            for column in spec.columns:
                raw = cells[positions[column.name]] if column.name in positions else ""
                try:
                    values[column.name] = parse_cell(column, raw)
                except (CellError, text.BadText) as exc:
                    report.add(Problem(spec.name, line, str(exc), column.name))
                    good = False
            if good:
                yield Row(line, values)
    finally:
        stream.close()


def _header_ok(spec: FileSpec, header: list[str], report: CheckReport) -> bool:
    good = True
    known = set(spec.column_names)
    seen = set()
    for name in header:
        if name in seen:
            report.add(Problem(spec.name, 1, f"names the column '{name}' twice"))
            good = False
        seen.add(name)
        if name not in known:
            report.add(Problem(spec.name, 1, f"has a column CaseFlow does not know: '{text.fit(name, 60)}'"
                                             f"{_suggest(name, known - set(header))}"))
            good = False
    for column in spec.columns:
        if column.required and column.name not in header:
            report.add(Problem(spec.name, 1, f"is missing the column '{column.name}'"))
            good = False
    return good


# --- checking a whole bundle --------------------------------------------------------------------

def check(source: Source, max_file_bytes: int, known_elsewhere=None) -> CheckReport:
    """Every problem in the bundle, with its file and line, before anything is written.

    `known_elsewhere(kind, source_ids)` answers which of the ids a reference names are already
    in CaseFlow from an earlier import (a bundle may add to one imported before)."""
    report = CheckReport()
    names = source.names()
    for name in names:
        if name not in FILE_BY_NAME:
            report.add(Problem(name, None, f"is not a file of a migration bundle{_suggest(name, FILE_BY_NAME)}"
                                           f"; the files are {', '.join(FILE_BY_NAME)}"))
    present = [spec for spec in FILES if spec.name in names]
    if not present:
        report.add(Problem("(bundle)", None, "holds none of the files of a migration bundle"))
        return report
    ids: dict[MigratedKind, set[str]] = {}
    for spec in present:
        size = source.size(spec.name)
        if size > max_file_bytes:
            report.add(Problem(spec.name, None, f"is {size / 1e6:,.1f} MB; files of up to "
                                                f"{max_file_bytes / 1e6:,.0f} MB can be imported: split it"))
            continue
        _check_file(source, spec, report, ids, known_elsewhere)
    return report


def _check_file(source, spec: FileSpec, report: CheckReport, ids, known_elsewhere) -> None:
    seen: dict[str, int] = {}
    unique_emails: dict[str, int] = {}
    # Pairs and one-per-case records the database would refuse twice: caught here, with lines.
    once: dict[tuple, int] = {}
    once_key = {MigratedKind.MEMBERSHIP: ("family_id", "person_id"), MigratedKind.ASSESSMENT: ("case_id",),
                MigratedKind.PLAN: ("case_id",)}.get(spec.kind)
    dangling: dict[tuple[MigratedKind, str], list[tuple[int, str]]] = {}
    rows = 0
    for row in read_rows(source, spec, report):
        rows += 1
        source_id = row.values["id"]
        if source_id in seen:
            report.add(Problem(spec.name, row.line, f"repeats id '{text.fit(source_id, 64)}' "
                                                   f"(first on line {seen[source_id]})", "id"))
            continue
        seen[source_id] = row.line
        if spec.kind == MigratedKind.USER:
            email = row.values["email"].lower()
            if email in unique_emails:
                report.add(Problem(spec.name, row.line, f"repeats an email address (first on line "
                                                       f"{unique_emails[email]})", "email"))
            unique_emails[email] = row.line
        if once_key:
            key = tuple(row.values[name] for name in once_key)
            if key in once:
                what = "the same person in the same family" if spec.kind == MigratedKind.MEMBERSHIP \
                    else f"a second {spec.kind.value} for the same case"
                report.add(Problem(spec.name, row.line, f"is {what} (first on line {once[key]})", once_key[0]))
            once.setdefault(key, row.line)
        for column in spec.columns:
            if column.kind not in ("ref", "refs") or not row.values.get(column.name):
                continue
            targets = row.values[column.name] if column.kind == "refs" else [row.values[column.name]]
            for target in targets:
                if target not in ids.get(column.ref, ()):
                    dangling.setdefault((column.ref, target), []).append((row.line, column.name))
        for problem in _row_rules(spec, row):
            report.add(problem)
    report.rows[spec.name] = rows
    ids[spec.kind] = set(seen)
    by_kind: dict[MigratedKind, set[str]] = {}
    for kind, target in dangling:
        by_kind.setdefault(kind, set()).add(target)
    found = set()
    if known_elsewhere is not None:
        for kind, targets in by_kind.items():
            found |= {(kind, t) for t in known_elsewhere(kind, targets)}
    for (kind, target), places in dangling.items():
        if (kind, target) in found:
            continue
        for line, column in places:
            report.add(Problem(spec.name, line, f"refers to {kind.replace('_', ' ')} '{text.fit(target, 64)}', "
                                                f"which is not in {FILE_BY_KIND[kind].name}", column))


def _row_rules(spec: FileSpec, row: Row) -> Iterator[Problem]:
    """What a single row must hold together to make sense in CaseFlow."""
    v = row.values
    if spec.kind == MigratedKind.CASE:
        closed = v["stage"] in (Stage.CLOSED, Stage.SIGNPOSTED)
        if closed and (v["closed_at"] is None or v["closure_reason"] is None):
            yield Problem(spec.name, row.line, "a closed case needs closed_at and closure_reason", "stage")
        if not closed and v["closed_at"] is not None:
            yield Problem(spec.name, row.line, "an open case cannot have closed_at", "closed_at")
        if v["closed_at"] is not None and v["closed_at"] < v["opened_at"]:
            yield Problem(spec.name, row.line, "closed before it was opened", "closed_at")
    if spec.kind == MigratedKind.ASSESSMENT and v["status"] == AssessmentStatus.COMPLETE:
        if v["completed_at"] is None or v["completed_by_id"] is None:
            yield Problem(spec.name, row.line, "a complete assessment needs completed_at and completed_by_id",
                          "status")
    if spec.kind == MigratedKind.PLAN and v["status"] == PlanStatus.AGREED and v["agreed_at"] is None:
        yield Problem(spec.name, row.line, "an agreed plan needs agreed_at", "status")
    if spec.kind == MigratedKind.PLAN_ACTION and not (v["owner_user_id"] or v["owner_organisation_id"]):
        yield Problem(spec.name, row.line, "an action needs an owner: owner_user_id or owner_organisation_id",
                      "owner_user_id")
    if spec.kind == MigratedKind.CONSENT and v["expires_on"] is not None and v["expires_on"] < v["given_on"]:
        yield Problem(spec.name, row.line, "expires before it was given", "expires_on")


# --- writing text out again ---------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """A cell for a CSV someone will open in a spreadsheet: text that a spreadsheet would take
    for a formula (=, +, -, @, or a tab or carriage return before one) gets a leading apostrophe,
    so it shows as the text it is and never runs (OWASP "CSV injection")."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
