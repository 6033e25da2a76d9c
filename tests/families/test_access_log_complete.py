"""The family's access log is complete: every read that touched the family's data (a search that
listed it, a flag check, the front-door queue, the panel agenda, a caseload, the inbox, a subject
access export) carries the family, so its access log shows who saw it."""
from __future__ import annotations

from tests.conftest import sign_in
from tests.frontdoor.test_api_intake import VALID_NHS, request_body
from tests.plans.helpers import team
from tests.triage.helpers import TRIAGE_TO_PANEL


def _log_actions(api, token, family_id) -> dict[str, set[str]]:
    items = api.get(f"/api/v1/families/{family_id}/access-log?per_page=200", token).get_json()["items"]
    actions: dict[str, set[str]] = {}
    for e in items:
        actions.setdefault(e["action"], set()).add(e["actor_id"])
    return actions


def test_every_read_of_the_family_is_on_its_access_log(api, client, factory):
    p, t, orgs = team(factory)
    police = factory.user("partner_system", org=factory.org("Northshire Police", type="police"))
    t["police"] = factory.token(police)
    created = api.post("/api/v1/requests", t["referrer"], json=request_body()).get_json()
    family_id, case_id = created["family_id"], created["case_id"]

    assert api.get("/api/v1/requests", t["officer"]).status_code == 200                     # the queue
    assert api.post(f"/api/v1/cases/{case_id}/triage", t["officer"], json=TRIAGE_TO_PANEL).status_code == 201
    panel = api.post("/api/v1/panels", t["chair"], json={"date": "2026-12-01", "members": []}).get_json()
    assert api.get(f"/api/v1/panels/{panel['id']}", t["chair"]).status_code == 200          # the agenda
    assert api.post(f"/api/v1/cases/{case_id}/allocation", t["chair"],
                    json={"keyworker_id": p["sam"].id}).status_code == 201
    assert api.get(f"/api/v1/caseloads/{p['sam'].id}", t["manager"]).status_code == 200     # a caseload
    assert api.get("/api/v1/inbox", t["sam"]).get_json()["total"] >= 1                      # the inbox
    assert api.get("/api/v1/families?q=Walsh", t["officer"]).get_json()["total"] == 1       # a search
    assert api.get(f"/api/v1/flags?nhs_number={VALID_NHS}&date_of_birth=2011-06-02", t["police"]).status_code == 200
    person_id = api.get(f"/api/v1/families/{family_id}", t["officer"]).get_json()["members"][0]["id"]
    assert api.get(f"/api/v1/people/{person_id}/subject-access", t["manager"]).status_code == 200

    actions = _log_actions(api, t["manager"], family_id)
    expected = {"request.queue": p["officer"].id, "panel.view": p["chair"].id, "caseload.view": p["manager"].id,
                "inbox.view": p["sam"].id, "family.search": p["officer"].id, "flags.query": police.id,
                "person.subject_access_export": p["manager"].id}
    missing = {action: who for action, who in expected.items() if who not in actions.get(action, set())}
    assert not missing, f"not on the family's access log: {sorted(missing)}"


def test_page_reads_of_lists_are_on_the_log_too(api, client, factory):
    p, t, orgs = team(factory)
    created = api.post("/api/v1/requests", t["referrer"], json=request_body()).get_json()
    sign_in(client, p["officer"])
    assert client.get("/front-door").status_code == 200
    assert client.get("/families?q=Walsh").status_code == 200
    actions = _log_actions(api, t["manager"], created["family_id"])
    assert p["officer"].id in actions.get("request.queue", set())
    assert p["officer"].id in actions.get("family.search", set())


def test_a_search_that_finds_nothing_is_still_recorded(api, factory):
    p, t, orgs = team(factory)
    assert api.get("/api/v1/families?q=Nobody", t["officer"]).get_json()["total"] == 0
    from caseflow.core.audit import AuditEvent
    from caseflow.core.extensions import db
    from sqlalchemy import select

    with api.client.application.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "family.search",
                                                           AuditEvent.actor_id == p["officer"].id)).all()
        assert rows and all(r.family_id is None for r in rows)
