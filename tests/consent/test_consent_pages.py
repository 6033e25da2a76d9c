"""Consent pages: record and withdraw consent, share without consent, break glass."""

from tests.conftest import _https_client, csrf_token, sign_in
from tests.consent.test_consent_records import world
from caseflow.core.timescales import today_london


def test_recording_and_withdrawing_consent_on_the_page(client, api, factory):
    p, t, orgs, police, case_id, family_id, members = world(api, factory)
    sign_in(client, p["sam"])
    path = f"/families/{family_id}/consents"
    token = csrf_token(client, path)
    empty = client.post(path, data={"csrf_token": token})
    html = empty.get_data(as_text=True)
    assert empty.status_code == 400
    for field in ("purpose", "recipients", "categories", "given_by", "method"):
        assert f'href="#{field}' in html
    today = today_london()
    done = client.post(path, data={"csrf_token": token, "person_id": members[0]["id"], "purpose": "taf_information_sharing",
                                   "recipient_organisation_ids": orgs["school"].id, "categories": ["education", "plan"],
                                   "given_by_relationship": "parent_carer", "given_by": "Sharon Walsh", "method": "verbal",
                                   "given_on-day": str(today.day), "given_on-month": str(today.month),
                                   "given_on-year": str(today.year)})
    assert done.status_code == 302
    assert api.get(f"/api/v1/families/{family_id}", t["school_staff"]).status_code == 200
    page = client.get(path).get_data(as_text=True)
    assert "Active" in page and "Northshire Academy" in page
    consent_id = api.get(f"/api/v1/families/{family_id}/consents", t["sam"]).get_json()["consents"][0]["id"]
    client.post(f"/consents/{consent_id}/withdraw", data={"csrf_token": token, "family_id": family_id})
    assert "Withdrawn" in client.get(path).get_data(as_text=True)
    assert api.get(f"/api/v1/families/{family_id}", t["school_staff"]).status_code == 403


def test_a_duty_manager_is_offered_break_glass_on_the_refusal_page(api, factory, app):
    p, t, orgs, police, case_id, family_id, members = world(api, factory)
    duty = factory.user("team_manager", org=orgs["early_help"], name="Duty Manager", team="Locality South")
    client = _https_client(app)
    sign_in(client, duty)
    refused = client.get(f"/families/{family_id}")
    assert refused.status_code == 403 and "break glass" in refused.get_data(as_text=True)
    token = csrf_token(client, f"/families/{family_id}/break-glass")
    no_reason = client.post(f"/families/{family_id}/break-glass", data={"csrf_token": token})
    assert no_reason.status_code == 400
    opened = client.post(f"/families/{family_id}/break-glass", data={"csrf_token": token, "reason": "Child missing at night"})
    assert opened.status_code == 302 and client.get(f"/families/{family_id}").status_code == 200
    report = _https_client(app)
    sign_in(report, p["manager"])
    assert "Child missing at night" in report.get("/reports/access").get_data(as_text=True)
    keyworker = _https_client(app)
    sign_in(keyworker, p["sam"])
    token = csrf_token(keyworker, f"/families/{family_id}")
    assert keyworker.post(f"/families/{family_id}/break-glass", data={"csrf_token": token, "reason": "x"}).status_code == 403
