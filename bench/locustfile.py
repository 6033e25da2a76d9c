"""The simulated users of bench/run.py, for locust (run headless by bench/run.py; by hand:
`BENCH_LOGINS_FILE=logins.json .venv/bin/locust -f bench/locustfile.py --host http://127.0.0.1:8000`).

Who does what, and how often, is bench/mix.py; this file says how each task is done, through
the same pages and API a person or a partner system uses: staff sign in through the web form
(with its CSRF token) and follow the links the pages give them, partners send JSON with their
API token. Every request is named by its bench/mix.py operation, which is the name locust
records its figures under.

Read from the environment (bench/run.py sets them):
- BENCH_LOGINS_FILE: the JSON logins file `caseflow seed --logins-file` writes
  ({"password", "keyworkers", "front_door", "managers", "partner_tokens"});
- BENCH_THINK_SECONDS: the mean pause between one user's tasks (default 1);
- BENCH_WARMUP_SECONDS: once every user has started, how long to run before the statistics are
  reset and the measured window begins (default 10): each gunicorn worker compiles its
  templates and opens its database connections on its first requests. 0: no reset, every
  request counts (each user's first round of every task included).
"""
from __future__ import annotations

import itertools
import json
import os
import random
import re
import uuid
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

import gevent
from faker import Faker
from locust import FastHttpUser, between, constant, events

from mix import PERSONAS, Operation

LOGINS = json.loads(open(os.environ["BENCH_LOGINS_FILE"]).read())
THINK = float(os.environ.get("BENCH_THINK_SECONDS", "1"))
WARMUP = float(os.environ.get("BENCH_WARMUP_SECONDS", "10"))
FAKE = Faker("en_GB")

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CASE_LINK = re.compile(r'href="/cases/([^"/?]+)"')
FAMILY_LINK = re.compile(r'href="/families/([^"/?]+)"')
REQUEST_LINK = re.compile(r'href="/requests/(?!new")([^"/?]+)"')  # a request, not the form for a new one
PERSON_SEEN = re.compile(r'name="people_seen"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="people_seen"')
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
NARROW_SEARCH = "Add a first name, a date of birth or a postcode"  # the search page, too many matched

# Each simulated member of staff takes the next account of their kind, round the list.
_ACCOUNTS = {kind: itertools.cycle(LOGINS.get(kind) or [None]) for kind in ("keyworkers", "front_door", "managers")}
_TOKENS = itertools.cycle(LOGINS.get("partner_tokens") or [None])


_environment: dict = {}


@events.init.add_listener
def _remember_environment(environment, **kwargs):
    _environment["it"] = environment


@events.spawning_complete.add_listener
def _measure_after_warming_up(user_count, **kwargs):
    if WARMUP > 0:  # 0: measure everything, from each user's first request
        gevent.spawn_later(WARMUP, _environment["it"].stats.reset_all)


def first_round(user) -> None:
    """Each of the user's tasks once, in bench/mix.py's order, before the weighted mix: every
    operation works from the start, however short the run (in the warm-up, unless --warmup 0)."""
    for function in dict.fromkeys(user.tasks):  # locust repeats each task by its weight
        if function.__name__ != "sign_in_again":  # just signed in
            function(user)


def _weighted(persona: str, tasks: dict) -> dict:
    """Locust's {task: weight}, the weights taken from bench/mix.py."""
    declared = PERSONAS[persona].tasks
    assert set(tasks) == set(declared), f"{persona}: tasks {sorted(tasks)} differ from bench/mix.py"
    return {function: declared[name].weight for name, function in tasks.items()}


class Staff(FastHttpUser):
    """Someone who signs in through the web form and then follows the links on the pages."""
    abstract = True
    wait_time = between(0.5 * THINK, 1.5 * THINK)
    accounts = ""  # key of the logins file
    home = Operation.CASELOAD
    home_path = "/"

    def on_start(self):
        self.email = next(_ACCOUNTS[self.accounts])
        self.sign_in()
        first_round(self)

    def sign_in(self):
        """A fresh browser: no cookie, the sign-in form, then the page the person starts at."""
        self.client.cookiejar.clear()
        token, _ = self.form("/sign-in", Operation.SIGN_IN_FORM)
        if token is None:
            return
        with self.client.post("/sign-in", name=Operation.SIGN_IN, headers=FORM, allow_redirects=False,
                              data=urlencode({"email": self.email, "password": LOGINS["password"],
                                              "csrf_token": token}),
                              catch_response=True) as answer:
            where = answer.headers.get("Location") or ""
            if answer.status_code != 302 or "sign-in" in where or "account/" in where:
                answer.failure(f"sign-in of {self.email} answered {answer.status_code} {where}")
                return
        self.open_home()

    def open_home(self):
        return self.page(self.home_path, self.home)

    def page(self, path: str, operation: Operation, expect: re.Pattern | None = None) -> str | None:
        """GET a page that must answer 200 (and hold `expect`): its HTML, or None, counted as an
        error."""
        with self.client.get(path, name=operation, catch_response=True) as answer:
            if answer.status_code != 200:
                answer.failure(f"{path} answered {answer.status_code}")
                return None
            if expect is not None and not expect.search(answer.text or ""):
                answer.failure(f"{path} has no {expect.pattern}")
                return None
            return answer.text

    def form(self, path: str, operation: Operation) -> tuple[str, str] | tuple[None, None]:
        """A form page: its CSRF token and HTML."""
        html = self.page(path, operation, expect=CSRF)
        return (CSRF.search(html).group(1), html) if html else (None, None)


class Keyworker(Staff):
    weight = PERSONAS["keyworker"].weight
    accounts = "keyworkers"
    home, home_path = Operation.CASELOAD, "/caseload"

    def on_start(self):
        # A keyworker with nothing allocated has no families to open: take the next account
        # (a seeded county has some), so every simulated keyworker does the whole round.
        self.cases: list[str] = []
        for _ in range(len(LOGINS.get("keyworkers") or [None])):
            self.email = next(_ACCOUNTS[self.accounts])
            self.sign_in()
            if self.cases:
                break
        first_round(self)

    def open_home(self):
        html = super().open_home()
        if html is not None:
            self.cases = list(dict.fromkeys(CASE_LINK.findall(html)))
        return html

    def sign_in_again(self):
        self.sign_in()

    def open_caseload(self):
        self.open_home()

    def open_family(self):
        if not self.cases:
            return
        html = self.page(f"/cases/{random.choice(self.cases)}", Operation.CASE_PAGE, expect=FAMILY_LINK)
        if html is not None:
            self.page(f"/families/{FAMILY_LINK.search(html).group(1)}", Operation.FAMILY_VIEW)

    def record_contact(self):
        if not self.cases:
            return
        case_id = random.choice(self.cases)
        path = f"/cases/{case_id}/contacts/new"
        token, html = self.form(path, Operation.CONTACT_FORM)
        if token is None:
            return
        members = [a or b for a, b in PERSON_SEEN.findall(html)]
        today = datetime.now(timezone.utc).date()
        kind = random.choice(["home_visit", "home_visit", "phone_call", "phone_call", "school_meeting",
                              "office_visit", "text_or_email"])
        fields = [("csrf_token", token), ("date-day", today.day), ("date-month", today.month),
                  ("date-year", today.year), ("type", kind),
                  ("notes", FAKE.paragraph(nb_sentences=4)), ("next_steps", FAKE.sentence())]
        fields += [("people_seen", person) for person in random.sample(members, min(len(members), random.randint(1, 3)))]
        with self.client.post(path, name=Operation.RECORD_CONTACT, headers=FORM, data=urlencode(fields),
                              allow_redirects=False, catch_response=True) as answer:
            if answer.status_code != 302:
                answer.failure(f"recording a contact answered {answer.status_code}")

    tasks = _weighted("keyworker", {"sign in": sign_in_again, "open the caseload": open_caseload,
                                    "open a family on the caseload": open_family,
                                    "record a contact": record_contact})


class FrontDoor(Staff):
    weight = PERSONAS["front door"].weight
    accounts = "front_door"
    home, home_path = Operation.FRONT_DOOR_QUEUE, "/front-door"

    def sign_in_again(self):
        self.sign_in()

    def work_the_queue(self):
        html = self.page("/front-door", Operation.FRONT_DOOR_QUEUE)
        requests = REQUEST_LINK.findall(html or "")
        if requests:
            self.page(f"/requests/{random.choice(requests)}", Operation.REQUEST_VIEW)

    def search(self):
        # Surnames as people give them over the phone; the seeded county draws from the same names.
        surname = FAKE.last_name()
        query = surname if random.random() < 0.8 else f"{FAKE.first_name()} {surname}"
        html = self._search(query)
        if html is not None and NARROW_SEARCH in html:
            # Too many people share the surname (a county's Smiths): the page asks for more, and
            # the officer adds the first name they were given. Both searches count.
            self._search(f"{FAKE.first_name()} {surname}")

    def _search(self, query: str) -> str | None:
        with self.client.get("/families", params={"q": query}, name=Operation.FAMILY_SEARCH,
                             catch_response=True) as answer:
            if answer.status_code != 200:
                answer.failure(f"search answered {answer.status_code}")
                return None
            return answer.text

    tasks = _weighted("front door", {"sign in": sign_in_again, "work the queue": work_the_queue,
                                     "search for a family": search})


def _person(relationship: str) -> dict:
    child = relationship == "child"
    born = FAKE.date_between(start_date="-17y", end_date="-1y") if child else \
        FAKE.date_between(start_date="-60y", end_date="-19y")
    return {"given_name": FAKE.first_name(), "family_name": FAKE.last_name(), "date_of_birth": born.isoformat(),
            "sex": random.choice(["female", "male"]), "relationship": relationship, "postcode": FAKE.postcode()}


class PartnerSystem(FastHttpUser):
    """A school's portal or the police records system, calling the API with its token."""
    weight = PERSONAS["partner system"].weight
    wait_time = between(0.5 * THINK, 1.5 * THINK)

    def on_start(self):
        self.headers = {"Authorization": f"Bearer {next(_TOKENS)}"}
        first_round(self)

    def send_request(self):
        surname = FAKE.last_name()
        people = [_person("parent_carer")] + [_person("child") for _ in range(random.randint(1, 3))]
        for person in people:
            person["family_name"] = surname
        body = {"referrer": {"name": FAKE.name(), "organisation": "Bench partner", "role": "Designated safeguarding lead",
                             "email": "dsl@bench.example"},
                "people": people, "concerns": random.sample(["education", "health", "children_need_help",
                                                             "worklessness", "domestic_abuse"], 2),
                "details": FAKE.paragraph(nb_sentences=5), "consent_given": True,
                "urgency": random.choice(["routine"] * 6 + ["urgent"])}
        with self.client.post("/api/v1/requests", json=body, headers=self.headers, name=Operation.PARTNER_REQUEST,
                              catch_response=True) as answer:
            if answer.status_code != 201:
                answer.failure(f"request for support answered {answer.status_code}: {answer.text[:200]}")

    def report_incident(self):
        occurred = datetime.now(timezone.utc) - timedelta(minutes=random.randint(5, 24 * 60))
        body = {"type": random.choice(["police_contact", "domestic_abuse", "missing_episode", "anti_social_behaviour",
                                       "arrest"]),
                "occurred_at": occurred.isoformat(timespec="seconds"), "people": [_person("child")],
                "summary": FAKE.sentence(), "source_reference": f"BENCH-{uuid.uuid4()}"}
        with self.client.post("/api/v1/notifications", json=body, headers=self.headers,
                              name=Operation.PARTNER_INCIDENT, catch_response=True) as answer:
            if answer.status_code != 202:
                answer.failure(f"incident answered {answer.status_code}: {answer.text[:200]}")

    tasks = _weighted("partner system", {"send a request for support": send_request,
                                         "report an incident": report_incident})


class Manager(Staff):
    weight = PERSONAS["manager"].weight
    accounts = "managers"
    home, home_path = Operation.DASHBOARD_CASELOADS, "/caseloads"

    def sign_in_again(self):
        self.sign_in()

    def caseloads(self):
        self.page("/caseloads", Operation.DASHBOARD_CASELOADS)

    def notifications(self):
        self.page("/notifications/dashboard", Operation.DASHBOARD_NOTIFICATIONS)

    def overdue(self):
        self.page("/overdue", Operation.DASHBOARD_OVERDUE)

    tasks = _weighted("manager", {"sign in": sign_in_again, "caseloads against capacity": caseloads,
                                  "notification dashboard": notifications,
                                  "overdue assessments and reviews": overdue})


class Floor(FastHttpUser):
    """One user asking /healthz five times a second, beside the mix: the cheapest request the
    app answers, under the same load. bench/figures.py divides every p95 by its p95."""
    fixed_count = 1
    wait_time = constant(0.2)

    def healthz(self):
        with self.client.get("/healthz", name=Operation.HEALTHZ, catch_response=True) as answer:
            if answer.status_code != 200:
                answer.failure(f"/healthz answered {answer.status_code}")

    tasks = [healthz]
