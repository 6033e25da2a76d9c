"""The weekly panel: agenda order, decisions, deferral carry-over, minutes cut to the reader."""
from datetime import datetime

import time_machine

from caseflow.cases.models import Case
from caseflow.core.timescales import LONDON
from caseflow.core.extensions import db
from tests.conftest import count_queries, sign_in
from tests.triage.helpers import SURNAMES, case_at_panel


def people(factory):
    org = factory.org("Northshire Early Help")
    police = factory.org("Northshire Police", type="police")
    return {
        "referrer": factory.user("partner"),
        "officer": factory.user("front_door", org=org),
        "chair": factory.user("panel_chair", org=org),
        "keyworker": factory.user("keyworker", org=org, name="Sam Taylor", team="North Locality Team"),
        "police_member": factory.user("panel_member", org=police),
        "org": org, "police": police,
    }


def tokens(factory, p):
    return {k: factory.token(v) for k, v in p.items() if k not in ("org", "police")}


def make_panel(api, chair_token, p, date="2026-12-01"):
    response = api.post("/api/v1/panels", chair_token, json={
        "date": date, "name": "North panel", "members": [p["org"].id, p["police"].id]})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_agenda_puts_step_downs_then_red_then_oldest_first(api, factory, app):
    p = people(factory)
    t = tokens(factory, p)
    green = case_at_panel(api, t["referrer"], t["officer"], "Green", rag="green")
    red = case_at_panel(api, t["referrer"], t["officer"], "Red", rag="red")
    older_amber = case_at_panel(api, t["referrer"], t["officer"], "Amber", rag="amber")
    stepped = case_at_panel(api, t["referrer"], t["officer"], "Stepped", rag="green")
    with app.app_context():  # a step-down from social care joins the same panel, first
        db.session.get(Case, stepped["case_id"]).stage = "stepped_down"
        db.session.commit()
    panel = make_panel(api, t["chair"], p)
    order = [item["id"] for item in panel["agenda"]]
    assert order == [stepped["case_id"], red["case_id"], older_amber["case_id"], green["case_id"]]


def test_allocate_decision_moves_the_case_and_notifies_keyworker_and_referrer(api, factory):
    p = people(factory)
    t = tokens(factory, p)
    created = case_at_panel(api, t["referrer"], t["officer"])
    panel = make_panel(api, t["chair"], p)
    response = api.post(f"/api/v1/panels/{panel['id']}/decisions", t["chair"], json={
        "case_id": created["case_id"], "decision": "allocate", "keyworker_id": p["keyworker"].id,
        "rationale": "Keyworker from the North team; school SENCo to join the TAF."})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["stage"] == "allocated"
    assert "allocated to you" in api.get("/api/v1/inbox", t["keyworker"]).get_json()["items"][0]["title"]
    referrer_inbox = api.get("/api/v1/inbox", t["referrer"]).get_json()["items"]
    assert any("Sam Taylor" in n["body"] for n in referrer_inbox)
    again = api.post(f"/api/v1/panels/{panel['id']}/decisions", t["chair"], json={
        "case_id": created["case_id"], "decision": "defer", "rationale": "second thoughts"})
    assert again.status_code == 409 and "already made its decision" in again.get_json()["error"]["message"]


def test_deferred_case_carries_over_to_the_next_panel_with_its_reason(api, factory):
    p = people(factory)
    t = tokens(factory, p)
    created = case_at_panel(api, t["referrer"], t["officer"])
    first = make_panel(api, t["chair"], p, "2026-12-01")
    missing = api.post(f"/api/v1/panels/{first['id']}/decisions", t["chair"], json={
        "case_id": created["case_id"], "decision": "defer"})
    assert missing.status_code == 422 and "rationale" in missing.get_json()["error"]["fields"]
    api.post(f"/api/v1/panels/{first['id']}/decisions", t["chair"], json={
        "case_id": created["case_id"], "decision": "defer", "rationale": "Waiting for the health visitor's view"})
    second = make_panel(api, t["chair"], p, "2026-12-08")
    item = next(i for i in second["agenda"] if i["id"] == created["case_id"])
    assert item["decision"] is None
    assert item["previous_deferrals"][0]["reason"] == "Waiting for the health visitor's view"



def test_days_to_panel_count_to_the_first_panel_that_discussed_the_case(api, factory):
    """A deferral still counts as coming before panel: the wait to panel is not reset by it."""
    p = people(factory)
    t = tokens(factory, p)
    with time_machine.travel(datetime(2026, 11, 30, 10, 0, tzinfo=LONDON), tick=False):  # a Monday
        created = case_at_panel(api, t["referrer"], t["officer"])
    with time_machine.travel(datetime(2026, 12, 2, 10, 0, tzinfo=LONDON), tick=False):
        first = make_panel(api, t["chair"], p, "2026-12-02")
        waiting = next(i for i in first["agenda"] if i["id"] == created["case_id"])
        assert waiting["timeliness"] == {"to_triage": 0, "to_panel": None, "to_allocation": None}
        api.post(f"/api/v1/panels/{first['id']}/decisions", t["chair"], json={
            "case_id": created["case_id"], "decision": "defer", "rationale": "Waiting for the school's view"})
    with time_machine.travel(datetime(2026, 12, 9, 10, 0, tzinfo=LONDON), tick=False):
        second = make_panel(api, t["chair"], p, "2026-12-09")
        decided = api.post(f"/api/v1/panels/{second['id']}/decisions", t["chair"], json={
            "case_id": created["case_id"], "decision": "allocate", "keyworker_id": p["keyworker"].id,
            "rationale": "The school has confirmed the attendance concern."})
        assert decided.status_code == 201, decided.get_json()
        held = api.get(f"/api/v1/caseloads/{p['keyworker'].id}", t["chair"]).get_json()["items"]
    assert held[0]["timeliness"] == {"to_triage": 0, "to_panel": 2, "to_allocation": 7}

def test_signpost_and_step_up_from_panel(api, factory):
    p = people(factory)
    t = tokens(factory, p)
    a = case_at_panel(api, t["referrer"], t["officer"], "Alpha")
    b = case_at_panel(api, t["referrer"], t["officer"], "Beta")
    panel = make_panel(api, t["chair"], p)
    signposted = api.post(f"/api/v1/panels/{panel['id']}/decisions", t["chair"], json={
        "case_id": a["case_id"], "decision": "signpost", "signposted_to": "Family Action drop-in",
        "rationale": "Needs met by universal services"}).get_json()
    assert signposted["stage"] == "signposted"
    stepped = api.post(f"/api/v1/panels/{panel['id']}/decisions", t["chair"], json={
        "case_id": b["case_id"], "decision": "step_up", "rationale": "New safeguarding concern"}).get_json()
    assert stepped["stage"] == "social_care"
    # A signposted case cannot then be allocated.
    refused = api.post(f"/api/v1/cases/{a['case_id']}/allocation", t["chair"],
                       json={"keyworker_id": p["keyworker"].id})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "illegal_transition"


def test_partner_member_sees_decisions_but_not_reasons_and_outsiders_see_nothing(api, factory, client):
    p = people(factory)
    t = tokens(factory, p)
    created = case_at_panel(api, t["referrer"], t["officer"])
    panel = make_panel(api, t["chair"], p)
    api.post(f"/api/v1/panels/{panel['id']}/decisions", t["chair"], json={
        "case_id": created["case_id"], "decision": "allocate", "keyworker_id": p["keyworker"].id,
        "rationale": "Mum disclosed historic abuse; keyworker with DA experience"})
    seen = api.get(f"/api/v1/panels/{panel['id']}", t["police_member"]).get_json()
    item = seen["agenda"][0]
    assert item["decision"]["decision"] == "allocate" and item["decision"]["rationale"] is None
    sign_in(client, p["police_member"])
    html = client.get(f"/panels/{panel['id']}/minutes").get_data(as_text=True)
    assert "Reasons withheld" in html and "historic abuse" not in html
    pdf = client.get(f"/panels/{panel['id']}/minutes.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    outsider = factory.token(factory.user("panel_member", org=factory.org("Other school", type="school")))
    assert api.get(f"/api/v1/panels/{panel['id']}", outsider).status_code == 403


def test_chair_minutes_include_the_reasons(client, api, factory):
    p = people(factory)
    t = tokens(factory, p)
    created = case_at_panel(api, t["referrer"], t["officer"])
    panel = make_panel(api, t["chair"], p)
    api.post(f"/api/v1/panels/{panel['id']}/decisions", t["chair"], json={
        "case_id": created["case_id"], "decision": "defer", "rationale": "Await school report"})
    sign_in(client, p["chair"])
    html = client.get(f"/panels/{panel['id']}/minutes").get_data(as_text=True)
    assert "Deferred to the next panel" in html and "Await school report" in html


def test_agenda_page_uses_a_fixed_number_of_queries(client, api, factory, app):
    p = people(factory)
    t = tokens(factory, p)
    case_at_panel(api, t["referrer"], t["officer"], "First")
    panel = make_panel(api, t["chair"], p)
    sign_in(client, p["chair"])

    def queries():
        with app.app_context(), count_queries() as statements:
            assert client.get(f"/panels/{panel['id']}").status_code == 200
        return len(statements)

    few = queries()
    for i in range(8):
        case_at_panel(api, t["referrer"], t["officer"], SURNAMES[i])
    assert queries() == few


def test_partner_member_lists_only_panels_their_organisation_sits_on(client, api, factory):
    p = people(factory)
    t = tokens(factory, p)
    mine = make_panel(api, t["chair"], p, "2026-12-01")
    other = api.post("/api/v1/panels", t["chair"], json={"date": "2026-12-02", "name": "South panel",
                                                           "members": [p["org"].id]}).get_json()
    sign_in(client, p["police_member"])
    html = client.get("/panels").get_data(as_text=True)
    assert f"/panels/{mine['id']}" in html and f"/panels/{other['id']}" not in html
    assert "Set up the next panel" not in html
