"""Visits, TAF reviews, closure and the overdue dashboards."""
from datetime import timedelta

from caseflow.cases.models import Case
from caseflow.core.extensions import db
from caseflow.plans.models import Assessment
from tests.conftest import count_queries
from tests.plans.helpers import agreed_plan, allocated_case, complete_assessment, members, team
from caseflow.core.timescales import today_london


def reviewing_case(api, factory, surname="Walsh"):
    p, t, orgs = team(factory)
    case_id = allocated_case(api, p, t, surname)
    complete_assessment(api, t["sam"], case_id)
    plan = agreed_plan(api, t["sam"], case_id, p["sam"].id)
    return p, t, case_id, plan


def review(plan, **overrides):
    body = {"date": today_london().isoformat(), "attendees": [{"name": "Sam Taylor", "organisation": "Early Help"}],
            "progress": [{"outcome_id": o["id"], "score": 5} for o in plan["outcomes"]], "decision": "continue"}
    return {**body, **overrides}


def test_contacts_are_checked_and_missed_visits_recorded(api, factory, app):
    p, t, orgs = team(factory)
    case_id = allocated_case(api, p, t)
    future = api.post(f"/api/v1/cases/{case_id}/contacts", t["sam"], json={
        "date": (today_london() + timedelta(days=1)).isoformat(), "type": "home_visit", "notes": "x"})
    assert future.status_code == 422 and "future" in future.get_json()["error"]["fields"]["date"][0]
    stranger = api.post(f"/api/v1/cases/{case_id}/contacts", t["sam"], json={
        "date": today_london().isoformat(), "type": "home_visit", "notes": "x", "people_seen": ["someone-else"]})
    assert stranger.status_code == 422 and "people_seen" in stranger.get_json()["error"]["fields"]
    no_notes = api.post(f"/api/v1/cases/{case_id}/contacts", t["sam"], json={"date": today_london().isoformat(), "type": "visit"})
    assert set(no_notes.get_json()["error"]["fields"]) == {"type", "notes"}
    for _ in range(2):
        missed = api.post(f"/api/v1/cases/{case_id}/contacts", t["sam"], json={
            "date": today_london().isoformat(), "type": "missed_visit", "notes": "No answer at the door; card left."})
        assert missed.status_code == 201
    listed = api.get(f"/api/v1/cases/{case_id}/contacts", t["sam"]).get_json()
    assert listed["total"] == 2 and listed["items"][0]["type"] == "missed_visit"
    with app.app_context():
        from caseflow.plans.contacts import missed_in_a_row
        assert missed_in_a_row(case_id) == 2


def test_a_review_cannot_be_dated_before_the_assessment_or_held_before_the_plan_is_agreed(api, factory, app):
    p, t, orgs = team(factory)
    case_id = allocated_case(api, p, t)
    complete_assessment(api, t["sam"], case_id)
    early = api.post(f"/api/v1/cases/{case_id}/reviews", t["sam"], json={
        "date": today_london().isoformat(), "attendees": [{"name": "Sam"}], "decision": "continue"})
    assert early.status_code == 409 and "agreed the plan" in early.get_json()["error"]["message"]
    plan = agreed_plan(api, t["sam"], case_id, p["sam"].id)
    with app.app_context():  # the assessment was completed a week ago
        assessment = db.session.query(Assessment).filter_by(case_id=case_id).one()
        assessment.completed_at -= timedelta(days=7)
        db.session.commit()
    before = api.post(f"/api/v1/cases/{case_id}/reviews", t["sam"],
                      json=review(plan, date=(today_london() - timedelta(days=8)).isoformat()))
    assert before.status_code == 422
    assert "before the assessment was completed" in before.get_json()["error"]["fields"]["date"][0]
    unscored = api.post(f"/api/v1/cases/{case_id}/reviews", t["sam"], json=review(plan, progress=[]))
    assert unscored.status_code == 422
    assert len([k for k in unscored.get_json()["error"]["fields"] if k.startswith("progress.")]) == 2
    nobody = api.post(f"/api/v1/cases/{case_id}/reviews", t["sam"], json=review(plan, attendees=[]))
    assert nobody.get_json()["error"]["fields"]["attendees"] == ["Record who attended"]
    ok = api.post(f"/api/v1/cases/{case_id}/reviews", t["sam"],
                  json=review(plan, date=(today_london() - timedelta(days=7)).isoformat()))
    assert ok.status_code == 201


def test_a_review_decides_to_step_up_with_a_reason(api, factory):
    p, t, case_id, plan = reviewing_case(api, factory)
    no_reason = api.post(f"/api/v1/cases/{case_id}/reviews", t["sam"], json=review(plan, decision="step_up"))
    assert "step_up_reason" in no_reason.get_json()["error"]["fields"]
    stepped = api.post(f"/api/v1/cases/{case_id}/reviews", t["sam"], json=review(
        plan, decision="step_up", step_up_reason="Leah disclosed she is being exploited."))
    assert stepped.status_code == 201 and stepped.get_json()["decision"] == "step_up"
    # The step-up itself, with its concern and urgency, follows (tests/socialcare).
    assert api.get(f"/api/v1/cases/{case_id}", t["sam"]).get_json()["stage"] == "reviewing"


def test_closure_for_disengagement_waits_for_the_managers_extension(api, factory):
    p, t, orgs = team(factory)
    case_id = allocated_case(api, p, t)
    assert api.post(f"/api/v1/cases/{case_id}/engagement-extension", t["sam"], json={
        "until": (today_london() + timedelta(days=28)).isoformat(), "reason": "x"}).status_code == 403
    extended = api.post(f"/api/v1/cases/{case_id}/engagement-extension", t["manager"], json={
        "until": (today_london() + timedelta(days=28)).isoformat(),
        "reason": "Mum has had bad experiences with services; try a joint visit with the school."})
    assert extended.status_code == 201
    refused = api.post(f"/api/v1/cases/{case_id}/close", t["sam"], json={
        "reason": "family_disengaged", "summary": "Two missed visits."})
    assert refused.status_code == 409 and "extended the time to engage" in refused.get_json()["error"]["message"]
    assert api.get(f"/api/v1/cases/{case_id}", t["sam"]).get_json()["stage"] == "allocated"
    bad = api.post(f"/api/v1/cases/{case_id}/close", t["sam"], json={"reason": "bored"})
    assert bad.status_code == 422 and set(bad.get_json()["error"]["fields"]) == {"reason", "summary"}
    moved = api.post(f"/api/v1/cases/{case_id}/close", t["sam"], json={
        "reason": "moved_away", "summary": "The family moved to Southshire; their team has the case."})
    assert moved.status_code == 200 and moved.get_json()["closure_reason"] == "moved_away"
    again = api.post(f"/api/v1/cases/{case_id}/close", t["sam"], json={"reason": "other", "summary": "x"})
    assert again.status_code == 409


def test_overdue_assessments_and_reviews_show_on_the_dashboards(api, factory, app):
    p, t, orgs = team(factory)
    late_assessment = allocated_case(api, p, t, "Adams")
    on_time = allocated_case(api, p, t, "Baker")
    late_review = allocated_case(api, p, t, "Clarke")
    complete_assessment(api, t["sam"], late_review)
    agreed_plan(api, t["sam"], late_review, p["sam"].id)
    others = allocated_case(api, p, t, "Dawson", keyworker="aaron")
    with app.app_context():
        for case_id, column in ((late_assessment, "assessment_due_on"), (late_review, "review_due_on"),
                                (others, "assessment_due_on")):
            setattr(db.session.get(Case, case_id), column, today_london() - timedelta(days=1))
        db.session.commit()
        assert db.session.get(Case, on_time).assessment_due_on > today_london()
    mine = api.get("/api/v1/cases/overdue", t["sam"]).get_json()
    assert {i["case_id"] for i in mine["items"]} == {late_assessment, late_review}
    flags = {i["case_id"]: (i["assessment_overdue"], i["review_overdue"]) for i in mine["items"]}
    assert flags == {late_assessment: (True, False), late_review: (False, True)}
    everyone = api.get("/api/v1/cases/overdue", t["manager"]).get_json()
    assert everyone["total"] == 3
    assert api.get("/api/v1/cases/overdue", t["senco"]).status_code == 403


def test_the_chronology_costs_the_same_queries_however_long_the_case(api, factory, app):
    p, t, case_id, plan = reviewing_case(api, factory)

    def queries():
        with app.app_context(), count_queries() as statements:
            from caseflow.auth.models import User
            from caseflow.readmodels.chronology import chronology
            chronology(db.session.get(User, p["sam"].id), case_id)
        return len(statements)

    before = queries()
    seen = [m["person_id"] for m in members(api, t["sam"], case_id)]
    for _ in range(12):
        api.post(f"/api/v1/cases/{case_id}/contacts", t["sam"], json={
            "date": today_london().isoformat(), "type": "home_visit", "notes": "Visit", "people_seen": seen})
        api.post(f"/api/v1/cases/{case_id}/reviews", t["sam"], json=review(plan))
    assert queries() == before


def test_the_case_page_shows_the_newest_of_a_long_chronology_and_links_to_the_whole(api, factory, app, client):
    """A case years long: the case page shows its latest entries (the newest visit last, as the
    chronology reads), says so, and links to the chronology page, which has every entry."""
    from caseflow.plans.models import Contact
    from caseflow.readmodels.case_views import CHRONOLOGY_ON_CASE_PAGE
    from tests.conftest import sign_in

    p, t, orgs = team(factory)
    case_id = allocated_case(api, p, t)
    visits = CHRONOLOGY_ON_CASE_PAGE + 5
    with app.app_context():
        for day in range(visits):  # one visit a week, the oldest first, each with its own words
            db.session.add(Contact(case_id=case_id, occurred_on=today_london() - timedelta(weeks=visits - day),
                                   contact_type="home_visit", notes=f"Visit number {day + 1}.",
                                   recorded_by_id=p["sam"].id))
        db.session.commit()
    sign_in(client, p["sam"])
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    shown = page[page.index('data-testid="chronology"'):]
    assert f"Visit number {visits}." in shown and f"Visit number {visits - 1}." in shown
    assert "Visit number 1." not in shown and "Visit number 5." not in shown
    assert shown.index(f"Visit number {visits - 1}.") < shown.index(f"Visit number {visits}.")  # oldest first
    assert f"The latest {CHRONOLOGY_ON_CASE_PAGE} entries" in page
    assert f'href="/cases/{case_id}/chronology"' in page
    whole = client.get(f"/cases/{case_id}/chronology").get_data(as_text=True)
    assert all(f"Visit number {n}." in whole for n in range(1, visits + 1))


def test_a_short_case_page_shows_its_whole_chronology_without_the_note(api, factory, client):
    from tests.conftest import sign_in

    p, t, orgs = team(factory)
    case_id = allocated_case(api, p, t)
    sign_in(client, p["sam"])
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert 'data-testid="chronology-older"' not in page and "Request for help" in page


def test_the_case_page_reads_each_thing_once(api, factory, app, client):
    """The case page asks the policy about the case for every panel and link it shows, and its
    summary and chronology draw on the same records (engagement extensions, the transitions,
    the assessment): no statement is sent twice, and the family comes with the case (issue 16:
    every statement is CPU on a two-core county server)."""
    from collections import Counter

    from tests.conftest import sign_in

    p, t, case_id, plan = reviewing_case(api, factory)
    assert api.post(f"/api/v1/cases/{case_id}/reviews", t["sam"], json=review(plan)).status_code == 201
    assert api.post(f"/api/v1/cases/{case_id}/contacts", t["sam"], json={
        "date": today_london().isoformat(), "type": "home_visit", "notes": "Visit"}).status_code == 201
    sign_in(client, p["sam"])
    with app.app_context(), count_queries() as statements:
        page = client.get(f"/cases/{case_id}")
    assert page.status_code == 200 and "TAF review" in page.get_data(as_text=True)
    repeated = {s: n for s, n in Counter(" ".join(s.split()) for s in statements).items() if n > 1}
    assert repeated == {}
    # The family's name comes with the case, not from a read of its own when the page names it.
    assert not [s for s in statements if s.lstrip().upper().startswith("SELECT FAMILIES.")]
