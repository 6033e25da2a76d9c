"""The MASH decision on a step-up (issue 20, point 4): a step-up is a request to children's social
care, decided within a time set by its urgency in working hours (English bank holidays skipped);
the keyworker is told; an unanswered step-up escalates at its deadline; the case's stage follows
the decision, an amended one included."""
from __future__ import annotations

from datetime import datetime, timezone

import time_machine

from caseflow.core import timescales
from caseflow.core.extensions import db
from caseflow.core.unit_of_work import unit_of_work
from tests.plans.helpers import agreed_plan, allocated_case, complete_assessment
from tests.socialcare.test_step_up_down_api import STEP_UP, inbox, people, reviewing_case

LONDON = timescales.LONDON


def _with_duty_manager(factory, p, t):
    """Social care's team manager: where its unanswered step-ups escalate."""
    from types import SimpleNamespace

    p["sc_manager"] = factory.user("team_manager", org=SimpleNamespace(id=p["sw"].organisation_id), name="Duty Manager")
    t["sc_manager"] = factory.token(p["sc_manager"])


def test_the_deadline_is_working_hours_by_urgency_and_skips_a_bank_holiday(app):
    from caseflow.socialcare.services import respond_by

    # Friday 28 August 2026, 16:30: Monday 31 August is the summer bank holiday.
    friday = datetime(2026, 8, 28, 16, 30, tzinfo=LONDON)
    with app.app_context():
        immediate = timescales.to_london(respond_by("immediate", friday))
        strategy = timescales.to_london(respond_by("strategy_discussion", friday))
        one_day = timescales.to_london(respond_by("within_1_working_day", friday))
        morning = timescales.to_london(respond_by("immediate", datetime(2026, 12, 2, 10, 0, tzinfo=LONDON)))
    assert (immediate.date().isoformat(), immediate.strftime("%H:%M")) == ("2026-09-01", "10:30")
    assert (strategy.date().isoformat(), strategy.strftime("%H:%M")) == ("2026-09-01", "12:30")
    assert (one_day.date().isoformat(), one_day.strftime("%H:%M")) == ("2026-09-01", "16:30")  # 30 min Fri + 7.5h Tue
    assert morning.strftime("%d %H:%M") == "02 12:00"  # within the working day: two hours on


def test_an_unanswered_step_up_escalates_at_its_deadline_and_an_answered_one_does_not(api, factory, app):
    from caseflow.notify import escalation

    p, t, orgs = people(factory)
    _with_duty_manager(factory, p, t)
    first, _ = reviewing_case(api, p, t)
    # Wednesday 2 December 2026, 10:00: an immediate step-up is due by 12:00.
    with time_machine.travel(datetime(2026, 12, 2, 10, 0, tzinfo=LONDON), tick=False):
        stepped = api.post(f"/api/v1/cases/{first}/step-up", t["sam"], json=STEP_UP)
    assert stepped.status_code == 201 and stepped.get_json()["stage"] == "social_care"  # the contract holds
    assert stepped.get_json()["respond_by"].startswith("2026-12-02T12:00")
    alert = next(n for n in inbox(api, t["sw"]) if n["title"].startswith("Step-up"))
    assert alert["deadline_at"].startswith("2026-12-02T12:00")
    # Reading it is not deciding: the inbox says what answers it, and acknowledging is refused.
    refused = api.post(f"/api/v1/inbox/{alert['id']}/acknowledge", t["sw"])
    assert refused.status_code == 409 and "decision" in refused.get_json()["error"]["message"]
    with app.app_context():
        with time_machine.travel(datetime(2026, 12, 2, 11, 59, tzinfo=LONDON), tick=False), unit_of_work():
            assert escalation.escalate_due() == 0
        with time_machine.travel(datetime(2026, 12, 2, 12, 1, tzinfo=LONDON), tick=False), unit_of_work():
            assert escalation.escalate_due() == 1
    escalated = [n for n in inbox(api, t["sc_manager"]) if n["type"] == "escalation"]
    assert len(escalated) == 1 and "Step-up" in escalated[0]["title"]

    # A second step-up, answered in time, never escalates.
    second = allocated_case(api, p, t, surname="Okoro")
    complete_assessment(api, t["sam"], second)
    agreed_plan(api, t["sam"], second, p["sam"].id)
    with time_machine.travel(datetime(2026, 12, 2, 10, 0, tzinfo=LONDON), tick=False):
        assert api.post(f"/api/v1/cases/{second}/step-up", t["sam"], json=STEP_UP).status_code == 201
        assert api.post(f"/api/v1/cases/{second}/step-up/response", t["sw"], json={
            "decision": "accepted_for_assessment", "note": "Single assessment opened."}).status_code == 201
    with app.app_context(), time_machine.travel(datetime(2026, 12, 3, 9, 0, tzinfo=LONDON), tick=False), \
            unit_of_work():
        assert escalation.escalate_due() == 0
    assert len([n for n in inbox(api, t["sc_manager"]) if n["type"] == "escalation"]) == 1
    assert api.get(f"/api/v1/cases/{second}", t["sw"]).get_json()["stage"] == "social_care"


def _stored(app, case_id):
    from caseflow.cases.models import Case

    with app.app_context():
        case = db.session.get(Case, case_id)
        return case.review_due_on, [m.action for m in case.transitions], case.keyworker_role


def test_not_accepted_sends_the_case_back_to_its_keyworker_and_an_amendment_steps_it_up_after_all(api, factory, app):
    p, t, orgs = people(factory)
    case_id, _ = reviewing_case(api, p, t)
    assert api.post(f"/api/v1/cases/{case_id}/step-up", t["sam"], json=STEP_UP).status_code == 201
    assert _stored(app, case_id)[0] is None  # with social care, the TAF review cadence stops
    declined = api.post(f"/api/v1/cases/{case_id}/step-up/response", t["sw"], json={
        "decision": "not_accepted", "advice": "Below threshold: carry on with the plan and add a safety plan."})
    assert declined.status_code == 201, declined.get_json()
    case = api.get(f"/api/v1/cases/{case_id}", t["sam"]).get_json()
    assert case["stage"] == "reviewing" and case["keyworker_id"] == p["sam"].id
    review_due_on, moves, keyworker_role = _stored(app, case_id)
    assert review_due_on is not None and keyworker_role is None  # the keyworker leads; reviews are due again
    # The keyworker is told, with social care's advice.
    told = next(n for n in inbox(api, t["sam"]) if n["type"] == "step_up_response")
    assert "Not accepted" in told["body"] and "safety plan" in told["body"]
    assert moves[-2:] == ["step_up", "not_accepted_back_to_reviewing"]
    # The keyworker carries on with the case's usual moves.
    assert {"close", "step_up"} <= {a["action"] for a in case["actions"]}

    # New information: social care amends its decision, and the case goes to social care after all.
    amended = api.post(f"/api/v1/cases/{case_id}/step-up/response/amendments", t["sw"], json={
        "decision": "strategy_discussion", "reason": "Police shared new intelligence overnight."})
    assert amended.status_code == 201, amended.get_json()
    case = api.get(f"/api/v1/cases/{case_id}", t["sw"]).get_json()
    assert case["stage"] == "social_care" and _stored(app, case_id)[0] is None


def test_a_request_stepped_up_at_triage_and_not_accepted_comes_back_triaged(api, factory):
    from tests.plans.helpers import team
    from tests.triage.helpers import new_case

    p, t, orgs = team(factory)
    social_care = factory.org("Northshire Children's Social Care", type="social_care")
    p["sw"] = factory.user("social_worker", org=social_care)
    t["sw"] = factory.token(p["sw"])
    case_id = new_case(api, t["referrer"], "Ormsby")["case_id"]
    assert api.post(f"/api/v1/cases/{case_id}/triage", t["officer"], json={
        "level_of_need": 4, "rag": "red", "decision": "step_up", "rationale": "Disclosure of harm at school.",
        "headline_problems": [{"code": "children_need_help", "evidence": "DSL's account"}]}).status_code == 201
    assert api.get(f"/api/v1/cases/{case_id}", t["officer"]).get_json()["stage"] == "social_care"
    assert api.post(f"/api/v1/cases/{case_id}/step-up/response", t["sw"], json={
        "decision": "not_accepted", "advice": "Early help assessment and a family plan."}).status_code == 201
    case = api.get(f"/api/v1/cases/{case_id}", t["officer"]).get_json()
    assert case["stage"] == "triaged"
    assert "send_to_panel" in {a["action"] for a in case["actions"]}
    # The front door officer who stepped it up is told the decision.
    assert any(n["type"] == "step_up_response" for n in inbox(api, t["officer"]))
