"""Benchmark: compute every family's outcome status and propose claims, at county scale.

Seeds (once, then reuses) N families on the programme into a PostgreSQL database through the
real migrations: each with a parent and a child, an agreed plan started 7 to 30 months ago, two
confirmed headline problems and the evidence those problems are measured by (attendance per
term, incidents, benefit claims and jobs with gaps, keyworker records). Then times the claims
run's two halves, as the queued job runs them: recomputing every family's progress with the one
rules module (caseflow.outcomes.rules), a batch of families at a time, and proposing the claims
(candidates found in SQL, snapshots built for them only), shared among --workers processes as a
queued run shares them. Then the next day's routine run (nothing new), and one with new evidence
for one family in a hundred. Each line gives wall time, CPU time (this process and its workers,
plus the PostgreSQL backends serving them) and the load average when it began: on a shared
machine CPU time divided by the cores bounds what the wall time would be on an idle one. A
figure, not a timed test.

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
import threading
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


class BackendCPU:
    """CPU seconds used by the PostgreSQL backends serving this database (the bench and its worker
    processes are its only clients; same machine, so their /proc entries). A worker's backend
    ends with the worker, so a thread samples every backend's counters a few times a second and
    keeps the last reading of each: a reading is the sum (at most a sample's worth short for a
    backend that has just ended). The machine is shared and loaded, so wall time is noisy; CPU
    time is the steadier figure."""

    def __init__(self, url: str, interval: float = 0.1):
        import psycopg

        self.latest: dict[int, float] = {}
        self.connection = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
        self.own = self.connection.info.backend_pid
        self.interval, self.lock, self.stopped = interval, threading.Lock(), threading.Event()
        self.pids: list[int] = []
        self.sample(refresh=True)
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def sample(self, refresh: bool) -> None:
        if refresh:
            self.pids = [pid for (pid,) in self.connection.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()") if pid != self.own]
        tick = os.sysconf("SC_CLK_TCK")
        with self.lock:
            for pid in self.pids:
                try:
                    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue  # ended: its last reading stands
                self.latest[pid] = (int(fields[11]) + int(fields[12])) / tick

    def run(self) -> None:
        count = 0
        while not self.stopped.wait(self.interval):
            self.sample(refresh=count % 3 == 0)
            count += 1

    def reading(self) -> float:
        self.sample(refresh=True)
        with self.lock:
            return sum(self.latest.values())


BACKENDS: BackendCPU | None = None


class Clock:
    """Wall time, CPU time of this process and its (finished) worker processes, and the database
    backends' CPU time, from one point."""

    def __init__(self):
        times = os.times()
        self.wall, self.load = time.perf_counter(), os.getloadavg()[0]
        self.cpu = times.user + times.system + times.children_user + times.children_system
        self.db = BACKENDS.reading()

    def since(self, other: "Clock") -> str:
        cpu, db_cpu = self.cpu - other.cpu, self.db - other.db
        return (f"{self.wall - other.wall:6.1f} s wall | CPU {cpu + db_cpu:6.1f} s = {cpu:5.1f} Python "
                f"+ {db_cpu:5.1f} PostgreSQL | load {other.load:.1f}")


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
    global BACKENDS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", type=int, default=250_000)
    parser.add_argument("--database-url", default="postgresql://root@127.0.0.1:5432/cf_bench_outcomes")
    parser.add_argument("--rebuild", action="store_true", help="drop and seed the database again")
    parser.add_argument("--workers", type=int, default=2,
                        help="worker processes, as a queued claims run uses (caseflow.outcomes.runs)")
    parser.add_argument("--seed-only", action="store_true", help="seed (if needed) and stop")
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
        from caseflow.outcomes import claims, outcomes_plan, progress
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
        if args.seed_only:
            return
        upgrade("head")  # a database seeded by an older checkout gets this one's migrations
        # Each run starts from no computed progress and no claims, as a first claims run would;
        # the Outcomes Plan version is committed first, as the queued run does.
        db.session.execute(delete(Claim))
        db.session.execute(delete(FamilyOutcome))
        outcomes_plan.current()
        db.session.commit()
        evidence_rows = db.session.scalar(text("SELECT count(*) FROM outcome_evidence"))
        analyst = db.session.scalar(select(User).where(User.email == "analyst@bench.example"))
        db.session.commit()
        BACKENDS = BackendCPU(args.database_url)

        def claims_run(as_of):
            """The queued claims run's two halves, as runs._work does them (committing as it goes)."""
            start = Clock()
            measured = progress.recompute_all(as_of, workers=args.workers)
            db.session.commit()
            computed = Clock()
            made = claims.propose(analyst, as_of, workers=args.workers)
            db.session.commit()
            return measured, made, start, computed, Clock()

        print(f"Outcomes bench on PostgreSQL: {args.families:,} families, {evidence_rows:,} evidence rows, "
              f"{args.workers} worker process(es), batches of {progress.BATCH:,}; {os.cpu_count()} cores", flush=True)
        measured, made, t0, t1, t2 = claims_run(today)
        print(f"  first claims run, compute outcome status ({measured:,} families): {t1.since(t0)}")
        print(f"  first claims run, propose claims ({made['sustained_progress']:,} sustained progress, "
              f"{made['continuous_employment']:,} continuous employment): {t2.since(t1)}")
        print(f"  FIRST CLAIMS RUN TOTAL (target: under 60 s wall on an idle 2-core machine): {t2.since(t0)}",
              flush=True)
        # The next day's routine run: nothing new (only families whose recheck day has come).
        _, made, t3, t4, t5 = claims_run(today + timedelta(days=1))
        print(f"  next day's claims run, nothing new: compute {t4.since(t3)}")
        print(f"                                      propose ({sum(made.values()):,} new claims) {t5.since(t4)}")
        print(f"  NEXT DAY'S CLAIMS RUN TOTAL: {t5.since(t3)}", flush=True)
        # Then with new evidence for one family in a hundred (an attendance return arriving).
        people = list(db.session.scalars(text(
            "SELECT DISTINCT ON (m.family_id) m.person_id FROM family_members m "
            "JOIN family_outcomes o ON o.family_id = m.family_id ORDER BY m.family_id, m.person_id")))[::100]
        recorder = db.session.scalar(select(User.id).where(User.email == "kw@bench.example"))
        db.session.execute(text(
            "INSERT INTO outcome_evidence (id, person_id, kind, period_start, period_end, value, source, "
            "recorded_by_id, recorded_at) VALUES (:id, :p, 'attendance', :d, :d, 95, 'partner_system', :u, now())"),
            [{"id": new_id(), "p": person, "d": today, "u": recorder} for person in people])
        db.session.commit()
        _, made, t6, t7, t8 = claims_run(today + timedelta(days=1))
        print(f"  next day's claims run, new evidence for {len(people):,} families: {t8.since(t6)}")
        BACKENDS.stopped.set()


if __name__ == "__main__":
    main()
