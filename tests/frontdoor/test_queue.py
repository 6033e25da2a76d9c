"""The front-door queue: oldest first, urgency and working hours waiting, bounded queries."""
import re
from datetime import datetime, timezone

import time_machine

from tests.conftest import count_queries, sign_in
from tests.frontdoor.test_api_intake import request_body
from tests.frontdoor.test_matching_outcomes import lookalike_request, two_lookalike_families


def submit_at(api, token, moment, **overrides):
    with time_machine.travel(moment, tick=False):
        response = api.post("/api/v1/requests", token, json=request_body(**overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_queue_lists_oldest_first_with_working_hours_waiting(api, factory):
    partner = factory.token(factory.user("partner"))
    # Friday 14:00 and Monday 10:00 (London, GMT in November).
    older = submit_at(api, partner, datetime(2026, 11, 20, 14, 0, tzinfo=timezone.utc), urgency="urgent")
    newer = submit_at(api, partner, datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc),
                      people=[{"given_name": "Aisha", "family_name": "Rahman", "date_of_birth": "1997-08-19",
                               "relationship": "parent_carer"}])
    officer = factory.token(factory.user("front_door"))
    with time_machine.travel(datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc), tick=False):
        body = api.get("/api/v1/requests", officer).get_json()
    assert [i["id"] for i in body["items"]] == [older["id"], newer["id"]]
    # Friday 14:00-17:00 (3h) + Monday 09:00-12:00 (3h): the weekend does not count.
    assert body["items"][0]["working_hours_waiting"] == 6.0
    assert body["items"][1]["working_hours_waiting"] == 2.0
    assert body["items"][0]["urgency"] == "urgent"
    assert body["total"] == 2
    # Received Friday: triage is due by the end of the next working day, Monday 17:00.
    assert body["items"][0]["triage_due_at"].startswith("2026-11-23T17:00")
    assert body["items"][0]["triage_overdue"] is False
    with time_machine.travel(datetime(2026, 11, 24, 9, 30, tzinfo=timezone.utc), tick=False):
        later = api.get("/api/v1/requests", officer).get_json()
    assert [i["triage_overdue"] for i in later["items"]] == [True, False]


def test_queue_filters_by_status(api, factory, app):
    two_lookalike_families(app)
    partner = factory.token(factory.user("partner"))
    api.post("/api/v1/requests", partner, json=lookalike_request())
    api.post("/api/v1/requests", partner, json=request_body())
    officer = factory.token(factory.user("front_door"))
    review = api.get("/api/v1/requests?status=needs_review", officer).get_json()
    assert [i["status"] for i in review["items"]] == ["needs_review"]
    bad = api.get("/api/v1/requests?status=nonsense", officer)
    assert bad.status_code == 400 and "status" in bad.get_json()["error"]["fields"]


def test_queue_page_shows_requests_and_uses_a_fixed_number_of_queries(client, api, factory, app):
    partner = factory.token(factory.user("partner"))
    officer = factory.user("front_door")
    sign_in(client, officer)

    def queue_queries():
        with app.app_context(), count_queries() as statements:
            html = client.get("/front-door").get_data(as_text=True)
        return len(statements), html

    api.post("/api/v1/requests", partner, json=request_body())
    few, html = queue_queries()
    assert "Walsh family" in html and "Ready for triage" in html
    for i in range(12):
        api.post("/api/v1/requests", partner, json=request_body(people=[{
            "given_name": f"Child{i}", "family_name": f"Family{i}", "date_of_birth": "2015-01-01",
            "relationship": "child"}]))
    many, html = queue_queries()
    assert len(re.findall(r'href="/requests/[0-9a-f]{32}"', html)) == 13
    assert many == few


def test_a_keyworker_cannot_open_the_front_door_queue(client, api, factory):
    sign_in(client, factory.user("keyworker"))
    response = client.get("/front-door")
    assert response.status_code == 403
    assert "Only the front door and managers" in response.get_data(as_text=True)
    token = factory.token(factory.user("keyworker"))
    assert api.get("/api/v1/requests", token).status_code == 403


def test_a_partner_sees_their_own_request_but_not_someone_elses(api, factory):
    mine, theirs = factory.user("partner"), factory.user("partner")
    my_token, their_token = factory.token(mine), factory.token(theirs)
    body = api.post("/api/v1/requests", my_token, json=request_body()).get_json()
    assert api.get(f"/api/v1/requests/{body['id']}", my_token).status_code == 200
    refused = api.get(f"/api/v1/requests/{body['id']}", their_token)
    assert refused.status_code == 403
    assert "Walsh" not in refused.get_data(as_text=True)


def test_officer_confirms_a_match_in_the_side_by_side_page(client, api, factory, app):
    (fam_a, person_a), _ = two_lookalike_families(app)
    partner = factory.token(factory.user("partner"))
    body = api.post("/api/v1/requests", partner, json=lookalike_request()).get_json()
    sign_in(client, factory.user("front_door"))
    page = client.get(f"/requests/{body['id']}").get_data(as_text=True)
    assert "Possible match" in page and page.count("This is the same person") == 2
    rp_id = re.search(r'/people/([0-9a-f]+)/match', page).group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(f"/requests/{body['id']}/people/{rp_id}/match",
                           data={"csrf_token": token, "decision": "confirm", "candidate_id": person_a})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Match confirmed" in page and "Known: confirmed" in page


def test_queue_can_put_the_most_urgent_first_and_list_other_statuses(api, factory, app):
    from tests.frontdoor.helpers import known_family

    partner = factory.token(factory.user("partner"))
    routine = submit_at(api, partner, datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc))
    immediate = submit_at(api, partner, datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc),
                          urgency="immediate", people=[{"given_name": "Amy", "family_name": "Baker",
                                                        "relationship": "child"}])
    officer = factory.token(factory.user("front_door"))
    oldest = api.get("/api/v1/requests", officer).get_json()["items"]
    assert [i["id"] for i in oldest] == [routine["id"], immediate["id"]]
    urgent = api.get("/api/v1/requests?sort=urgency", officer).get_json()["items"]
    assert [i["id"] for i in urgent] == [immediate["id"], routine["id"]]
    # A request joining an open case is not waiting for the front door, but can be listed.
    known_family(app, surname="Jones", open_stage="assessing",
                 people=[("Tom", datetime(2010, 1, 1).date(), "child", {})])
    routed = api.post("/api/v1/requests", partner, json=request_body(people=[{
        "given_name": "Tom", "family_name": "Jones", "date_of_birth": "2010-01-01",
        "relationship": "child", "postcode": "NS1 4AB"}])).get_json()
    assert routed["status"] == "routed"
    assert routed["id"] not in {i["id"] for i in api.get("/api/v1/requests", officer).get_json()["items"]}
    listed = api.get("/api/v1/requests?status=routed", officer).get_json()
    assert [i["id"] for i in listed["items"]] == [routed["id"]] and listed["total"] == 1


def test_queue_page_filters_and_sorts(client, api, factory):
    partner = factory.token(factory.user("partner"))
    submit_at(api, partner, datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc))
    submit_at(api, partner, datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc), urgency="immediate",
              people=[{"given_name": "Amy", "family_name": "Baker", "relationship": "child"}])
    sign_in(client, factory.user("panel_chair"))
    html = client.get("/front-door?sort=urgency").get_data(as_text=True)
    assert html.index("Baker family") < html.index("Walsh family")
    assert "most urgent first" in html and "20 November 2026" in html
    html = client.get("/front-door?urgency=immediate").get_data(as_text=True)
    assert "Baker family" in html and "Walsh family" not in html
    assert client.get("/front-door?sort=sideways").status_code == 400
