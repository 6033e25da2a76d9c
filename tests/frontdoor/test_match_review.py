"""The officer's match decisions in the harder cases: links that disagree about the household,
a known family with an open or recently closed case, and who may see the candidates."""
from datetime import date

from sqlalchemy import func, select

from caseflow.cases.models import Case
from caseflow.core.audit import AuditEvent
from caseflow.core.extensions import db
from caseflow.families.models import Family, FamilyMember, Person
from caseflow.frontdoor.models import RequestForHelp
from tests.conftest import sign_in
from tests.frontdoor.helpers import known_family
from tests.frontdoor.test_api_intake import VALID_NHS, request_body
from tests.frontdoor.test_matching_outcomes import lookalike_request, two_lookalike_families

UPN = "A123456789012"


def split_household(app):
    """Sharon is known (by NHS number) in one family, Leah (by pupil number) in another."""
    fam_a, (sharon,) = known_family(app, surname="Walsh", people=[
        ("Sharon", date(1987, 2, 11), "parent_carer", {"nhs_number": VALID_NHS})])
    fam_b, (leah,) = known_family(app, surname="Walsh", people=[
        ("Leah", date(2011, 6, 2), "child", {"upn": UPN})])
    body = request_body(people=[
        {"given_name": "Sharon", "family_name": "Walsh", "date_of_birth": "1987-02-11",
         "relationship": "parent_carer", "nhs_number": VALID_NHS},
        {"given_name": "Leah", "family_name": "Walsh", "date_of_birth": "2011-06-02",
         "relationship": "child", "upn": UPN}])
    return (fam_a, sharon), (fam_b, leah), body


def people_of(api, officer, request_id):
    return api.get(f"/api/v1/requests/{request_id}", officer).get_json()["people"]


def decide(api, officer, request_id, rp_id, decision, person_id=None):
    return api.post(f"/api/v1/requests/{request_id}/people/{rp_id}/match", officer,
                    json={"decision": decision, "person_id": person_id})


def test_confident_links_into_two_families_go_to_the_officer_and_nothing_is_lost(api, factory, app):
    (fam_a, sharon), (fam_b, leah), body = split_household(app)
    created = api.post("/api/v1/requests", factory.token(factory.user("partner")), json=body).get_json()
    assert created["status"] == "needs_review" and created["family_id"] not in (fam_a, fam_b)
    officer = factory.token(factory.user("front_door"))
    people = people_of(api, officer, created["id"])
    # Each link is now a question for the officer, not a dead end.
    assert [p["match_status"] for p in people] == ["needs_review", "needs_review"]
    assert any("different families" in r for r in people[0]["candidates"][0]["reasons"])

    first = decide(api, officer, created["id"], people[0]["id"], "confirm", sharon).get_json()
    assert first["family_id"] == fam_a and first["status"] == "needs_review"
    second = decide(api, officer, created["id"], people[1]["id"], "confirm", leah).get_json()
    assert second["family_id"] == fam_a and second["status"] == "new"
    with app.app_context():
        # Leah joins Sharon's household on this request, and stays in her own family record.
        assert {m.family_id for m in db.session.scalars(
            select(FamilyMember).where(FamilyMember.person_id == leah))} == {fam_a, fam_b}
        assert db.session.scalar(select(func.count()).select_from(FamilyMember)
                                 .where(FamilyMember.family_id == fam_b)) == 1
        assert db.session.get(Family, created["family_id"]) is None
        assert db.session.scalar(select(func.count()).select_from(Person)) == 2  # no duplicates left
        assert db.session.get(Case, created["case_id"]).family_id == fam_a


def test_confirming_into_a_family_with_an_open_case_routes_the_request_to_it(api, factory, app):
    fam_a, (jack,) = known_family(app, surname="Smith", open_stage="assessing",
                                  people=[("Jack", date(2012, 4, 1), "child", {})])
    known_family(app, surname="Smith", people=[("Jack", date(2012, 4, 1), "child", {})])
    created = api.post("/api/v1/requests", factory.token(factory.user("partner")),
                       json=lookalike_request()).get_json()
    officer = factory.token(factory.user("front_door"))
    rp = people_of(api, officer, created["id"])[0]
    result = decide(api, officer, created["id"], rp["id"], "confirm", jack).get_json()
    with app.app_context():
        open_case = db.session.scalar(select(Case).where(Case.family_id == fam_a))
        assert result["status"] == "routed" and result["case_id"] == open_case.id
        assert db.session.get(Case, created["case_id"]) is None  # no second case for the family
        assert db.session.scalar(select(func.count()).select_from(Case)) == 1  # only the open one


def test_confirming_into_a_recently_closed_family_flags_the_re_referral(api, factory, app):
    fam_a, (jack,) = known_family(app, surname="Smith", closed_days_ago=30,
                                  people=[("Jack", date(2012, 4, 1), "child", {})])
    known_family(app, surname="Smith", people=[("Jack", date(2012, 4, 1), "child", {})])
    created = api.post("/api/v1/requests", factory.token(factory.user("partner")),
                       json=lookalike_request()).get_json()
    assert created["is_re_referral"] is False  # not known yet: the family is provisional
    officer = factory.token(factory.user("front_door"))
    rp = people_of(api, officer, created["id"])[0]
    result = decide(api, officer, created["id"], rp["id"], "confirm", jack).get_json()
    assert result["status"] == "new" and result["is_re_referral"] is True
    with app.app_context():
        case = db.session.get(Case, created["case_id"])
        assert case.family_id == fam_a and case.is_re_referral and case.previous_case_id


def test_a_person_id_from_another_request_is_not_found(api, factory, app):
    two_lookalike_families(app)
    partner = factory.token(factory.user("partner"))
    one = api.post("/api/v1/requests", partner, json=lookalike_request()).get_json()
    two = api.post("/api/v1/requests", partner, json=lookalike_request()).get_json()
    officer = factory.token(factory.user("front_door"))
    rp_of_two = people_of(api, officer, two["id"])[0]["id"]
    assert decide(api, officer, one["id"], rp_of_two, "reject").status_code == 404


def test_only_the_officer_sees_the_candidates_and_their_families_log_it(client, api, factory, app):
    (fam_a, _), (fam_b, _) = two_lookalike_families(app)
    partner = factory.user("partner")
    body = api.post("/api/v1/requests", factory.token(partner), json=lookalike_request()).get_json()

    sign_in(client, partner)
    page = client.get(f"/requests/{body['id']}").get_data(as_text=True)
    assert "A front-door officer is checking" in page
    assert "This is the same person" not in page and "% match" not in page
    assert "candidates" not in api.get(f"/api/v1/requests/{body['id']}",
                                       factory.token(partner)).get_json()["people"][0]

    client.post("/sign-out", data={"csrf_token": ""})
    officer_client = app.test_client()
    officer_client.environ_base["wsgi.url_scheme"] = "https"
    sign_in(officer_client, factory.user("front_door"))
    page = officer_client.get(f"/requests/{body['id']}").get_data(as_text=True)
    assert page.count("This is the same person") == 2 and "Unique Pupil Number" in page
    with app.app_context():
        logged = set(db.session.scalars(select(AuditEvent.family_id).where(
            AuditEvent.action == "request.review_candidates")))
        assert logged == {fam_a, fam_b}


def test_a_bad_web_decision_changes_nothing_and_says_why(client, api, factory, app):
    two_lookalike_families(app)
    body = api.post("/api/v1/requests", factory.token(factory.user("partner")),
                    json=lookalike_request()).get_json()
    sign_in(client, factory.user("front_door"))
    page = client.get(f"/requests/{body['id']}").get_data(as_text=True)
    import re

    rp_id = re.search(r'/people/([0-9a-f]+)/match', page).group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(f"/requests/{body['id']}/people/{rp_id}/match",
                           data={"csrf_token": token, "decision": "confirm", "candidate_id": "nobody"})
    assert response.status_code == 302
    assert "Choose one of the listed candidates" in client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(RequestForHelp, body["id"]).status == "needs_review"
