"""A panel's decision is made once per case: deciding again is refused (409), however different
the second decision. Changing it is its own action, "amend": the chair or a manager of the case,
with a reason, on the record beside the original."""
from __future__ import annotations

from tests.panels.test_panels import make_panel, people, tokens
from tests.triage.helpers import case_at_panel


def _world(api, factory):
    p = people(factory)
    p["manager"] = factory.user("team_manager", org=p["org"], name="Maya Manager")
    t = tokens(factory, p)
    return p, t


def test_a_panel_decision_is_made_once_and_amended_with_a_reason(api, factory):
    p, t = _world(api, factory)
    created = case_at_panel(api, t["referrer"], t["officer"])
    panel = make_panel(api, t["chair"], p)
    deferred = api.post(f"/api/v1/panels/{panel['id']}/decisions", t["chair"], json={
        "case_id": created["case_id"], "decision": "defer", "rationale": "Waiting for the school's view"})
    assert deferred.status_code == 201
    again = api.post(f"/api/v1/panels/{panel['id']}/decisions", t["chair"], json={
        "case_id": created["case_id"], "decision": "allocate", "keyworker_id": p["keyworker"].id,
        "rationale": "School's view arrived"})
    assert again.status_code == 409
    path = f"/api/v1/panels/{panel['id']}/decisions/{created['case_id']}/amendments"
    assert api.post(path, t["referrer"], json={"decision": "allocate", "reason": "x"}).status_code == 403
    amended = api.post(path, t["chair"], json={
        "decision": "allocate", "keyworker_id": p["keyworker"].id, "rationale": "School's view arrived after the panel",
        "reason": "The school's report came in the same afternoon."})
    assert amended.status_code == 201, amended.get_json()
    assert amended.get_json()["previous"]["decision"] == "defer"
    assert api.get(f"/api/v1/cases/{created['case_id']}", t["chair"]).get_json()["stage"] == "allocated"
    minutes = api.get(f"/api/v1/panels/{panel['id']}", t["chair"]).get_json()
    item = next(i for i in minutes["agenda"] if i["id"] == created["case_id"])
    assert item["decision"]["decision"] == "allocate"
    history = api.get(f"/api/v1/cases/{created['case_id']}/chronology", t["chair"]).get_json()["items"]
    assert any(e["kind"] == "amendment" and "defer" in e["detail"] for e in history)


def test_the_panel_page_offers_the_amendment_of_a_decision_to_managers(api, client, factory):
    from tests.conftest import csrf_token, sign_in

    p, t = _world(api, factory)
    created = case_at_panel(api, t["referrer"], t["officer"])
    case_id = created["case_id"]
    panel = make_panel(api, t["chair"], p)
    sign_in(client, p["manager"])
    token = csrf_token(client, f"/panels/{panel['id']}")
    decided = client.post(f"/panels/{panel['id']}/decisions", data={
        "csrf_token": token, "case_id": case_id, "decision": "defer", "rationale": "Waiting for the school"})
    assert decided.status_code == 302
    page = client.get(f"/panels/{panel['id']}").get_data(as_text=True)
    assert "Amend this decision" in page
    again = client.post(f"/panels/{panel['id']}/decisions/{case_id}/amend", data={
        "csrf_token": token, "decision": "signpost", "signposted_to": "Parenting group",
        "rationale": "The school's view: universal help is enough", "reason": "The school called back."})
    assert again.status_code == 302
    assert api.get(f"/api/v1/cases/{case_id}", t["officer"]).get_json()["stage"] == "signposted"
