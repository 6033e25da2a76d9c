"""Requests for help through the partner API (API.md `POST /api/v1/requests`)."""
import re

from sqlalchemy import select, text

from caseflow.cases.models import Case
from caseflow.core.extensions import db
from caseflow.frontdoor.models import RequestForHelp

VALID_NHS = "9434765919"  # passes the modulus 11 check


def request_body(**overrides):
    body = {
        "referrer": {"name": "Ms Patel", "organisation": "Northshire Academy",
                     "role": "Designated safeguarding lead", "email": "dsl@academy.example"},
        "people": [
            {"given_name": "Sharon", "family_name": "Walsh", "date_of_birth": "1987-02-11",
             "sex": "female", "relationship": "parent_carer", "postcode": "ns1 4ab"},
            {"given_name": "Leah", "family_name": "Walsh", "date_of_birth": "2011-06-02",
             "sex": "female", "relationship": "child", "postcode": "NS1 4AB", "nhs_number": VALID_NHS,
             "school": "Northshire Academy"},
        ],
        "concerns": ["education", "health"],
        "details": "Leah's attendance is 68%. Callum is anxious. Mum says money is very tight.",
        "consent_given": True,
        "urgency": "routine",
    }
    body.update(overrides)
    return body


def test_partner_system_submits_a_request_and_gets_case_and_family(api, factory, app):
    police = factory.user("partner_system")
    token = factory.token(police)
    response = api.post("/api/v1/requests", token, json=request_body())
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["stage"] == "requested" and body["match"]["status"] == "new"
    assert body["reference"].startswith("RFH-")
    with app.app_context():
        req = db.session.get(RequestForHelp, body["id"])
        assert req.source == "partner_system" and req.case_id == body["case_id"]
        assert [p.given_name for p in req.people] == ["Sharon", "Leah"]
        raw = db.session.execute(text("SELECT details FROM requests_for_help")).scalar_one()
        assert "attendance" not in raw  # encrypted at rest
        assert req.details.startswith("Leah's attendance is 68%")


def test_invalid_request_gets_422_with_field_messages_and_saves_nothing(api, factory, app):
    token = factory.token(factory.user("partner"))
    body = request_body()
    body["people"][1]["nhs_number"] = "9434765918"  # wrong check digit
    body["people"][0]["date_of_birth"] = "2999-01-01"
    body["concerns"] = ["bad_code"]
    response = api.post("/api/v1/requests", token, json=body)
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert "not valid" in fields["people.1.nhs_number"][0]
    assert "past" in fields["people.0.date_of_birth"][0]
    assert "concerns.0" in fields
    with app.app_context():
        assert db.session.scalar(select(RequestForHelp)) is None
        assert db.session.scalar(select(Case)) is None


def test_malformed_json_is_a_400_not_a_500(api, factory):
    token = factory.token(factory.user("partner"))
    response = api.post("/api/v1/requests", token, data="{not json",
                        headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "malformed"


def test_no_token_is_401(api):
    response = api.post("/api/v1/requests", None, json=request_body())
    assert response.status_code == 401
    assert "Bearer" in response.get_json()["error"]["message"]


def test_without_consent_only_a_safeguarding_request_is_accepted(api, factory):
    token = factory.token(factory.user("partner"))
    refused = api.post("/api/v1/requests", token, json=request_body(consent_given=False))
    assert refused.status_code == 422
    assert "safeguarding" in refused.get_json()["error"]["fields"]["consent_given"][0]
    accepted = api.post("/api/v1/requests", token,
                        json=request_body(consent_given=False, safeguarding_concern=True,
                                          urgency="immediate"))
    assert accepted.status_code == 201


def test_idempotency_key_repeat_returns_the_first_result_and_creates_nothing(api, factory, app):
    token = factory.token(factory.user("partner_system"))
    headers = {"Idempotency-Key": "police-ref-2026-0001"}
    first = api.post("/api/v1/requests", token, json=request_body(), headers=headers)
    second = api.post("/api/v1/requests", token, json=request_body(), headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.get_json() == second.get_json()
    with app.app_context():
        assert len(db.session.scalars(select(RequestForHelp)).all()) == 1


def test_names_of_only_spaces_are_refused(api, factory):
    token = factory.token(factory.user("partner"))
    body = request_body()
    body["people"][0]["given_name"] = "   "
    body["referrer"]["name"] = " "
    fields = api.post("/api/v1/requests", token, json=body).get_json()["error"]["fields"]
    assert fields["people.0.given_name"] == ["Enter a first name"]
    assert "referrer.name" in fields


def test_every_problem_is_reported_at_once(api, factory):
    token = factory.token(factory.user("partner"))
    body = request_body(referrer={"name": ""}, consent_given=False)
    fields = api.post("/api/v1/requests", token, json=body).get_json()["error"]["fields"]
    # The name, the missing contact details and the consent rule, not one per attempt.
    assert {"referrer.name", "referrer.email", "consent_given"} <= set(fields)


def test_a_professional_says_their_role_but_a_partner_system_need_not(api, factory):
    body = request_body()
    del body["referrer"]["role"]
    professional = factory.token(factory.user("partner"))
    refused = api.post("/api/v1/requests", professional, json=body)
    assert refused.status_code == 422 and "referrer.role" in refused.get_json()["error"]["fields"]
    police = factory.token(factory.user("partner_system"))
    assert api.post("/api/v1/requests", police, json=body).status_code == 201


def test_a_partner_cannot_read_another_agencys_request_about_the_same_family(api, factory, app):
    school, police = factory.user("partner"), factory.user("partner")
    first = api.post("/api/v1/requests", factory.token(school), json=request_body()).get_json()
    second = api.post("/api/v1/requests", factory.token(police),
                      json=request_body(details="Police attended a domestic incident.")).get_json()
    assert first["family_id"] == second["family_id"]  # the same family, found by matching
    refused = api.get(f"/api/v1/requests/{second['id']}", factory.token(school))
    assert refused.status_code == 403 and "domestic" not in refused.get_data(as_text=True)
    officer = factory.token(factory.user("front_door"))
    assert api.get(f"/api/v1/requests/{second['id']}", officer).get_json()["details"].startswith("Police")


def test_a_partner_system_sees_its_organisations_requests(api, factory):
    org = factory.org(type="police")
    one, two = factory.user("partner_system", org=org), factory.user("partner_system", org=org)
    created = api.post("/api/v1/requests", factory.token(one), json=request_body()).get_json()
    assert api.get(f"/api/v1/requests/{created['id']}", factory.token(two)).status_code == 200


def test_request_references_do_not_count_requests(api, factory):
    token = factory.token(factory.user("partner_system"))
    refs = [api.post("/api/v1/requests", token, json=request_body(people=[{
        "given_name": f"Child{n}", "family_name": name, "relationship": "child"}])).get_json()["reference"]
        for n, name in enumerate(["Adams", "Baker", "Clarke"])]
    assert len(set(refs)) == 3
    assert all(re.fullmatch(r"RFH-[B-Z2-9]{3}-[B-Z2-9]{3}", r) for r in refs)
