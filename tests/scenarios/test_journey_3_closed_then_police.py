"""Journey 3 (../shared/scenarios/03-closed-then-police-notification.md): a case closed in
January; in April a police notification goes to the former keyworker and manager, who decide not
to reopen and say why; in June a second one, and the manager opens a new case from it in one
step; triage steps it up to social care with the keyworker supporting; a year later the social
worker steps it down and the same plan continues."""
from datetime import timedelta

from caseflow.core import timescales
from caseflow.cases.models import Case
from caseflow.core.extensions import db
from caseflow.core.database import utcnow
from tests.plans.helpers import agreed_plan, complete_assessment, team
from tests.triage.helpers import TRIAGE_TO_PANEL
from caseflow.core.timescales import today_london

FAMILY = [("Gemma", "1991-02-03", "parent_carer"), ("Chloe", "2011-05-06", "child"), ("Alfie", "2017-08-09", "child")]


def _notify(api, token, reference, type_, summary, days_ago):
    return api.post("/api/v1/notifications", token, json={
        "type": type_, "occurred_at": f"{today_london() - timedelta(days=days_ago)}T23:10:00+00:00",
        "source_reference": reference, "summary": summary,
        "people": [{"given_name": "Chloe", "family_name": "Hart", "date_of_birth": "2011-05-06", "postcode": "NS4 2JD"}]})


def test_journey_3(api, factory, app):
    p, t, orgs = team(factory)
    social_care = factory.org("Northshire Children's Social Care", type="social_care")
    p["sw"] = factory.user("social_worker", org=social_care, name="Joanne Reid")
    p["police"] = factory.user("partner_system", org=factory.org("Northshire Police", type="police"))
    for key in ("sw", "police"):
        t[key] = factory.token(p[key])

    # 1. Worked for seven months, then closed "outcomes achieved" (in January: back-dated).
    created = api.post("/api/v1/requests", t["referrer"], json={
        "referrer": {"name": "Ms Patel", "organisation": "Northshire Academy", "role": "DSL", "email": "dsl@academy.example"},
        "people": [{"given_name": g, "family_name": "Hart", "date_of_birth": d, "relationship": r, "postcode": "NS4 2JD"}
                   for g, d, r in FAMILY],
        "concerns": ["education", "health"], "details": "Chloe's attendance has fallen; Gemma is struggling.",
        "consent_given": True}).get_json()
    first_case = created["case_id"]
    assert api.post(f"/api/v1/cases/{first_case}/triage", t["officer"], json=TRIAGE_TO_PANEL).status_code == 201
    assert api.post(f"/api/v1/cases/{first_case}/allocation", t["chair"], json={"keyworker_id": p["sam"].id}).status_code == 201
    complete_assessment(api, t["sam"], first_case)
    plan = agreed_plan(api, t["sam"], first_case, p["sam"].id)
    assert api.post(f"/api/v1/cases/{first_case}/close", t["sam"], json={
        "reason": "outcomes_achieved", "summary": "Chloe back in school; Gemma in work.",
        "outcomes": [{"outcome_id": o["id"], "status": "achieved"} for o in plan["outcomes"]]}).status_code == 200
    with app.app_context():
        db.session.get(Case, first_case).closed_at = utcnow() - timedelta(days=150)
        db.session.commit()

    # 2. April: Chloe found intoxicated at a party. The former keyworker and the manager hear; the
    # family's flag history shows it; Sam decides not to reopen and records why.
    april = _notify(api, t["police"], "NP-APR-01", "police_contact", "Chloe found intoxicated at a party, returned home.", 60)
    assert april.status_code == 202
    for who in ("sam", "manager"):
        assert [n for n in api.get("/api/v1/inbox", t[who]).get_json()["items"] if n["event_id"] == april.get_json()["id"]]
    family = api.get(f"/api/v1/families/{created['family_id']}", t["manager"]).get_json()
    assert family["flagged"] is False and [f["reference"] for f in family["flags"]] == [april.get_json()["reference"]]
    assert api.post(f"/api/v1/events/{april.get_json()['id']}/decision", t["sam"], json={
        "decision": "no_further_action", "reason": "One-off; Gemma and the school are on it."}).status_code == 200

    # 3. June: Chloe missing overnight. The manager opens a new case from the notification in one
    # step: straight to triage, with the previous case linked, counted as a re-referral.
    june = _notify(api, t["police"], "NP-JUN-01", "missing_episode", "Chloe missing overnight; found at 07:00.", 2)
    opened = api.post(f"/api/v1/events/{june.get_json()['id']}/decision", t["manager"], json={
        "decision": "open_case", "reason": "Second police notification; exploitation risk."})
    assert opened.status_code == 200, opened.get_json()
    new_case = opened.get_json()["new_case_id"]
    case = api.get(f"/api/v1/cases/{new_case}", t["officer"]).get_json()
    assert case["stage"] == "requested" and case["is_re_referral"] and case["previous_case_id"] == first_case
    assert api.get(f"/api/v1/cases/{first_case}/assessment", t["officer"]).get_json()["status"] == "complete"
    family = api.get(f"/api/v1/families/{created['family_id']}", t["manager"]).get_json()
    assert family["flagged"] is True and {f["status"] for f in family["flags"]} == {"no_further_action", "reopened"}

    # 4. Triage steps it up to children's social care; Sam stays on as a supporting worker.
    assert api.post(f"/api/v1/cases/{new_case}/triage", t["officer"], json={
        "level_of_need": 4, "rag": "red", "decision": "step_up", "rationale": "Missing episode; exploitation concern.",
        "headline_problems": [{"code": "children_need_help", "evidence": "Police notifications"}]}).status_code == 201
    assert api.post(f"/api/v1/cases/{new_case}/social-worker", t["sw"], json={"social_worker_id": p["sw"].id}).status_code == 200
    # A year on, the social worker steps it down; the panel allocates Sam again.
    down = api.post(f"/api/v1/cases/{new_case}/step-down", t["sw"], json={
        "reason": "Risk reduced; Chloe engaging with the exploitation team.", "still_needed": "School and family support.",
        "handover_meeting_on": timescales.add_working_days(timescales.today_london(), 3).isoformat(), "route": "panel"})
    assert down.status_code == 201, down.get_json()
    assert api.get(f"/api/v1/cases/{new_case}", t["officer"]).get_json()["stage"] == "stepped_down"
