"""Journey 3: an event about a family whose case closed recently goes to the last keyworker and
team manager, who record why not, or open a new case from it in one step. And flags."""
from __future__ import annotations

from tests.notify.helpers import LEAH, inbox, incident, open_family


def _close(api, w):
    closed = api.post(f"/api/v1/cases/{w.case_id}/close", w.t["sam"],
                      json={"reason": "outcomes_achieved", "summary": "Leah back at school every day."})
    assert closed.status_code == 200, closed.get_json()


def test_an_event_after_closure_goes_to_the_last_keyworker_who_records_why_not(api, factory):
    w = open_family(api, factory)
    _close(api, w)
    accepted = api.post("/api/v1/notifications", w.t["police"], json=incident(
        "NP-APR", type_="police_contact", summary="Leah found intoxicated at a party, returned home.")).get_json()
    event = api.get(f"/api/v1/notifications/{accepted['id']}", w.t["officer"]).get_json()
    assert event["status"] == "closed_recently" and event["case_id"] == w.case_id
    for who in ("sam", "manager"):
        notes = [n for n in inbox(api, w.t[who]) if n["event_id"] == accepted["id"]]
        assert len(notes) == 1 and "Open a new case" in notes[0]["body"], who
    assert not [n for n in inbox(api, w.t["key_adult"]) if n["event_id"] == accepted["id"]]  # no open case: no routing
    no_reason = api.post(f"/api/v1/events/{accepted['id']}/decision", w.t["sam"], json={"decision": "no_further_action"})
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["error"]["fields"]
    decided = api.post(f"/api/v1/events/{accepted['id']}/decision", w.t["sam"], json={
        "decision": "no_further_action", "reason": "Isolated incident; mum is handling it with school support."})
    assert decided.status_code == 200 and decided.get_json()["status"] == "no_further_action"
    again = api.post(f"/api/v1/events/{accepted['id']}/decision", w.t["manager"],
                     json={"decision": "open_case", "reason": "changed my mind"})
    assert again.status_code == 409


def test_a_manager_opens_a_new_case_from_a_notification_in_one_step(api, factory):
    w = open_family(api, factory)
    _close(api, w)
    accepted = api.post("/api/v1/notifications", w.t["police"], json=incident(
        "NP-JUN", type_="missing_episode", summary="Chloe missing overnight; found next morning.")).get_json()
    someone_else = api.post(f"/api/v1/events/{accepted['id']}/decision", w.t["aaron"],
                            json={"decision": "open_case", "reason": "x"})
    assert someone_else.status_code == 403
    opened = api.post(f"/api/v1/events/{accepted['id']}/decision", w.t["manager"], json={
        "decision": "open_case", "reason": "Second police notification in three months; exploitation risk."})
    assert opened.status_code == 200, opened.get_json()
    new_case_id = opened.get_json()["new_case_id"]
    case = api.get(f"/api/v1/cases/{new_case_id}", w.t["officer"]).get_json()
    assert case["family_id"] == w.family_id and case["stage"] == "requested"
    assert case["is_re_referral"] is True and case["previous_case_id"] == w.case_id
    queue = api.get("/api/v1/requests?status=new", w.t["officer"]).get_json()["items"]
    assert any(r["case_id"] == new_case_id for r in queue)  # straight to the front door's triage


def test_flags_follow_the_open_case_and_every_check_is_logged(api, factory):
    w = open_family(api, factory)
    by_nhs = api.get(f"/api/v1/flags?nhs_number={LEAH['nhs_number']}&date_of_birth=2011-06-02", w.t["police"]).get_json()
    assert by_nhs["flagged"] is True and by_nhs["contact"].startswith("Sam Taylor")
    by_name = api.get("/api/v1/flags?given_name=Leah&family_name=Walsh&date_of_birth=2011-06-02&postcode=NS1 4AB",
                      w.t["police"]).get_json()
    assert by_name["flagged"] is True
    nobody = api.get("/api/v1/flags?given_name=Zed&family_name=Quill&date_of_birth=1990-01-01", w.t["police"])
    assert nobody.status_code == 200 and nobody.get_json()["flagged"] is False
    vague = api.get("/api/v1/flags?given_name=Leah", w.t["police"])
    assert vague.status_code == 422 and "NHS number" in vague.get_json()["error"]["fields"]["date_of_birth"][0]
    assert api.get(f"/api/v1/flags?nhs_number={LEAH['nhs_number']}&date_of_birth=2011-06-02", w.t["admin"]).status_code == 403
    log = api.get(f"/api/v1/families/{w.family_id}/access-log", w.t["manager"]).get_json()["items"]
    assert sum(1 for e in log if e["action"] == "flags.query") >= 2
    _close(api, w)
    assert api.get(f"/api/v1/flags?nhs_number={LEAH['nhs_number']}&date_of_birth=2011-06-02", w.t["police"]).get_json()["flagged"] is False
