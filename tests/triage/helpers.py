"""Cases ready for triage and panel, made through the real front door."""
from __future__ import annotations

from tests.frontdoor.test_api_intake import request_body

# Distinct surnames: the matcher rightly treats "Family1" and "Family2" as one name.
SURNAMES = ["Adams", "Baker", "Clarke", "Dawson", "Ellis", "Fraser", "Gordon", "Hughes", "Irwin", "Jordan"]

TRIAGE_TO_PANEL = {
    "level_of_need": 3, "rag": "amber", "decision": "panel",
    "headline_problems": [{"code": "education", "evidence": "School attendance data: 68%"},
                          {"code": "health", "evidence": "GP letter"}],
    "rationale": "Several overlapping needs; whole-family work needed.",
}


def new_case(api, token, surname="Walsh", **overrides):
    body = request_body(people=[{"given_name": "Leah", "family_name": surname, "date_of_birth": "2011-06-02",
                                 "relationship": "child"}], **overrides)
    response = api.post("/api/v1/requests", token, json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def case_at_panel(api, referrer_token, officer_token, surname="Walsh", **triage):
    created = new_case(api, referrer_token, surname)
    response = api.post(f"/api/v1/cases/{created['case_id']}/triage", officer_token,
                        json={**TRIAGE_TO_PANEL, **triage})
    assert response.status_code == 201, response.get_json()
    return created
