"""Journey 1 (../shared/scenarios/01-stepped-down-teenagers.md): the social worker steps the
family down; the case goes first on the next panel agenda with its history; the TAF forms around
Tyler; one assessment, one plan with actions for each partner, six-weekly reviews with rising
scores, closure with the family's feedback; on the way, a police contact about Lee reaches Sam."""
from datetime import timedelta

from caseflow.core import timescales
from caseflow.core.extensions import db
from caseflow.plans.models import Assessment, Review
from tests.triage.helpers import case_at_panel
from caseflow.core.timescales import today_london

PEOPLE = [("Donna", "1982-03-14", "parent_carer"), ("Lee", "1979-07-02", "parent_carer"),
          ("Kai", "2009-05-20", "child"), ("Tyler", "2012-09-11", "child")]


def test_journey_1(api, factory, app):
    early_help = factory.org("Northshire Early Help")
    school = factory.org("Northshire High School", type="school")
    camhs = factory.org("Northshire CAMHS", type="health_visiting")
    jobcentre = factory.org("Jobcentre Plus Northshire", type="jobcentre")
    social_care = factory.org("Northshire Children's Social Care", type="social_care")
    sw = factory.user("social_worker", org=social_care, name="Joanne Reid")
    officer, chair = factory.user("front_door", org=early_help), factory.user("panel_chair", org=early_help)
    sam = factory.user("keyworker", org=early_help, name="Sam Taylor", team="Locality North")
    senco = factory.user("partner", org=school, name="Mr Hill (SENCo)")
    camhs_worker = factory.user("partner", org=camhs, name="Dr Rao (CAMHS)")
    adviser = factory.user("partner", org=jobcentre, name="Pat Jones (work coach)")
    t = {u: factory.token(u) for u in (sw, officer, chair, sam, senco, camhs_worker)}

    # Known to social care: the family's case is there, with a child in need plan for Tyler.
    request = api.post("/api/v1/requests", t[sw], json={
        "referrer": {"name": "Joanne Reid", "organisation": "Northshire Children's Social Care",
                     "role": "Social worker", "email": "joanne.reid@northshire.example"},
        "people": [{"given_name": g, "family_name": "Price", "date_of_birth": d, "relationship": r,
                    "postcode": "NS2 7QT"} for g, d, r in PEOPLE],
        "concerns": ["education", "crime_asb", "health", "worklessness"],
        "details": "Risk reduced; parents engaging with recovery. CIN plan for Tyler (ADHD) ending.",
        "consent_given": True}).get_json()
    case_id = request["case_id"]
    assert api.post(f"/api/v1/cases/{case_id}/triage", t[officer], json={
        "level_of_need": 4, "rag": "red", "decision": "step_up", "rationale": "Known to social care: CIN plan",
        "headline_problems": [{"code": c, "evidence": "Social care record"} for c in
                              ("education", "crime_asb", "health", "worklessness")]}).status_code == 201
    assert api.post(f"/api/v1/cases/{case_id}/statutory-status", t[sw], json={
        "status": "child_in_need", "started_on": (today_london() - timedelta(days=200)).isoformat()}).status_code == 201
    # Another family is already waiting for the panel.
    waiting = case_at_panel(api, t[sw], t[officer], "Gordon")

    # 1. The social worker steps the case down, with a joint handover visit within 10 working days.
    down = api.post(f"/api/v1/cases/{case_id}/step-down", t[sw], json={
        "reason": "Risk reduced; parents engaging with recovery.", "still_needed": "Tyler's schooling; work for both parents.",
        "handover_meeting_on": timescales.add_working_days(timescales.today_london(), 5).isoformat(),
        "route": "panel"})
    assert down.status_code == 201, down.get_json()
    panel = api.post("/api/v1/panels", t[chair], json={"date": today_london().isoformat(), "members": [early_help.id, school.id]}).get_json()
    agenda = [item["id"] for item in api.get(f"/api/v1/panels/{panel['id']}", t[chair]).get_json()["agenda"]]
    assert agenda.index(case_id) < agenda.index(waiting["case_id"])  # step-downs first
    pack = api.get(f"/api/v1/cases/{case_id}/handover-pack", t[chair]).get_json()
    assert pack["statuses"][0]["status"] == "child_in_need" and pack["statuses"][0]["ended_on"]
    assert any(e["title"] == "Stage: Stepped down" for e in pack["chronology"])

    # 2. Panel allocates Sam; the SENCo and CAMHS join the TAF and are told.
    assert api.post(f"/api/v1/panels/{panel['id']}/decisions", t[chair], json={
        "case_id": case_id, "decision": "allocate", "keyworker_id": sam.id,
        "rationale": "Step-down: whole-family work"}).status_code == 201
    for member, role in ((senco, "SENCo"), (camhs_worker, "CAMHS practitioner")):
        assert api.post(f"/api/v1/cases/{case_id}/taf", t[sam], json={"user_id": member.id, "role": role}).status_code == 201
        assert any(n["title"] == "You have joined a Team Around the Family"
                   for n in api.get("/api/v1/inbox", t[member]).get_json()["items"])
    assert any("allocated to you" in n["title"] for n in api.get("/api/v1/inbox", t[sam]).get_json()["items"])

    # 3. One whole-family assessment, pre-filled, with Tyler's own words and baseline scores.
    draft = api.get(f"/api/v1/cases/{case_id}/assessment", t[sam]).get_json()
    assert [m["name"] for m in draft["members"]] == [f"{g} Price" for g, _, _ in PEOPLE]
    assert "CIN plan for Tyler" in draft["summary"]
    baseline = {"education": 2, "crime_asb": 3, "health": 4, "worklessness": 3}
    voices = {"Kai Price": "I just want to get a job.", "Tyler Price": "School is too loud. I like fixing bikes."}
    done = api.post(f"/api/v1/cases/{case_id}/assessment/complete", t[sam], json={
        "members": [{"person_id": m["person_id"], "voice": voices.get(m["name"], "")} for m in draft["members"]],
        "family_views": "Donna and Lee want the boys to do well and to work again themselves.",
        "confirmed_problems": list(baseline), "baseline": baseline})
    assert done.status_code == 200 and done.get_json()["status"] == "complete"
    assert api.get(f"/api/v1/cases/{case_id}", t[sam]).get_json()["stage"] == "planning"

    # 4. The plan: outcomes per problem, actions owned by the school, CAMHS, Sam and the Jobcentre.
    target = (today_london() + timedelta(days=240)).isoformat()
    due = (today_london() + timedelta(days=42)).isoformat()
    outcomes = [("education", "Tyler's attendance is 90% or more", "School attendance data"),
                ("crime_asb", "No ASB reports for 6 months", "Police and housing ASB records"),
                ("health", "Tyler's ADHD medication is managed", "CAMHS review"),
                ("worklessness", "Both parents start employability training", "Enrolment confirmed")]
    actions = [("SEN placement review", {"owner_organisation_id": school.id}, 0),
               ("Medication review", {"owner_user_id": camhs_worker.id}, 2),
               ("Triple P parenting course referral", {"owner_user_id": sam.id}, 1),
               ("Training options for Donna and Lee", {"owner_user_id": adviser.id}, 3)]
    saved = api.put(f"/api/v1/cases/{case_id}/plan", t[sam], json={
        "outcomes": [{"headline_problem": c, "description": d, "measure": m, "target_date": target} for c, d, m in outcomes],
        "actions": [{"description": d, **owner, "outcome_index": i, "due_date": due} for d, owner, i in actions]})
    assert saved.status_code == 200, saved.get_json()
    agreed = api.post(f"/api/v1/cases/{case_id}/plan/agree", t[sam],
                      json={"family_agreed": True, "version": saved.get_json()["version"]}).get_json()
    assert agreed["status"] == "agreed"
    # The TAF sees the plan, including what is theirs to do; not the assessment.
    seen_by_camhs = api.get(f"/api/v1/cases/{case_id}/plan", t[camhs_worker]).get_json()
    assert "Medication review" in [a["description"] for a in seen_by_camhs["actions"]]
    assert api.get(f"/api/v1/cases/{case_id}/assessment", t[camhs_worker]).status_code == 403

    # 5. Six-weekly reviews record rising scores (back-dated: the work took 8 months).
    with app.app_context():
        assessment = db.session.query(Assessment).filter_by(case_id=case_id).one()
        assessment.completed_at -= timedelta(days=245)
        db.session.commit()
    ids = {o["headline_problem"]: o["id"] for o in agreed["outcomes"]}
    for n, held in enumerate(range(238, 0, -42)):
        scores = {c: min(10, baseline[c] + n + 1) for c in baseline}
        review = api.post(f"/api/v1/cases/{case_id}/reviews", t[sam], json={
            "date": (today_london() - timedelta(days=held)).isoformat(),
            "attendees": [{"name": "Sam Taylor"}, {"name": "Mr Hill", "organisation": "Northshire High School"}],
            "progress": [{"outcome_id": ids[c], "score": s} for c, s in scores.items()],
            "notes": "Lee's court date is next month." if n == 2 else "Steady progress.", "decision": "continue"})
        assert review.status_code == 201, review.get_json()
    # A police contact about Lee (a neighbour dispute) arrives as a notification to Sam.
    police = factory.user("partner_system", org=factory.org("Northshire Police", type="police"))
    contact = api.post("/api/v1/notifications", factory.token(police), json={
        "type": "police_contact", "occurred_at": f"{today_london() - timedelta(days=20)}T19:30:00+00:00",
        "source_reference": "NP-2026-LEE-1", "summary": "Neighbour dispute; words of advice given to Lee.",
        "people": [{"given_name": "Lee", "family_name": "Price", "date_of_birth": "1979-07-02", "postcode": "NS2 7QT"}]})
    assert contact.status_code == 202, contact.get_json()
    told = [n for n in api.get("/api/v1/inbox", t[sam]).get_json()["items"] if n["event_id"] == contact.get_json()["id"]]
    assert len(told) == 1 and "Neighbour dispute" in told[0]["body"]
    assert not [n for n in api.get("/api/v1/inbox", t[senco]).get_json()["items"] if n["event_id"] == contact.get_json()["id"]]
    travelled = {r["headline_problem"]: r for r in api.get(f"/api/v1/cases/{case_id}/plan", t[sam]).get_json()["distance_travelled"]}
    assert travelled["education"]["baseline"] == 2 and travelled["education"]["latest"] == 8
    assert all(row["change"] > 0 for row in travelled.values())
    with app.app_context():
        assert db.session.query(Review).filter_by(case_id=case_id).count() == 6

    # 6. All outcomes met: closed "outcomes achieved" with the family's feedback.
    closed = api.post(f"/api/v1/cases/{case_id}/close", t[sam], json={
        "reason": "outcomes_achieved", "summary": "All four outcomes met and sustained.",
        "family_feedback": "Sam never gave up on us.",
        "outcomes": [{"outcome_id": i, "status": "achieved"} for i in ids.values()]})
    assert closed.status_code == 200 and closed.get_json()["stage"] == "closed"
    assert any(n["title"] == "The family's case has closed" for n in api.get("/api/v1/inbox", t[senco]).get_json()["items"])
