"""After closure: a monitoring period with light-touch check-ins and an outcome review before the
case closes fully, and a step-down to universal services naming who the family can go to."""
from datetime import timedelta

import pytest

from caseflow.core import stages as flow
from caseflow.core.settings import Settings, SettingsError
from tests.conftest import csrf_token, sign_in
from tests.directory.helpers import add_service
from tests.plans.helpers import agreed_plan, allocated_case, complete_assessment, team
from caseflow.core.timescales import today_london

CONTACT = {"person_name": "Mrs Ola Adeyemi", "organisation": "Riverside Primary School",
           "how_to_reach": "01632 960555, school office"}


def reviewing_case(api, factory):
    p, t, orgs = team(factory)
    case_id = allocated_case(api, p, t)
    complete_assessment(api, t["sam"], case_id)
    plan = agreed_plan(api, t["sam"], case_id, p["sam"].id)
    return p, t, case_id, plan


def close_body(plan, **extra):
    return {"reason": "universal_services", "summary": "School attendance back to 96%; Mum has a job.",
            "outcomes": [{"outcome_id": o["id"], "status": "achieved"} for o in plan["outcomes"]], **extra}


def test_a_case_closed_with_monitoring_is_checked_in_on_and_closes_fully_at_its_outcome_review(api, factory, app):
    p, t, case_id, plan = reviewing_case(api, factory)
    hub = add_service(app, factory)
    closed = api.post(f"/api/v1/cases/{case_id}/close", t["sam"], json=close_body(
        plan, monitoring=True, step_down_contact=CONTACT, service_ids=[hub]))
    assert closed.status_code == 200, closed.get_json()
    assert closed.get_json()["stage"] == "monitoring" and closed.get_json()["closed_at"] is None

    watched = api.get(f"/api/v1/cases/{case_id}/monitoring", t["sam"]).get_json()
    # six months, a check-in every six weeks: four check-ins before the outcome review
    assert len(watched["check_ins"]) == 4 and watched["step_down_contact"]["person_name"] == "Mrs Ola Adeyemi"
    first = watched["check_ins"][0]
    assert first["due_on"] >= (today_london() + timedelta(weeks=6)).isoformat() and watched["ends_on"] > watched["check_ins"][-1]["due_on"]

    # the work has closed: no more contacts, no second closure; a partner outside the case sees nothing
    assert api.post(f"/api/v1/cases/{case_id}/contacts", t["sam"], json={
        "date": today_london().isoformat(), "type": "home_visit", "notes": "x"}).status_code == 409
    assert api.post(f"/api/v1/cases/{case_id}/close", t["sam"], json=close_body(plan)).status_code == 409
    assert api.get(f"/api/v1/cases/{case_id}/monitoring", t["camhs"]).status_code == 403
    assert api.post(f"/api/v1/cases/{case_id}/monitoring/check-ins/{first['id']}", t["aaron"],
                    json={"date": today_london().isoformat(), "outcome": "going_well"}).status_code == 403

    bad = api.post(f"/api/v1/cases/{case_id}/monitoring/check-ins/{first['id']}", t["sam"], json={"outcome": "fine"})
    assert bad.status_code == 422 and set(bad.get_json()["error"]["fields"]) == {"date", "outcome"}
    done = api.post(f"/api/v1/cases/{case_id}/monitoring/check-ins/{first['id']}", t["sam"], json={
        "date": today_london().isoformat(), "outcome": "going_well", "note": "Mum says mornings are calm."})
    assert done.status_code == 200 and done.get_json()["outcome"] == "going_well"
    assert api.post(f"/api/v1/cases/{case_id}/monitoring/check-ins/{first['id']}", t["sam"], json={
        "date": today_london().isoformat(), "outcome": "going_well"}).status_code == 409

    reviewed = api.post(f"/api/v1/cases/{case_id}/monitoring/review", t["sam"], json={
        "outcome": "sustained", "summary": "Attendance held at 95% through the spring."})
    assert reviewed.status_code == 200 and reviewed.get_json()["stage"] == "closed"
    assert reviewed.get_json()["review_outcome"] == "sustained"
    case = api.get(f"/api/v1/cases/{case_id}", t["sam"]).get_json()
    assert case["stage"] == "closed" and case["closed_at"]
    history = api.get(f"/api/v1/cases/{case_id}/chronology", t["sam"]).get_json()["items"]
    assert [e["title"] for e in history if e["kind"] == "transition"][-2:] == [
        "Stage: Monitoring after closure", "Stage: Closed"]
    assert api.post(f"/api/v1/cases/{case_id}/monitoring/check-ins/{watched['check_ins'][1]['id']}", t["sam"], json={
        "date": today_london().isoformat(), "outcome": "going_well"}).status_code == 409


def test_closing_as_before_still_closes_the_case_fully(api, factory):
    p, t, case_id, plan = reviewing_case(api, factory)
    closed = api.post(f"/api/v1/cases/{case_id}/close", t["sam"], json=close_body(plan))
    assert closed.status_code == 200 and closed.get_json()["stage"] == "closed" and closed.get_json()["closed_at"]
    assert api.get(f"/api/v1/cases/{case_id}/monitoring", t["sam"]).status_code == 404


def test_the_stage_graph_holds_monitoring_between_closure_and_full_closure():
    class Case:
        stage = flow.Stage.MONITORING

    assert flow.check(Case(), "end_monitoring").target == flow.Stage.CLOSED
    assert flow.check(Case(), "step_up").target == flow.Stage.SOCIAL_CARE  # concerns can come back
    with pytest.raises(flow.IllegalTransition):
        flow.check(Case(), "close")
    assert flow.Stage.MONITORING not in flow.CLOSED_STAGES


def test_the_monitoring_period_is_a_setting_of_at_most_a_year(monkeypatch, tmp_path):
    monkeypatch.setenv("CASEFLOW_MONITORING_MONTHS", "12")
    monkeypatch.setenv("CASEFLOW_MONITORING_CHECK_IN_WEEKS", "4")
    settings = Settings.from_env(instance_path=tmp_path)
    assert (settings.monitoring_months, settings.monitoring_check_in_weeks) == (12, 4)
    for bad in ("13", "0", "six"):
        monkeypatch.setenv("CASEFLOW_MONITORING_MONTHS", bad)
        with pytest.raises(SettingsError, match="CASEFLOW_MONITORING_MONTHS must be a whole number of months from 1 to 12"):
            Settings.from_env(instance_path=tmp_path)
    monkeypatch.delenv("CASEFLOW_MONITORING_MONTHS")
    with pytest.raises(SettingsError):
        Settings.from_env(instance_path=tmp_path, monitoring_months=18)


def test_the_closure_form_asks_for_the_named_contact_of_a_step_down(api, factory, client):
    p, t, case_id, plan = reviewing_case(api, factory)
    browser = client
    sign_in(browser, p["sam"])
    csrf = csrf_token(browser, f"/cases/{case_id}/close")
    form = {"csrf_token": csrf, "reason": "universal_services", "summary": "Doing well", "monitoring": "yes",
            **{f"outcomes-{o['id']}": "achieved" for o in plan["outcomes"]}}
    missing = browser.post(f"/cases/{case_id}/close", data=form)
    assert missing.status_code == 400 and "Enter the name of the person the family can go to" in missing.get_data(as_text=True)
    done = browser.post(f"/cases/{case_id}/close", data={**form, **{f"contact_{k}": v for k, v in CONTACT.items()}})
    assert done.status_code == 302
    page = browser.get(f"/cases/{case_id}/monitoring").get_data(as_text=True)
    assert "Mrs Ola Adeyemi, Riverside Primary School" in page and "Record the check-in due" in page
