"""Merging duplicates and undoing it: everything follows the survivor (cases, requests, consents,
events, memberships), the pair shows one access log, and an unmerge restores both records
exactly, field by field, without losing anything written since."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from caseflow.core.extensions import db
from caseflow.families.models import Family, Person, RecordKind
from caseflow.records.merging import references
from tests.frontdoor.helpers import known_family
from tests.frontdoor.test_api_intake import request_body

IGNORED = {"updated_at"}


def _rows(kind: RecordKind, ids: list[str]) -> dict:
    """Every row of the records themselves and of every table referring to them, column by column."""
    model = Person if kind == RecordKind.PERSON else Family
    out = {}
    for record in db.session.scalars(select(model).where(model.id.in_(ids))):
        out[(model.__tablename__, record.id)] = {c.name: getattr(record, c.key if hasattr(c, "key") else c.name)
                                                 for c in model.__table__.columns if c.name not in IGNORED}
    for table, column in references(kind):
        for row in db.session.execute(select(table).where(column.in_(ids))):
            row = dict(row._mapping)
            key = (table.name, tuple(row[c.name] for c in table.primary_key.columns))
            out[key] = {k: v for k, v in row.items() if k not in IGNORED}
    return out


def _consent(api, token, person_id):
    return api.post(f"/api/v1/people/{person_id}/consents", token, json={
        "purpose": "taf_information_sharing", "recipient_organisation_types": ["school"], "categories": ["education"],
        "given_by": "Sharon Walsh", "given_by_relationship": "parent_carer", "method": "verbal",
        "given_on": "2026-11-01"})


@pytest.fixture
def duplicate_families(api, factory, app):
    """The Walsh family known twice: once from an old closed case, and again from a request the
    matcher did not link (a new postcode and a misspelt name), each with its own request."""
    family_id, (sharon, leah) = known_family(app, closed_days_ago=400)
    partner = factory.token(factory.user("partner"))
    body = request_body(people=[
        {"given_name": "Sharron", "family_name": "Walsh-Jones", "date_of_birth": "1987-11-02", "sex": "female",
         "relationship": "parent_carer", "postcode": "NS9 9ZZ"},
        {"given_name": "Lea", "family_name": "Walsh-Jones", "date_of_birth": "2011-06-02", "sex": "female",
         "relationship": "child", "postcode": "NS9 9ZZ", "school": "Northshire Academy"}])
    created = api.post("/api/v1/requests", partner, json=body).get_json()
    assert created["family_id"] != family_id, "the test needs a missed match"
    officer = factory.token(factory.user("front_door"))
    other_people = {m["given_name"]: m["id"] for m in
                    api.get(f"/api/v1/families/{created['family_id']}", officer).get_json()["members"]}
    return {"family": family_id, "sharon": sharon, "leah": leah, "dup_family": created["family_id"],
            "dup_leah": other_people["Lea"], "dup_sharon": other_people["Sharron"], "request": created["id"],
            "case": created["case_id"], "officer": officer}


def test_merged_people_keep_everything_and_unmerge_restores_both_exactly(api, app, duplicate_families):
    d, officer = duplicate_families, duplicate_families["officer"]
    assert _consent(api, officer, d["dup_leah"]).status_code == 201
    with app.app_context():
        before = _rows(RecordKind.PERSON, [d["leah"], d["dup_leah"]])

    compared = api.get(f"/api/v1/people/{d['leah']}/compare?other_id={d['dup_leah']}", officer).get_json()
    assert {"given_name", "family_name", "postcode"} <= set(compared["differing"])
    assert compared["other"]["counts"]["request_people"] == 1
    merged = api.post(f"/api/v1/people/{d['leah']}/merge", officer, json={
        "other_id": d["dup_leah"], "keep": "this", "reason": "Same child: same date of birth, school confirmed"})
    assert merged.status_code == 201, merged.get_json()
    assert merged.get_json()["moved"] >= 3  # her request, her consent, her membership of the new family

    leah = api.get(f"/api/v1/people/{d['leah']}", officer).get_json()
    assert set(leah["family_ids"]) == {d["family"], d["dup_family"]}
    assert leah["school_name"] == "Northshire Academy"  # what only the duplicate knew
    assert ("Lea", "Walsh-Jones") in {(n["given_name"], n["family_name"]) for n in leah["previous_names"]}
    assert {h["kind"] for h in leah["history"]} == {"merged"}
    request = api.get(f"/api/v1/requests/{d['request']}", officer).get_json()
    assert d["leah"] in [p["person_id"] for p in request["people"]]
    dup_view = api.get(f"/api/v1/families/{d['dup_family']}", officer).get_json()
    assert [m["id"] for m in dup_view["members"] if m["given_name"] in ("Lea", "Leah")] == [d["leah"]]
    assert api.get("/api/v1/families?q=Lea Walsh-Jones", officer).get_json()["total"] >= 1

    # written after the merge: a consent for the survivor stays hers through the unmerge
    later = _consent(api, officer, d["leah"]).get_json()["id"]
    undone = api.post(f"/api/v1/people/{d['dup_leah']}/unmerge", officer, json={"reason": "Twins, not one child"})
    assert undone.status_code == 200, undone.get_json()
    assert undone.get_json()["status"] == "unmerged"
    with app.app_context():
        after = _rows(RecordKind.PERSON, [d["leah"], d["dup_leah"]])
        from caseflow.consent.models import Consent

        assert db.session.get(Consent, later).person_id == d["leah"]
    later_rows = {k for k in after if k not in before}
    assert later_rows and all(later in str(k) for k in later_rows)  # only the new consent's rows
    for key, row in before.items():
        assert after[key] == row, key  # field by field
    assert api.get(f"/api/v1/people/{d['dup_leah']}", officer).get_json()["merged_into_id"] is None


def test_merged_families_show_one_record_one_access_log_and_unmerge_restores_both(api, app, factory,
                                                                                  duplicate_families):
    d, officer = duplicate_families, duplicate_families["officer"]
    manager = factory.token(factory.user("team_manager"))
    api.get(f"/api/v1/families/{d['dup_family']}", manager)  # a read of the duplicate, in its log
    with app.app_context():
        before = _rows(RecordKind.FAMILY, [d["family"], d["dup_family"]])
    refused = api.post(f"/api/v1/families/{d['family']}/merge", factory.token(factory.user("keyworker")), json={
        "other_id": d["dup_family"], "reason": "same family"})
    assert refused.status_code == 403
    merged = api.post(f"/api/v1/families/{d['family']}/merge", officer, json={
        "other_id": d["dup_family"], "keep": "this", "reason": "One household: the mother confirmed both addresses"})
    assert merged.status_code == 201, merged.get_json()

    view = api.get(f"/api/v1/families/{d['family']}", officer).get_json()
    assert d["case"] in [c["id"] for c in view["cases"]] and len(view["cases"]) == 2
    assert d["request"] in [r["id"] for r in view["requests"]]
    assert {"Sharron", "Lea", "Sharon", "Leah"} <= {m["given_name"] for m in view["members"]}
    log = api.get(f"/api/v1/families/{d['family']}/access-log?per_page=200", manager).get_json()["items"]
    assert any(e["action"] == "family.view" and e["family_id"] == d["dup_family"] for e in log)
    assert any(e["action"] == "family.merge" for e in log)
    search = api.get("/api/v1/families?q=Walsh-Jones", officer).get_json()
    assert [i["id"] for i in search["items"]] == [d["family"]]

    undone = api.post(f"/api/v1/families/{d['family']}/unmerge", officer, json={"reason": "Two households after all"})
    assert undone.status_code == 200, undone.get_json()
    with app.app_context():
        after = _rows(RecordKind.FAMILY, [d["family"], d["dup_family"]])
    for key, row in before.items():
        assert after[key] == row, key
    assert set(after) == set(before)
    view = api.get(f"/api/v1/families/{d['dup_family']}", officer).get_json()
    assert [c["id"] for c in view["cases"]] == [d["case"]]


def test_an_unmerge_after_the_set_period_is_refused(api, app, duplicate_families):
    d, officer = duplicate_families, duplicate_families["officer"]
    api.post(f"/api/v1/people/{d['leah']}/merge", officer, json={"other_id": d["dup_leah"], "reason": "same"})
    with app.app_context():
        from caseflow.records.models import RecordMerge

        row = db.session.scalar(select(RecordMerge))
        row.undo_until = row.merged_at - timedelta(seconds=1)
        db.session.commit()
    late = api.post(f"/api/v1/people/{d['leah']}/unmerge", officer, json={"reason": "too late"})
    assert late.status_code == 409


def test_a_merged_record_cannot_be_merged_again_or_corrected(api, duplicate_families):
    d, officer = duplicate_families, duplicate_families["officer"]
    api.post(f"/api/v1/people/{d['leah']}/merge", officer, json={"other_id": d["dup_leah"], "reason": "same"})
    again = api.post(f"/api/v1/people/{d['sharon']}/merge", officer, json={"other_id": d["dup_leah"], "reason": "x"})
    assert again.status_code == 409
    corrected = api.post(f"/api/v1/people/{d['dup_leah']}/corrections", officer, json={
        "given_name": "Leah", "reason": "x"})
    assert corrected.status_code == 422
