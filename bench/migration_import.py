"""Benchmark: the migration import (caseflow/imports) of a generated bundle, at two sizes, to show
that memory stays flat whatever the size: it prints the time to check and to import, and the
peak memory Python allocated during each (tracemalloc), per size.

    .venv/bin/python bench/migration_import.py                          # 2,000 and 20,000 families, SQLite
    .venv/bin/python bench/migration_import.py --families 5000 50000
    .venv/bin/python bench/migration_import.py --database-url postgresql://root@127.0.0.1:5432/bench

Each family has two people, a case, an assessment, a plan with two outcomes and ten contacts
with a paragraph of notes each (about 17 rows a family). Each size runs in a new database.
What grows with the size is the set of source ids the check keeps (to find duplicates and
references that lead nowhere): tens of bytes per row.
"""
from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NOTE = ("Visited at home. Kerry talked about the week; Leah was at school. We went through the plan and "
        "agreed the next steps with the school and the GP. ") * 3


def write_bundle(folder: Path, families: int) -> int:
    rows = 0

    def table(name, header, generate):
        nonlocal rows
        with (folder / name).open("w", newline="", encoding="utf-8") as handle:
            out = csv.writer(handle)
            out.writerow(header)
            for row in generate():
                out.writerow(row)
                rows += 1

    table("organisations.csv", ["id", "name", "type"], lambda: [["O1", "Bench Early Help", "early_help"]])
    table("users.csv", ["id", "email", "name", "role", "organisation_id", "team"],
          lambda: ([f"U{i}", f"worker{i}@bench.example", f"Worker {i}", "keyworker", "O1", "North"] for i in range(50)))
    table("families.csv", ["id", "name", "created_at"], lambda: ([f"F{i}", f"Family{i}", "2024-01-02"] for i in range(families)))
    table("people.csv", ["id", "given_name", "family_name", "date_of_birth"],
          lambda: ([f"P{i}-{k}", "Kerry" if k == 0 else "Leah", f"Family{i}", "12/05/1988" if k == 0 else "3 February 2011"]
                   for i in range(families) for k in range(2)))
    table("memberships.csv", ["id", "family_id", "person_id", "relationship"],
          lambda: ([f"M{i}-{k}", f"F{i}", f"P{i}-{k}", "parent_carer" if k == 0 else "child"]
                   for i in range(families) for k in range(2)))
    table("cases.csv", ["id", "family_id", "stage", "opened_at", "keyworker_id"],
          lambda: ([f"C{i}", f"F{i}", "reviewing", "2024-01-03 09:00", f"U{i % 50}"] for i in range(families)))
    table("contacts.csv", ["id", "case_id", "occurred_on", "contact_type", "notes", "recorded_by_id"],
          lambda: ([f"K{i}-{k}", f"C{i}", f"{k + 1:02d}/02/2024", "home_visit", NOTE, f"U{i % 50}"]
                   for i in range(families) for k in range(10)))
    table("assessments.csv", ["id", "case_id", "status", "due_on", "started_at", "started_by_id", "completed_at",
                              "completed_by_id", "confirmed_problems"],
          lambda: ([f"A{i}", f"C{i}", "complete", "2024-02-14", "2024-01-04", f"U{i % 50}", "2024-02-10",
                    f"U{i % 50}", "education;health"] for i in range(families)))
    table("plans.csv", ["id", "case_id", "status", "agreed_at", "updated_at", "updated_by_id"],
          lambda: ([f"PL{i}", f"C{i}", "agreed", "2024-02-12", "2024-02-12", f"U{i % 50}"] for i in range(families)))
    table("plan_outcomes.csv", ["id", "plan_id", "headline_problem", "description", "measure", "target_date"],
          lambda: ([f"PO{i}-{p}", f"PL{i}", p, f"Outcome for {p}", f"Measure for {p}", "2024-07-31"]
                   for i in range(families) for p in ("education", "health")))
    return rows


def run(database_url: str | None, families: int) -> None:
    from sqlalchemy import select

    from caseflow.app import create_app
    from caseflow.auth.models import User
    from caseflow.auth.services import create_organisation, create_user
    from caseflow.core.extensions import db
    from caseflow.core.migrate import upgrade
    from caseflow.imports import bundle as bundles, migration

    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        url = database_url or f"sqlite:///{scratch / 'bench.db'}"
        app = create_app(instance_path=scratch / "instance", database_url=url, environment="development")
        folder = scratch / "bundle"
        folder.mkdir()
        rows = write_bundle(folder, families)
        size_mb = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
        with app.app_context():
            upgrade("head")
            org = create_organisation("Bench Council", "early_help")
            create_user("analyst@bench.example", "Bench Analyst", "analyst", org.name, "correct horse battery staple")
            db.session.commit()
            actor = db.session.scalar(select(User).where(User.email == "analyst@bench.example"))
            source = bundles.open_source(folder)
            tracemalloc.start()
            started = time.perf_counter()
            report = bundles.check(source, 2**40, known_elsewhere=migration.known_elsewhere("Bench"))
            checked = time.perf_counter() - started
            _, check_peak = tracemalloc.get_traced_memory()
            db.session.rollback()
            assert report.ok, [str(p) for p in report.problems[:5]]
            tracemalloc.reset_peak()
            started = time.perf_counter()
            for _ in migration.run(actor, source, "Bench", report, batch_size=500):
                db.session.commit()
            imported = time.perf_counter() - started
            _, import_peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            source.close()
        print(f"{families:>8,} families {rows:>9,} rows {size_mb:7.1f} MB | check {checked:7.1f} s, "
              f"peak {check_peak / 1e6:6.1f} MB | import {imported:7.1f} s ({rows / imported:,.0f} rows/s), "
              f"peak {import_peak / 1e6:6.1f} MB", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--families", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--database-url", default=None, help="an empty database (default: a new SQLite file)")
    args = parser.parse_args()
    for families in args.families:
        run(args.database_url, families)


if __name__ == "__main__":
    main()
