"""Team boundaries hold for managers on every action, not only on reads.

A team manager oversees their own team's families and everything not yet allocated to a team
(the front door, panel and step-downs); a manager with no team runs the service. A manager of
another team who is refused a family's record must also be refused writing to its case, joining
its TAF, exporting its people's records, reading its access log and reading its referrals.
"""
from __future__ import annotations

import pytest

from caseflow.auth.models import Team
from caseflow.core.extensions import db
from tests.conftest import sign_in
from tests.plans.helpers import agreed_plan, allocated_case, complete_assessment, members, team
from tests.triage.helpers import new_case


@pytest.fixture
def held(api, factory, app):
    """A family held by Sam's team (Locality North), reviewing an agreed plan; a manager of
    that team, a manager of another team, and the service manager (no team)."""
    p, t, orgs = team(factory)
    case_id = allocated_case(api, p, t)
    complete_assessment(api, t["sam"], case_id)
    agreed_plan(api, t["sam"], case_id, p["sam"].id)
    with app.app_context():
        north = db.session.get(Team, p["sam"].team_id)
        p["north_manager"] = factory.user("team_manager", org=orgs["early_help"], name="Nadia North", team=north)
    p["south_manager"] = factory.user("team_manager", org=orgs["early_help"], name="Simon South", team="Locality South")
    for key in ("north_manager", "south_manager"):
        t[key] = factory.token(p[key])
    case = api.get(f"/api/v1/cases/{case_id}", t["sam"]).get_json()
    person_id = members(api, t["sam"], case_id)[0]["person_id"]
    request_id = api.get(f"/api/v1/families/{case['family_id']}", t["officer"]).get_json()["requests"][0]["id"]
    return p, t, orgs, case_id, case["family_id"], person_id, request_id


def _writes(case_id, family_id, person_id, request_id, south_id):
    """Every action on the held family, with a body the policy is asked about before it is read."""
    return [
        ("POST", f"/api/v1/cases/{case_id}/contacts", {}),
        ("POST", f"/api/v1/cases/{case_id}/taf", {"user_id": south_id}),
        ("GET", f"/api/v1/cases/{case_id}/plan", None),
        ("PUT", f"/api/v1/cases/{case_id}/plan", {}),
        ("POST", f"/api/v1/cases/{case_id}/plan/agree", {}),
        ("GET", f"/api/v1/cases/{case_id}/assessment", None),
        ("PUT", f"/api/v1/cases/{case_id}/assessment", {}),
        ("POST", f"/api/v1/cases/{case_id}/assessment/addenda", {}),
        ("POST", f"/api/v1/cases/{case_id}/reviews", {}),
        ("GET", f"/api/v1/cases/{case_id}/reviews", None),
        ("GET", f"/api/v1/cases/{case_id}/chronology", None),
        ("POST", f"/api/v1/cases/{case_id}/close", {}),
        ("POST", f"/api/v1/cases/{case_id}/engagement-extension", {}),
        ("POST", f"/api/v1/cases/{case_id}/step-up", {}),
        ("POST", f"/api/v1/cases/{case_id}/step-down", {}),
        ("POST", f"/api/v1/cases/{case_id}/allocation", {}),
        ("POST", f"/api/v1/cases/{case_id}/triage", {}),
        ("POST", f"/api/v1/cases/{case_id}/statutory-status", {}),
        ("POST", f"/api/v1/cases/{case_id}/social-worker", {}),
        ("POST", f"/api/v1/cases/{case_id}/keyworker-role", {}),
        ("GET", f"/api/v1/people/{person_id}/subject-access", None),
        ("GET", f"/api/v1/families/{family_id}/access-log", None),
        ("GET", f"/api/v1/requests/{request_id}", None),
        ("GET", f"/api/v1/cases/{case_id}/handover-pack", None),
    ]


def _call(api, token, method, path, body):
    if method == "GET":
        return api.get(path, token)
    if method == "PUT":
        return api.put(path, token, json=body)
    return api.post(path, token, json=body)


def test_a_manager_of_another_team_is_refused_every_action_on_the_family(api, held):
    p, t, orgs, case_id, family_id, person_id, request_id = held
    assert api.get(f"/api/v1/families/{family_id}", t["south_manager"]).status_code == 403
    wrong = []
    for method, path, body in _writes(case_id, family_id, person_id, request_id, p["south_manager"].id):
        response = _call(api, t["south_manager"], method, path, body)
        if response.status_code != 403:
            wrong.append(f"{method} {path}: {response.status_code}")
    assert not wrong, "A manager of another team got through:\n" + "\n".join(wrong)
    # He did not get into the TAF either, so the plan stays closed to him.
    assert api.get(f"/api/v1/cases/{case_id}/plan", t["south_manager"]).status_code == 403


def test_the_same_teams_manager_and_the_service_manager_are_let_through(api, held):
    p, t, orgs, case_id, family_id, person_id, request_id = held
    for who in ("north_manager", "manager"):
        wrong = []
        for method, path, body in _writes(case_id, family_id, person_id, request_id, p["camhs"].id):
            if path.endswith(("/taf", "/close")):
                continue  # changes the case for the next caller
            response = _call(api, t[who], method, path, body)
            if response.status_code in (401, 403) or response.status_code >= 500:
                wrong.append(f"{method} {path}: {response.status_code}")
        assert not wrong, f"{who} was refused:\n" + "\n".join(wrong)


def test_the_subject_access_pdf_and_the_referral_page_keep_the_boundary(client, held, app):
    p, t, orgs, case_id, family_id, person_id, request_id = held
    sign_in(client, p["south_manager"])
    assert client.get(f"/people/{person_id}/subject-access.pdf").status_code == 403
    assert client.get(f"/requests/{request_id}").status_code == 403
    assert client.get(f"/families/{family_id}/access-log").status_code == 403


def test_unallocated_work_stays_open_to_every_manager(api, held):
    p, t, orgs, case_id, family_id, person_id, request_id = held
    fresh = new_case(api, t["referrer"], "Ellis")
    assert api.get(f"/api/v1/requests/{fresh['id']}", t["south_manager"]).status_code == 200
    triaged = api.post(f"/api/v1/cases/{fresh['case_id']}/triage", t["south_manager"], json={
        "level_of_need": 2, "rag": "green", "decision": "panel", "rationale": "Needs the panel's view.",
        "headline_problems": [{"code": "education", "evidence": "Attendance 80%"},
                              {"code": "health", "evidence": "GP letter"}]})
    assert triaged.status_code == 201, triaged.get_json()
    allocated = api.post(f"/api/v1/cases/{fresh['case_id']}/allocation", t["south_manager"],
                         json={"keyworker_id": p["aaron"].id})
    assert allocated.status_code == 201, allocated.get_json()
