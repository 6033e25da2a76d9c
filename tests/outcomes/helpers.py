"""A family on the programme with an agreed plan, made through the real front door, triage,
allocation, assessment and plan; then the plan's start moved back so that evidence over the
past two years can sustain it (evidence dates cannot be in the future)."""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import select

from caseflow.core.extensions import db
from tests.frontdoor.test_api_intake import request_body
from tests.plans.helpers import complete_assessment, members, plan_body, team
from tests.triage.helpers import TRIAGE_TO_PANEL
from caseflow.core.timescales import today_london

YEAR = today_london().year - 2
PLAN_AGREED = date(YEAR, 6, 1)
# The academic year after the plan started: all three terms are over by now.
TERMS = [(date(YEAR, 9, 3), date(YEAR, 12, 19)), (date(YEAR + 1, 1, 5), date(YEAR + 1, 3, 27)),
         (date(YEAR + 1, 4, 13), date(YEAR + 1, 7, 22))]


def outcomes_team(factory):
    people, tokens, orgs = team(factory)
    people["analyst"] = factory.user("analyst", org=orgs["early_help"], name="Tom Analyst")
    people["admin"] = factory.user("admin", org=orgs["early_help"])
    people["jobcentre"] = factory.user("partner_system", org=factory.org("Northshire Jobcentre", type="jobcentre"))
    people["school_system"] = factory.user("partner_system", org=orgs["school"])
    for name in ("analyst", "admin", "jobcentre", "school_system"):
        tokens[name] = factory.token(people[name])
    return people, tokens, orgs


def family_on_programme(app, api, people, tokens, surname="Walsh", problems=("education",),
                        given_names=("Sharon", "Leah")):
    """(case id, family id, {"child": person id, "parent": person id}). Other given names keep the
    matcher from linking the request to a Walsh family already known (tests/api's journey)."""
    parent, child = given_names
    body = request_body(people=[
        {"given_name": parent, "family_name": surname, "date_of_birth": "1987-02-11", "sex": "female",
         "relationship": "parent_carer", "postcode": "ns1 4ab"},
        {"given_name": child, "family_name": surname, "date_of_birth": "2011-06-02", "sex": "female",
         "relationship": "child", "postcode": "NS1 4AB"}])
    created = api.post("/api/v1/requests", tokens["referrer"], json=body)
    assert created.status_code == 201, created.get_json()
    case_id = created.get_json()["case_id"]
    assert api.post(f"/api/v1/cases/{case_id}/triage", tokens["officer"], json=TRIAGE_TO_PANEL).status_code == 201
    allocated = api.post(f"/api/v1/cases/{case_id}/allocation", tokens["chair"], json={"keyworker_id": people["sam"].id})
    assert allocated.status_code == 201, allocated.get_json()
    complete_assessment(api, tokens["sam"], case_id, problems=problems, scores={p: 3 for p in problems})
    saved = api.put(f"/api/v1/cases/{case_id}/plan", tokens["sam"], json=plan_body(people["sam"].id, problems))
    assert saved.status_code == 200, saved.get_json()
    agreed = api.post(f"/api/v1/cases/{case_id}/plan/agree", tokens["sam"],
                      json={"family_agreed": True, "version": saved.get_json()["version"]})
    assert agreed.status_code == 200, agreed.get_json()
    who = {("child" if m["relationship"] == "child" else "parent"): m["person_id"]
           for m in members(api, tokens["sam"], case_id)}
    with app.app_context():
        from caseflow.cases.models import Case
        from caseflow.plans.models import Plan

        plan = db.session.scalar(select(Plan).where(Plan.case_id == case_id))
        plan.agreed_at = datetime(PLAN_AGREED.year, PLAN_AGREED.month, PLAN_AGREED.day, 10, tzinfo=timezone.utc)
        family_id = db.session.get(Case, case_id).family_id
        db.session.commit()
    return case_id, family_id, who


def attendance(api, token, person_id, percents, **extra):
    for (start, end), pct in zip(TERMS, percents):
        response = api.post("/api/v1/outcomes/evidence", token, json={
            "person_id": person_id, "kind": "attendance", "period_start": start.isoformat(),
            "period_end": end.isoformat(), "value": pct, **extra})
        assert response.status_code in (200, 201), response.get_json()


def claims_run(api, token):
    response = api.post("/api/v1/outcomes/runs", token, json={"kind": "claims_proposal"})
    assert response.status_code == 202, response.get_json()
    assert response.get_json()["state"] == "done", response.get_json()
    return response.get_json()


def claims(api, token, state=None):
    response = api.get("/api/v1/outcomes/claims" + (f"?state={state}" if state else ""), token)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]
