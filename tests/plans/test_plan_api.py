"""The family plan: outcomes only for confirmed problems, owned actions, agreement, and no lost edits."""
import threading

from tests.plans.helpers import allocated_case, complete_assessment, plan_body, team


def planning_case(api, factory):
    p, t, orgs = team(factory)
    case_id = allocated_case(api, p, t)
    complete_assessment(api, t["sam"], case_id, problems=("education",), scores={"education": 2})
    return p, t, orgs, case_id


def test_outcomes_must_be_for_confirmed_problems_and_actions_need_an_owner(api, factory):
    p, t, orgs, case_id = planning_case(api, factory)
    body = plan_body(p["sam"].id, problems=("education", "domestic_abuse"))
    body["actions"][0]["owner_user_id"] = None
    response = api.put(f"/api/v1/cases/{case_id}/plan", t["sam"], json=body)
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert "was not confirmed in the assessment" in fields["outcomes.1.headline_problem"][0]
    assert fields["actions.0.owner"] == ["Choose who owns this action: a person or an organisation"]
    assert api.get(f"/api/v1/cases/{case_id}/plan", t["sam"]).get_json()["status"] == "not_started"


def test_an_action_can_be_owned_by_a_partner_organisation(api, factory):
    p, t, orgs, case_id = planning_case(api, factory)
    body = plan_body(p["sam"].id, problems=("education",))
    body["actions"][0].update(owner_user_id=None, owner_organisation_id=orgs["school"].id)
    saved = api.put(f"/api/v1/cases/{case_id}/plan", t["sam"], json=body)
    assert saved.status_code == 200
    assert saved.get_json()["actions"][0]["owner_organisation_id"] == orgs["school"].id
    body["actions"][0]["owner_organisation_id"] = "no-such-organisation"
    body["version"] = saved.get_json()["version"]
    assert api.put(f"/api/v1/cases/{case_id}/plan", t["sam"], json=body).status_code == 422


def test_the_plan_cannot_be_agreed_until_every_confirmed_problem_has_an_outcome(api, factory):
    p, t = team(factory)[:2]
    case_id = allocated_case(api, p, t)
    complete_assessment(api, t["sam"], case_id)  # education and health
    saved = api.put(f"/api/v1/cases/{case_id}/plan", t["sam"], json=plan_body(p["sam"].id, problems=("education",)))
    assert saved.status_code == 200  # a draft may be partial
    refused = api.post(f"/api/v1/cases/{case_id}/plan/agree", t["sam"],
                       json={"family_agreed": True, "version": saved.get_json()["version"]})
    assert refused.status_code == 422
    assert "health" in refused.get_json()["error"]["fields"]["outcomes"][0]
    not_agreed = api.post(f"/api/v1/cases/{case_id}/plan/agree", t["sam"], json={"family_agreed": False})
    assert not_agreed.status_code == 422
    assert api.get(f"/api/v1/cases/{case_id}", t["sam"]).get_json()["stage"] == "planning"


def test_a_plan_needs_a_completed_assessment(api, factory):
    p, t = team(factory)[:2]
    case_id = allocated_case(api, p, t)
    response = api.put(f"/api/v1/cases/{case_id}/plan", t["sam"], json=plan_body(p["sam"].id))
    assert response.status_code == 409 and "assessment" in response.get_json()["error"]["message"]


def test_a_stale_plan_edit_is_refused_not_silently_overwritten(api, factory):
    p, t, orgs, case_id = planning_case(api, factory)
    first = api.put(f"/api/v1/cases/{case_id}/plan", t["sam"], json=plan_body(p["sam"].id, problems=("education",)))
    version = first.get_json()["version"]
    mine = plan_body(p["sam"].id, problems=("education",), version=version)
    mine["outcomes"][0]["description"] = "Leah attends 90% of the time"
    theirs = plan_body(p["sam"].id, problems=("education",), version=version)
    theirs["outcomes"][0]["description"] = "Leah attends every day"
    assert api.put(f"/api/v1/cases/{case_id}/plan", t["manager"], json=theirs).status_code == 200
    stale = api.put(f"/api/v1/cases/{case_id}/plan", t["sam"], json=mine)
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "stale_version"
    plan = api.get(f"/api/v1/cases/{case_id}/plan", t["sam"]).get_json()
    assert plan["outcomes"][0]["description"] == "Leah attends every day"
    missing = plan_body(p["sam"].id, problems=("education",))
    no_version = api.put(f"/api/v1/cases/{case_id}/plan", t["sam"], json=missing)
    assert no_version.status_code == 422 and "version" in no_version.get_json()["error"]["fields"]


def test_two_simultaneous_saves_of_the_same_version_one_wins_one_gets_409(api, factory, app, live_server):
    import json
    import urllib.request
    from urllib.error import HTTPError

    p, t, orgs, case_id = planning_case(api, factory)
    version = api.put(f"/api/v1/cases/{case_id}/plan", t["sam"],
                      json=plan_body(p["sam"].id, problems=("education",))).get_json()["version"]
    results, barrier = [], threading.Barrier(2)

    def save(token, wording):
        body = plan_body(p["sam"].id, problems=("education",), version=version)
        body["outcomes"][0]["description"] = wording
        req = urllib.request.Request(f"{live_server}/api/v1/cases/{case_id}/plan", method="PUT",
                                     data=json.dumps(body).encode(), headers={
                                         "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        barrier.wait()
        try:
            with urllib.request.urlopen(req, timeout=30) as response:
                results.append((response.status, wording))
        except HTTPError as exc:
            results.append((exc.code, wording))

    threads = [threading.Thread(target=save, args=(t["sam"], "Sam's wording")),
               threading.Thread(target=save, args=(t["manager"], "Maya's wording"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(code for code, _ in results) == [200, 409]
    winner = next(wording for code, wording in results if code == 200)
    plan = api.get(f"/api/v1/cases/{case_id}/plan", t["sam"]).get_json()
    assert plan["outcomes"][0]["description"] == winner and plan["version"] == version + 1


def test_the_taf_sees_the_plan_but_not_the_assessment(api, factory):
    p, t, orgs, case_id = planning_case(api, factory)
    assert api.get(f"/api/v1/cases/{case_id}/plan", t["senco"]).status_code == 403
    added = api.post(f"/api/v1/cases/{case_id}/taf", t["sam"], json={"user_id": p["senco"].id, "role": "SENCo"})
    assert added.status_code == 201
    assert any("Team Around the Family" in n["title"] for n in api.get("/api/v1/inbox", t["senco"]).get_json()["items"])
    api.put(f"/api/v1/cases/{case_id}/plan", t["sam"], json=plan_body(p["senco"].id, problems=("education",)))
    plan = api.get(f"/api/v1/cases/{case_id}/plan", t["senco"])
    assert plan.status_code == 200 and plan.get_json()["actions"][0]["owner_user_id"] == p["senco"].id
    assert plan.get_json()["distance_travelled"] == []  # scores come from the assessment: not shared
    assert api.get(f"/api/v1/cases/{case_id}/assessment", t["senco"]).status_code == 403
    assert api.get(f"/api/v1/cases/{case_id}/chronology", t["senco"]).status_code == 403
    assert api.put(f"/api/v1/cases/{case_id}/plan", t["senco"], json=plan_body(p["senco"].id)).status_code == 403
    # Another team's keyworker has no relationship to the family.
    assert api.get(f"/api/v1/cases/{case_id}/plan", t["aaron"]).status_code == 403
    assert api.post(f"/api/v1/cases/{case_id}/contacts", t["aaron"], json={
        "date": "2026-01-01", "type": "phone_call", "notes": "x"}).status_code == 403
