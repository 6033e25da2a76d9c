"""Step-up to children's social care and step-down back to early help, through the API."""
from datetime import timedelta

from caseflow.core import timescales
from tests.plans.helpers import agreed_plan, allocated_case, complete_assessment, team
from caseflow.core.timescales import today_london

STEP_UP = {"reason": "Leah disclosed she is being exploited by older men.",
           "concern": "Child sexual exploitation: Leah at risk of significant harm.",
           "evidence": "Leah's account to the school nurse; police intelligence.",
           "informed": ["School DSL", "Police"], "family_informed": True, "urgency": "immediate",
           "keyworker_role": "joint"}


def people(factory):
    p, t, orgs = team(factory)
    social_care = factory.org("Northshire Children's Social Care", type="social_care")
    adviser = factory.user("partner", org=factory.org("Jobcentre Plus", type="jobcentre"), name="Pat Jones")
    p.update(sw=factory.user("social_worker", org=social_care, name="Joanne Reid"), adviser=adviser)
    t.update(sw=factory.token(p["sw"]), adviser=factory.token(adviser))
    return p, t, orgs


def reviewing_case(api, p, t):
    case_id = allocated_case(api, p, t)
    complete_assessment(api, t["sam"], case_id)
    plan = agreed_plan(api, t["sam"], case_id, p["sam"].id)
    for member in ("senco", "adviser"):
        assert api.post(f"/api/v1/cases/{case_id}/taf", t["sam"], json={"user_id": p[member].id}).status_code == 201
    return case_id, plan


def inbox(api, token):
    return api.get("/api/v1/inbox", token).get_json()["items"]


def test_a_case_steps_up_at_a_review_and_steps_down_to_the_same_plan(api, factory, app):
    p, t, orgs = people(factory)
    case_id, plan = reviewing_case(api, p, t)

    # The TAF review decides to step up; the keyworker then makes the step-up with its details.
    review = api.post(f"/api/v1/cases/{case_id}/reviews", t["sam"], json={
        "date": today_london().isoformat(), "attendees": [{"name": "Sam Taylor"}], "decision": "step_up",
        "step_up_reason": STEP_UP["reason"], "progress": [{"outcome_id": o["id"], "score": 3} for o in plan["outcomes"]]})
    assert review.status_code == 201
    assert api.get(f"/api/v1/cases/{case_id}", t["sam"]).get_json()["stage"] == "reviewing"
    incomplete = api.post(f"/api/v1/cases/{case_id}/step-up", t["sam"], json={
        "reason": "x", "family_informed": False})
    fields = incomplete.get_json()["error"]["fields"]
    assert incomplete.status_code == 422 and {"concern", "urgency", "family_not_informed_reason"} <= set(fields)
    no_role = api.post(f"/api/v1/cases/{case_id}/step-up", t["sam"], json={**STEP_UP, "keyworker_role": None})
    assert no_role.status_code == 422 and "keyworker_role" in no_role.get_json()["error"]["fields"]
    stepped = api.post(f"/api/v1/cases/{case_id}/step-up", t["sam"], json=STEP_UP)
    assert stepped.status_code == 201 and stepped.get_json()["keyworker_role"] == "joint"
    case = api.get(f"/api/v1/cases/{case_id}", t["sw"]).get_json()
    assert case["stage"] == "social_care"

    # Social care hears at once; TAF partners hear that it moved, not why.
    alert = next(n for n in inbox(api, t["sw"]) if n["title"].startswith("Step-up"))
    assert "Immediate" in alert["body"] and "exploited" in alert["body"]
    moved = next(n for n in inbox(api, t["senco"]) if "children's social care" in n["title"])
    assert "exploit" not in moved["body"]
    # The Jobcentre adviser stays on through the escalation and still sees the plan.
    assert api.get(f"/api/v1/cases/{case_id}/plan", t["adviser"]).status_code == 200

    # The social worker reads the handover pack: assessment, plan, chronology.
    pack = api.get(f"/api/v1/cases/{case_id}/handover-pack", t["sw"]).get_json()
    assert pack["withheld"] == [] and pack["assessment"]["status"] == "complete"
    assert pack["step_ups"][0]["concern"] == STEP_UP["concern"] and len(pack["plan"]["outcomes"]) == 2
    assert any(e["kind"] == "review" for e in pack["chronology"])
    assert api.post(f"/api/v1/cases/{case_id}/social-worker", t["sw"], json={"social_worker_id": p["sw"].id}).status_code == 200
    cin = api.post(f"/api/v1/cases/{case_id}/statutory-status", t["sw"], json={
        "status": "child_in_need", "started_on": (today_london() - timedelta(days=2)).isoformat()})
    assert cin.status_code == 201
    earlier = api.post(f"/api/v1/cases/{case_id}/statutory-status", t["sw"], json={
        "status": "child_protection_plan", "started_on": (today_london() - timedelta(days=5)).isoformat()})
    assert earlier.status_code == 422
    assert api.post(f"/api/v1/cases/{case_id}/statutory-status", t["sw"], json={
        "status": "child_protection_plan", "started_on": today_london().isoformat()}).status_code == 201
    # Joint working: the keyworker can still record a visit.
    assert api.post(f"/api/v1/cases/{case_id}/contacts", t["sam"], json={
        "date": today_london().isoformat(), "type": "phone_call", "notes": "Joint visit planned with Joanne."}).status_code == 201

    # Step-down: the handover must be within 10 working days; a direct route needs a team.
    due = timescales.add_working_days(timescales.today_london(), 10)
    late = api.post(f"/api/v1/cases/{case_id}/step-down", t["sw"], json={
        "reason": "Risk reduced", "still_needed": "Attendance and mum's health",
        "handover_meeting_on": (due + timedelta(days=1)).isoformat()})
    assert late.status_code == 422 and "within 10 working days" in late.get_json()["error"]["fields"]["handover_meeting_on"][0]
    no_team = api.post(f"/api/v1/cases/{case_id}/step-down", t["sw"], json={
        "reason": "Risk reduced", "still_needed": "x", "route": "direct"})
    assert "receiving_team_id" in no_team.get_json()["error"]["fields"]
    down = api.post(f"/api/v1/cases/{case_id}/step-down", t["sw"], json={
        "reason": "Risk reduced; Leah is safe and engaging.", "still_needed": "Attendance and mum's health",
        "handover_meeting_on": due.isoformat(), "route": "direct", "receiving_team_id": p["sam"].team_id})
    assert down.status_code == 201 and down.get_json()["handover_due_on"] == due.isoformat()
    assert api.get(f"/api/v1/cases/{case_id}", t["sam"]).get_json()["stage"] == "stepped_down"
    assert any(n["title"].startswith("Step-down") for n in inbox(api, t["sam"]))  # joint keyworker
    statuses = api.get(f"/api/v1/cases/{case_id}/handover-pack", t["sam"]).get_json()["statuses"]
    assert all(s["ended_on"] for s in statuses)

    # Allocated again: the same plan carries on, with the whole history.
    allocated = api.post(f"/api/v1/cases/{case_id}/allocation", t["manager"], json={"keyworker_id": p["aaron"].id})
    assert allocated.status_code == 201
    assert api.get(f"/api/v1/cases/{case_id}", t["aaron"]).get_json()["stage"] == "reviewing"
    again = api.get(f"/api/v1/cases/{case_id}/plan", t["aaron"]).get_json()
    assert again["id"] == plan["id"] and again["status"] == "agreed"
    titles = [e["title"] for e in api.get(f"/api/v1/cases/{case_id}/chronology", t["aaron"]).get_json()["items"]]
    assert "Stage: Children's social care" in titles and "Stage: Stepped down" in titles


def test_illegal_and_unauthorised_moves_are_refused_with_reasons(api, factory):
    p, t, _ = people(factory)
    case_id = allocated_case(api, p, t)
    down = api.post(f"/api/v1/cases/{case_id}/step-down", t["sw"], json={"reason": "x", "still_needed": "y"})
    assert down.status_code == 409 and "cannot be moved by 'step down to early help'" in down.get_json()["error"]["message"]
    assert api.post(f"/api/v1/cases/{case_id}/step-up", t["senco"], json=STEP_UP).status_code == 403
    assert api.post(f"/api/v1/cases/{case_id}/step-up", t["aaron"], json=STEP_UP).status_code == 403
    assert api.post(f"/api/v1/cases/{case_id}/step-down", t["sam"], json={"reason": "x", "still_needed": "y"}).status_code == 403
    assert api.post(f"/api/v1/cases/{case_id}/step-up", t["sam"], json={**STEP_UP, "keyworker_role": "stepped_back"}).status_code == 201
    again = api.post(f"/api/v1/cases/{case_id}/step-up", t["sw"], json=STEP_UP)
    assert again.status_code == 409 and "children's social care cannot be moved" in again.get_json()["error"]["message"]
    # The keyworker stepped back: they no longer record on the case.
    assert api.post(f"/api/v1/cases/{case_id}/contacts", t["sam"], json={
        "date": today_london().isoformat(), "type": "phone_call", "notes": "x"}).status_code == 403


def test_the_handover_pack_shows_a_taf_partner_only_the_plan(api, factory, app):
    p, t, _ = people(factory)
    case_id, _ = reviewing_case(api, p, t)
    api.post(f"/api/v1/cases/{case_id}/step-up", t["sam"], json=STEP_UP)
    pack = api.get(f"/api/v1/cases/{case_id}/handover-pack", t["adviser"]).get_json()
    assert pack["plan"] is not None and pack["assessment"] is None and pack["step_ups"] == []
    assert pack["chronology"] == [] and "Whole-family assessment" in pack["withheld"]
    assert api.get(f"/api/v1/cases/{case_id}/handover-pack", t["aaron"]).status_code == 403


def test_triage_can_step_up_straight_away_and_social_care_is_told(api, factory):
    from tests.triage.helpers import TRIAGE_TO_PANEL, new_case

    p, t, _ = people(factory)
    created = new_case(api, t["referrer"], "Hughes")
    response = api.post(f"/api/v1/cases/{created['case_id']}/triage", t["officer"], json={
        **TRIAGE_TO_PANEL, "decision": "step_up", "level_of_need": 4, "rag": "red",
        "rationale": "Disclosure of abuse: section 47 threshold met."})
    assert response.status_code == 201
    assert any("Hughes" in n["title"] for n in inbox(api, t["sw"]))
    pack = api.get(f"/api/v1/cases/{created['case_id']}/handover-pack", t["sw"]).get_json()
    assert pack["step_ups"][0]["reason"] == "Disclosure of abuse: section 47 threshold met."
    assert pack["step_ups"][0]["family_informed"] is False
    # The same step-up as from the keyworker's form, so the family's access log shows it as one.
    family_id = api.get(f"/api/v1/cases/{created['case_id']}", t["officer"]).get_json()["family_id"]
    log = api.get(f"/api/v1/families/{family_id}/access-log", t["officer"]).get_json()["items"]
    assert any(e["action"] == "case.step_up" and e["actor_id"] == p["officer"].id for e in log)


def test_families_moving_back_and_forth_are_flagged_and_counted(api, factory, app):
    p, t, _ = people(factory)
    case_id = allocated_case(api, p, t)
    api.post(f"/api/v1/cases/{case_id}/step-up", t["sam"], json=STEP_UP)
    api.post(f"/api/v1/cases/{case_id}/step-down", t["sw"], json={"reason": "Risk reduced", "still_needed": "Support"})
    assert not any("moved between services" in n["title"] for n in inbox(api, t["manager"]))
    assert api.post(f"/api/v1/cases/{case_id}/step-up", t["sw"], json={**STEP_UP, "keyworker_role": "joint"}).status_code == 201
    flag = next(n for n in inbox(api, t["manager"]) if "moved between services" in n["title"])
    assert "3 times" in flag["title"]
    listed = api.get("/api/v1/reports/oscillating-families", t["manager"]).get_json()["items"]
    assert [(f["family_name"], f["moves"]) for f in listed] == [("Walsh family", 3)]
    months = api.get("/api/v1/reports/transitions", t["manager"]).get_json()["items"]
    assert len(months) == 12 and months[-1]["month"] == today_london().strftime("%Y-%m")
    assert (months[-1]["step_ups"], months[-1]["step_downs"]) == (2, 1)
    assert api.get("/api/v1/reports/transitions", t["sam"]).status_code == 403
    assert api.get("/api/v1/reports/oscillating-families", t["sw"]).status_code == 403
