"""A case with its stage and the actions the caller may take now (from caseflow.flow)."""
from tests.frontdoor.test_api_intake import request_body


def test_actions_depend_on_role(api, factory):
    partner = factory.token(factory.user("partner"))
    created = api.post("/api/v1/requests", partner, json=request_body()).get_json()
    officer = factory.token(factory.user("front_door"))
    body = api.get(f"/api/v1/cases/{created['case_id']}", officer).get_json()
    assert body["stage"] == "requested" and body["stage_label"] == "Requested"
    assert {a["action"] for a in body["actions"]} >= {"triage", "send_to_panel", "signpost", "step_up"}
    mine = api.get(f"/api/v1/cases/{created['case_id']}", partner).get_json()
    assert mine["actions"] == []


def test_unknown_case_is_404_and_unrelated_keyworker_403(api, factory):
    partner = factory.token(factory.user("partner"))
    created = api.post("/api/v1/requests", partner, json=request_body()).get_json()
    keyworker = factory.token(factory.user("keyworker"))
    assert api.get(f"/api/v1/cases/{created['case_id']}", keyworker).status_code == 403
    assert api.get("/api/v1/cases/missing", keyworker).status_code == 404
