"""The step-up and step-down forms and the managers' figures page."""
from caseflow.core import timescales
from tests.conftest import csrf_token, sign_in
from tests.plans.helpers import allocated_case
from tests.socialcare.test_step_up_down_api import STEP_UP, people


def test_the_step_up_form_lists_every_problem_and_keeps_what_was_typed(client, api, factory):
    p, t, _ = people(factory)
    case_id = allocated_case(api, p, t)
    sign_in(client, p["sam"])
    token = csrf_token(client, f"/cases/{case_id}/step-up")
    response = client.post(f"/cases/{case_id}/step-up", data={"csrf_token": token, "reason": "Disclosure at school",
                                                               "family_informed": "no"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    for field in ("concern", "urgency", "keyworker_role", "family_not_informed_reason"):
        assert f'href="#{field}"' in html
    assert "Disclosure at school" in html
    assert api.get(f"/api/v1/cases/{case_id}", t["sam"]).get_json()["stage"] == "allocated"
    done = client.post(f"/cases/{case_id}/step-up", data={
        "csrf_token": token, "reason": "Disclosure at school", "concern": STEP_UP["concern"],
        "family_informed": "yes", "urgency": "immediate", "keyworker_role": "joint", "informed": "School DSL\nPolice"})
    assert done.status_code == 302
    pack = api.get(f"/api/v1/cases/{case_id}/handover-pack", t["sw"]).get_json()
    assert pack["step_ups"][0]["informed"] == ["School DSL", "Police"]


def test_the_step_down_form_holds_the_handover_to_ten_working_days(client, api, factory):
    p, t, _ = people(factory)
    case_id = allocated_case(api, p, t)
    api.post(f"/api/v1/cases/{case_id}/step-up", t["sam"], json=STEP_UP)
    sign_in(client, p["sw"])
    page = client.get(f"/cases/{case_id}/step-down").get_data(as_text=True)
    due = timescales.add_working_days(timescales.today_london(), 10)
    assert f"It must happen by {timescales.format_uk_date(due)}" in page
    token = csrf_token(client, f"/cases/{case_id}/step-down")
    late = due.replace(year=due.year + 1)
    response = client.post(f"/cases/{case_id}/step-down", data={
        "csrf_token": token, "reason": "Risk reduced", "still_needed": "Attendance",
        "handover_meeting_on-day": str(late.day), "handover_meeting_on-month": str(late.month),
        "handover_meeting_on-year": str(late.year), "route": "panel"})
    assert response.status_code == 400 and 'href="#handover_meeting_on-day"' in response.get_data(as_text=True)
    ok = client.post(f"/cases/{case_id}/step-down", data={
        "csrf_token": token, "reason": "Risk reduced", "still_needed": "Attendance", "route": "panel"})
    assert ok.status_code == 302
    assert api.get(f"/api/v1/cases/{case_id}", t["sw"]).get_json()["stage"] == "stepped_down"


def test_the_figures_page_is_for_managers(client, api, factory):
    p, t, _ = people(factory)
    sign_in(client, p["manager"])
    page = client.get("/reports/step-up-step-down")
    assert page.status_code == 200 and 'data-testid="transition-figures"' in page.get_data(as_text=True)
    other = client.application.test_client()
    other.environ_base["wsgi.url_scheme"] = "https"
    sign_in(other, p["sam"])
    assert other.get("/reports/step-up-step-down").status_code == 403
