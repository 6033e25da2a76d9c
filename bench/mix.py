"""The load mix bench/run.py drives: who is using CaseFlow, what each of them does, how often.

Plain data, read by the locust user classes in bench/locustfile.py (which import locust, and
with it gevent's patching of the standard library: this module stays importable without it, so
the mix can be checked by tests/test_bench_harness.py).

The shape of a working day in a county's early help service: keyworkers are most of the staff
and most of the traffic, and they mostly read (their caseload, a family's record) and now and
then write (a visit or phone call recorded). The front door works its queue and searches for
families already known. Partner systems (schools' portals, the police records system) send
requests for support and incidents through the API. Managers look at dashboards. Reads dominate:
about one request in eight changes anything.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Operation(StrEnum):
    """One line of the bench's table: a request, named as locust records it."""
    SIGN_IN_FORM = "sign-in form"
    SIGN_IN = "sign in"
    CASELOAD = "caseload"
    CASE_PAGE = "case page"
    FAMILY_VIEW = "family view"
    CONTACT_FORM = "contact form"
    RECORD_CONTACT = "record contact"
    FRONT_DOOR_QUEUE = "front-door queue"
    REQUEST_VIEW = "request for help"
    FAMILY_SEARCH = "family search"
    PARTNER_REQUEST = "API: request for support"
    PARTNER_INCIDENT = "API: incident"
    DASHBOARD_CASELOADS = "dashboard: caseloads"
    DASHBOARD_NOTIFICATIONS = "dashboard: notifications"
    DASHBOARD_OVERDUE = "dashboard: overdue work"
    HEALTHZ = "healthz"  # the floor: bench/figures.py divides every p95 by this one's


WRITES = {Operation.SIGN_IN, Operation.RECORD_CONTACT, Operation.PARTNER_REQUEST, Operation.PARTNER_INCIDENT}


@dataclass(frozen=True)
class Task:
    weight: int  # how often, relative to the persona's other tasks
    operations: tuple[Operation, ...]  # the requests it makes, in order


@dataclass(frozen=True)
class Persona:
    weight: int  # share of the simulated users
    tasks: dict[str, Task]


PERSONAS: dict[str, Persona] = {
    "keyworker": Persona(weight=55, tasks={
        # A session starts at the sign-in form (a fresh browser: no cookie); then the caseload.
        # A session lasts until 30 idle minutes or sign-out, so a keyworker signs in a few times
        # a day and does a hundred or so things in between: one sign-in in about 60 tasks (about
        # 120 requests). At one in 16 tasks, as the mix first had it, argon2's deliberately slow
        # hash (140 ms of CPU) was a third of the machine's work, a cost no real day has.
        "sign in": Task(1, (Operation.SIGN_IN_FORM, Operation.SIGN_IN, Operation.CASELOAD)),
        "open the caseload": Task(16, (Operation.CASELOAD,)),
        "open a family on the caseload": Task(32, (Operation.CASE_PAGE, Operation.FAMILY_VIEW)),
        "record a contact": Task(12, (Operation.CONTACT_FORM, Operation.RECORD_CONTACT)),
    }),
    "front door": Persona(weight=15, tasks={
        "sign in": Task(1, (Operation.SIGN_IN_FORM, Operation.SIGN_IN, Operation.FRONT_DOOR_QUEUE)),
        "work the queue": Task(30, (Operation.FRONT_DOOR_QUEUE, Operation.REQUEST_VIEW)),
        "search for a family": Task(24, (Operation.FAMILY_SEARCH,)),
    }),
    "partner system": Persona(weight=20, tasks={
        "send a request for support": Task(2, (Operation.PARTNER_REQUEST,)),
        "report an incident": Task(3, (Operation.PARTNER_INCIDENT,)),
    }),
    "manager": Persona(weight=10, tasks={
        "sign in": Task(1, (Operation.SIGN_IN_FORM, Operation.SIGN_IN, Operation.DASHBOARD_CASELOADS)),
        "caseloads against capacity": Task(15, (Operation.DASHBOARD_CASELOADS,)),
        "notification dashboard": Task(15, (Operation.DASHBOARD_NOTIFICATIONS,)),
        "overdue assessments and reviews": Task(10, (Operation.DASHBOARD_OVERDUE,)),
    }),
}

# What issue 16 asks the mix to cover, and the operations that answer each part.
ISSUE_16_MIX: dict[str, set[Operation]] = {
    "keyworkers signing in": {Operation.SIGN_IN_FORM, Operation.SIGN_IN},
    "keyworkers opening caseloads": {Operation.CASELOAD},
    "keyworkers opening families": {Operation.FAMILY_VIEW},
    "keyworkers recording contacts": {Operation.RECORD_CONTACT},
    "the front door working its queue": {Operation.FRONT_DOOR_QUEUE, Operation.REQUEST_VIEW},
    "the front door searching": {Operation.FAMILY_SEARCH},
    "partners submitting requests": {Operation.PARTNER_REQUEST},
    "partners submitting incidents": {Operation.PARTNER_INCIDENT},
    "managers opening dashboards": {Operation.DASHBOARD_CASELOADS, Operation.DASHBOARD_NOTIFICATIONS,
                                    Operation.DASHBOARD_OVERDUE},
}


def expected_shares() -> dict[Operation, float]:
    """Each operation's expected share of the requests, from the persona and task weights (think
    time and response time being alike across personas). The floor probe is left out: it is a
    fixed single user, not part of the mix."""
    shares: dict[Operation, float] = {}
    persona_total = sum(p.weight for p in PERSONAS.values())
    for persona in PERSONAS.values():
        task_total = sum(t.weight for t in persona.tasks.values())
        # A simulated user runs one task per think time, so a task's requests arrive at
        # (persona share) x (task share) per think time, once per operation it makes.
        for task in persona.tasks.values():
            for op in task.operations:
                shares[op] = shares.get(op, 0.0) + persona.weight / persona_total * task.weight / task_total
    total = sum(shares.values())
    return {op: share / total for op, share in shares.items()}
