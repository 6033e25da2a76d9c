"""Aggregate and secondary views apply the per-record rule, item by item and field by field: a
record refused through its own door is not readable through another (the family view, the event
page, the inbox's acknowledgement)."""
from __future__ import annotations

from tests.conftest import sign_in
from tests.frontdoor.test_api_intake import request_body
from tests.notify.helpers import LEAH, incident, inbox, open_family
from tests.socialcare.test_step_up_down_api import STEP_UP

POLICE_DETAILS = "Police attended twice this month; intelligence suggests exploitation by older youths."


def _education_consent(api, w, person_id):
    given = api.post(f"/api/v1/people/{person_id}/consents", w.t["sam"], json={
        "purpose": "taf_information_sharing", "recipient_organisation_ids": [w.orgs["school"].id],
        "categories": ["education"], "given_by": "Sharon Walsh", "given_by_relationship": "parent_carer",
        "method": "signed_form", "given_on": "2026-01-05"})
    assert given.status_code == 201, given.get_json()


def _leah(api, w):
    members = api.get(f"/api/v1/families/{w.family_id}", w.t["sam"]).get_json()["members"]
    return next(m["id"] for m in members if m["given_name"] == "Leah")


def test_another_agencys_referral_refused_on_its_own_page_is_not_in_the_family_view(api, client, factory):
    w = open_family(api, factory)
    police = api.post("/api/v1/requests", w.t["police"], json=request_body(
        referrer={"name": "PC Dunn", "organisation": "Northshire Police", "role": "Officer",
                  "email": "pc.dunn@police.example"},
        details=POLICE_DETAILS, concerns=["crime_asb"])).get_json()
    assert police["family_id"] == w.family_id
    assert api.get(f"/api/v1/requests/{police['id']}", w.t["referrer"]).status_code == 403
    family = api.get(f"/api/v1/families/{w.family_id}", w.t["referrer"])
    assert family.status_code == 200
    seen = family.get_json()["requests"]
    assert police["id"] not in [r["id"] for r in seen]
    assert len(seen) == 1  # her own request stays
    assert POLICE_DETAILS not in str(family.get_json())
    sign_in(client, w.p["referrer"])
    page = client.get(f"/families/{w.family_id}").get_data(as_text=True)
    assert "attendance is 68%" in page and POLICE_DETAILS not in page
    # The front door still reads both.
    officer = api.get(f"/api/v1/families/{w.family_id}", w.t["officer"]).get_json()
    assert {r["id"] for r in officer["requests"]} >= {police["id"]}


def test_education_consent_does_not_open_a_police_summary_on_the_event_page(api, client, factory):
    w = open_family(api, factory)
    _education_consent(api, w, _leah(api, w))
    event = api.post("/api/v1/notifications", w.t["police"], json=incident(
        "NP-EV-1", type_="police_contact", summary="Leah stopped with older males at 01:00; drugs found on one.")).get_json()
    assert api.get(f"/api/v1/notifications/{event['id']}", w.t["officer"]).get_json()["status"] == "routed"
    sign_in(client, w.p["key_adult"])
    page = client.get(f"/events/{event['id']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "drugs found" not in html and "Withheld" in html
    log = api.get(f"/api/v1/families/{w.family_id}/access-log", w.t["manager"]).get_json()["items"]
    read = [e for e in log if e["action"] == "event.view" and e["actor_id"] == w.p["key_adult"].id]
    assert read and "police" not in read[0]["categories"]
    # The keyworker reads it in full.
    sign_in(client, w.p["sam"])
    assert "drugs found" in client.get(f"/events/{event['id']}").get_data(as_text=True)


def test_a_partner_without_social_care_data_does_not_learn_the_family_is_with_social_care(api, client, factory):
    w = open_family(api, factory)
    _education_consent(api, w, _leah(api, w))
    stepped = api.post(f"/api/v1/cases/{w.case_id}/step-up", w.t["sam"], json=STEP_UP)
    assert stepped.status_code == 201, stepped.get_json()
    for who in ("referrer", "key_adult"):
        family = api.get(f"/api/v1/families/{w.family_id}", w.t[who])
        assert family.status_code == 200, who
        body = family.get_json()
        assert "social_care" not in str(body["cases"]), who
        # Without case notes the working of the case is withheld altogether; with them, social
        # care involvement still is.
        assert all(t["action"] != "step_up" for c in body["cases"] for t in c.get("transitions", [])), who
        case = body["cases"][0]
        assert case.get("stage") == "open" or ("stage" not in case and "stage" in case["redacted"]), who
    case = api.get(f"/api/v1/cases/{w.case_id}", w.t["referrer"]).get_json()
    assert case["stage"] == "open" and "social care" not in case["stage_label"].lower()
    sign_in(client, w.p["referrer"])
    for page in (f"/families/{w.family_id}", f"/cases/{w.case_id}"):
        html = client.get(page).get_data(as_text=True)
        assert "Children&#39;s social care" not in html and "Children's social care" not in html, page
    # The keyworker and social care see it.
    assert api.get(f"/api/v1/families/{w.family_id}", w.t["sam"]).get_json()["cases"][0]["stage"] == "social_care"


def test_acknowledging_returns_no_more_than_the_inbox_shows(api, client, factory):
    w = open_family(api, factory)
    member = api.post(f"/api/v1/cases/{w.case_id}/taf", w.t["sam"], json={"user_id": w.p["camhs"].id}).get_json()
    note = next(n for n in inbox(api, w.t["camhs"]) if n["type"] == "taf")
    assert "Team Around the Family" in note["title"]
    sign_in(client, w.p["sam"])
    from tests.conftest import csrf_token

    token = csrf_token(client, f"/cases/{w.case_id}")
    assert client.post(f"/cases/{w.case_id}/taf/{member['id']}/remove", data={"csrf_token": token}).status_code == 302
    withheld = next(n for n in inbox(api, w.t["camhs"]) if n["id"] == note["id"])
    assert "can no longer read" in withheld["title"]
    acknowledged = api.post(f"/api/v1/inbox/{note['id']}/acknowledge", w.t["camhs"])
    assert acknowledged.status_code == 200
    body = acknowledged.get_json()
    assert body["title"] == withheld["title"] and body["body"] == withheld["body"]
    assert body["acknowledged_at"]
    assert LEAH["given_name"]  # the helper's person, for readers of this test


def test_a_partner_without_case_notes_reads_that_the_time_to_engage_was_extended_not_why(api, client, factory):
    """The chronology gave every reader of the case page the manager's reason for extending the
    time to engage (and each stage move's reason): the case's working, which is case notes."""
    from datetime import timedelta

    from caseflow.core.timescales import today_london

    w = open_family(api, factory)
    _education_consent(api, w, _leah(api, w))
    reason = "Mum has had bad experiences with services; try a joint visit with the school."
    extended = api.post(f"/api/v1/cases/{w.case_id}/engagement-extension", w.t["manager"], json={
        "until": (today_london() + timedelta(days=28)).isoformat(), "reason": reason})
    assert extended.status_code == 201, extended.get_json()
    sign_in(client, w.p["key_adult"])
    page = client.get(f"/cases/{w.case_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Engagement period extended" in html and "bad experiences with services" not in html
    keyworker = api.get(f"/api/v1/cases/{w.case_id}/chronology", w.t["sam"]).get_json()
    assert reason in str(keyworker)
