"""Social care's response to a step-up (accepted for assessment, a strategy discussion, or not
accepted with advice back to early help) is recorded once; changing it is an amendment with a
reason, and the history shows both."""
from __future__ import annotations

from tests.socialcare.test_step_up_down_api import STEP_UP, people, reviewing_case


def test_social_care_responds_once_and_amends_with_a_reason(api, factory):
    p, t, orgs = people(factory)
    case_id, _ = reviewing_case(api, p, t)
    assert api.post(f"/api/v1/cases/{case_id}/step-up", t["sam"], json=STEP_UP).status_code == 201
    path = f"/api/v1/cases/{case_id}/step-up/response"
    assert api.post(path, t["sam"], json={"decision": "accepted_for_assessment"}).status_code == 403
    missing = api.post(path, t["sw"], json={"decision": "not_accepted"})
    assert missing.status_code == 422 and "advice" in missing.get_json()["error"]["fields"]
    first = api.post(path, t["sw"], json={"decision": "accepted_for_assessment", "note": "Single assessment opened."})
    assert first.status_code == 201, first.get_json()
    again = api.post(path, t["sw"], json={"decision": "not_accepted", "advice": "Carry on with the plan."})
    assert again.status_code == 409
    assert "amend" in again.get_json()["error"]["message"]
    amend = f"{path}/amendments"
    assert api.post(amend, t["sw"], json={"decision": "strategy_discussion"}).status_code == 422  # no reason
    amended = api.post(amend, t["sw"], json={"decision": "strategy_discussion",
                                            "reason": "New information from police overnight."})
    assert amended.status_code == 201, amended.get_json()
    assert amended.get_json()["previous"]["decision"] == "accepted_for_assessment"
    assert "step-up response" in " ".join(n["title"].lower() for n in api.get("/api/v1/inbox", t["sam"]).get_json()["items"])
    history = api.get(f"/api/v1/cases/{case_id}/chronology", t["sw"]).get_json()["items"]
    assert any(e["kind"] == "step_up_response" for e in history)
    assert any(e["kind"] == "amendment" and "accepted for assessment" in e["detail"].lower() for e in history)


def test_social_care_responds_on_the_case_page(api, client, factory):
    from tests.conftest import csrf_token, sign_in

    p, t, orgs = people(factory)
    case_id, _ = reviewing_case(api, p, t)
    assert api.post(f"/api/v1/cases/{case_id}/step-up", t["sam"], json=STEP_UP).status_code == 201
    sign_in(client, p["sam"])
    assert "Record the response" not in client.get(f"/cases/{case_id}").get_data(as_text=True)
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/inbox")})
    sign_in(client, p["sw"])
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "Waiting for social care" in page and "Record the response" in page
    token = csrf_token(client, f"/cases/{case_id}")
    done = client.post(f"/cases/{case_id}/step-up/response", data={
        "csrf_token": token, "decision": "not_accepted", "advice": "Carry on with the plan; refer again if Leah goes missing."})
    assert done.status_code == 302
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "Not accepted" in page and "Amend the response" in page
    amended = client.post(f"/cases/{case_id}/step-up/response/amend", data={
        "csrf_token": token, "decision": "accepted_for_assessment", "reason": "Police shared new information."})
    assert amended.status_code == 302
    assert "Accepted for assessment" in client.get(f"/cases/{case_id}").get_data(as_text=True)
