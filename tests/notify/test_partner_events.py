"""Police-flag notifications in-process (no Redis): a police incident about a child open to
early help reaches the keyworker and the school's key adult, cut to what each may read."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from sqlalchemy import func, select

from caseflow.core.unit_of_work import unit_of_work
from tests.notify.helpers import LEAH, inbox, incident, open_family

LONDON = ZoneInfo("Europe/London")


def test_a_police_incident_reaches_the_keyworker_and_the_school_key_adult(api, factory):
    w = open_family(api, factory)
    with time_machine.travel(datetime(2026, 11, 20, 22, 40, tzinfo=LONDON), tick=False):  # a Friday night
        accepted = api.post("/api/v1/notifications", w.t["police"], json=incident())
    assert accepted.status_code == 202, accepted.get_json()
    event = api.get(f"/api/v1/notifications/{accepted.get_json()['id']}", w.t["police"]).get_json()
    assert event["status"] == "routed" and event["case_id"] == w.case_id

    keyworker = [n for n in inbox(api, w.t["sam"]) if n["event_id"] == event["id"]]
    assert len(keyworker) == 1 and "Walsh" in keyworker[0]["title"]
    assert "verbal argument" in keyworker[0]["body"]  # the keyworker reads the detail

    school = [n for n in inbox(api, w.t["key_adult"]) if n["event_id"] == event["id"]]
    assert len(school) == 1 and "Leah Walsh" in school[0]["title"]
    assert "verbal argument" not in school[0]["body"]  # the school hears the fact, not the detail
    assert "Operation Encompass" in school[0]["title"]
    # Operation Encompass: told on Friday 20 November at 22:40 -> before school on Monday 23rd.
    due = datetime.fromisoformat(school[0]["deadline_at"]).astimezone(LONDON)
    assert (due.date().isoformat(), due.hour, due.minute) == ("2026-11-23", 9, 0)
    # Nobody else at the school hears about it.
    assert not [n for n in inbox(api, w.t["senco"]) if n["event_id"] == event["id"]]


def test_the_same_report_twice_is_one_event_and_one_notification_each(api, factory):
    w = open_family(api, factory)
    first = api.post("/api/v1/notifications", w.t["police"], json=incident())
    again = api.post("/api/v1/notifications", w.t["police"], json=incident())
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.get_json()["id"] == first.get_json()["id"] and again.get_json()["duplicate"] is True
    assert len([n for n in inbox(api, w.t["sam"]) if n["event_id"] == first.get_json()["id"]]) == 1


def test_bad_events_get_clear_errors_and_nothing_is_kept(api, factory):
    w = open_family(api, factory)
    bad = api.post("/api/v1/notifications", w.t["police"], json={
        "type": "burglary", "occurred_at": "yesterday", "people": [], "source_reference": " "})
    assert bad.status_code == 422
    fields = bad.get_json()["error"]["fields"]
    assert {"type", "occurred_at", "people", "source_reference"} <= set(fields)
    future = api.post("/api/v1/notifications", w.t["police"], json=incident(occurred_at="2099-01-01T00:00:00+00:00"))
    assert future.status_code == 422 and "future" in future.get_json()["error"]["fields"]["occurred_at"][0]
    assert api.post("/api/v1/notifications", w.t["police"], data="not json",
                    headers={"Content-Type": "application/json"}).status_code == 400
    assert api.get("/api/v1/events/review", w.t["officer"]).get_json()["total"] == 0


def test_every_front_door_officer_hears_of_an_event_to_check_and_their_number_costs_no_statements(api, factory, app):
    """A county has dozens of front-door officers; an incident nobody could place is put to each
    of them, in the same few statements whether there are two or ten (it was two statements an
    officer: 86 for one incident in the 1,000,000-person bench county)."""
    from caseflow.auth.models import User
    from caseflow.core.extensions import db
    from caseflow.notify.models import Notification
    from tests.conftest import count_queries

    w = open_family(api, factory)
    org = w.orgs["early_help"]

    def stranger_reported(reference: str, expect: int = 202) -> tuple[int, str]:
        with app.app_context(), count_queries() as statements:
            answer = api.post("/api/v1/notifications", w.t["police"], json=incident(reference, people=[
                {"given_name": "Zebedee", "family_name": "Quartermaine", "date_of_birth": "1960-01-01"}]))
        assert answer.status_code == expect, answer.get_json()
        return len(statements), answer.get_json()["id"]

    stranger_reported("NP-WARM")  # a process's first event loads the routing rules
    with_one, _ = stranger_reported("NP-F1")
    for _ in range(8):
        factory.user("front_door", org=org)
    with_more, event_id = stranger_reported("NP-F2")
    assert with_more == with_one
    with app.app_context():
        officers = set(db.session.scalars(select(User.id).where(User.role == "front_door", User.active)))
        told = set(db.session.scalars(select(Notification.recipient_id).where(Notification.event_id == event_id)))
    assert len(officers) >= 9 and told == officers
    stranger_reported("NP-F2", expect=200)  # sent again: recognised as a repeat, nobody told twice
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Notification)
                                 .where(Notification.event_id == event_id)) == len(officers)


def test_an_ambiguous_event_waits_for_the_front_door_then_routes(api, factory):
    w = open_family(api, factory)
    vague = {k: v for k, v in LEAH.items() if k in ("given_name", "family_name", "date_of_birth")}
    accepted = api.post("/api/v1/notifications", w.t["police"], json=incident(
        "NP-2", people=[{**vague, "postcode": "ZZ9 9ZZ"}])).get_json()
    assert not [n for n in inbox(api, w.t["sam"]) if n["event_id"] == accepted["id"]]
    queue = api.get("/api/v1/events/review", w.t["officer"]).get_json()
    assert [e["id"] for e in queue["items"]] == [accepted["id"]]
    assert any("Check who" in n["title"] for n in inbox(api, w.t["officer"]))
    candidate = queue["items"][0]["candidates"][0]["candidates"][0]["person_id"]
    wrong = api.post(f"/api/v1/events/{accepted['id']}/review", w.t["officer"], json={"decision": "confirm",
                                                                                    "person_id": "nobody"})
    assert wrong.status_code == 422
    resolved = api.post(f"/api/v1/events/{accepted['id']}/review", w.t["officer"],
                        json={"decision": "confirm", "person_id": candidate})
    assert resolved.status_code == 200 and resolved.get_json()["status"] == "routed"
    assert [n for n in inbox(api, w.t["sam"]) if n["event_id"] == accepted["id"]]


def test_events_about_people_not_known_are_kept_only_for_the_retention_period(api, factory, app):
    from caseflow.core.extensions import db
    from caseflow.notify import events
    from caseflow.notify.models import PartnerEvent

    w = open_family(api, factory)
    stranger = {"given_name": "Zed", "family_name": "Quill", "date_of_birth": "1990-01-01", "postcode": "NS9 9ZZ"}
    accepted = api.post("/api/v1/notifications", w.t["police"], json=incident("NP-3", people=[stranger])).get_json()
    assert api.post(f"/api/v1/events/{accepted['id']}/review", w.t["officer"],
                    json={"decision": "not_known"}).get_json()["status"] == "not_open"
    from caseflow.cli import main

    with app.app_context():
        event = db.session.get(PartnerEvent, accepted["id"])
        assert event.people and event.purge_after is not None
        assert events.purge_expired(event.purge_after) == 0  # not before its time
        later = datetime.combine(event.purge_after, datetime.min.time(), tzinfo=LONDON) + timedelta(days=2)
    runner = app.test_cli_runner()  # the nightly `caseflow retention run` erases it
    with time_machine.travel(later, tick=False):
        result = runner.invoke(main, ["retention", "run"])
    assert "1 partner events about people not open to the service erased" in result.output, result.output
    with app.app_context():
        event = db.session.get(PartnerEvent, accepted["id"])
        assert (event.status, event.people, event.summary) == ("purged", None, None)


def test_a_notification_not_acknowledged_by_its_deadline_escalates_to_the_duty_contact(api, factory, app):
    from caseflow.notify import escalation

    w = open_family(api, factory)
    with time_machine.travel(datetime(2026, 11, 20, 22, 30, tzinfo=LONDON), tick=False):
        accepted = api.post("/api/v1/notifications", w.t["police"], json=incident()).get_json()
    keyworker_note = next(n for n in inbox(api, w.t["sam"]) if n["event_id"] == accepted["id"])
    with app.app_context():  # each sweep is a unit of work, as in `caseflow worker`
        with time_machine.travel(datetime(2026, 11, 23, 8, 0, tzinfo=LONDON), tick=False), unit_of_work():
            assert escalation.escalate_due() == 0  # nothing is due yet
        with time_machine.travel(datetime(2026, 11, 24, 9, 1, tzinfo=LONDON), tick=False):
            with unit_of_work():
                assert escalation.escalate_due() >= 1
            with unit_of_work():
                assert escalation.escalate_due() == 0  # once only
    duty = [n for n in inbox(api, w.t["duty"]) if n["type"] == "escalation"]
    assert duty and any(keyworker_note["title"] in n["title"] for n in duty)
    # Acknowledged in time: no escalation.
    escalations = len([n for n in inbox(api, w.t["duty"]) if n["type"] == "escalation"])
    fresh = api.post("/api/v1/notifications", w.t["police"], json=incident("NP-9", type_="police_contact")).get_json()
    note = next(n for n in inbox(api, w.t["sam"]) if n["event_id"] == fresh["id"])
    assert api.post(f"/api/v1/inbox/{note['id']}/acknowledge", w.t["sam"]).status_code == 200
    with app.app_context(), time_machine.travel(datetime(2027, 1, 4, 12, 0, tzinfo=LONDON), tick=False), \
            unit_of_work():
        escalation.escalate_due()
    assert len([n for n in inbox(api, w.t["duty"]) if n["type"] == "escalation"]) == escalations
