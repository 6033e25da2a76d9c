"""Benchmark: compute every family's outcome status and propose claims, at county scale.

Seeds (once, then reuses) N families on the programme into a PostgreSQL database through the
real migrations: each with a parent and a child, an agreed plan started 7 to 30 months ago, two
confirmed headline problems and the evidence those problems are measured by (attendance per
term, incidents, benefit claims and jobs with gaps, keyworker records). Then times the claims
run's two halves, as the queued job runs them: recomputing every family's progress with the one
rules module (caseflow.outcomes.rules), a batch of families at a time, and proposing the claims
(candidates found in SQL, snapshots built for them only). A figure, not a timed test.

    .venv/bin/python bench/outcomes.py --families 250000 \\
        --database-url postgresql://root@127.0.0.1:5432/cf_bench_outcomes
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import delete, func, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from caseflow.app import create_app  # noqa: E402
from caseflow.core import crypto  # noqa: E402
from caseflow.core.database import new_id  # noqa: E402
from caseflow.core.extensions import db  # noqa: E402
from caseflow.core.migrate import upgrade  # noqa: E402

PASSWORD = "benchmark password 1"


def backend_cpu() -> float:
    """CPU seconds used so far by the PostgreSQL backends serving this database (the bench is
    its only client; same machine, so their /proc entries). The machine is shared and loaded,
    so wall time is noisy; CPU time is the steadier figure."""
    total = 0.0
    for pid in db.session.scalars(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


class Clock:
    """Wall time, this process's CPU time and the database backend's CPU time, from one point."""

    def __init__(self):
        self.wall, self.cpu, self.db = time.perf_counter(), time.process_time(), backend_cpu()

    def since(self, other: "Clock") -> str:
        return (f"{self.wall - other.wall:7.1f} s wall, {self.cpu - other.cpu:6.1f} s Python CPU, "
                f"{self.db - other.db:6.1f} s PostgreSQL CPU")
PROBLEMS = ["education", "crime_asb", "worklessness", "health", "domestic_abuse"]
TERM_DAYS = [((9, 3), (12, 19)), ((1, 5), (3, 27)), ((4, 13), (7, 22))]


def terms_after(start: date, count: int) -> list[tuple[date, date]]:
    """The first `count` school terms beginning after `start`."""
    out, year = [], start.year - 1
    while len(out) < count:
        for index, ((m1, d1), (m2, d2)) in enumerate(TERM_DAYS):
            y = year if index == 0 else year + 1
            first, last = date(y, m1, d1), date(y, m2, d2)
            if first > start and len(out) < count:
                out.append((first, last))
        year += 1
    return out


def seed(families: int, today: date) -> None:
    from caseflow.auth.services import create_organisation, create_team, create_user

    rng = random.Random(17)
    org = create_organisation("Bench Early Help", "early_help", actor="bench")
    team = create_team("Bench team", org, actor="bench")
    keyworker, _ = create_user("kw@bench.example", "Keyworker", "keyworker", org.name, PASSWORD, team=team, actor="bench")
    create_user("analyst@bench.example", "Analyst", "analyst", org.name, PASSWORD, actor="bench")
    db.session.commit()
    empty_list, empty_dict = crypto.encrypt("[]"), crypto.encrypt("{}")
    now = datetime.now(timezone.utc)
    tables = {name: [] for name in ("families", "people", "family_members", "cases", "assessments", "plans",
                                    "outcome_evidence")}

    def evidence(person, kind, start, end=None, value=None, code=None):
        tables["outcome_evidence"].append((new_id(), person, kind, start, end, value, code, "partner_system",
                                           keyworker.id, now))

    for i in range(families):
        family, parent, child, case = new_id(), new_id(), new_id(), new_id()
        started = today - timedelta(days=rng.randint(210, 900))
        agreed_at = datetime(started.year, started.month, started.day, 10, tzinfo=timezone.utc)
        tables["families"].append((family, f"FAM-O{i:07d}", f"Family{i}", now))
        tables["people"].append((parent, "Sam", f"Family{i}", date(1985, 1, 1), "unknown", "sam", f"family{i}", now, now))
        tables["people"].append((child, "Leah", f"Family{i}", date(2012, 1, 1), "unknown", "leah", f"family{i}", now, now))
        tables["family_members"].append((new_id(), family, parent, "parent_carer", True, now))
        tables["family_members"].append((new_id(), family, child, "child", True, now))
        tables["cases"].append((case, f"CF-O{i:07d}", family, "reviewing", "routine", agreed_at, False,
                                keyworker.id, team.id, 1, now))
        problems = rng.sample(PROBLEMS, 2)
        tables["assessments"].append((new_id(), case, "complete", started, empty_list, empty_dict, json.dumps(problems),
                                      json.dumps({p: 3 for p in problems}), agreed_at, keyworker.id, agreed_at,
                                      keyworker.id, 1))
        tables["plans"].append((new_id(), case, "agreed", agreed_at, keyworker.id, True, agreed_at, keyworker.id, 1))
        good = rng.random() < 0.35  # about a third of a county's families turned round so far
        if "education" in problems:
            for n, (first, last) in enumerate(terms_after(started, rng.randint(2, 4))):
                if first <= today:
                    evidence(child, "attendance", first, last, rng.uniform(90, 99) if good or n != 1 else 82.0)
        if "crime_asb" in problems:
            for _ in range(3):
                evidence(child, "asb", started - timedelta(days=rng.randint(1, 170)))
            for _ in range(0 if good else 2):
                evidence(child, "asb", started + timedelta(days=rng.randint(1, 150)))
        if "domestic_abuse" in problems:
            evidence(parent, "domestic_abuse_incident", started - timedelta(days=rng.randint(1, 150)))
            if not good:
                evidence(parent, "domestic_abuse_incident", started + timedelta(days=rng.randint(1, 150)))
        if "health" in problems:
            evidence(parent, "keyworker_outcome", started + timedelta(days=rng.randint(20, 120)), value=1.0, code="health")
        if "worklessness" in problems:
            job = started + timedelta(days=rng.randint(10, 60))
            evidence(parent, "benefit_claim", started - timedelta(days=400), job - timedelta(days=1),
                     code=rng.choice(["jsa", "universal_credit", "esa"]))
            if good and job <= today:
                first_end = min(today, job + timedelta(weeks=rng.randint(8, 20)))
                evidence(parent, "employment", job, first_end)
                restart = first_end + timedelta(weeks=rng.randint(1, 3))
                if restart <= today:
                    evidence(parent, "employment", restart, None)
    columns = {
        "families": "id, reference, name, created_at",
        "people": "id, given_name, family_name, date_of_birth, sex, given_name_norm, family_name_norm, created_at, updated_at",
        "family_members": "id, family_id, person_id, relationship, in_household, created_at",
        "cases": "id, reference, family_id, stage, urgency, opened_at, is_re_referral, keyworker_id, team_id, version, created_at",
        "assessments": "id, case_id, status, due_on, members, domains, confirmed_problems, baseline, started_at, "
                       "started_by_id, updated_at, updated_by_id, version",
        "plans": "id, case_id, status, agreed_at, agreed_by_id, family_agreed, updated_at, updated_by_id, version",
        "outcome_evidence": "id, person_id, kind, period_start, period_end, value, code, source, recorded_by_id, recorded_at",
    }
    raw = db.engine.raw_connection()
    try:
        with raw.driver_connection.cursor() as cursor:
            for table, rows in tables.items():
                with cursor.copy(f"COPY {table} ({columns[table]}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                print(f"  seeded {table}: {len(rows):,} rows", flush=True)
        raw.driver_connection.commit()
        with raw.driver_connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        raw.driver_connection.commit()
    finally:
        raw.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", type=int, default=250_000)
    parser.add_argument("--database-url", default="postgresql://root@127.0.0.1:5432/cf_bench_outcomes")
    parser.add_argument("--rebuild", action="store_true", help="drop and seed the database again")
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        parser.error("the figure is for PostgreSQL: give a postgresql:// URL")
    instance = Path(tempfile.gettempdir()) / "caseflow-bench-outcomes"
    instance.mkdir(exist_ok=True)
    app = create_app(instance_path=instance, database_url=args.database_url, environment="development")
    today = date.today()
    with app.app_context():
        from caseflow.auth.models import User
        from caseflow.families.models import Family
        from caseflow.outcomes import claims, progress
        from caseflow.outcomes.models import Claim, FamilyOutcome

        existing = 0
        try:
            existing = db.session.scalar(select(func.count()).select_from(Family)) or 0
        except Exception:
            db.session.rollback()
        if args.rebuild or existing != args.families:
            print(f"Seeding {args.families:,} families (found {existing:,})...", flush=True)
            db.session.remove()
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            upgrade("head")
            started = time.perf_counter()
            seed(args.families, today)
            print(f"  seeding took {time.perf_counter() - started:.0f} s", flush=True)
        upgrade("head")  # a database seeded by an older checkout gets this one's migrations
        # Each run starts from no computed progress and no claims, as a first claims run would.
        db.session.execute(delete(Claim))
        db.session.execute(delete(FamilyOutcome))
        db.session.commit()
        analyst = db.session.scalar(select(User).where(User.email == "analyst@bench.example"))
        evidence_rows = db.session.scalar(text("SELECT count(*) FROM outcome_evidence"))

        t0 = Clock()
        measured = progress.recompute_all(today)
        db.session.commit()
        t1 = Clock()
        print(f"  (computed {measured:,} families: {t1.since(t0)})", flush=True)
        analyst = db.session.scalar(select(User).where(User.email == "analyst@bench.example"))
        made = claims.propose(analyst, today)
        db.session.commit()
        t2 = Clock()
        print()
        print(f"Outcomes bench on PostgreSQL: {args.families:,} families, {evidence_rows:,} evidence rows")
        print(f"  compute outcome status (every family, rules module, batches of {progress.BATCH:,}): "
              f"{t1.since(t0)}  ({measured:,} families)")
        print(f"  propose claims (candidates in SQL, snapshot each):                  {t2.since(t1)}  "
              f"({made['sustained_progress']:,} sustained progress, {made['continuous_employment']:,} "
              "continuous employment)")
        print(f"  total claims run:                                                    {t2.since(t0)}  "
              "(target: under 60 s)")
        # The next day's run: nothing new (only families whose recheck day has come), then with
        # new evidence for one family in a hundred (an attendance return arriving).
        t3 = Clock()
        progress.recompute_all(today + timedelta(days=1))
        db.session.commit()
        t4 = Clock()
        people = list(db.session.scalars(text(
            "SELECT DISTINCT ON (m.family_id) m.person_id FROM family_members m "
            "JOIN family_outcomes o ON o.family_id = m.family_id ORDER BY m.family_id, m.person_id")))[::100]
        recorder = db.session.scalar(select(User.id).where(User.email == "kw@bench.example"))
        for person in people:
            db.session.execute(text(
                "INSERT INTO outcome_evidence (id, person_id, kind, period_start, period_end, value, source, "
                "recorded_by_id, recorded_at) VALUES (:id, :p, 'attendance', :d, :d, 95, 'partner_system', :u, now())"),
                {"id": new_id(), "p": person, "d": today, "u": recorder})
        db.session.commit()
        t5 = Clock()
        progress.recompute_all(today + timedelta(days=1))
        db.session.commit()
        t6 = Clock()
        print(f"  next day's compute, nothing new (incremental):                       {t4.since(t3)}")
        print(f"  next day's compute, new evidence for {len(people):,} families (incremental):  {t6.since(t5)}")


if __name__ == "__main__":
    main()
