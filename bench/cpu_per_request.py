"""What one request of each bench operation costs in CPU, measured in-process (issue 16).

bench/run.py measures latency and throughput under load, which on a small shared machine is
mostly queueing for the CPU. This bench answers the question behind those figures: how many
milliseconds of CPU does each operation spend in the web process (Python: routing, the policy,
templates, encryption) and how many statements does it send, and how long do those take in the
database? Throughput on N cores is bounded by N / (CPU per request), so this is the figure to
drive down, and it hardly moves with the machine's other load (process CPU time, not wall time).

It runs against a seeded county (caseflow seed, or bench/run.py's databases) with the production
configuration from the environment (CASEFLOW_DATABASE_URL, CASEFLOW_KEYS_FILE, ...), signs in as
the seeded staff through the real sign-in form, and repeats each operation --repeat times:

    CASEFLOW_ENVIRONMENT=production CASEFLOW_DATABASE_URL=postgresql://root@127.0.0.1/cf_county \\
      CASEFLOW_KEYS_FILE=keys.json CASEFLOW_SECRET_KEY=... \\
      .venv/bin/python bench/cpu_per_request.py --logins-file logins.json [--profile "case page"]

Writes (a contact, a partner request, an incident) are made for real and stay in the database.
--profile NAME prints a pyinstrument profile of that operation's requests.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mix import Operation  # noqa: E402

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CASE_LINK = re.compile(r'href="/cases/([^"/?]+)"')
FAMILY_LINK = re.compile(r'href="/families/([^"/?]+)"')
REQUEST_LINK = re.compile(r'href="/requests/(?!new")([^"/?]+)"')
PERSON_SEEN = re.compile(r'name="people_seen"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="people_seen"')
SURNAMES = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Davies", "Evans", "Thomas", "Roberts"]


class Meter:
    """Statements sent and time spent waiting for them, counted on the engine's events; and how
    many of them SQLAlchemy compiled afresh rather than taking from its statement cache (after
    the warm-up request this should be 0: a statement built so that its cache key differs on
    every request costs a compilation, a millisecond or so, each time)."""

    def __init__(self, engine):
        from sqlalchemy import event
        self.statements, self.db_seconds, self._started = 0, 0.0, []
        self.compiled, self.compiled_texts = 0, []
        self.texts: list[str] | None = None  # each statement's SQL, while listing them
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, *args, **kwargs):
        self._started.append(time.perf_counter())
        if self.texts is not None:
            self.texts.append(" ".join(statement.split())[:220])

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        self.statements += 1
        self.db_seconds += time.perf_counter() - self._started.pop()
        # CACHE_MISS: compiled now; NO_CACHE_KEY: an element that cannot be cached (text() with
        # no cache key, a construct that opts out), compiled every time.
        if context is not None and context.cache_hit in (context.dialect.CACHE_MISS, context.dialect.NO_CACHE_KEY):
            self.compiled += 1
            self.compiled_texts.append(" ".join(statement.split())[:160])

    def reset(self):
        self.statements, self.db_seconds, self.compiled = 0, 0.0, 0


def sign_in(app, email: str, password: str):
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    html = client.get("/sign-in").get_data(as_text=True)
    answer = client.post("/sign-in", data={"email": email, "password": password,
                                           "csrf_token": CSRF.search(html).group(1)})
    if answer.status_code != 302:
        raise SystemExit(f"sign-in of {email} answered {answer.status_code}")
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--logins-file", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--profile", help="an operation's name (as in the table) to profile with pyinstrument")
    parser.add_argument("--statements", help="an operation's name: print the SQL of one of its requests")
    args = parser.parse_args()
    logins = json.loads(args.logins_file.read_text())

    from caseflow.app import create_app
    from caseflow.core.extensions import db, limiter

    app = create_app()
    import logging
    logging.getLogger("caseflow.requests").setLevel(logging.WARNING)  # one JSON line a request: not here
    limiter.enabled = False  # every sign-in comes from one address: the limits are bench/run.py's business
    with app.app_context():
        meter = Meter(db.engine)
    password = logins["password"]
    random.seed(2026)

    keyworker = None
    for email in logins["keyworkers"]:
        client = sign_in(app, email, password)
        cases = CASE_LINK.findall(client.get("/caseload").get_data(as_text=True))
        if cases:
            keyworker, kw_cases = client, list(dict.fromkeys(cases))
            break
    front_door = sign_in(app, logins["front_door"][0], password)
    manager = sign_in(app, logins["managers"][0], password)
    token = {"Authorization": f"Bearer {logins['partner_tokens'][0]}"}
    partner = app.test_client()
    partner.environ_base["wsgi.url_scheme"] = "https"

    def get(client, path, expect=200):
        answer = client.get(path)
        assert answer.status_code == expect, (path, answer.status_code)
        return answer.get_data(as_text=True)

    def family_view():
        html = get(keyworker, f"/cases/{random.choice(kw_cases)}")
        get(keyworker, f"/families/{FAMILY_LINK.search(html).group(1)}")

    def record_contact():
        case_id = random.choice(kw_cases)
        html = get(keyworker, f"/cases/{case_id}/contacts/new")
        today = datetime.now(timezone.utc).date()
        seen = [a or b for a, b in PERSON_SEEN.findall(html)][:1]
        answer = keyworker.post(f"/cases/{case_id}/contacts/new", data={
            "csrf_token": CSRF.search(html).group(1), "date-day": today.day, "date-month": today.month,
            "date-year": today.year, "type": "phone_call", "notes": "Spoke with mum about school mornings.",
            "next_steps": "Visit next week.", "people_seen": seen})
        assert answer.status_code == 302, answer.status_code

    queue_html = get(front_door, "/front-door")
    requests_seen = REQUEST_LINK.findall(queue_html) or [None]

    def partner_incident():
        answer = partner.post("/api/v1/notifications", headers=token, json={
            "source_reference": f"BENCH-{uuid.uuid4()}", "type": "police_contact",
            "occurred_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "people": [{"given_name": "Jade", "family_name": random.choice(SURNAMES), "date_of_birth": "2014-05-02",
                        "sex": "female", "relationship": "child", "postcode": "NS1 4AB"}],
            "summary": "Police attended a report of a disturbance."})
        assert answer.status_code == 202, (answer.status_code, answer.get_data(as_text=True)[:200])

    def partner_request():
        surname = random.choice(SURNAMES)
        born = [f"{random.randint(1970, 1995)}-0{random.randint(1, 9)}-1{random.randint(0, 9)}"] + \
            [f"{random.randint(2009, 2024)}-0{random.randint(1, 9)}-2{random.randint(0, 8)}" for _ in range(random.randint(1, 3))]
        people = [{"given_name": random.choice(["Jade", "Kyle", "Amira", "Oliver", "Maya"]), "family_name": surname,
                   "date_of_birth": dob, "sex": random.choice(["female", "male"]),
                   "relationship": "parent_carer" if n == 0 else "child", "postcode": "NS1 4AB"}
                  for n, dob in enumerate(born)]
        answer = partner.post("/api/v1/requests", headers=token, json={
            "referrer": {"name": "Bench DSL", "organisation": "Bench partner", "role": "Designated safeguarding lead",
                         "email": "dsl@bench.example"},
            "people": people, "concerns": ["education", "health"], "consent_given": True, "urgency": "routine",
            "details": "Attendance has fallen this term and mum has asked the school for help."})
        assert answer.status_code == 201, (answer.status_code, answer.get_data(as_text=True)[:200])

    operations = {
        Operation.HEALTHZ: lambda: get(partner, "/healthz"),
        Operation.CASELOAD: lambda: get(keyworker, "/caseload"),
        Operation.CASE_PAGE: lambda: get(keyworker, f"/cases/{random.choice(kw_cases)}"),
        "case page + family view": family_view,
        Operation.CONTACT_FORM: lambda: get(keyworker, f"/cases/{random.choice(kw_cases)}/contacts/new"),
        "contact form + record contact": record_contact,
        Operation.FRONT_DOOR_QUEUE: lambda: get(front_door, "/front-door"),
        Operation.REQUEST_VIEW: lambda: requests_seen[0] and get(front_door, f"/requests/{random.choice(requests_seen)}"),
        Operation.FAMILY_SEARCH: lambda: get(front_door, f"/families?q={random.choice(SURNAMES)}"),
        Operation.PARTNER_INCIDENT: partner_incident,
        Operation.PARTNER_REQUEST: partner_request,
        Operation.DASHBOARD_CASELOADS: lambda: get(manager, "/caseloads"),
        Operation.DASHBOARD_NOTIFICATIONS: lambda: get(manager, "/notifications/dashboard"),
        Operation.DASHBOARD_OVERDUE: lambda: get(manager, "/overdue"),
    }

    @contextmanager
    def maybe_profile(name):
        if args.profile != str(name):
            yield
            return
        from pyinstrument import Profiler
        profiler = Profiler(interval=0.0005)
        profiler.start()
        yield
        profiler.stop()
        print(profiler.output_text(unicode=False, color=False, show_all=False))

    print(f"{'operation':32} {'CPU ms p50':>10} {'CPU ms p95':>10} {'wall ms p50':>11} {'statements':>10} {'DB ms':>7} "
          f"{'compiled':>8}")
    for name, run in operations.items():
        run()  # warm: templates compiled, connections open
        cpu, wall, statements, db_ms, compiled = [], [], [], [], []
        meter.compiled_texts = []
        with maybe_profile(name):
            for _ in range(args.repeat):
                meter.reset()
                c0, w0 = time.process_time(), time.perf_counter()
                run()
                cpu.append((time.process_time() - c0) * 1000)
                wall.append((time.perf_counter() - w0) * 1000)
                statements.append(meter.statements)
                db_ms.append(meter.db_seconds * 1000)
                compiled.append(meter.compiled)
        if args.statements == str(name):
            meter.texts = []
            run()
            print("\n".join(f"  {n:3}. {sql}" for n, sql in enumerate(meter.texts, 1)))
            meter.texts = None
        q = statistics.quantiles(cpu, n=20)
        print(f"{str(name):32} {statistics.median(cpu):10.1f} {q[18]:10.1f} {statistics.median(wall):11.1f} "
              f"{statistics.median(statements):10.0f} {statistics.median(db_ms):7.1f} {statistics.mean(compiled):8.1f}")
        if args.statements == str(name):
            for sql in dict.fromkeys(meter.compiled_texts):
                print(f"  compiled afresh after warm-up: {sql}")


if __name__ == "__main__":
    main()
