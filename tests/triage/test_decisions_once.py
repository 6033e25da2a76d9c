"""Decisions are made once. A triage decision is recorded once per case; deciding again is
refused (409), however different the second decision. Changing it is its own action, "amend":
managers only, with a reason, on the record beside the original. (A panel's decision:
tests/panels/test_decisions_once.py.)"""
from __future__ import annotations

from tests.triage.helpers import TRIAGE_TO_PANEL, case_at_panel
from tests.panels.test_panels import make_panel, people, tokens

SIGNPOST = {**TRIAGE_TO_PANEL, "decision": "signpost", "signposted_to": "Riverside children's centre",
            "rationale": "On reflection, universal services are enough."}


def _world(api, factory):
    p = people(factory)
    p["manager"] = factory.user("team_manager", org=p["org"], name="Maya Manager")
    t = tokens(factory, p)
    return p, t


def test_a_second_triage_decision_is_refused_and_the_case_stays_on_the_agenda(api, factory):
    p, t = _world(api, factory)
    created = case_at_panel(api, t["referrer"], t["officer"])
    again = api.post(f"/api/v1/cases/{created['case_id']}/triage", t["officer"], json=SIGNPOST)
    assert again.status_code == 409, again.get_json()
    assert "amend" in again.get_json()["error"]["message"]
    assert api.get(f"/api/v1/cases/{created['case_id']}", t["officer"]).get_json()["stage"] == "awaiting_panel"
    panel = make_panel(api, t["chair"], p)
    assert created["case_id"] in [item["id"] for item in panel["agenda"]]


def test_amending_a_triage_decision_is_a_managers_reasoned_action_and_both_stay_on_record(api, factory):
    p, t = _world(api, factory)
    created = case_at_panel(api, t["referrer"], t["officer"])
    case_id = created["case_id"]
    path = f"/api/v1/cases/{case_id}/triage/amendments"
    assert api.post(path, t["officer"], json={**SIGNPOST, "reason": "Mum found a parenting group"}).status_code == 403
    no_reason = api.post(path, t["manager"], json=SIGNPOST)
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["error"]["fields"]
    amended = api.post(path, t["manager"], json={**SIGNPOST, "reason": "Mum found a parenting group herself."})
    assert amended.status_code == 201, amended.get_json()
    body = amended.get_json()
    assert body["decision"] == "signpost" and body["previous"]["decision"] == "panel"
    case = api.get(f"/api/v1/cases/{case_id}", t["officer"]).get_json()
    assert case["stage"] == "signposted"
    history = api.get(f"/api/v1/cases/{case_id}/chronology", t["manager"]).get_json()["items"]
    kinds = [e["kind"] for e in history]
    assert "triage" in kinds and "amendment" in kinds
    amendment = next(e for e in history if e["kind"] == "amendment")
    assert "Mum found a parenting group herself." in amendment["detail"]
    assert "panel" in amendment["detail"]  # what it was, as well as what it is now
    log = api.get(f"/api/v1/families/{created['family_id']}/access-log", t["manager"]).get_json()["items"]
    assert any(e["action"] == "case.triage.amend" for e in log)
    # A signposted case cannot be amended back to the panel: the stage graph has no such move.
    back = api.post(path, t["manager"], json={**TRIAGE_TO_PANEL, "reason": "Changed my mind again"})
    assert back.status_code == 409


def test_the_triage_page_shows_the_decision_and_offers_the_amendment_to_managers(api, client, factory):
    from tests.conftest import csrf_token, sign_in

    p, t = _world(api, factory)
    created = case_at_panel(api, t["referrer"], t["officer"])
    case_id = created["case_id"]
    sign_in(client, p["officer"])
    page = client.get(f"/cases/{case_id}/triage").get_data(as_text=True)
    assert "Triage decision recorded" in page and "Amend triage decision" not in page
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/inbox")})
    sign_in(client, p["manager"])
    page = client.get(f"/cases/{case_id}/triage").get_data(as_text=True)
    assert "Amend triage decision" in page and "Why the decision is changing" in page
    token = csrf_token(client, f"/cases/{case_id}/triage")
    form = {"csrf_token": token, "level_of_need": "3", "rag": "red", "decision": "panel",
            "problems": ["education"], "evidence-education": "School attendance data: 60%",
            "rationale": "Attendance has fallen further."}
    refused = client.post(f"/cases/{case_id}/triage/amend", data=form)
    assert refused.status_code == 400 and "Say why the decision is changing" in refused.get_data(as_text=True)
    amended = client.post(f"/cases/{case_id}/triage/amend", data={**form, "reason": "New attendance figures."})
    assert amended.status_code == 302
    assert api.get(f"/api/v1/cases/{case_id}", t["officer"]).get_json()["stage"] == "awaiting_panel"
