"""The single family view: who sees what, redaction with reasons, history, query bounds."""
from caseflow.cases.models import Case
from caseflow.core.extensions import db
from caseflow.families import services as families
from tests.conftest import count_queries, sign_in
from tests.frontdoor.helpers import known_family
from tests.frontdoor.test_api_intake import request_body


def test_front_door_sees_members_cases_and_requests_with_history(api, factory, app):
    family_id, _ = known_family(app, closed_days_ago=60)
    partner = factory.token(factory.user("partner"))
    api.post("/api/v1/requests", partner, json=request_body())
    officer = factory.token(factory.user("front_door"))
    body = api.get(f"/api/v1/families/{family_id}", officer).get_json()
    assert {m["given_name"] for m in body["members"]} == {"Sharon", "Leah"}
    assert [c["stage"] for c in body["cases"]] == ["requested", "closed"]  # newest first
    assert body["cases"][0]["is_re_referral"] is True
    assert body["requests"][0]["details"].startswith("Leah's attendance")
    assert body["redacted"] == {}


def test_family_page_shows_the_re_referral_and_previous_case(client, api, factory, app):
    family_id, _ = known_family(app, closed_days_ago=60)
    api.post("/api/v1/requests", factory.token(factory.user("partner")), json=request_body())
    sign_in(client, factory.user("front_door"))
    html = client.get(f"/families/{family_id}").get_data(as_text=True)
    assert "Re-referral" in html and "Closed" in html and "Requested" in html
    assert "Leah Walsh" in html


def test_a_referring_partner_sees_identity_and_their_referral_but_not_case_notes(api, factory, app):
    partner = factory.user("partner")
    token = factory.token(partner)
    created = api.post("/api/v1/requests", token, json=request_body()).get_json()
    body = api.get(f"/api/v1/families/{created['family_id']}", token).get_json()
    assert "members" in body and "requests" in body
    assert "plans_and_contacts" in body["redacted"]
    assert "consent or a lawful basis" in body["redacted"]["plans_and_contacts"]


def test_keyworker_without_a_relationship_is_refused_and_the_refusal_is_logged(api, factory, app):
    family_id, _ = known_family(app)
    keyworker = factory.user("keyworker", team="North locality")
    response = api.get(f"/api/v1/families/{family_id}", factory.token(keyworker))
    assert response.status_code == 403
    assert "Sharon" not in response.get_data(as_text=True)
    manager = factory.token(factory.user("team_manager"))
    log = api.get(f"/api/v1/families/{family_id}/access-log", manager).get_json()
    assert any(e["action"] == "denied:family.view" and e["actor"] == keyworker.email for e in log["items"])


def test_keyworker_with_an_allocated_case_can_see_the_family(api, factory, app):
    family_id, _ = known_family(app, open_stage="allocated")
    keyworker = factory.user("keyworker")
    with app.app_context():
        case = db.session.query(Case).filter_by(family_id=family_id).one()
        case.keyworker_id = keyworker.id
        db.session.commit()
    response = api.get(f"/api/v1/families/{family_id}", factory.token(keyworker))
    assert response.status_code == 200


def test_administrators_do_not_see_casework(api, factory, app):
    family_id, _ = known_family(app)
    response = api.get(f"/api/v1/families/{family_id}", factory.token(factory.user("admin")))
    assert response.status_code == 403


def test_unknown_family_is_404(api, factory):
    response = api.get("/api/v1/families/nope", factory.token(factory.user("front_door")))
    assert response.status_code == 404


def test_family_page_query_count_does_not_grow_with_cases(client, factory, app):
    family_id, _ = known_family(app, closed_days_ago=30)
    sign_in(client, factory.user("front_door"))

    def queries():
        with app.app_context(), count_queries() as statements:
            assert client.get(f"/families/{family_id}").status_code == 200
        return len(statements)

    few = queries()
    with app.app_context():
        for i in range(10):
            db.session.add(Case(reference=families.new_reference("CF"), family_id=family_id,
                                stage="closed", closure_reason="outcomes_achieved"))
        db.session.commit()
    assert queries() == few


def test_unknown_records_get_the_not_found_page(client, factory):
    sign_in(client, factory.user("front_door"))
    for path in ["/families/nope", "/cases/nope", "/requests/nope", "/panels/nope", "/cases/nope/triage"]:
        response = client.get(path)
        assert response.status_code == 404 and "Page not found" in response.get_data(as_text=True), path
