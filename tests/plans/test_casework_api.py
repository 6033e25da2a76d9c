"""Assessment, plan, contacts, TAF reviews and closure through the API, as a keyworker works."""
from datetime import timedelta

from sqlalchemy import text

from caseflow.core.extensions import db
from tests.plans.helpers import (agreed_plan, allocated_case, complete_assessment, confirm_first_candidate, members, team)
from caseflow.core.timescales import today_london


def test_a_case_from_assessment_to_closure(api, factory, app):
    p, t, orgs = team(factory)
    case_id = allocated_case(api, p, t)
    case = api.get(f"/api/v1/cases/{case_id}", t["sam"]).get_json()
    assert case["stage"] == "allocated"

    # The draft starts from what the front door and triage already know.
    draft = api.get(f"/api/v1/cases/{case_id}/assessment", t["sam"]).get_json()
    assert draft["status"] == "not_started"
    assert {m["name"] for m in draft["members"]} == {"Leah Walsh"}
    assert draft["confirmed_problems"] == ["education", "health"]
    assert "School attendance data: 68%" in draft["domains"]["education"]["needs"]
    assert "Leah's attendance is 68%" in draft["summary"]
    saved = api.put(f"/api/v1/cases/{case_id}/assessment", t["sam"], json={"family_views": "We want help"})
    assert saved.status_code == 200 and saved.get_json()["status"] == "draft"
    assert api.get(f"/api/v1/cases/{case_id}", t["sam"]).get_json()["stage"] == "assessing"

    complete_assessment(api, t["sam"], case_id)
    assert api.get(f"/api/v1/cases/{case_id}", t["sam"]).get_json()["stage"] == "planning"

    plan = agreed_plan(api, t["sam"], case_id, p["senco"].id)
    assert plan["status"] == "agreed" and len(plan["outcomes"]) == 2
    assert api.get(f"/api/v1/cases/{case_id}", t["sam"]).get_json()["stage"] == "reviewing"
    # The school owns an action: it hears the plan was agreed.
    assert any("plan has been agreed" in n["title"] for n in api.get("/api/v1/inbox", t["senco"]).get_json()["items"])

    seen = [m["person_id"] for m in members(api, t["sam"], case_id)]
    visit = api.post(f"/api/v1/cases/{case_id}/contacts", t["sam"], json={
        "date": today_london().isoformat(), "type": "home_visit", "people_seen": seen,
        "notes": "Leah showed me her art folder.", "next_steps": "Meet the SENCo"})
    assert visit.status_code == 201

    outcome_ids = [o["id"] for o in plan["outcomes"]]
    review = api.post(f"/api/v1/cases/{case_id}/reviews", t["sam"], json={
        "date": today_london().isoformat(), "attendees": [{"name": "Sam Taylor", "organisation": "Early Help"},
                                                 {"name": "Jo SENCo", "organisation": "Northshire Academy"}],
        "progress": [{"outcome_id": outcome_ids[0], "score": 6}, {"outcome_id": outcome_ids[1], "score": 5}],
        "action_updates": [{"action_id": plan["actions"][0]["id"], "status": "done"}],
        "decision": "continue", "notes": "Attendance up to 85%."})
    assert review.status_code == 201, review.get_json()
    assert review.get_json()["next_review_date"] >= (today_london() + timedelta(weeks=6)).isoformat()

    after = api.get(f"/api/v1/cases/{case_id}/plan", t["sam"]).get_json()
    assert after["actions"][0]["status"] == "done"
    travelled = {row["headline_problem"]: row for row in after["distance_travelled"]}
    assert travelled["education"]["baseline"] == 2 and travelled["education"]["latest"] == 6
    assert travelled["education"]["change"] == 4 and travelled["health"]["change"] == 1

    unmarked = api.post(f"/api/v1/cases/{case_id}/close", t["sam"], json={
        "reason": "outcomes_achieved", "summary": "Leah is back at school."})
    assert unmarked.status_code == 422
    assert any(key.startswith("outcomes.") for key in unmarked.get_json()["error"]["fields"])
    closed = api.post(f"/api/v1/cases/{case_id}/close", t["sam"], json={
        "reason": "outcomes_achieved", "summary": "Leah is back at school.",
        "family_feedback": "Sam listened to us.",
        "outcomes": [{"outcome_id": outcome_ids[0], "status": "achieved"},
                     {"outcome_id": outcome_ids[1], "status": "partly_achieved"}]})
    assert closed.status_code == 200 and closed.get_json()["stage"] == "closed"

    # Closed, and still readable: the plan, the chronology in date order.
    assert api.get(f"/api/v1/cases/{case_id}/plan", t["sam"]).get_json()["outcomes"][0]["status"] == "achieved"
    items = api.get(f"/api/v1/cases/{case_id}/chronology", t["sam"]).get_json()["items"]
    kinds = [i["kind"] for i in items]
    assert kinds[0] == "request" and "triage" in kinds and "contact" in kinds and "review" in kinds
    assert "Stage: Closed" in [i["title"] for i in items[-2:]]
    assert [i["date"] for i in items] == sorted(i["date"] for i in items)
    assert api.post(f"/api/v1/cases/{case_id}/contacts", t["sam"], json={
        "date": today_london().isoformat(), "type": "phone_call", "notes": "late"}).status_code == 409

    # A new request about the same family opens a new case: a re-referral with this one's history.
    from tests.triage.helpers import new_case
    again = new_case(api, t["referrer"], "Walsh")
    assert again["match"]["status"] == "needs_review"  # name and date of birth only: an officer checks
    assert confirm_first_candidate(api, t["officer"], again)["family_id"] == case["family_id"]
    reopened = api.get(f"/api/v1/cases/{again['case_id']}", t["officer"]).get_json()
    assert reopened["is_re_referral"] is True and reopened["previous_case_id"] == case_id
    # Its assessment starts from the last one: the family is not asked to tell it all again.
    fresh = api.get(f"/api/v1/cases/{again['case_id']}/assessment", t["officer"]).get_json()
    assert "From the previous assessment" in fresh["domains"]["education"]["strengths"]
    assert fresh["members"][0]["voice"].startswith("Previously: I want to go to school")


def test_notes_and_the_familys_words_are_not_in_the_database_in_plain_text(api, factory, app):
    p, t, _ = team(factory)
    case_id = allocated_case(api, p, t)
    complete_assessment(api, t["sam"], case_id)
    api.post(f"/api/v1/cases/{case_id}/contacts", t["sam"], json={
        "date": today_london().isoformat(), "type": "phone_call", "notes": "Mum disclosed rent arrears of 1200 pounds"})
    with app.app_context():
        dump = "\n".join(str(row) for table in ("contacts", "assessments") for row in
                         db.session.execute(text(f"SELECT * FROM {table}")).all())
    assert "rent arrears" not in dump and "lost her job" not in dump
    assert "I want to go to school" not in dump


def test_a_completed_assessment_is_locked_and_takes_dated_addenda(api, factory):
    p, t, _ = team(factory)
    case_id = allocated_case(api, p, t)
    complete_assessment(api, t["sam"], case_id)
    edit = api.put(f"/api/v1/cases/{case_id}/assessment", t["sam"], json={"family_views": "changed"})
    assert edit.status_code == 409 and "addendum" in edit.get_json()["error"]["message"]
    added = api.post(f"/api/v1/cases/{case_id}/assessment/addenda", t["sam"],
                     json={"text": "Dad has moved back in."})
    assert added.status_code == 201
    body = api.get(f"/api/v1/cases/{case_id}/assessment", t["sam"]).get_json()
    assert body["family_views"] == "Mum says things got hard after she lost her job."
    assert body["addenda"][0]["text"] == "Dad has moved back in."
    assert api.post(f"/api/v1/cases/{case_id}/assessment/addenda", t["sam"], json={"text": "  "}).status_code == 422


def test_completing_says_what_is_missing(api, factory):
    p, t, _ = team(factory)
    case_id = allocated_case(api, p, t)
    response = api.post(f"/api/v1/cases/{case_id}/assessment/complete", t["sam"],
                        json={"confirmed_problems": ["education", "health"], "baseline": {"education": 3}})
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert "baseline.health" in fields and "family_views" in fields and "members.0.voice" in fields
    assert "Leah Walsh" in fields["members.0.voice"][0]
    bad_score = api.put(f"/api/v1/cases/{case_id}/assessment", t["sam"], json={"baseline": {"education": 11}})
    assert bad_score.status_code == 422
    assert api.get(f"/api/v1/cases/{case_id}", t["sam"]).get_json()["stage"] == "assessing"


def test_assessment_drafts_detect_a_colleagues_save(api, factory):
    p, t, _ = team(factory)
    case_id = allocated_case(api, p, t)
    first = api.put(f"/api/v1/cases/{case_id}/assessment", t["sam"], json={"summary": "one"}).get_json()
    api.put(f"/api/v1/cases/{case_id}/assessment", t["manager"], json={"summary": "two", "version": first["version"]})
    stale = api.put(f"/api/v1/cases/{case_id}/assessment", t["sam"], json={"summary": "three", "version": first["version"]})
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "stale_version"
    assert api.get(f"/api/v1/cases/{case_id}/assessment", t["sam"]).get_json()["summary"] == "two"
