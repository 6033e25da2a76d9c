"""Consent records, lawful bases and break-glass: partners see what consent allows, and only
while it lasts; sharing without consent is justified, approved and reported."""
from datetime import datetime, timedelta, timezone

import time_machine

from tests.plans.helpers import allocated_case, team
from caseflow.core.timescales import today_london



def world(api, factory):
    p, t, orgs = team(factory)
    police = factory.org("Northshire Police", type="police")
    p["school_staff"] = factory.user("partner", org=orgs["school"], name="Ms Head")  # has not referred
    p["officer_pc"] = factory.user("partner", org=police, name="PC Dunn")
    for key in ("school_staff", "officer_pc"):
        t[key] = factory.token(p[key])
    case_id = allocated_case(api, p, t)
    family_id = api.get(f"/api/v1/cases/{case_id}", t["sam"]).get_json()["family_id"]
    members = api.get(f"/api/v1/families/{family_id}", t["sam"]).get_json()["members"]
    return p, t, orgs, police, case_id, family_id, members


def consent(org_id=None, org_type=None, categories=("education",), **overrides):
    body = {"purpose": "taf_information_sharing", "recipient_organisation_ids": [org_id] if org_id else [],
            "recipient_organisation_types": [org_type] if org_type else [], "categories": list(categories),
            "given_by": "Sharon Walsh", "given_by_relationship": "parent_carer", "method": "signed_form",
            "given_on": today_london().isoformat()}
    return {**body, **overrides}


def test_a_partner_sees_what_consent_allows_until_it_is_withdrawn(api, factory):
    p, t, orgs, police, case_id, family_id, members = world(api, factory)
    leah = members[0]["id"]
    assert api.get(f"/api/v1/families/{family_id}", t["school_staff"]).status_code == 403
    given = api.post(f"/api/v1/people/{leah}/consents", t["sam"], json=consent(orgs["school"].id))
    assert given.status_code == 201, given.get_json()
    seen = api.get(f"/api/v1/families/{family_id}", t["school_staff"]).get_json()
    assert "education" in seen["categories"] and "health" not in seen["categories"]
    person = seen["members"][0]
    assert set(person["redacted"]) == {"nhs_number", "gp_practice"}  # education is shared; health is not
    assert "consent given" in seen["basis"]
    # Police were not named: nothing.
    assert api.get(f"/api/v1/families/{family_id}", t["officer_pc"]).status_code == 403
    # Withdrawal takes effect on the very next request.
    assert api.post(f"/api/v1/consents/{given.get_json()['id']}/withdraw", t["sam"],
                    json={"reason": "Mum asked"}).status_code == 200
    assert api.get(f"/api/v1/families/{family_id}", t["school_staff"]).status_code == 403
    assert api.get("/api/v1/families?q=Walsh", t["school_staff"]).get_json()["total"] == 0


def test_an_expired_consent_gives_nothing_and_consent_can_name_an_organisation_type(api, factory):
    p, t, orgs, police, case_id, family_id, members = world(api, factory)
    leah = members[0]["id"]
    api.post(f"/api/v1/people/{leah}/consents", t["sam"], json=consent(
        org_type="police", categories=["police"], given_on=(today_london() - timedelta(days=400)).isoformat(),
        expires_on=(today_london() - timedelta(days=1)).isoformat()))
    assert api.get(f"/api/v1/families/{family_id}", t["officer_pc"]).status_code == 403
    api.post(f"/api/v1/people/{leah}/consents", t["sam"], json=consent(org_type="police", categories=["police"]))
    assert api.get(f"/api/v1/families/{family_id}", t["officer_pc"]).status_code == 200
    assert api.get("/api/v1/families?q=Walsh", t["officer_pc"]).get_json()["total"] == 1
    assert api.get(f"/api/v1/families/{family_id}", t["officer_pc"]).status_code == 200


def test_who_may_consent_depends_on_age(api, factory):
    p, t, orgs, police, case_id, family_id, members = world(api, factory)
    leah = members[0]  # born 2 June 2011: 15 today
    own = api.post(f"/api/v1/people/{leah['id']}/consents", t["sam"], json=consent(
        orgs["school"].id, given_by="Leah Walsh", given_by_relationship="self"))
    assert own.status_code == 422 and "competent" in own.get_json()["error"]["fields"]["competence_note"][0]
    competent = api.post(f"/api/v1/people/{leah['id']}/consents", t["sam"], json=consent(
        orgs["school"].id, given_by="Leah Walsh", given_by_relationship="self",
        competence_note="Leah understands what will be shared and why (Gillick)."))
    assert competent.status_code == 201
    bad = api.post(f"/api/v1/people/{leah['id']}/consents", t["sam"], json={"purpose": "x", "categories": []})
    fields = bad.get_json()["error"]["fields"]
    assert bad.status_code == 422 and {"purpose", "categories", "recipients", "given_by", "method"} <= set(fields)
    assert api.post(f"/api/v1/people/{leah['id']}/consents", t["school_staff"], json=consent(orgs["school"].id)).status_code == 403


def test_sharing_without_consent_needs_a_managers_approval_and_is_reported(api, factory):
    p, t, orgs, police, case_id, family_id, members = world(api, factory)
    body = {"basis": "safeguarding", "justification": "Leah at risk of exploitation: police need the chronology.",
            "recipient_organisation_ids": [police.id], "categories": ["identity", "police", "case_notes"],
            "review_on": (today_london() + timedelta(days=30)).isoformat()}
    unapproved = api.post(f"/api/v1/families/{family_id}/lawful-bases", t["sam"], json=body)
    fields = unapproved.get_json()["error"]["fields"]
    assert unapproved.status_code == 422 and {"approved_by_id", "person_ids"} <= set(fields)  # approver; and about whom
    body["person_ids"] = [members[0]["id"]]
    recorded = api.post(f"/api/v1/families/{family_id}/lawful-bases", t["sam"],
                        json={**body, "approved_by_id": p["manager"].id})
    assert recorded.status_code == 201
    seen = api.get(f"/api/v1/families/{family_id}", t["officer_pc"]).get_json()
    assert "lawful basis: safeguarding" in seen["basis"] and "case_notes" in seen["categories"]
    report = api.get("/api/v1/reports/access", t["manager"]).get_json()
    assert report["lawful_bases"][0]["family_name"] == "Walsh family"
    log = api.get(f"/api/v1/families/{family_id}/access-log", t["manager"]).get_json()["items"]
    assert any(e["action"] == "lawful_basis.record" and e["basis"] == "safeguarding" for e in log)
    assert any(e["action"] == "family.view" and "lawful basis" in (e["basis"] or "") for e in log)
    assert api.get("/api/v1/reports/access", t["sam"]).status_code == 403


def test_break_glass_is_reasoned_time_limited_and_loud(api, factory, app):
    p, t, orgs, police, case_id, family_id, members = world(api, factory)
    duty = factory.user("team_manager", org=orgs["early_help"], name="Duty Manager", team="Locality South")
    duty_token = factory.token(duty)
    refused = api.get(f"/api/v1/families/{family_id}", duty_token)
    assert refused.status_code == 403 and "break glass" in refused.get_json()["error"]["message"]
    assert api.post(f"/api/v1/families/{family_id}/break-glass", duty_token, json={}).status_code == 422
    glass = api.post(f"/api/v1/families/{family_id}/break-glass", duty_token,
                     json={"reason": "Police call at 02:00: child missing; need the safety plan."})
    assert glass.status_code == 201
    seen = api.get(f"/api/v1/families/{family_id}", duty_token)
    assert seen.status_code == 200 and seen.get_json()["basis"].startswith("break-glass")
    assert any(n["title"].startswith("Break-glass: Duty Manager") for n in api.get("/api/v1/inbox", t["manager"]).get_json()["items"])
    assert api.get("/api/v1/reports/access", t["manager"]).get_json()["break_glass"][0]["user"] == "Duty Manager"
    log = api.get(f"/api/v1/families/{family_id}/access-log", t["manager"]).get_json()["items"]
    assert any(e["action"] == "BREAK_GLASS" for e in log)
    # A day after now, not midnight tomorrow: run in the last hour of a day (UTC), midnight was
    # still inside the hour break-glass lasts, and the test failed.
    with time_machine.travel(datetime.now(timezone.utc) + timedelta(days=1)):
        assert api.get(f"/api/v1/families/{family_id}", duty_token).status_code == 403
    assert api.post(f"/api/v1/families/{family_id}/break-glass", t["sam"], json={"reason": "x"}).status_code == 403


def test_withdrawal_reaches_a_notification_already_delivered(api, factory):
    p, t, orgs, police, case_id, family_id, members = world(api, factory)
    given = api.post(f"/api/v1/people/{members[0]['id']}/consents", t["sam"], json=consent(org_type="police", categories=["police"])).get_json()
    from caseflow.core.extensions import db
    from caseflow.notify.services import notify
    with api.client.application.app_context():
        notify(p["officer_pc"].id, "allocation", "test:1", "Walsh family: keyworker allocated",
               "Sam Taylor is the keyworker.", family_id=family_id)
        db.session.commit()
    assert api.get("/api/v1/inbox", t["officer_pc"]).get_json()["items"][0]["body"] == "Sam Taylor is the keyworker."
    api.post(f"/api/v1/consents/{given['id']}/withdraw", t["sam"], json={})
    item = api.get("/api/v1/inbox", t["officer_pc"]).get_json()["items"][0]
    assert "Sam Taylor" not in item["body"] and item["title"] == "A notification you can no longer read"
