"""Bad input never becomes a 500: every API write answers 4xx with a message."""
import pytest

from tests.triage.helpers import case_at_panel, new_case

WEIRD_BODIES = [[], "text", 42, {"people": "Leah"}, {"referrer": None, "people": [None]},
                {"people": [{"given_name": 5, "family_name": [], "date_of_birth": 20110602}],
                 "referrer": {"name": {"x": 1}}, "concerns": {"a": 1}, "consent_given": "perhaps"},
                {"level_of_need": "abc", "headline_problems": "education", "rag": 7, "decision": None},
                {"case_id": 12, "decision": "allocate", "keyworker_id": {"id": 1}, "rationale": ["x"]},
                {"date": "31/02/2026", "members": "all"}, {"keyworker_id": None, "confirm_over_capacity": "maybe"}]


@pytest.fixture
def setup(api, factory):
    officer = factory.user("front_door")
    chair = factory.user("panel_chair")
    tokens = {"partner": factory.token(factory.user("partner")), "officer": factory.token(officer),
              "chair": factory.token(chair), "manager": factory.token(factory.user("team_manager"))}
    case = case_at_panel(api, tokens["partner"], tokens["officer"])
    fresh = new_case(api, tokens["partner"], surname="Baker")
    panel = api.post("/api/v1/panels", tokens["chair"], json={"date": "2026-12-01"}).get_json()
    return tokens, case, fresh, panel


def test_weird_bodies_get_4xx_envelopes(api, setup):
    tokens, case, fresh, panel = setup
    targets = [("/api/v1/requests", "partner"), (f"/api/v1/cases/{fresh['case_id']}/triage", "officer"),
               ("/api/v1/panels", "chair"), (f"/api/v1/panels/{panel['id']}/decisions", "chair"),
               (f"/api/v1/cases/{case['case_id']}/allocation", "chair"),
               (f"/api/v1/requests/{fresh['id']}/people/nobody/match", "officer")]
    for path, who in targets:
        for body in WEIRD_BODIES:
            response = api.post(path, tokens[who], json=body)
            assert 400 <= response.status_code < 500, (path, body, response.status_code, response.get_data(as_text=True))
            assert response.get_json()["error"]["message"], (path, body)


def test_unknown_ids_are_404(api, setup):
    tokens, _, _, panel = setup
    assert api.post("/api/v1/cases/nope/triage", tokens["officer"], json={}).status_code in (404, 422)
    assert api.get("/api/v1/panels/nope", tokens["chair"]).status_code == 404
    response = api.post(f"/api/v1/panels/{panel['id']}/decisions", tokens["chair"],
                        json={"case_id": "nope", "decision": "defer", "rationale": "later"})
    assert response.status_code == 404
    assert api.post("/api/v1/inbox/nope/acknowledge", tokens["chair"]).status_code == 404


def test_bad_query_strings_are_400(api, setup):
    tokens, *_ = setup
    for path in ["/api/v1/requests?page=0", "/api/v1/requests?per_page=100000", "/api/v1/cases/unallocated?page=x",
                 "/api/v1/inbox?unacknowledged=perhaps", "/api/v1/families?per_page=-1"]:
        response = api.get(path, tokens["manager"])
        assert response.status_code == 400, (path, response.status_code)
