"""Journey 2 (../shared/scenarios/02-reluctant-single-mother.md), steps 1 to 4 and 6: the school's
request finds the known family despite the misspelt name, the officer sees the history, the
keyworker records refused visits, the manager extends the engagement period instead of closing,
then the family engages: assessment, plan, review and closure.

The consent extension in step 4 and the police notification in step 5 belong to the consent and
notification capabilities."""
from datetime import timedelta
from caseflow.core.timescales import today_london

FAMILY = [("Sharon", "1987-02-11", "parent_carer"), ("Jordan", "2008-04-03", "child"),
          ("Leah", "2011-06-02", "child"), ("Callum", "2015-01-19", "child"), ("Ruby", "2020-08-30", "child")]


def request(first_name_of_mum, details, concerns):
    return {"referrer": {"name": "Ms Patel", "organisation": "Riverside Academy",
                         "role": "Designated safeguarding lead", "email": "dsl@riverside.example"},
            "people": [{"given_name": first_name_of_mum if g == "Sharon" else g, "family_name": "Walsh",
                        "date_of_birth": d, "relationship": r, "postcode": "NS1 4AB", "address": "12 Mill Lane"}
                       for g, d, r in FAMILY],
            "concerns": concerns, "details": details, "consent_given": True}


def test_journey_2(api, factory, app):
    early_help = factory.org("Northshire Early Help")
    school = factory.org("Riverside Academy", type="school")
    dsl = factory.user("partner", org=school, name="Ms Patel")
    officer, chair = factory.user("front_door", org=early_help), factory.user("panel_chair", org=early_help)
    manager = factory.user("team_manager", org=early_help, name="Helen Briggs")
    aaron = factory.user("keyworker", org=early_help, name="Aaron Mensah", team="Locality South")
    social_worker = factory.user("social_worker", org=factory.org("Children's Social Care", type="social_care"))
    t = {u: factory.token(u) for u in (dsl, officer, chair, manager, aaron, social_worker)}

    # History: an earlier request, stepped up to social care and later closed there.
    earlier = api.post("/api/v1/requests", t[dsl], json=request("Sharon", "Leah and Jordan: CIN concerns.",
                                                                 ["children_need_help"])).get_json()
    api.post(f"/api/v1/cases/{earlier['case_id']}/triage", t[officer], json={
        "level_of_need": 4, "rag": "red", "decision": "step_up", "rationale": "Child in need",
        "headline_problems": [{"code": "children_need_help", "evidence": "Social care history"}]})
    closed = api.post(f"/api/v1/cases/{earlier['case_id']}/close", t[manager], json={
        "reason": "other", "summary": "Child in need plans ended; family supported by social care for ten years."})
    assert closed.status_code == 200, closed.get_json()

    # 1. The school's request: mum's name spelt "Sharron"; the family is found all the same.
    body = api.post("/api/v1/requests", t[dsl], json=request(
        "Sharron", "Leah's attendance is 68%. Callum is anxious. Rent arrears.", ["education", "health"])).get_json()
    # Same address, dates of birth and postcode outweigh one misspelt first name: linked.
    assert body["match"]["status"] == "linked" and body["family_id"] == earlier["family_id"]
    case_id = body["case_id"]
    case = api.get(f"/api/v1/cases/{case_id}", t[officer]).get_json()
    assert case["family_id"] == earlier["family_id"]
    history = api.get(f"/api/v1/families/{case['family_id']}", t[officer]).get_json()
    assert {c["id"] for c in history["cases"]} >= {earlier["case_id"], case_id}

    # 2. Triage: level 3, five headline problems, to panel. 3. Panel allocates Aaron.
    problems = ["education", "crime_asb", "domestic_abuse", "health", "worklessness"]
    assert api.post(f"/api/v1/cases/{case_id}/triage", t[officer], json={
        "level_of_need": 3, "rag": "amber", "decision": "panel", "rationale": "Overlapping needs",
        "headline_problems": [{"code": c, "evidence": "School, police and housing information"} for c in problems]}
    ).status_code == 201
    assert api.post(f"/api/v1/cases/{case_id}/allocation", t[chair], json={"keyworker_id": aaron.id}).status_code == 201

    # Mum refuses the first two visits; the manager extends the engagement period with a reason.
    for _ in range(2):
        assert api.post(f"/api/v1/cases/{case_id}/contacts", t[aaron], json={
            "date": today_london().isoformat(),
            "type": "missed_visit", "notes": "Mum would not open the door: 'had bad experiences with social workers'."}
        ).status_code == 201
    assert api.post(f"/api/v1/cases/{case_id}/engagement-extension", t[manager], json={
        "until": (today_london() + timedelta(days=42)).isoformat(),
        "reason": "Mum's past experience of services; try a joint visit with the school's DSL."}).status_code == 201
    refused = api.post(f"/api/v1/cases/{case_id}/close", t[aaron], json={
        "reason": "family_disengaged", "summary": "Two refused visits."})
    assert refused.status_code == 409
    chronology = api.get(f"/api/v1/cases/{case_id}/chronology", t[manager]).get_json()["items"]
    assert [i["kind"] for i in chronology].count("contact") == 2 and any(i["kind"] == "engagement" for i in chronology)

    # 4. Once engaged: the assessment.
    members = api.get(f"/api/v1/cases/{case_id}/assessment", t[aaron]).get_json()["members"]
    assert {m["name"] for m in members} >= {"Sharon Walsh", "Ruby Walsh"}
    baseline = {"education": 3, "crime_asb": 4, "domestic_abuse": 3, "health": 2, "worklessness": 2}
    completed = api.post(f"/api/v1/cases/{case_id}/assessment/complete", t[aaron], json={
        "members": [{"person_id": m["person_id"], "voice": "(Observed) Quiet, close to mum." if m["relationship"] == "child" else ""}
                    for m in members],
        "family_views": "Sharon: 'I want the kids settled and the rent sorted.'",
        "confirmed_problems": problems, "baseline": baseline})
    assert completed.status_code == 200, completed.get_json()

    # 6. Outcomes met: counselling, arrears plan, attendance 92%, ASB down. Closed.
    outcome = {"education": "Leah's attendance above 90%", "crime_asb": "Fewer ASB reports about Jordan",
               "domestic_abuse": "Mum has a safety plan", "health": "Mum in counselling",
               "worklessness": "Rent arrears on a payment plan"}
    saved = api.put(f"/api/v1/cases/{case_id}/plan", t[aaron], json={
        "outcomes": [{"headline_problem": c, "description": d, "measure": d, "target_date": (today_london() + timedelta(days=180)).isoformat()}
                     for c, d in outcome.items()],
        "actions": [{"description": "Payment plan with Northshire Homes", "owner_user_id": aaron.id,
                     "due_date": (today_london() + timedelta(days=30)).isoformat()}]}).get_json()
    plan = api.post(f"/api/v1/cases/{case_id}/plan/agree", t[aaron], json={"family_agreed": True,
                                                                            "version": saved["version"]}).get_json()
    review = api.post(f"/api/v1/cases/{case_id}/reviews", t[aaron], json={
        "date": today_london().isoformat(), "attendees": [{"name": "Aaron Mensah"}, {"name": "Sharon Walsh", "organisation": "Parent"}],
        "progress": [{"outcome_id": o["id"], "score": 8} for o in plan["outcomes"]], "decision": "close"})
    assert review.status_code == 201
    done = api.post(f"/api/v1/cases/{case_id}/close", t[aaron], json={
        "reason": "outcomes_achieved", "summary": "Counselling, arrears plan, Leah at 92%, ASB down.",
        "outcomes": [{"outcome_id": o["id"], "status": "achieved"} for o in plan["outcomes"]]})
    assert done.status_code == 200 and done.get_json()["closure_reason"] == "outcomes_achieved"
