"""An allocated case, made through the real front door, triage and allocation."""
from __future__ import annotations

from datetime import timedelta

from tests.triage.helpers import case_at_panel
from caseflow.core.timescales import today_london



def team(factory):
    """The people of a locality team and its partners, with API tokens."""
    org = factory.org("Northshire Early Help")
    school = factory.org("Northshire Academy", type="school")
    camhs = factory.org("Northshire CAMHS", type="gp")
    people = {"referrer": factory.user("partner", org=school, name="Ms Patel"),
              "officer": factory.user("front_door", org=org),
              "chair": factory.user("panel_chair", org=org),
              "manager": factory.user("team_manager", org=org, name="Maya Manager"),
              "sam": factory.user("keyworker", org=org, name="Sam Taylor", team="Locality North"),
              "aaron": factory.user("keyworker", org=org, name="Aaron Mensah", team="Locality South"),
              "senco": factory.user("partner", org=school, name="Jo SENCo"),
              "camhs": factory.user("partner", org=camhs, name="Chris CAMHS")}
    tokens = {k: factory.token(v) for k, v in people.items()}
    return people, tokens, {"school": school, "camhs": camhs, "early_help": org}


def allocated_case(api, people, tokens, surname="Walsh", keyworker="sam"):
    created = case_at_panel(api, tokens["referrer"], tokens["officer"], surname)
    response = api.post(f"/api/v1/cases/{created['case_id']}/allocation", tokens["chair"],
                        json={"keyworker_id": people[keyworker].id})
    assert response.status_code == 201, response.get_json()
    return created["case_id"]


def members(api, token, case_id):
    return api.get(f"/api/v1/cases/{case_id}/assessment", token).get_json()["members"]


def complete_assessment(api, token, case_id, problems=("education", "health"), scores=None):
    scores = scores or {"education": 2, "health": 4}
    people = members(api, token, case_id)
    body = {"members": [{"person_id": m["person_id"], "worked_with": True,
                         "voice": "I want to go to school but my friends are not there" if m["relationship"] == "child" else ""}
                        for m in people],
            "family_views": "Mum says things got hard after she lost her job.",
            "domains": {"education": {"strengths": "Leah likes art", "needs": "Attendance 68%"}},
            "confirmed_problems": list(problems), "baseline": {p: scores[p] for p in problems}}
    response = api.post(f"/api/v1/cases/{case_id}/assessment/complete", token, json=body)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def plan_body(owner_id, problems=("education", "health"), version=None):
    outcomes = [{"headline_problem": p, "description": f"Outcome for {p}", "measure": f"Measure for {p}",
                 "target_date": (today_london() + timedelta(days=120)).isoformat()} for p in problems]
    actions = [{"description": f"Action for {p}", "owner_user_id": owner_id, "outcome_index": i,
                "due_date": (today_london() + timedelta(days=30)).isoformat()} for i, p in enumerate(problems)]
    return {"outcomes": outcomes, "actions": actions, "version": version}


def agreed_plan(api, token, case_id, owner_id):
    saved = api.put(f"/api/v1/cases/{case_id}/plan", token, json=plan_body(owner_id))
    assert saved.status_code == 200, saved.get_json()
    agreed = api.post(f"/api/v1/cases/{case_id}/plan/agree", token,
                      json={"family_agreed": True, "version": saved.get_json()["version"]})
    assert agreed.status_code == 200, agreed.get_json()
    return agreed.get_json()


def confirm_first_candidate(api, officer_token, created):
    """The front-door officer confirms the request's person is the one already known."""
    detail = api.get(f"/api/v1/requests/{created['id']}", officer_token).get_json()
    person = detail["people"][0]
    decided = api.post(f"/api/v1/requests/{created['id']}/people/{person['id']}/match", officer_token,
                       json={"decision": "confirm", "person_id": person["candidates"][0]["person_id"]})
    assert decided.status_code == 200, decided.get_json()
    return decided.get_json()
