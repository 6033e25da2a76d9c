"""Claims end to end through the API: proposed once a family's every problem is met and
sustained, never twice, and frozen at submission (issue 17, "Done when")."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from caseflow.core.extensions import db
from tests.outcomes.helpers import (PLAN_AGREED, TERMS, attendance, claims, claims_run, family_on_programme,
                                    outcomes_team)
from caseflow.core.timescales import today_london


@pytest.fixture
def setup(app, api, factory):
    return outcomes_team(factory)


def _act(api, token, claim, action, **body):
    response = api.post(f"/api/v1/outcomes/claims/{claim['id']}/{action}", token,
                        json={"version": claim["version"], **body})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_family_whose_every_problem_is_met_and_sustained_is_proposed_and_claimed_once(app, api, setup):
    people, tokens, _ = setup
    case_id, family_id, who = family_on_programme(app, api, people, tokens)
    attendance(api, tokens["sam"], who["child"], [93, 95, 91])

    outcomes = api.get(f"/api/v1/families/{family_id}/outcomes", tokens["sam"]).get_json()
    assert [(p["code"], p["status"]) for p in outcomes["problems"]] == [("education", "sustained")]
    assert outcomes["progress_sustained_on"] == TERMS[2][1].isoformat()

    run = claims_run(api, tokens["analyst"])
    assert run["summary"]["claims_proposed"]["sustained_progress"] == 1
    [claim] = claims(api, tokens["analyst"])
    assert (claim["family_id"], claim["result"], claim["state"]) == (family_id, "sustained_progress", "proposed")
    claims_run(api, tokens["analyst"])  # a second run proposes nothing new
    assert len(claims(api, tokens["analyst"])) == 1

    claim = _act(api, tokens["analyst"], claim, "validate")
    assert claim["state"] == "in_review"
    refused = api.post(f"/api/v1/outcomes/claims/{claim['id']}/approve", tokens["analyst"],
                       json={"version": claim["version"]})
    assert refused.status_code == 403  # only a team manager approves
    claim = _act(api, tokens["manager"], claim, "approve")
    assert claim["state"] == "approved"

    month = today_london().strftime("%Y-%m")
    submitted = api.post("/api/v1/outcomes/claims/submissions", tokens["analyst"], json={"month": month})
    assert submitted.status_code == 201, submitted.get_json()
    rows = list(csv.DictReader(io.StringIO(submitted.get_json()["csv"])))
    assert [r["claim_reference"] for r in rows] == [claim["reference"]]
    assert rows[0]["problems"] == "education=sustained"
    assert family_id not in submitted.get_json()["csv"]  # the funder sees a pseudonym
    detail = api.get(f"/api/v1/outcomes/claims/{claim['id']}", tokens["manager"]).get_json()
    assert detail["state"] == "submitted"
    assert {e["kind"] for e in detail["snapshot"]["evidence"]} == {"attendance"}
    again = api.post("/api/v1/outcomes/claims/submissions", tokens["analyst"], json={"month": month})
    assert again.status_code == 409

    paid = _act(api, tokens["analyst"], detail, "paid", paid_on=today_london().isoformat())
    assert paid["state"] == "paid"
    claims_run(api, tokens["analyst"])
    assert len(claims(api, tokens["analyst"])) == 1


def test_a_family_whose_attendance_slips_inside_the_sustain_period_is_not_proposed(app, api, setup):
    people, tokens, _ = setup
    _, family_id, who = family_on_programme(app, api, people, tokens)
    attendance(api, tokens["sam"], who["child"], [95, 84, 96])
    outcomes = api.get(f"/api/v1/families/{family_id}/outcomes", tokens["analyst"]).get_json()
    assert outcomes["problems"][0]["status"] == "met"  # the summer term restarted the count
    assert outcomes["progress_sustained_on"] is None
    claims_run(api, tokens["analyst"])
    assert claims(api, tokens["analyst"]) == []
    refused = api.post("/api/v1/outcomes/claims", tokens["analyst"],
                       json={"family_id": family_id, "result": "sustained_progress"})
    assert refused.status_code == 409


def test_a_second_claim_for_the_same_family_and_result_is_refused(app, api, setup):
    people, tokens, _ = setup
    _, family_id, who = family_on_programme(app, api, people, tokens)
    attendance(api, tokens["sam"], who["child"], [95, 95, 95])
    first = api.post("/api/v1/outcomes/claims", tokens["analyst"], json={"family_id": family_id,
                                                                          "result": "sustained_progress"})
    assert first.status_code == 201, first.get_json()
    second = api.post("/api/v1/outcomes/claims", tokens["manager"], json={"family_id": family_id,
                                                                           "result": "sustained_progress"})
    assert second.status_code == 409
    assert "already been claimed" in second.get_json()["error"]["message"]

    # The database refuses it too, whatever code path tries.
    with app.app_context():
        from caseflow.outcomes.models import Claim

        existing = db.session.scalar(select(Claim))
        db.session.add(Claim(reference="CLM-DUP-LIC", family_id=existing.family_id, case_id=existing.case_id,
                             result=existing.result, plan_version_id=existing.plan_version_id,
                             achieved_on=existing.achieved_on, snapshot={}))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()

    # A rejected claim does not count: the family can be claimed again once the evidence is right.
    rejected = _act(api, tokens["analyst"], first.get_json(), "reject", reason="The spring term figure is the wrong child's.")
    assert rejected["state"] == "rejected" and rejected["rejection_reason"].startswith("The spring")
    third = api.post("/api/v1/outcomes/claims", tokens["analyst"], json={"family_id": family_id,
                                                                          "result": "sustained_progress"})
    assert third.status_code == 201


def test_changing_the_outcomes_plan_does_not_change_a_submitted_claim(app, api, setup):
    people, tokens, _ = setup
    _, family_id, who = family_on_programme(app, api, people, tokens)
    attendance(api, tokens["sam"], who["child"], [92, 92, 92])
    claim = api.post("/api/v1/outcomes/claims", tokens["analyst"],
                     json={"family_id": family_id, "result": "sustained_progress"}).get_json()
    claim = _act(api, tokens["analyst"], claim, "validate")
    claim = _act(api, tokens["manager"], claim, "approve")
    assert api.post("/api/v1/outcomes/claims/submissions", tokens["analyst"],
                    json={"month": today_london().strftime("%Y-%m")}).status_code == 201
    before = api.get(f"/api/v1/outcomes/claims/{claim['id']}", tokens["analyst"]).get_json()

    plan = api.get("/api/v1/outcomes/plan", tokens["admin"]).get_json()
    definition = plan["definition"]
    for problem in definition["problems"]:
        if problem["code"] == "education":
            problem["outcome"]["threshold_pct"] = 95
    saved = api.post("/api/v1/outcomes/plan/versions", tokens["admin"],
                     json={"framework": plan["framework"], "definition": definition, "change_note": "Stricter"})
    assert saved.status_code == 201, saved.get_json()
    assert saved.get_json()["number"] == plan["number"] + 1
    switched = api.post("/api/v1/outcomes/plan/versions", tokens["admin"], json={"framework": "supporting_families_2022"})
    assert switched.status_code == 201
    attendance(api, tokens["sam"], who["child"], [50, 50, 50])  # and the evidence changes too (new rows)

    after = api.get(f"/api/v1/outcomes/claims/{claim['id']}", tokens["analyst"]).get_json()
    assert after["snapshot"] == before["snapshot"]
    assert after["plan_version"] == plan["number"]
    education = next(p for p in after["snapshot"]["plan_version"]["definition"]["problems"] if p["code"] == "education")
    assert education["outcome"]["threshold_pct"] == 90
    # The family is still judged by the version in force when its plan started.
    outcomes = api.get(f"/api/v1/families/{family_id}/outcomes", tokens["analyst"]).get_json()
    assert outcomes["plan_version"] == plan["number"]


def test_continuous_employment_is_claimed_across_gaps_between_jobs(app, api, setup):
    people, tokens, _ = setup
    _, family_id, who = family_on_programme(app, api, people, tokens, problems=("worklessness",))
    first = PLAN_AGREED + timedelta(days=30)
    for body in ({"kind": "benefit_claim", "period_start": (PLAN_AGREED - timedelta(days=400)).isoformat(),
                  "period_end": (first - timedelta(days=1)).isoformat(), "code": "jsa", "source_row_key": "jsa-1"},
                 {"kind": "employment", "period_start": first.isoformat(),
                  "period_end": (first + timedelta(weeks=10, days=-1)).isoformat(), "source_row_key": "job-1"},
                 {"kind": "employment", "period_start": (first + timedelta(weeks=12)).isoformat(),
                  "period_end": (first + timedelta(weeks=28, days=-1)).isoformat(), "source_row_key": "job-2"}):
        response = api.post("/api/v1/outcomes/evidence", tokens["jobcentre"], json={"person_id": who["parent"], **body})
        assert response.status_code == 201, response.get_json()
    outcomes = api.get(f"/api/v1/families/{family_id}/outcomes", tokens["analyst"]).get_json()
    assert outcomes["employment_status"] == "sustained"
    assert outcomes["employment_sustained_on"] == (first + timedelta(weeks=28, days=-1)).isoformat()
    claims_run(api, tokens["analyst"])
    results = sorted(c["result"] for c in claims(api, tokens["analyst"]))
    assert results == ["continuous_employment", "sustained_progress"]  # worklessness was the only problem


def test_evidence_goes_through_the_access_policy_is_audited_and_resends_are_idempotent(app, api, setup, factory):
    people, tokens, _ = setup
    _, family_id, who = family_on_programme(app, api, people, tokens)
    body = {"person_id": who["child"], "kind": "attendance", "period_start": TERMS[0][0].isoformat(),
            "period_end": TERMS[0][1].isoformat(), "value": 88, "source_row_key": "urn-1:leah:autumn"}
    first = api.post("/api/v1/outcomes/evidence", tokens["school_system"], json=body)
    assert first.status_code == 201, first.get_json()
    again = api.post("/api/v1/outcomes/evidence", tokens["school_system"], json={**body, "value": 91})
    assert again.status_code == 200 and again.get_json()["id"] == first.get_json()["id"]
    outcomes = api.get(f"/api/v1/families/{family_id}/outcomes", tokens["sam"]).get_json()
    assert [e["value"] for e in outcomes["evidence"]] == [91]

    # A school sends attendance, not employment; a keyworker in another team sees nothing.
    employment = api.post("/api/v1/outcomes/evidence", tokens["school_system"], json={
        "person_id": who["parent"], "kind": "employment", "period_start": TERMS[0][0].isoformat()})
    assert employment.status_code == 403
    assert api.get(f"/api/v1/families/{family_id}/outcomes", tokens["aaron"]).status_code == 403
    assert api.post("/api/v1/outcomes/evidence", tokens["aaron"], json=body).status_code == 403
    assert api.get(f"/api/v1/families/{family_id}/outcomes", tokens["referrer"]).status_code == 403

    with app.app_context():
        from caseflow.core.audit import AuditEvent

        actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.family_id == family_id)))
    assert {"outcomes.evidence.record", "outcomes.evidence.update", "outcomes.view",
            "denied:outcomes.evidence.record", "denied:outcomes.view"} <= actions


@pytest.mark.parametrize("body, field", [
    ({"kind": "attendance", "period_start": "2025-09-01", "period_end": "2025-12-19"}, "value"),
    ({"kind": "attendance", "period_start": "2025-09-01", "period_end": "2025-08-01", "value": 90}, "period_end"),
    ({"kind": "attendance", "period_start": "2025-09-01", "period_end": "2025-12-19", "value": 1e308}, "value"),
    ({"kind": "teleportation", "period_start": "2025-09-01"}, "kind"),
    ({"kind": "offence", "period_start": "2999-01-01"}, "period_start"),
    ({"kind": "offence", "period_start": "2025-01-01", "note": "x" * 5000}, "note"),
])
def test_bad_evidence_is_a_clear_422(app, api, setup, body, field):
    people, tokens, _ = setup
    _, _, who = family_on_programme(app, api, people, tokens)
    response = api.post("/api/v1/outcomes/evidence", tokens["sam"], json={"person_id": who["child"], **body})
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]
