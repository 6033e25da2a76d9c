"""The flag never answers a false "no": when the matcher is not sure who a partner is asking
about, the answer says so ("flagged": null, check with the front door), and the family's
access log shows the look-up."""
from __future__ import annotations

from tests.notify.helpers import LEAH, open_family


def test_a_name_and_date_of_birth_without_postcode_is_a_possible_match_not_a_no(api, factory):
    w = open_family(api, factory)
    answer = api.get(f"/api/v1/flags?given_name=Leah&family_name=Walsh&date_of_birth={LEAH['date_of_birth']}",
                     w.t["police"])
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["flagged"] is None, body
    assert body["status"] == "possible_match"
    assert "front door" in body["message"]
    assert body["needs_review"] is True
    log = api.get(f"/api/v1/families/{w.family_id}/access-log", w.t["manager"]).get_json()["items"]
    assert any(e["action"] == "flags.query" and e["actor_id"] == w.p["police"].id for e in log)


def test_certain_answers_say_flagged_or_not_flagged(api, factory):
    w = open_family(api, factory)
    yes = api.get(f"/api/v1/flags?nhs_number={LEAH['nhs_number']}&date_of_birth={LEAH['date_of_birth']}",
                  w.t["police"]).get_json()
    assert yes["flagged"] is True and yes["status"] == "flagged"
    nobody = api.get("/api/v1/flags?given_name=Zed&family_name=Quill&date_of_birth=1990-01-01", w.t["police"]).get_json()
    assert nobody["flagged"] is False and nobody["status"] == "not_flagged"


def test_the_openapi_document_describes_the_uncertain_answer(api):
    spec = api.get("/api/v1/openapi.json", None).get_json()
    response = spec["paths"]["/api/v1/flags"]["get"]["responses"]["200"]
    schema = response["content"]["application/json"]["schema"]
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    props = schema["properties"]
    assert {"flagged", "status", "message", "since", "case_reference", "contact", "needs_review"} <= set(props)
    assert props["flagged"].get("nullable") is True or "null" in str(props["flagged"].get("type"))
    assert set(props["status"]["enum"]) == {"flagged", "not_flagged", "possible_match"}
