"""The potential-duplicates list (fed by the matcher, imports and the scan) and splitting a person
wrongly linked at the front door."""
from __future__ import annotations

from caseflow.core.extensions import db
from caseflow.families.duplicates import suggest_duplicate
from tests.frontdoor.helpers import known_family
from tests.frontdoor.test_api_intake import request_body


def test_the_scan_puts_a_missed_match_on_the_list_and_an_officer_merges_it(api, app, factory):
    family_id, (sharon, leah) = known_family(app)
    partner = factory.token(factory.user("partner"))
    missed = api.post("/api/v1/requests", partner, json=request_body(people=[
        {"given_name": "Leah", "family_name": "Walsh", "date_of_birth": "2011-06-02", "sex": "female",
         "relationship": "child", "postcode": "ZE1 0AA"}])).get_json()
    officer = factory.token(factory.user("front_door"))
    assert api.get("/api/v1/duplicates", officer).get_json()["items"] == []

    from caseflow.cli import main

    result = app.test_cli_runner().invoke(main, ["records", "scan-duplicates"])  # the nightly job
    assert "likely duplicate pairs on the list" in result.output, result.output
    listed = api.get("/api/v1/duplicates", officer).get_json()
    pairs = [{i["first"]["id"], i["second"]["id"]} for i in listed["items"]]
    dup_leah = next(iter(set().union(*pairs) - {leah, sharon}))
    assert {leah, dup_leah} in pairs
    item = next(i for i in listed["items"] if {i["first"]["id"], i["second"]["id"]} == {leah, dup_leah})
    assert item["source"] == "scan" and item["status"] == "open"

    merged = api.post(f"/api/v1/people/{leah}/merge", officer, json={"other_id": dup_leah, "reason": "same child"})
    assert merged.status_code == 201
    assert {leah, dup_leah} not in [{i["first"]["id"], i["second"]["id"]}
                                   for i in api.get("/api/v1/duplicates", officer).get_json()["items"]]
    assert missed["family_id"]


def test_other_packages_add_candidates_once_and_officers_dismiss_them(api, app, factory):
    _, (sharon, leah) = known_family(app)
    with app.app_context():
        first = suggest_duplicate("person", leah, sharon, source="import", score=0.5, reasons=["same address"])
        again = suggest_duplicate("person", sharon, leah, source="matcher", score=0.7)
        assert first.id == again.id and again.score == 0.7
        assert suggest_duplicate("person", leah, leah) is None
        db.session.commit()
        candidate_id = first.id
    partner = factory.token(factory.user("partner"))
    assert api.get("/api/v1/duplicates", partner).status_code == 403
    officer = factory.token(factory.user("front_door"))
    dismissed = api.post(f"/api/v1/duplicates/{candidate_id}/dismiss", officer)
    assert dismissed.status_code == 200 and dismissed.get_json()["status"] == "dismissed"
    assert api.post(f"/api/v1/duplicates/{candidate_id}/dismiss", officer).status_code == 409
    assert api.get("/api/v1/duplicates", officer).get_json()["total"] == 0
    with app.app_context():
        from caseflow.records.merging import scan_for_duplicates

        scan_for_duplicates()
        db.session.commit()
    assert api.get("/api/v1/duplicates", officer).get_json()["total"] == 0  # dismissed stays dismissed


def test_split_a_person_wrongly_linked_at_the_front_door(api, app, factory):
    family_id, (sharon, leah) = known_family(app)
    partner = factory.token(factory.user("partner"))
    # A different Leah Walsh, same birthday and postcode (a cousin staying over): linked automatically
    created = api.post("/api/v1/requests", partner, json=request_body(people=[
        {"given_name": "Leah", "family_name": "Walsh", "date_of_birth": "2011-06-02", "sex": "female",
         "relationship": "child", "postcode": "NS1 4AB", "school": "Hill Top School"}])).get_json()
    officer = factory.token(factory.user("front_door"))
    request = api.get(f"/api/v1/requests/{created['id']}", officer).get_json()
    rp = request["people"][0]
    assert rp["person_id"] == leah, "the test needs a confident (wrong) link"

    split = api.post(f"/api/v1/people/{leah}/split", officer, json={
        "request_person_ids": [rp["id"]], "reason": "A cousin with the same name and birthday"})
    assert split.status_code == 201, split.get_json()
    other = split.get_json()
    assert other["id"] != leah and other["given_name"] == "Leah" and other["school_name"] == "Hill Top School"
    request = api.get(f"/api/v1/requests/{created['id']}", officer).get_json()
    assert request["people"][0]["person_id"] == other["id"]
    for person_id in (leah, other["id"]):
        history = api.get(f"/api/v1/people/{person_id}", officer).get_json()["history"]
        assert [h["kind"] for h in history] == ["split"]
    wrong = api.post(f"/api/v1/people/{leah}/split", officer, json={
        "request_person_ids": [rp["id"]], "reason": "again"})
    assert wrong.status_code == 422  # that request no longer names her
    # the matcher would pair them again: the list remembers an officer said they differ
    with app.app_context():
        from caseflow.records.merging import scan_for_duplicates

        scan_for_duplicates()
        db.session.commit()
    items = api.get("/api/v1/duplicates", officer).get_json()["items"]
    assert {leah, other["id"]} not in [{i["first"]["id"], i["second"]["id"]} for i in items]


def test_an_officer_confirming_one_of_two_close_candidates_lists_the_pair(api, app, factory):
    from datetime import date

    _, (leah,) = known_family(app, people=[("Leah", date(2011, 6, 2), "child", {})])
    _, (leah_again,) = known_family(app, people=[("Leah", date(2011, 6, 2), "child", {})])
    partner = factory.token(factory.user("partner"))
    created = api.post("/api/v1/requests", partner, json=request_body(people=[
        {"given_name": "Leah", "family_name": "Walsh", "date_of_birth": "2011-06-02", "sex": "female",
         "relationship": "child", "postcode": "NS1 4AB"}])).get_json()
    officer = factory.token(factory.user("front_door"))
    rp = api.get(f"/api/v1/requests/{created['id']}", officer).get_json()["people"][0]
    assert rp["match_status"] == "needs_review"
    confirmed = api.post(f"/api/v1/requests/{created['id']}/people/{rp['id']}/match", officer,
                         json={"decision": "confirm", "person_id": leah})
    assert confirmed.status_code == 200, confirmed.get_json()
    items = api.get("/api/v1/duplicates", officer).get_json()["items"]
    assert [(i["source"], {i["first"]["id"], i["second"]["id"]}) for i in items] == [("matcher", {leah, leah_again})]
