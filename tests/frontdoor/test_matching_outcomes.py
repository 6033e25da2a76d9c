"""Tell the story once, end to end: a request lands on the family already known."""
from datetime import date

from sqlalchemy import func, select

from caseflow.cases.models import Case
from caseflow.core.extensions import db
from caseflow.families.models import Family
from caseflow.frontdoor.models import RequestForHelp
from tests.frontdoor.helpers import known_family
from tests.frontdoor.test_api_intake import request_body


def submit(api, factory, body=None):
    token = factory.token(factory.user("partner"))
    response = api.post("/api/v1/requests", token, json=body or request_body())
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_exact_identifier_links_to_the_existing_family_with_a_new_case(api, factory, app):
    family_id, _ = known_family(app)
    body = submit(api, factory)
    assert body["match"]["status"] == "linked"
    assert body["family_id"] == family_id
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Family)) == 1
        assert db.session.get(Case, body["case_id"]).family_id == family_id


def test_re_referral_within_twelve_months_is_flagged(api, factory, app):
    family_id, _ = known_family(app, closed_days_ago=90)
    body = submit(api, factory)
    assert body["family_id"] == family_id and body["is_re_referral"] is True
    with app.app_context():
        case = db.session.get(Case, body["case_id"])
        assert case.is_re_referral and case.previous_case_id is not None


def test_a_case_closed_over_a_year_ago_is_not_a_re_referral(api, factory, app):
    known_family(app, closed_days_ago=400)
    body = submit(api, factory)
    assert body["is_re_referral"] is False


def test_a_family_with_an_open_case_gets_the_request_routed_to_it(api, factory, app):
    family_id, _ = known_family(app, open_stage="assessing")
    body = submit(api, factory)
    assert body["status"] == "routed" and body["stage"] == "assessing"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Case)) == 1


def two_lookalike_families(app):
    """Two households each with a Jack Smith born the same day at the same postcode."""
    ids = []
    for _ in range(2):
        fid, pids = known_family(app, surname="Smith",
                                 people=[("Jack", date(2012, 4, 1), "child", {})])
        ids.append((fid, pids[0]))
    return ids


def lookalike_request():
    return request_body(people=[{"given_name": "Jack", "family_name": "Smith",
                                 "date_of_birth": "2012-04-01", "relationship": "child",
                                 "postcode": "NS1 4AB", "sex": "female"}])


def test_ambiguous_match_goes_to_the_officer_who_confirms_it(api, factory, app):
    (fam_a, person_a), (fam_b, _) = two_lookalike_families(app)
    body = submit(api, factory, lookalike_request())
    assert body["match"]["status"] == "needs_review" and body["status"] == "needs_review"
    # The referrer is not shown other families' records; the officer who decides is.
    assert "candidates" not in body["match"]
    provisional_family = body["family_id"]
    assert provisional_family not in (fam_a, fam_b)

    officer = factory.token(factory.user("front_door"))
    detail = api.get(f"/api/v1/requests/{body['id']}", officer).get_json()
    assert {c["person_id"] for c in detail["people"][0]["candidates"]} >= {person_a}
    rp_id = detail["people"][0]["id"]
    decided = api.post(f"/api/v1/requests/{body['id']}/people/{rp_id}/match", officer,
                       json={"decision": "confirm", "person_id": person_a})
    assert decided.status_code == 200, decided.get_json()
    result = decided.get_json()
    assert result["family_id"] == fam_a and result["status"] == "new"
    with app.app_context():
        assert db.session.get(Case, body["case_id"]).family_id == fam_a
        assert db.session.get(Family, provisional_family) is None  # the provisional record is gone


def test_officer_rejecting_the_candidates_keeps_a_new_family(api, factory, app):
    two_lookalike_families(app)
    body = submit(api, factory, lookalike_request())
    officer = factory.token(factory.user("front_door"))
    rp_id = api.get(f"/api/v1/requests/{body['id']}", officer).get_json()["people"][0]["id"]
    decided = api.post(f"/api/v1/requests/{body['id']}/people/{rp_id}/match", officer,
                       json={"decision": "reject"})
    assert decided.status_code == 200
    assert decided.get_json()["family_id"] == body["family_id"]
    assert decided.get_json()["match_status"] == "new"
    again = api.post(f"/api/v1/requests/{body['id']}/people/{rp_id}/match", officer,
                     json={"decision": "reject"})
    assert again.status_code == 422  # already decided: no silent second decision


def test_confirming_someone_who_was_not_a_candidate_is_refused(api, factory, app):
    two_lookalike_families(app)
    _, stranger = known_family(app, surname="Jones", people=[("Amy", date(2001, 1, 1), "child", {})])
    body = submit(api, factory, lookalike_request())
    officer = factory.token(factory.user("front_door"))
    rp_id = api.get(f"/api/v1/requests/{body['id']}", officer).get_json()["people"][0]["id"]
    response = api.post(f"/api/v1/requests/{body['id']}/people/{rp_id}/match", officer,
                        json={"decision": "confirm", "person_id": stranger[0]})
    assert response.status_code == 422
    assert "listed candidates" in response.get_json()["error"]["message"]


def test_a_partner_cannot_resolve_matches(api, factory, app):
    two_lookalike_families(app)
    partner = factory.user("partner")
    token = factory.token(partner)
    body = api.post("/api/v1/requests", token, json=lookalike_request()).get_json()
    rp_id = api.get(f"/api/v1/requests/{body['id']}", token).get_json()["people"][0]["id"]
    response = api.post(f"/api/v1/requests/{body['id']}/people/{rp_id}/match", token,
                        json={"decision": "reject"})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(RequestForHelp, body["id"]).status == "needs_review"


# --- names in every script (issue 14) ---------------------------------------------------------

import pytest  # noqa: E402


@pytest.mark.parametrize("given, surname", [
    ("\u0645\u062d\u0645\u062f", "\u0639\u0644\u064a"),                                # محمد علي
    ("\u4f1f", "\u674e"),                                                               # 李 伟
    ("\u041e\u043b\u044c\u0433\u0430", "\u0418\u0432\u0430\u043d\u043e\u0432\u0430"),  # Ольга Иванова
])
def test_the_same_request_in_any_script_lands_on_the_same_family(api, factory, app, given, surname):
    person = {"given_name": given, "family_name": surname, "date_of_birth": "2013-09-14", "sex": "male",
              "relationship": "child", "postcode": "NS5 1RT"}
    first = submit(api, factory, request_body(people=[person]))
    again = submit(api, factory, request_body(people=[person]))
    assert first["match"]["status"] == "new"
    assert again["family_id"] == first["family_id"] and again["match"]["status"] == "linked"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Family)) == 1
    # ... and the family is found by the name as typed.
    token = factory.token(factory.user("front_door"))
    found = api.get("/api/v1/families", token, query_string={"q": f"{given} {surname}"}).get_json()
    assert [f["id"] for f in found["items"]] == [first["family_id"]]
