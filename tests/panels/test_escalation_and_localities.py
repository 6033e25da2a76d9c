"""Issue 20, points 1 and 11: the Action & Impact (escalation) panel for stuck cases, partners'
contributions to a panel's agenda under the family's consent, and locality panels on their own
cadence (a daily allocation meeting)."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from caseflow.core import timescales
from caseflow.core.extensions import db
from tests.conftest import csrf_token, sign_in, _https_client
from tests.plans.helpers import allocated_case, team
from tests.triage.helpers import case_at_panel
from caseflow.core.timescales import today_london


def _future(days: int) -> str:
    return timescales.working_day_on_or_after(today_london() + timedelta(days=days)).isoformat()


def _escalation_panel(api, token, orgs, days=7):
    response = api.post("/api/v1/panels", token, json={
        "date": _future(days), "kind": "escalation", "members": [orgs["school"].id, orgs["camhs"].id]})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["kind"] == "escalation" and body["agenda"] == []
    return body


def test_a_stuck_case_goes_to_action_and_impact_and_its_agreed_actions_land_in_the_plan_and_are_followed_up(
        api, factory, app):
    p, t, orgs = team(factory)
    case_id = allocated_case(api, p, t)
    first = _escalation_panel(api, t["chair"], orgs, days=7)
    nomination = {"panel_id": first["id"], "stuck": "Leah has not attended for six weeks; CAMHS waiting list.",
                  "ask": "CAMHS to expedite the assessment; school to offer a reduced timetable."}
    # Another team's keyworker cannot put the case forward; its own keyworker can, once per meeting.
    assert api.post(f"/api/v1/cases/{case_id}/action-and-impact", t["aaron"], json=nomination).status_code == 403
    nominated = api.post(f"/api/v1/cases/{case_id}/action-and-impact", t["sam"], json=nomination)
    assert nominated.status_code == 201, nominated.get_json()
    nomination_id = nominated.get_json()["id"]
    assert api.post(f"/api/v1/cases/{case_id}/action-and-impact", t["sam"], json=nomination).status_code == 409
    # An Action and Impact panel does not allocate.
    assert api.post(f"/api/v1/panels/{first['id']}/decisions", t["chair"], json={
        "case_id": case_id, "decision": "defer", "rationale": "Not here"}).status_code == 409

    # At the meeting: the discussion, and an action for CAMHS (the keyworker is not the chair).
    assert api.post(f"/api/v1/panel-nominations/{nomination_id}/discussion", t["sam"],
                    json={"discussion": "x"}).status_code == 403
    discussed = api.post(f"/api/v1/panel-nominations/{nomination_id}/discussion", t["chair"],
                         json={"discussion": "CAMHS can offer a consultation slot this month."})
    assert discussed.status_code == 200 and discussed.get_json()["status"] == "discussed"
    no_owner = api.post(f"/api/v1/panel-nominations/{nomination_id}/actions", t["chair"], json={
        "description": "Offer a consultation", "due_on": _future(14)})
    assert no_owner.status_code == 422
    agreed = api.post(f"/api/v1/panel-nominations/{nomination_id}/actions", t["chair"], json={
        "description": "CAMHS to offer a consultation slot", "owner_organisation_id": orgs["camhs"].id,
        "owner_user_id": p["camhs"].id, "due_on": _future(14)})
    assert agreed.status_code == 201, agreed.get_json()
    action = agreed.get_json()
    plan = api.get(f"/api/v1/cases/{case_id}/plan", t["sam"]).get_json()
    [in_plan] = [a for a in plan["actions"] if a["id"] == action["plan_action_id"]]
    assert in_plan["description"] == "CAMHS to offer a consultation slot"
    assert in_plan["owner_organisation_id"] == orgs["camhs"].id and in_plan["due_date"] == action["due_on"]

    # The chair's page shows the nomination, what is asked, and the agreed action.
    chair = _https_client(app)
    sign_in(chair, p["chair"])
    page = chair.get(f"/panels/{first['id']}").get_data(as_text=True)
    assert "CAMHS to expedite the assessment" in page and "CAMHS to offer a consultation slot" in page

    # The next meeting follows it up: not at the meeting that agreed it, done at the next.
    second = _escalation_panel(api, t["chair"], orgs, days=40)
    assert api.post(f"/api/v1/panel-actions/{action['id']}/follow-up", t["chair"], json={
        "panel_id": first["id"], "status": "done", "note": "Seen"}).status_code == 422
    assert f"/panel-actions/{action['id']}/follow-up" in chair.get(f"/panels/{second['id']}").get_data(as_text=True)
    followed = api.post(f"/api/v1/panel-actions/{action['id']}/follow-up", t["chair"], json={
        "panel_id": second["id"], "status": "done", "note": "Leah was seen on the 12th."})
    assert followed.status_code == 200 and followed.get_json()["status"] == "done"
    plan = api.get(f"/api/v1/cases/{case_id}/plan", t["sam"]).get_json()
    assert next(a for a in plan["actions"] if a["id"] == action["plan_action_id"])["status"] == "done"
    with app.app_context():  # what is stuck and the ask are encrypted at rest
        stored = db.session.execute(sa.text("SELECT stuck, ask FROM panel_nominations")).one()
        assert "six weeks" not in stored[0] and "reduced timetable" not in stored[1]


def test_partners_contribute_only_about_families_whose_consent_covers_them(api, factory, app):
    p, t, orgs = team(factory)
    created = case_at_panel(api, t["referrer"], t["officer"], "Walsh")
    panel = api.post("/api/v1/panels", t["chair"], json={
        "date": _future(3), "members": [orgs["camhs"].id]}).get_json()
    camhs_token, senco_token = t["camhs"], t["senco"]
    url = f"/api/v1/panels/{panel['id']}/contributions"
    # The school does not sit on this panel; CAMHS does but has no consent for the Walshes yet.
    assert api.get(url, senco_token).status_code == 403
    assert api.get(url, camhs_token).get_json()["items"] == []
    body = {"body": "Referral received in March; on the waiting list for an initial appointment."}
    assert api.put(f"{url}/{created['case_id']}", camhs_token, json=body).status_code == 403

    family = api.get(f"/api/v1/families/{created['family_id']}", t["officer"]).get_json()
    for member in family["members"]:
        given = api.post(f"/api/v1/people/{member['id']}/consents", t["officer"], json={
            "purpose": "taf_information_sharing", "recipient_organisation_ids": [orgs["camhs"].id],
            "categories": ["health"], "given_by": "Sharon Walsh", "given_by_relationship": "parent_carer",
            "method": "verbal", "given_on": today_london().isoformat()})
        assert given.status_code == 201, given.get_json()
    saved = api.put(f"{url}/{created['case_id']}", camhs_token, json=body)
    assert saved.status_code == 200, saved.get_json()
    [item] = api.get(url, camhs_token).get_json()["items"]
    assert item["case_id"] == created["case_id"] and item["contributions"][0]["body"] == body["body"]
    # The chair reads it beside the agenda; it is encrypted at rest and its reads are audited.
    chair = _https_client(app)
    sign_in(chair, p["chair"])
    assert "initial appointment" in chair.get(f"/panels/{panel['id']}").get_data(as_text=True)
    assert "Northshire CAMHS" in chair.get(f"/panels/{panel['id']}/contributions").get_data(as_text=True)
    with app.app_context():
        assert "waiting list" not in db.session.execute(sa.text("SELECT body FROM panel_contributions")).scalar()
        actions = set(db.session.execute(sa.text(
            "SELECT action FROM audit_events WHERE family_id = :f"), {"f": created["family_id"]}).scalars())
        assert {"panel.contribute", "panel.contributions"} <= actions


def test_a_locality_panel_hears_its_own_families_and_a_daily_locality_meets_each_working_day(api, factory, app):
    p, t, orgs = team(factory)
    admin = factory.user("admin", org=orgs["early_help"])
    north = case_at_panel(api, t["referrer"], t["officer"], "Walsh")
    south = case_at_panel(api, t["referrer"], t["officer"], "Okoro")
    client = _https_client(app)
    sign_in(client, admin)
    token = csrf_token(client, "/localities")
    assert client.post("/localities", data={"csrf_token": token, "name": "", "cadence": "daily"}).status_code == 400
    created = client.post("/localities", data={"csrf_token": token, "name": "North Herts", "cadence": "daily"})
    assert created.status_code == 302
    with app.app_context():
        from caseflow.families.models import Family
        from caseflow.panels.models import Locality

        locality_id = db.session.scalar(sa.select(Locality.id))
        reference = db.session.get(Family, north["family_id"]).reference
    officer = _https_client(app)
    sign_in(officer, p["officer"])
    placed = officer.post(f"/localities/{locality_id}/families",
                          data={"csrf_token": csrf_token(officer, "/localities"), "family_reference": reference})
    assert placed.status_code == 302
    # Only the front door, panel and managers place families; only administrators change localities.
    assert client.post(f"/localities/{locality_id}/families", data={"csrf_token": token,
                                                                    "family_reference": reference}).status_code == 403
    first = api.post("/api/v1/panels", t["chair"], json={"date": _future(1), "locality_id": locality_id}).get_json()
    assert first["name"] == "North Herts daily allocation meeting" and first["locality_id"] == locality_id
    assert [i["id"] for i in first["agenda"]] == [north["case_id"]]
    whole = api.post("/api/v1/panels", t["chair"], json={"date": _future(1)}).get_json()
    assert {i["id"] for i in whole["agenda"]} == {north["case_id"], south["case_id"]}
    with app.test_request_context():
        from caseflow.panels import services
        from caseflow.panels.models import Locality

        locality = db.session.get(Locality, locality_id)
        after = timescales.next_working_day(timescales.working_day_on_or_after(today_london() + timedelta(days=1)))
        assert services.next_panel_date(locality=locality) == after


def test_bad_input_to_every_new_write_is_a_4xx_never_a_500(api, factory, app):
    from tests.test_bad_input import WEIRD_BODIES

    p, t, orgs = team(factory)
    case_id = allocated_case(api, p, t)
    panel = _escalation_panel(api, t["chair"], orgs)
    nomination = api.post(f"/api/v1/cases/{case_id}/action-and-impact", t["sam"], json={
        "panel_id": panel["id"], "stuck": "Stalled", "ask": "Help"}).get_json()
    action = api.post(f"/api/v1/panel-nominations/{nomination['id']}/actions", t["chair"], json={
        "description": "Visit", "owner_organisation_id": orgs["school"].id, "due_on": _future(10)}).get_json()
    writes = [("post", f"/api/v1/cases/{case_id}/action-and-impact", "sam"),
              ("post", f"/api/v1/panel-nominations/{nomination['id']}/discussion", "chair"),
              ("post", f"/api/v1/panel-nominations/{nomination['id']}/actions", "chair"),
              ("post", f"/api/v1/panel-actions/{action['id']}/follow-up", "chair"),
              ("put", f"/api/v1/panels/{panel['id']}/contributions/{case_id}", "referrer"),
              ("post", "/api/v1/panels", "chair")]
    weird = WEIRD_BODIES + [{"panel_id": {"x": 1}, "status": ["done"], "due_on": "31/02/2026", "body": 7,
                             "owner_organisation_id": "nope", "kind": "monthly", "locality_id": "nope",
                             "date": _future(3), "description": "x"}]
    for method, path, who in writes:
        for body in weird:
            status = getattr(api, method)(path, t[who], json=body).status_code
            assert 400 <= status < 500, (path, body, status)
    chair = _https_client(app)
    sign_in(chair, p["chair"])
    token = csrf_token(chair, "/panels")
    for path, form in [(f"/panel-nominations/{nomination['id']}/actions",
                        {"description": "Visit", "owner_organisation_id": "nope", "due_on": "2026-02-31"}),
                       (f"/panel-actions/{action['id']}/follow-up", {"panel_id": "nope", "status": "maybe"}),
                       ("/panels", {"kind": "weekly", "locality_id": "nope", "date": "yesterday"})]:
        status = chair.post(path, data={"csrf_token": token, **form}).status_code
        assert status in (302, 400), (path, status)
