"""Benchmark: a burst of police incidents through the real stack, end to end.

PostgreSQL, Redis, the app under gunicorn on 127.0.0.1, and `caseflow worker` processes (RQ).
Builds families open to early help through the real services, fires a burst of incidents at
`POST /api/v1/notifications` from concurrent clients, waits for every one to be routed, and
prints acceptance throughput and end-to-end latency (event accepted -> the keyworker's inbox
row written), p50/p95/p99.

    .venv/bin/python bench/notifications.py
    .venv/bin/python bench/notifications.py --events 10000 --rq-workers 2 --web-workers 3 --clients 4 --batch 100
    .venv/bin/python bench/notifications.py --batch 1 --clients 24      # one request per incident
    .venv/bin/python bench/notifications.py --events 1000 --rate 40     # a steady stream, not a burst
    .venv/bin/python bench/notifications.py --workers-only              # accepting requests never route
    .venv/bin/python bench/notifications.py --route-after               # routing capacity on its own

When the workers fall behind a burst, the requests accepting events route their own
(CASEFLOW_ROUTE_INLINE_AFTER_MS): the default run shows the whole system; --workers-only shows
what the two RQ workers manage alone while the web workers accept flat out.

The database named by --database-url is emptied first (default: a `cf_bench` database, created
if missing). Redis database 13 is flushed.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from sqlalchemy import create_engine, func, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from caseflow.app import create_app
from caseflow.core.extensions import db
from caseflow.core.migrate import upgrade

PASSWORD = "benchmark password 1"
TRIAGE = {"level_of_need": 3, "rag": "amber", "decision": "panel",
          "headline_problems": [{"code": "domestic_abuse", "evidence": "Police notifications"}],
          "rationale": "Whole-family work needed."}


def fresh_database(url: str) -> None:
    base, _, name = url.rpartition("/")
    admin = create_engine(f"{base}/postgres".replace("postgresql://", "postgresql+psycopg://"),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def build(families: int) -> tuple[str, list[dict]]:
    """Families open to early help (allocated), a school with a key adult, and the police system."""
    from caseflow.allocation import services as allocation
    from caseflow.auth.services import create_organisation, create_team, create_token, create_user
    from caseflow.frontdoor.models import Source
    from caseflow.frontdoor.services import submit_request
    from caseflow.notify import partners
    from caseflow.triage import services as triage

    eh = create_organisation("Bench Early Help", "early_help")
    school = create_organisation("Bench Academy", "school")
    create_organisation("Bench Police", "police")
    team = create_team("Bench Locality", eh)
    officer, _ = create_user("officer@bench.example", "Front Door", "front_door", eh.name, PASSWORD)
    manager, _ = create_user("manager@bench.example", "Team Manager", "team_manager", eh.name, PASSWORD, team=team)
    admin, _ = create_user("admin@bench.example", "Admin", "admin", eh.name, PASSWORD)
    key_adult, _ = create_user("keyadult@bench.example", "Key Adult", "partner", school.name, PASSWORD)
    keyworkers = [create_user(f"kw{i}@bench.example", f"Keyworker {i}", "keyworker", eh.name, PASSWORD, team=team)[0]
                  for i in range(10)]
    police, _ = create_user("police@bench.example", "Police system", "partner_system", "Bench Police", PASSWORD)
    db.session.commit()
    partners.configure(admin, school.id, {"key_adult_id": key_adult.id})
    _, token = create_token(police.email)
    db.session.commit()
    from datetime import date, timedelta

    from faker import Faker

    fake = Faker("en_GB")
    fake.seed_instance(7)
    people = []
    for i in range(families):
        surname = fake.unique.last_name() + "-" + fake.unique.last_name()  # no two families alike
        child = {"given_name": fake.first_name(), "family_name": surname,
                 "date_of_birth": (date(2010, 1, 1) + timedelta(days=13 * i)).isoformat(),
                 "sex": "unknown", "relationship": "child", "postcode": f"NS{i % 9 + 1} {i % 7 + 1}AB",
                 "school": school.name}
        submission = submit_request(officer, {
            "referrer": {"name": "Bench DSL", "organisation": school.name, "role": "DSL", "email": "dsl@bench.example"},
            "people": [child], "concerns": ["domestic_abuse"], "details": "Bench family", "consent_given": True,
            "urgency": "routine"}, Source.PROFESSIONAL)
        triage.triage(officer, submission.case.id, TRIAGE)
        allocation.allocate_case(manager, submission.case.id, {"keyworker_id": keyworkers[i % len(keyworkers)].id,
                                                               "confirm_over_capacity": True})
        people.append({k: child[k] for k in ("given_name", "family_name", "date_of_birth", "postcode")})
    db.session.commit()  # the set-up is this script's unit of work (services only flush)
    return token, people


def wait_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise SystemExit("the web server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--families", type=int, default=200)
    parser.add_argument("--rq-workers", type=int, default=2)
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--batch", type=int, default=100,
                        help="events per request: 1 sends each to POST /notifications, more use POST /notifications/batch")
    parser.add_argument("--rate", type=float, default=0,
                        help="send at this many events a second (0: as fast as the clients can)")
    parser.add_argument("--workers-only", action="store_true",
                        help="only the RQ workers route, however far behind (CASEFLOW_ROUTE_INLINE_AFTER_MS off)")
    parser.add_argument("--route-after", action="store_true",
                        help="start the workers only once every event is accepted, to measure routing alone")
    parser.add_argument("--port", type=int, default=5099)
    parser.add_argument("--database-url", default="postgresql://root@127.0.0.1:5432/cf_bench")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    args = parser.parse_args()

    instance = Path(tempfile.mkdtemp(prefix="caseflow-bench-"))
    fresh_database(args.database_url)
    from redis import Redis

    Redis.from_url(args.redis_url).flushdb()
    env = {**os.environ, "CASEFLOW_DATABASE_URL": args.database_url, "CASEFLOW_REDIS_URL": args.redis_url,
           "CASEFLOW_INSTANCE_PATH": str(instance), "CASEFLOW_SECURE_COOKIES": "false",
           "CASEFLOW_API_RATE_LIMIT": "1000000 per minute",
           # Plain HTTP on 127.0.0.1 with keys generated into the run's own instance folder:
           # production (the default on PostgreSQL) refuses both. bench/run.py measures the
           # production profile itself.
           "CASEFLOW_ENVIRONMENT": "development"}
    if args.workers_only or args.route_after:  # accepting requests never route, however far behind
        env["CASEFLOW_ROUTE_INLINE_AFTER_MS"] = str(24 * 3600 * 1000)
    os.environ.update(env)
    app = create_app()
    with app.app_context():
        upgrade("head")
        started = time.perf_counter()
        token, people = build(args.families)
        print(f"built {args.families} open families in {time.perf_counter() - started:.1f} s")

    bin_dir = Path(sys.executable).parent
    web = subprocess.Popen([str(bin_dir / "gunicorn"), "-w", str(args.web_workers), "-b", f"127.0.0.1:{args.port}",
                            "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env)
    def start_workers():
        return [subprocess.Popen([str(bin_dir / "caseflow"), "worker"], cwd=ROOT, env=env)
                for _ in range(args.rq_workers)]

    workers = [] if args.route_after else start_workers()
    try:
        wait_port(args.port)
        url = f"http://127.0.0.1:{args.port}/api/v1/notifications"
        local = threading.local()
        failures = []

        def incident(i: int) -> dict:
            return {"type": "domestic_abuse", "occurred_at": "2026-11-20T22:15:00+00:00",
                    "source_reference": f"BENCH-{i:06d}", "summary": "Bench incident.",
                    "people": [people[i % len(people)]]}

        def send(first: int) -> None:
            numbers = range(first, min(first + args.batch, args.events))
            if args.rate:  # a steady stream rather than a burst: latency when the workers keep up
                time.sleep(max(0.0, started + first / args.rate - time.perf_counter()))
            session = getattr(local, "session", None) or requests.Session()
            local.session = session
            headers = {"Authorization": f"Bearer {token}"}
            if args.batch == 1:
                response = session.post(url, json=incident(first), headers=headers, timeout=30)
            else:
                response = session.post(url + "/batch", json={"events": [incident(i) for i in numbers]},
                                        headers=headers, timeout=60)
            if response.status_code != 202:
                failures.extend([(response.status_code, response.text[:200])] * len(numbers))

        started = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            list(pool.map(send, range(0, args.events, args.batch)))
        accepted_in = time.perf_counter() - started
        with app.app_context():  # still waiting to be routed when the last was accepted
            from caseflow.notify.models import PartnerEvent

            backlog = db.session.scalar(select(func.count()).select_from(PartnerEvent)
                                        .where(PartnerEvent.status == "received"))
            db.session.remove()
        if args.route_after:  # routing capacity on its own: the workers start on a full queue
            routing_started = time.perf_counter()
            workers.extend(start_workers())
        print(f"accepted {args.events - len(failures)} of {args.events} incidents in {accepted_in:.1f} s: "
              f"{(args.events - len(failures)) / accepted_in:.0f} events/s ({args.clients} clients, "
              f"{'one event per request' if args.batch == 1 else f'{args.batch} events per request'}, "
              f"{args.web_workers} gunicorn workers)")
        if failures:
            print(f"  {len(failures)} refused, e.g. {failures[0]}")

        with app.app_context():
            from caseflow.notify.models import Notification, PartnerEvent

            deadline = time.monotonic() + 600
            while time.monotonic() < deadline:
                left = db.session.scalar(select(func.count()).select_from(PartnerEvent)
                                         .where(PartnerEvent.status == "received"))
                db.session.rollback()
                if left == 0:
                    break
                time.sleep(0.5)
            drained_in = time.perf_counter() - started
            rows = db.session.execute(
                select(PartnerEvent.received_at, func.min(Notification.created_at))
                .join(Notification, Notification.event_id == PartnerEvent.id)
                .group_by(PartnerEvent.id, PartnerEvent.received_at)).all()
            latencies = sorted((first - received).total_seconds() for received, first in rows)
            routed = db.session.scalar(select(func.count()).select_from(PartnerEvent).where(PartnerEvent.status == "routed"))
            notes = db.session.scalar(select(func.count()).select_from(Notification).where(Notification.event_id.is_not(None)))
        print(f"routed {routed} events, {notes} inbox rows, all done {drained_in:.1f} s after the first was sent "
              f"({args.rq_workers} RQ workers)")
        print(f"{backlog} events were still waiting to be routed when the last was accepted"
              + (f"; routed at {backlog / (drained_in - accepted_in):.0f} events/s after that"
                 if backlog and not args.route_after and drained_in > accepted_in else ""))
        if args.route_after:
            routing_took = time.perf_counter() - routing_started
            print(f"routing alone: {args.events} events in {routing_took:.1f} s: {args.events / routing_took:.0f} events/s "
                  "(latencies below include the wait for the workers to start)")
        if latencies:
            q = statistics.quantiles(latencies, n=100)
            print(f"end-to-end latency, accepted -> inbox row: p50 {q[49]:.3f} s, p95 {q[94]:.3f} s, "
                  f"p99 {q[98]:.3f} s, max {latencies[-1]:.3f} s")
        print("targets: >= 500 events/s accepted; p99 delivery < 2 s")
    finally:
        for proc in [web, *workers]:
            proc.terminate()
        for proc in [web, *workers]:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
