"""Correcting a person: a reason, every change in the person's history and the audit trail, and a
changed name still found under the old one, by the matcher and by family search."""
from __future__ import annotations

from caseflow.core.extensions import db
from caseflow.families.matching import SubmittedPerson, match_person
from caseflow.families.models import MatchStatus
from tests.frontdoor.helpers import known_family


def _officer(factory):
    return factory.token(factory.user("front_door"))


def test_a_corrected_surname_is_still_found_under_the_old_one(api, factory, app):
    family_id, (sharon, leah) = known_family(app)
    officer = _officer(factory)
    response = api.post(f"/api/v1/people/{sharon}/corrections", officer, json={
        "family_name": "Okafor", "reason": "Married in June; new surname on her passport"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["family_name"] == "Okafor"
    assert [(n["given_name"], n["family_name"]) for n in body["previous_names"]] == [("Sharon", "Walsh")]
    assert body["history"][0]["kind"] == "correction"
    assert body["history"][0]["changes"] == {"family_name": ["Walsh", "Okafor"]}
    assert body["history"][0]["reason"] == "Married in June; new surname on her passport"

    # the matcher: a request naming "Sharon Walsh" still finds her
    with app.app_context():
        from datetime import date

        found = match_person(db.session, SubmittedPerson("Sharon", "Walsh", date(1987, 2, 11), "female", "NS1 4AB"))
        assert found.status == MatchStatus.LINKED and found.person_id == sharon
        assert any("previous name" in r for r in found.candidates[0].reasons)
        by_new = match_person(db.session, SubmittedPerson("Sharon", "Okafor", date(1987, 2, 11), "female", "NS1 4AB"))
        assert by_new.person_id == sharon
    # family search, by the old name and by the new
    for q in ("Walsh", "Sharon Walsh", "Okafor"):
        items = api.get(f"/api/v1/families?q={q}", officer).get_json()["items"]
        assert family_id in [i["id"] for i in items], q


def test_every_correction_is_audited_against_the_family(api, factory, app):
    family_id, (sharon, leah) = known_family(app)
    officer = _officer(factory)
    response = api.post(f"/api/v1/people/{leah}/corrections", officer, json={
        "date_of_birth": "2011-02-06", "upn": "A123456789012", "school_name": "Riverside Academy",
        "reason": "Day and month were swapped at the front door"})
    assert response.status_code == 200, response.get_json()
    changes = response.get_json()["history"][0]["changes"]
    assert changes["date_of_birth"] == ["2011-06-02", "2011-02-06"] and changes["upn"] == [None, "A123456789012"]
    manager = factory.token(factory.user("team_manager"))
    log = api.get(f"/api/v1/families/{family_id}/access-log", manager).get_json()["items"]
    assert any(e["action"] == "person.correct" for e in log)


def test_a_correction_needs_a_reason_and_valid_values(api, factory, app):
    _, (sharon, _) = known_family(app)
    officer = _officer(factory)
    no_reason = api.post(f"/api/v1/people/{sharon}/corrections", officer, json={"family_name": "Okafor"})
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["error"]["fields"]
    bad = api.post(f"/api/v1/people/{sharon}/corrections", officer, json={
        "nhs_number": "1234567890", "postcode": "nowhere", "reason": "typo"})
    assert bad.status_code == 422 and {"nhs_number", "postcode"} <= set(bad.get_json()["error"]["fields"])
    nothing = api.post(f"/api/v1/people/{sharon}/corrections", officer, json={"family_name": "Walsh",
                                                                              "reason": "checking"})
    assert nothing.status_code == 422


def test_someone_who_does_not_work_with_the_family_cannot_correct_it(api, factory, app):
    _, (sharon, _) = known_family(app)
    stranger = factory.token(factory.user("keyworker", team="Elsewhere"))
    response = api.post(f"/api/v1/people/{sharon}/corrections", stranger, json={
        "family_name": "Okafor", "reason": "x"})
    assert response.status_code == 403
