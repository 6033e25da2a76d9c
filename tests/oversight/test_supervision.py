"""Supervision per case (issue 20, point 2): the team manager records it (date, discussion,
decisions, actions, next due); the notes are encrypted and seen by the keyworker and managers
only; supervision past its due date is on the manager's overdue list."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import text

from caseflow.core.extensions import db
from tests.conftest import csrf_token, sign_in
from tests.plans.helpers import allocated_case, team
from caseflow.core.timescales import today_london

def supervision() -> dict:
    """A supervision held today (worked out when the test runs, so a run across midnight agrees with the app)."""
    return {"date": today_london().isoformat(), "discussion": "Leah's attendance is improving; mum is anxious about court.",
            "decisions": "Keep weekly visits; ask the school for a mentor.",
            "actions": "Sam to speak to the SENCo by Friday."}


def _backdate_allocation(app, case_id, days):
    """The case was allocated `days` ago (the first supervision is due four weeks after)."""
    from caseflow.cases.models import CaseTransition

    with app.app_context():
        for move in db.session.query(CaseTransition).filter_by(case_id=case_id):
            move.at = datetime.now(timezone.utc) - timedelta(days=days)
        db.session.commit()


def test_the_manager_records_supervision_and_only_the_keyworker_and_managers_read_it(api, factory, app):
    p, t, orgs = team(factory)
    case_id = allocated_case(api, p, t)
    path = f"/api/v1/cases/{case_id}/supervisions"
    assert api.post(path, t["sam"], json=supervision()).status_code == 403  # the keyworker is supervised
    missing = api.post(path, t["manager"], json={"date": today_london().isoformat()})
    assert missing.status_code == 422 and {"discussion", "decisions"} <= set(missing.get_json()["error"]["fields"])
    future = api.post(path, t["manager"], json={**supervision(), "date": (today_london() + timedelta(days=3)).isoformat()})
    assert future.status_code == 422
    made = api.post(path, t["manager"], json=supervision())
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["keyworker_id"] == p["sam"].id
    assert today_london() + timedelta(weeks=4) <= datetime.fromisoformat(body["next_due_on"]).date() <= today_london() + timedelta(weeks=4, days=4)

    # The keyworker and the manager read it; the lead professional's school, other keyworkers
    # and the front door do not.
    assert api.get(path, t["sam"]).get_json()["items"][0]["discussion"] == supervision()["discussion"]
    assert api.get(path, t["manager"]).get_json()["total"] == 1
    for outsider in ("aaron", "officer", "senco", "chair"):
        assert api.get(path, t[outsider]).status_code == 403, outsider
    # Encrypted at rest.
    with app.app_context():
        stored = db.session.execute(text("SELECT discussion, decisions, actions FROM supervisions")).one()
    assert all("Leah" not in value and "SENCo" not in value for value in stored if value)


def test_overdue_supervision_is_on_the_managers_dashboard(api, factory, app, client):
    p, t, orgs = team(factory)
    never = allocated_case(api, p, t, surname="Walsh")
    _backdate_allocation(app, never, 40)   # allocated 40 days ago, never supervised: overdue
    fresh = allocated_case(api, p, t, surname="Okoro")  # allocated today: not yet due
    lapsed = allocated_case(api, p, t, surname="Brennan")
    _backdate_allocation(app, lapsed, 90)
    old = (today_london() - timedelta(days=50)).isoformat()
    assert api.post(f"/api/v1/cases/{lapsed}/supervisions", t["manager"], json={
        **supervision(), "date": old, "next_due_on": (today_london() - timedelta(days=20)).isoformat()}).status_code == 201

    listed = api.get("/api/v1/supervision/overdue", t["manager"]).get_json()
    assert {r["case_id"] for r in listed["items"]} == {never, lapsed} and listed["total"] == 2
    assert listed["items"][0]["case_id"] == never  # never supervised first
    assert api.get("/api/v1/supervision/overdue", t["sam"]).status_code == 403

    # Supervised today, the lapsed case leaves the list.
    assert api.post(f"/api/v1/cases/{lapsed}/supervisions", t["manager"], json=supervision()).status_code == 201
    assert {r["case_id"] for r in api.get("/api/v1/supervision/overdue", t["manager"]).get_json()["items"]} == {never}
    assert fresh not in {r["case_id"] for r in listed["items"]}

    sign_in(client, p["manager"])
    page = client.get("/supervision/overdue").get_data(as_text=True)
    assert "Overdue supervision" in page and "Walsh" in page and "Brennan" not in page


def test_supervision_pages_record_and_show_it(api, factory, client):
    p, t, orgs = team(factory)
    case_id = allocated_case(api, p, t)
    sign_in(client, p["manager"])
    assert "Supervision and case file audits" in client.get(f"/cases/{case_id}").get_data(as_text=True)
    token = csrf_token(client, f"/cases/{case_id}/supervision/new")
    bad = client.post(f"/cases/{case_id}/supervision/new", data={
        "csrf_token": token, "date-day": "31", "date-month": "2", "date-year": "2026", "discussion": "x"})
    assert bad.status_code == 400 and "There is a problem" in bad.get_data(as_text=True)
    done = client.post(f"/cases/{case_id}/supervision/new", data={
        "csrf_token": token, "date-day": str(today_london().day), "date-month": str(today_london().month), "date-year": str(today_london().year),
        "discussion": supervision()["discussion"], "decisions": supervision()["decisions"], "actions": ""})
    assert done.status_code == 302
    page = client.get(f"/cases/{case_id}/oversight").get_data(as_text=True)
    assert supervision()["decisions"] in page and "Next supervision due" in page
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/inbox")})
    sign_in(client, p["sam"])  # the keyworker reads it but cannot record it
    page = client.get(f"/cases/{case_id}/oversight").get_data(as_text=True)
    assert supervision()["decisions"] in page and "Record supervision" not in page
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/inbox")})
    sign_in(client, p["officer"])  # the front door sees the case, not its supervision
    assert "Supervision and case file audits" not in client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert client.get(f"/cases/{case_id}/oversight").status_code == 403
