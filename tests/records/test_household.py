"""Household changes with dates: who lived where on each day, someone moving to another family
record, relationships, and parental responsibility in the consent rules."""
from __future__ import annotations

from tests.frontdoor.helpers import known_family


def _members(api, token, family_id, as_of):
    body = api.get(f"/api/v1/families/{family_id}/household?as_of={as_of}", token).get_json()
    return {m["given_name"] for m in body["members"]}


def test_a_person_who_moved_to_another_family_is_in_the_right_household_on_each_date(api, factory, app):
    mother_family, (sharon, leah) = known_family(app)
    father_family, (dean,) = known_family(app, surname="Hughes", people=[
        ("Dean", __import__("datetime").date(1984, 5, 1), "parent_carer", {})])
    officer = factory.token(factory.user("front_door"))
    moved = api.post(f"/api/v1/families/{mother_family}/household/members/{leah}/leave", officer, json={
        "left_on": "2026-09-01", "reason": "moved_to_household", "moved_to_family_id": father_family,
        "relationship_there": "child", "note": "Went to live with her father"})
    assert moved.status_code == 200, moved.get_json()

    assert _members(api, officer, mother_family, "2026-08-31") == {"Sharon", "Leah"}
    assert _members(api, officer, mother_family, "2026-09-01") == {"Sharon"}
    assert _members(api, officer, father_family, "2026-08-31") == {"Dean"}
    assert _members(api, officer, father_family, "2026-09-02") == {"Dean", "Leah"}
    # the family view takes the same date
    view = api.get(f"/api/v1/families/{mother_family}?as_of=2026-08-01", officer).get_json()
    assert {m["given_name"] for m in view["members"]} == {"Sharon", "Leah"}
    view = api.get(f"/api/v1/families/{mother_family}", officer).get_json()
    assert {m["given_name"] for m in view["members"]} == {"Sharon"}
    history = api.get(f"/api/v1/people/{leah}", officer).get_json()["history"]
    assert {h["kind"] for h in history} == {"left", "joined"}


def test_joining_a_household_on_a_date_and_dying(api, factory, app):
    family_id, (sharon, leah) = known_family(app)
    officer = factory.token(factory.user("front_door"))
    baby = api.post(f"/api/v1/families/{family_id}/household/members", officer, json={
        "person": {"given_name": "Mia", "family_name": "Walsh", "date_of_birth": "2026-10-10", "sex": "female"},
        "relationship": "child", "joined_on": "2026-10-10", "reason": "Born"})
    assert baby.status_code == 201, baby.get_json()
    assert _members(api, officer, family_id, "2026-10-09") == {"Sharon", "Leah"}
    assert _members(api, officer, family_id, "2026-10-10") == {"Sharon", "Leah", "Mia"}
    died = api.post(f"/api/v1/families/{family_id}/household/members/{sharon}/leave", officer, json={
        "left_on": "2026-11-01", "reason": "died"})
    assert died.status_code == 200
    assert _members(api, officer, family_id, "2026-11-02") == {"Leah", "Mia"}
    assert api.get(f"/api/v1/people/{sharon}", officer).get_json()["date_of_death"] == "2026-11-01"
    again = api.post(f"/api/v1/families/{family_id}/household/members/{sharon}/leave", officer, json={
        "left_on": "2026-11-02", "reason": "moved_out"})
    assert again.status_code == 404
    moved_nowhere = api.post(f"/api/v1/families/{family_id}/household/members/{leah}/leave", officer, json={
        "left_on": "2026-11-02", "reason": "moved_to_household"})
    assert moved_nowhere.status_code == 422 and "moved_to_family_id" in moved_nowhere.get_json()["error"]["fields"]


def _consent(api, token, child, giver):
    return api.post(f"/api/v1/people/{child}/consents", token, json={
        "purpose": "taf_information_sharing", "recipient_organisation_types": ["school"], "categories": ["education"],
        "given_by_person_id": giver, "given_by_relationship": "parent_carer", "method": "signed_form",
        "given_on": "2026-11-01"})


def test_a_consent_given_by_someone_without_parental_responsibility_is_refused(api, factory, app):
    from datetime import date

    family_id, (sharon, leah, gary) = known_family(app, people=[
        ("Sharon", date(1987, 2, 11), "parent_carer", {}), ("Leah", date(2015, 6, 2), "child", {}),
        ("Gary", date(1985, 1, 1), "parent_carer", {})])
    officer = factory.token(factory.user("front_door"))
    for person, kind, pr in ((sharon, "parent", True), (gary, "step_parent", False)):
        made = api.post(f"/api/v1/families/{family_id}/relationships", officer, json={
            "person_id": person, "related_person_id": leah, "kind": kind, "parental_responsibility": pr})
        assert made.status_code == 201, made.get_json()

    refused = _consent(api, officer, leah, gary)
    assert refused.status_code == 422
    assert "parental responsibility" in refused.get_json()["error"]["fields"]["given_by_person_id"][0]
    assert _consent(api, officer, leah, sharon).status_code == 201

    # the step-parent obtains parental responsibility (a court order): now he can
    made = api.post(f"/api/v1/families/{family_id}/relationships", officer, json={
        "person_id": gary, "related_person_id": leah, "kind": "step_parent", "parental_responsibility": True,
        "starts_on": "2026-10-01"})
    assert made.status_code == 201
    assert _consent(api, officer, leah, gary).status_code == 201


def test_only_some_relationships_carry_parental_responsibility(api, factory, app):
    family_id, (sharon, leah) = known_family(app)
    officer = factory.token(factory.user("front_door"))
    sibling = api.post(f"/api/v1/families/{family_id}/relationships", officer, json={
        "person_id": sharon, "related_person_id": leah, "kind": "sibling", "parental_responsibility": True})
    assert sibling.status_code == 422
    stranger = api.post(f"/api/v1/families/{family_id}/relationships", officer, json={
        "person_id": sharon, "related_person_id": "nobody", "kind": "parent"})
    assert stranger.status_code == 422
