"""Triage: level of need, evidenced headline problems, eligibility, RAG and the decision."""
from datetime import datetime, timezone

from caseflow.core.extensions import db
from caseflow.triage.models import LocalCriterion
from tests.triage.helpers import TRIAGE_TO_PANEL, new_case


def setup(api, factory):
    referrer = factory.user("partner")
    return referrer, factory.token(referrer), factory.token(factory.user("front_door"))


def test_to_panel_records_evidence_eligibility_and_tells_the_referrer(api, factory):
    referrer, partner, officer = setup(api, factory)
    created = new_case(api, partner)
    response = api.post(f"/api/v1/cases/{created['case_id']}/triage", officer, json=TRIAGE_TO_PANEL)
    assert response.status_code == 201
    body = response.get_json()
    assert body["stage"] == "awaiting_panel" and body["eligible"] is True and body["rag"] == "amber"
    inbox = api.get("/api/v1/inbox", partner).get_json()["items"]
    assert inbox and "next multi-agency panel" in inbox[0]["title"]
    queue = api.get("/api/v1/requests", officer).get_json()
    assert queue["total"] == 0  # triaged requests leave the front-door queue


def test_signpost_closes_at_the_door_with_where_to(api, factory):
    _, partner, officer = setup(api, factory)
    created = new_case(api, partner)
    missing = api.post(f"/api/v1/cases/{created['case_id']}/triage", officer,
                       json={**TRIAGE_TO_PANEL, "level_of_need": 2, "decision": "signpost"})
    assert missing.status_code == 422 and "signposted_to" in missing.get_json()["error"]["fields"]
    ok = api.post(f"/api/v1/cases/{created['case_id']}/triage", officer,
                  json={**TRIAGE_TO_PANEL, "level_of_need": 2, "decision": "signpost",
                        "signposted_to": "Children's centre parenting group"})
    assert ok.status_code == 201 and ok.get_json()["stage"] == "signposted"
    case = api.get(f"/api/v1/cases/{created['case_id']}", officer).get_json()
    assert case["closed_at"] is not None and case["actions"] == []


def test_step_up_needs_level_four(api, factory):
    _, partner, officer = setup(api, factory)
    created = new_case(api, partner)
    wrong = api.post(f"/api/v1/cases/{created['case_id']}/triage", officer,
                     json={**TRIAGE_TO_PANEL, "decision": "step_up"})
    assert wrong.status_code == 422 and "level 4" in wrong.get_json()["error"]["fields"]["level_of_need"][0]
    ok = api.post(f"/api/v1/cases/{created['case_id']}/triage", officer,
                  json={**TRIAGE_TO_PANEL, "level_of_need": 4, "rag": "red", "decision": "step_up",
                        "rationale": "Disclosure of domestic abuse; child at risk of significant harm."})
    assert ok.status_code == 201 and ok.get_json()["stage"] == "social_care"


def test_eligibility_needs_two_problems_or_one_plus_a_local_criterion(api, factory, app):
    with app.app_context():
        db.session.add(LocalCriterion(code="parental_substance_misuse", label="Parental substance misuse"))
        db.session.commit()
    _, partner, officer = setup(api, factory)
    one = [{"code": "education", "evidence": "School attendance data"}]
    first = new_case(api, partner, surname="One")
    r1 = api.post(f"/api/v1/cases/{first['case_id']}/triage", officer,
                  json={**TRIAGE_TO_PANEL, "headline_problems": one})
    assert r1.get_json()["eligible"] is False
    second = new_case(api, partner, surname="Two")
    r2 = api.post(f"/api/v1/cases/{second['case_id']}/triage", officer,
                  json={**TRIAGE_TO_PANEL, "headline_problems": one, "local_criteria": ["parental_substance_misuse"]})
    assert r2.status_code == 201, r2.get_json()
    assert r2.get_json()["eligible"] is True
    third = new_case(api, partner, surname="Three")
    r3 = api.post(f"/api/v1/cases/{third['case_id']}/triage", officer,
                  json={**TRIAGE_TO_PANEL, "local_criteria": ["made_up"]})
    assert r3.status_code == 422


def test_each_problem_needs_its_evidence_and_rationale_is_required(api, factory):
    _, partner, officer = setup(api, factory)
    created = new_case(api, partner)
    response = api.post(f"/api/v1/cases/{created['case_id']}/triage", officer, json={
        **{k: v for k, v in TRIAGE_TO_PANEL.items() if k != "rationale"},
        "headline_problems": [{"code": "education"}]})
    fields = response.get_json()["error"]["fields"]
    assert response.status_code == 422
    assert "headline_problems.0.evidence" in fields and "rationale" in fields


def test_a_second_triage_is_refused_with_409(api, factory):
    _, partner, officer = setup(api, factory)
    created = new_case(api, partner)
    api.post(f"/api/v1/cases/{created['case_id']}/triage", officer, json=TRIAGE_TO_PANEL)
    again = api.post(f"/api/v1/cases/{created['case_id']}/triage", officer, json=TRIAGE_TO_PANEL)
    # A decision is made once (tests/triage/test_decisions_once.py): the answer says how to change it.
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "decision_already_made"
    assert "amend" in again.get_json()["error"]["message"]


def test_partners_cannot_triage(api, factory):
    _, partner, _ = setup(api, factory)
    created = new_case(api, partner)
    response = api.post(f"/api/v1/cases/{created['case_id']}/triage", partner, json=TRIAGE_TO_PANEL)
    assert response.status_code == 403


def test_triage_waits_for_possible_matches_to_be_resolved(api, factory, app):
    from tests.frontdoor.test_matching_outcomes import lookalike_request, two_lookalike_families

    two_lookalike_families(app)
    _, partner, officer = setup(api, factory)
    created = api.post("/api/v1/requests", partner, json=lookalike_request()).get_json()
    response = api.post(f"/api/v1/cases/{created['case_id']}/triage", officer, json=TRIAGE_TO_PANEL)
    assert response.status_code == 409 and "possible matches" in response.get_json()["error"]["message"]


def test_triage_due_across_a_bank_holiday_weekend(app_ctx):
    from caseflow.frontdoor.services import triage_deadline

    # Thursday 24 December 2026: Christmas Day (Fri) and Boxing Day substitute (Mon 28) are
    # bank holidays, so one working day later is Tuesday 29 December, end of the working day.
    due = triage_deadline(datetime(2026, 12, 24, 10, 0, tzinfo=timezone.utc))
    assert due == datetime(2026, 12, 29, 17, 0, tzinfo=timezone.utc)


def test_triage_web_form_shows_errors_and_records_the_decision(client, api, factory):
    from tests.conftest import csrf_token, sign_in

    _, partner, _ = setup(api, factory)
    created = new_case(api, partner)
    sign_in(client, factory.user("front_door"))
    url = f"/cases/{created['case_id']}/triage"
    token = csrf_token(client, url)
    bad = client.post(url, data={"csrf_token": token, "problems": ["education"], "decision": "panel"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "There is a problem" in html
    assert "Choose a level of need" in html and "Explain the decision" in html and "Say who says so" in html
    ok = client.post(url, data={"csrf_token": token, "level_of_need": "3", "rag": "amber", "decision": "panel",
                                "problems": ["education", "health"], "evidence-education": "Attendance data",
                                "evidence-health": "GP", "rationale": "Whole-family work needed"})
    assert ok.status_code == 302
    assert "Triage decision recorded" in client.get(ok.headers["Location"]).get_data(as_text=True)


def test_administrator_configures_local_criteria_used_at_triage(client, api, factory):
    from tests.conftest import csrf_token, sign_in

    admin = factory.user("admin")
    sign_in(client, admin)
    token = csrf_token(client, "/admin/local-criteria")
    empty = client.post("/admin/local-criteria", data={"csrf_token": token, "label": ""})
    assert empty.status_code == 400 and "Enter the criterion" in empty.get_data(as_text=True)
    client.post("/admin/local-criteria", data={"csrf_token": token, "label": "Parental substance misuse"})
    assert "Parental substance misuse" in client.get("/admin/local-criteria").get_data(as_text=True)

    _, partner, officer = setup(api, factory)
    created = new_case(api, partner)
    sign_in(client, factory.user("front_door"))
    assert "Parental substance misuse" in client.get(f"/cases/{created['case_id']}/triage").get_data(as_text=True)
    response = api.post(f"/api/v1/cases/{created['case_id']}/triage", officer, json={
        **TRIAGE_TO_PANEL, "headline_problems": [{"code": "health", "evidence": "GP"}],
        "local_criteria": ["parental_substance_misuse"]})
    assert response.get_json()["eligible"] is True


def test_only_administrators_configure_local_criteria(client, factory):
    from tests.conftest import sign_in

    sign_in(client, factory.user("team_manager"))
    assert client.get("/admin/local-criteria").status_code == 403


def test_signposted_family_gets_a_printable_plain_english_letter(client, api, factory):
    """Journey 4: Aisha is signposted at the door and gets a letter saying where to."""
    from tests.conftest import sign_in

    _, partner, officer = setup(api, factory)
    created = new_case(api, partner, surname="Rahman")
    sign_in(client, factory.user("front_door"))
    early = client.get(f"/cases/{created['case_id']}/signpost-letter")
    assert early.status_code == 409  # nothing decided yet: no letter
    api.post(f"/api/v1/cases/{created['case_id']}/triage", officer, json={
        **TRIAGE_TO_PANEL, "level_of_need": 2, "decision": "signpost",
        "headline_problems": [{"code": "children_need_help", "evidence": "Parent's own account"}],
        "signposted_to": "Riverside children's centre parenting group and the health visitor"})
    letter = client.get(f"/cases/{created['case_id']}/signpost-letter").get_data(as_text=True)
    assert "Dear Leah" in letter  # the only person named on this request
    assert "Riverside children's centre parenting group" in letter.replace("&#39;", "'")
    assert created["reference"] in letter and "ask us for help again" in letter
    case_page = client.get(f"/cases/{created['case_id']}").get_data(as_text=True)
    assert "Letter to the family" in case_page
