"""One rule book for case moves: the stage graph says which moves exist from each stage and what
each needs; the access policy says who may make them. A refusal is 403; 409 is only for a move
the graph does not have; the moves a case offers are exactly those both allow."""
from __future__ import annotations

from datetime import date

from tests.conftest import sign_in
from tests.plans.helpers import agreed_plan, allocated_case, complete_assessment, team
from caseflow.core.timescales import today_london


def _reviewing(api, factory):
    p, t, orgs = team(factory)
    p["social_worker"] = factory.user("social_worker", org=factory.org("Children's Social Care", type="social_care"))
    t["social_worker"] = factory.token(p["social_worker"])
    case_id = allocated_case(api, p, t)
    complete_assessment(api, t["sam"], case_id)
    agreed_plan(api, t["sam"], case_id, p["sam"].id)
    return p, t, case_id


def _offered(api, token, case_id) -> set[str]:
    return {a["action"] for a in api.get(f"/api/v1/cases/{case_id}", token).get_json()["actions"]}


def test_a_case_offers_only_the_moves_the_policy_allows(api, factory, client):
    p, t, case_id = _reviewing(api, factory)
    # Social care may step a case up, but closing an early help case is the keyworker's.
    offered = _offered(api, t["social_worker"], case_id)
    assert "close" not in offered and "step_up" in offered
    closing = api.post(f"/api/v1/cases/{case_id}/close", t["social_worker"],
                       json={"reason": "outcomes_achieved", "summary": "Done."})
    assert closing.status_code == 403
    assert {"close", "step_up"} <= _offered(api, t["sam"], case_id)
    assert _offered(api, t["officer"], case_id) == {"step_up"}
    sign_in(client, p["social_worker"])
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "Close the case" not in page


def test_a_refused_move_is_403_and_a_move_the_graph_lacks_is_409(api, factory):
    p, t, case_id = _reviewing(api, factory)
    # Aaron is a keyworker in another team: the policy refuses him, whatever the stage allows.
    refused = api.post(f"/api/v1/cases/{case_id}/step-up", t["aaron"], json={})
    assert refused.status_code == 403
    # The front door may triage, but a reviewing case has no triage move: a conflict.
    again = api.post(f"/api/v1/cases/{case_id}/triage", t["officer"], json={
        "level_of_need": 2, "rag": "green", "decision": "signpost", "signposted_to": "Parenting group",
        "rationale": "x", "headline_problems": [{"code": "education", "evidence": "e"}]})
    assert again.status_code == 409
    # Stepping down needs the case to be with social care: the manager may, the graph may not.
    down = api.post(f"/api/v1/cases/{case_id}/step-down", t["manager"], json={
        "reason": "Risk has reduced since the plan started.", "still_needed": "Help with school attendance.",
        "route": "panel"})
    assert down.status_code == 409


def test_a_partner_keyworker_makes_the_moves_her_case_role_allows(api, factory):
    p, t, orgs = team(factory)
    dsl = factory.user("partner", org=orgs["school"], name="Dana DSL")
    token = factory.token(dsl)
    case_id = allocated_case(api, {**p, "dsl": dsl}, {**t, "dsl": token}, keyworker="dsl")
    assert "start_assessment" in _offered(api, token, case_id)
    complete_assessment(api, token, case_id)
    agreed_plan(api, token, case_id, dsl.id)
    closed = api.post(f"/api/v1/cases/{case_id}/close", token, json={
        "reason": "outcomes_achieved", "summary": "Leah is back at school every day.",
        "outcomes": [{"outcome_id": o["id"], "status": "achieved"}
                     for o in api.get(f"/api/v1/cases/{case_id}/plan", token).get_json()["outcomes"]]})
    assert closed.status_code == 200, closed.get_json()
    assert date.fromisoformat(closed.get_json()["closed_at"][:10]) == today_london()
