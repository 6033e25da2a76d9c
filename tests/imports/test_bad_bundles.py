"""Bad bundles: every problem is reported with its file and line before anything is written, and
nothing already stored is lost. Formulas in cells are stored as text and neutralised on the way
out again."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from caseflow.auth.models import User
from caseflow.cli import main
from caseflow.core.extensions import db
from caseflow.families.models import Family, Person
from caseflow.imports.bundle import CellError, parse_date, parse_datetime, spreadsheet_safe
from caseflow.imports.models import MigrationRecord
from caseflow.plans.models import Contact
from tests.imports.helpers import SYSTEM, check, copy_sample, import_bundle


def _edit(path, name: str, old: str, new: str) -> None:
    target = path / name
    content = target.read_text(encoding="utf-8")
    assert old in content, f"{old!r} not in {name}"
    target.write_text(content.replace(old, new, 1), encoding="utf-8")


def _problems(report) -> list[tuple]:
    return [(p.file, p.line, p.column, p.message) for p in report.problems]


def _one(report, file: str, line, phrase: str, column=None):
    found = [p for p in report.problems if p.file == file and p.line == line and phrase in p.message
             and (column is None or p.column == column)]
    assert found, f"no problem '{phrase}' at {file}:{line}; got {_problems(report)}"
    return found[0]


def test_missing_and_renamed_columns_stop_their_file(app_ctx, tmp_path):
    bundle = copy_sample(tmp_path)
    _edit(bundle, "families.csv", "id,name,created_at", "id,created_at")
    _edit(bundle, "people.csv", "family_name,date_of_birth", "familyname,date_of_birth")
    report = check(bundle)
    _one(report, "families.csv", 1, "missing the column 'name'")
    renamed = _one(report, "people.csv", 1, "column CaseFlow does not know: 'familyname'")
    assert "did you mean 'family_name'" in renamed.message
    _one(report, "people.csv", 1, "missing the column 'family_name'")
    # Rows of a file whose header is wrong are not read, so references to them are reported too.
    assert any(p.file == "memberships.csv" and "not in people.csv" in p.message for p in report.problems)


def test_wrong_encoding(app_ctx, tmp_path):
    bundle = copy_sample(tmp_path)
    (bundle / "families.csv").write_bytes("id,name\nF100,Walsh\nF200,Müller\n".encode("cp1252"))
    report = check(bundle)
    problem = _one(report, "families.csv", 1, "not UTF-8")
    assert "CSV UTF-8" in problem.message


def test_dates_in_several_formats_are_read_and_doubtful_ones_refused(app_ctx, tmp_path):
    assert parse_date("2026-12-03") == parse_date("03/12/2026") == parse_date("3 December 2026") \
        == parse_date("3 Dec 2026") == parse_date("3.12.2026") == parse_date("December 3, 2026") == date(2026, 12, 3)
    assert parse_datetime("2026-07-01 09:30") == datetime(2026, 7, 1, 8, 30, tzinfo=timezone.utc)  # BST
    assert parse_datetime("2026-07-01T09:30:00Z") == datetime(2026, 7, 1, 9, 30, tzinfo=timezone.utc)
    for doubtful, phrase in [("03/12/26", "two-digit year"), ("12/31/2026", "month/day/year"),
                             ("31/02/2026", "not a day of the calendar"), ("3 Decembre 2026", "names no month"),
                             ("yesterday", "not a date"), ("01/01/0026", "cannot be right")]:
        with pytest.raises(CellError, match=phrase):
            parse_date(doubtful)
    bundle = copy_sample(tmp_path)
    _edit(bundle, "contacts.csv", "K2,C10,28/03/2024", "K2,C10,03/28/2024")
    _edit(bundle, "people.csv", "P3,Adaeze,Okafor,3 June 1979", "P3,Adaeze,Okafor,03/06/79")
    report = check(bundle)
    _one(report, "contacts.csv", 3, "month/day/year", "occurred_on")
    _one(report, "people.csv", 6, "two-digit year", "date_of_birth")  # P1 and P2 span two lines each


def test_duplicate_rows_and_ids(app_ctx, tmp_path):
    bundle = copy_sample(tmp_path)
    with (bundle / "contacts.csv").open("a", encoding="utf-8") as handle:
        handle.write("K2,C10,28/03/2024,missed_visit,No answer at the door; card left.,,U1,\n")
    with (bundle / "memberships.csv").open("a", encoding="utf-8") as handle:
        handle.write("M6,F100,P1,parent_carer,yes\n")
    report = check(bundle)
    _one(report, "contacts.csv", 5, "repeats id 'K2' (first on line 3)", "id")
    _one(report, "memberships.csv", 7, "same person in the same family (first on line 2)")


def test_dangling_references_unknown_values_nul_bytes_and_long_text(app_ctx, tmp_path):
    bundle = copy_sample(tmp_path)
    _edit(bundle, "contacts.csv", "K3,C20,", "K3,C99,")
    _edit(bundle, "memberships.csv", "M5,F200,P5,child", "M5,F200,P5,grandchild")
    _edit(bundle, "users.csv", "U3,jo.senco@northshire.example,Jo SENCo,partner", "U3,jo.senco@northshire.example,Jo SENCo,admin")
    _edit(bundle, "families.csv", "F200,Okafor", "F200,Oka\x00for")
    _edit(bundle, "reviews.csv", "Attendance up to 85%.", "x" * 20_001)
    report = check(bundle)
    _one(report, "contacts.csv", 4, "refers to case 'C99', which is not in cases.csv", "case_id")
    unknown = _one(report, "memberships.csv", 6, "unknown value 'grandchild'", "relationship")
    assert "parent_carer, child, significant_adult" in unknown.message
    _one(report, "users.csv", 4, "made in CaseFlow, not imported", "role")
    _one(report, "families.csv", 3, "NUL", "name")
    _one(report, "reviews.csv", 2, "characters long; at most 20,000 fit", "notes")
    assert report.problem_count >= 5


def test_files_larger_than_allowed_and_files_that_are_not_in_a_bundle(app_ctx, tmp_path):
    bundle = copy_sample(tmp_path)
    (bundle / "familes.csv").write_text("id,name\n", encoding="utf-8")
    report = check(bundle, max_file_bytes=400)
    too_big = _one(report, "people.csv", None, "MB; files of up to")
    assert "split it" in too_big.message
    _one(report, "familes.csv", None, "did you mean 'families.csv'")


def test_a_bad_bundle_writes_nothing_and_loses_nothing(app, app_ctx, factory, tmp_path):
    admin = factory.user("admin")
    import_bundle(db.session.get(User, admin.id), copy_sample(tmp_path / "first"))
    before = (db.session.scalar(select(func.count()).select_from(Family)),
              db.session.scalar(select(func.count()).select_from(MigrationRecord)))
    bundle = copy_sample(tmp_path / "second")
    _edit(bundle, "families.csv", "F200,Okafor", "F300,Nowak")  # would be new...
    _edit(bundle, "cases.csv", "C20,F200,closed", "C20,F200,shut")  # ...but the bundle has a problem
    result = app.test_cli_runner().invoke(main, ["import", "migration", str(bundle), "--source-system", SYSTEM,
                                                "--by", admin.email])
    assert result.exit_code == 2
    assert "cases.csv, line 3, column stage: unknown value 'shut'" in result.output
    assert "nothing was imported" in result.output
    db.session.rollback()
    assert (db.session.scalar(select(func.count()).select_from(Family)),
            db.session.scalar(select(func.count()).select_from(MigrationRecord))) == before


def test_the_command_checks_imports_and_runs_again_safely(app, app_ctx, factory, tmp_path):
    admin = factory.user("analyst")
    runner = app.test_cli_runner()
    args = ["import", "migration", str(copy_sample(tmp_path)), "--source-system", SYSTEM, "--by", admin.email]
    dry = runner.invoke(main, args + ["--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "ready to import (38 rows)" in dry.output
    assert db.session.scalar(select(func.count()).select_from(Family)) == 0
    real = runner.invoke(main, args + ["--batch-size", "5"])
    assert real.exit_code == 0, real.output
    assert "38 records imported from Northshire EHM" in real.output
    again = runner.invoke(main, args)
    assert again.exit_code == 0 and "0 records imported" in again.output and "38 were already here" in again.output
    keyworker = factory.user("keyworker")
    refused = runner.invoke(main, args[:-1] + [keyworker.email])
    assert refused.exit_code == 2 and "analysts and administrators" in refused.output


FORMULAS = ['=HYPERLINK("http://evil.example","click")', "+1+1", "-2+3", "@SUM(A1:A2)"]


def test_formulas_in_cells_are_stored_as_text_and_neutralised_when_exported(app_ctx, factory, tmp_path):
    bundle = copy_sample(tmp_path)
    _edit(bundle, "contacts.csv", "No answer at the door; card left.", f'"{FORMULAS[0].replace(chr(34), chr(34) * 2)}"')
    _edit(bundle, "people.csv", "P5,Tobi,", f"P5,{FORMULAS[3]},")
    import_bundle(db.session.get(User, factory.user("admin").id), bundle)
    contact = db.session.scalar(select(Contact).where(Contact.contact_type == "missed_visit"))
    assert contact.notes == FORMULAS[0]  # the characters as they were: never evaluated
    assert db.session.scalar(select(Person.given_name).where(Person.family_name == "Okafor",
                                                             Person.given_name.like("@%"))) == FORMULAS[3]
    for formula in FORMULAS:
        assert spreadsheet_safe(formula) == "'" + formula
    assert spreadsheet_safe("Walsh") == "Walsh" and spreadsheet_safe(3) == 3


def test_the_problems_download_neutralises_formulas(app_ctx):
    from caseflow.imports.services import problems_csv
    from caseflow.imports.bundle import Problem

    rows = list(csv.reader(io.StringIO(problems_csv([
        Problem("people.csv", 4, "=cmd|' /C calc'!A0", "sex").as_dict()]))))
    assert rows[0] == ["file", "line", "column", "problem"]
    assert rows[1] == ["people.csv", "4", "sex", "'=cmd|' /C calc'!A0"]


def test_the_bundle_layout_is_documented_column_by_column():
    from pathlib import Path

    from caseflow.imports.bundle import FILES

    doc = (Path(__file__).resolve().parents[2] / "docs" / "migration-bundle.md").read_text()
    for spec in FILES:
        section = doc.split(f"### {spec.name}\n", 1)[1].split("###", 1)[0]
        documented = [line.split("`")[1] for line in section.splitlines() if line.startswith("| `")]
        assert documented == spec.column_names, spec.name
