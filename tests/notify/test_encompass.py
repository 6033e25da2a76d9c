"""Operation Encompass: a school's key adult is told the minimum data set about their pupil and
nothing else; a child on no school's roll is the council's named lead's to hear about."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine

from caseflow.notify.encompass import ENCOMPASS_FIELDS
from tests.notify.helpers import LEAH, inbox, incident, open_family

LONDON = ZoneInfo("Europe/London")
ENCOMPASS = {"place": "The family home, Mill Lane", "circumstances": "A row between the adults; furniture damaged.",
             "children": [{"person": 0, "present": True, "said_or_did": "Leah hid upstairs and called her nan."}]}


def _fields(body: str) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in body.splitlines() if line.strip())


def test_a_school_hears_the_minimum_data_set_and_nothing_else(api, factory):
    w = open_family(api, factory)
    with time_machine.travel(datetime(2026, 11, 20, 22, 40, tzinfo=LONDON), tick=False):
        accepted = api.post("/api/v1/notifications", w.t["police"], json=incident(encompass=ENCOMPASS))
    assert accepted.status_code == 202, accepted.get_json()
    event_id = accepted.get_json()["id"]

    [school] = [n for n in inbox(api, w.t["key_adult"]) if n["event_id"] == event_id]
    told = _fields(school["body"])
    assert list(told) == list(ENCOMPASS_FIELDS.values())  # exactly the minimum data set, in order
    assert told == {"Child": "Leah Walsh", "Date of birth": "2 June 2011", "Police reference": "NP-2026-000123",
                    "Date of the incident": "20 November 2026", "Time of the incident": "22:15",
                    "Place": "The family home, Mill Lane", "Child present": "Yes",
                    "What the child said or did": "Leah hid upstairs and called her nan.",
                    "Circumstances": "A row between the adults; furniture damaged."}
    assert school["title"] == "Operation Encompass: Leah Walsh"
    # Not the police's own account, the family's other members, or the service's case.
    assert "verbal argument" not in school["body"] and "Sharon" not in school["body"] + school["title"]
    assert "CASE-" not in school["body"] and school["case_id"] == w.case_id

    # The keyworker reads the police account and what the school was told.
    [keyworker] = [n for n in inbox(api, w.t["sam"]) if n["event_id"] == event_id]
    assert "verbal argument" in keyworker["body"] and "Leah hid upstairs" in keyworker["body"]


def test_without_the_encompass_details_the_school_is_told_they_were_not_given(api, factory):
    w = open_family(api, factory)
    event_id = api.post("/api/v1/notifications", w.t["police"], json=incident()).get_json()["id"]
    [school] = [n for n in inbox(api, w.t["key_adult"]) if n["event_id"] == event_id]
    told = _fields(school["body"])
    assert list(told) == list(ENCOMPASS_FIELDS.values())
    assert told["Child present"] == "Not known" and told["Place"] == "Not given by the police"


def test_a_child_on_no_school_roll_goes_to_the_councils_encompass_lead(api, factory):
    home_educated = {k: v for k, v in LEAH.items()}
    people = [{"given_name": "Sharon", "family_name": "Walsh", "date_of_birth": "1987-02-11", "sex": "female",
               "relationship": "parent_carer", "postcode": "NS1 4AB"},
              {**home_educated, "relationship": "child", "sex": "female"}]  # no school named
    w = open_family(api, factory, people=people)
    lead = factory.user("front_door", org=w.orgs["early_help"], name="Pat Encompass Lead")
    lead_token = factory.token(lead)
    assert api.put(f"/api/v1/organisations/{w.orgs['early_help'].id}/notification-settings", w.t["admin"],
                   json={"encompass_lead_id": lead.id}).get_json()["encompass_lead_id"] == lead.id
    event_id = api.post("/api/v1/notifications", w.t["police"], json=incident(encompass=ENCOMPASS)).get_json()["id"]
    assert not [n for n in inbox(api, w.t["key_adult"]) if n["event_id"] == event_id]  # not a school's pupil
    [told] = [n for n in inbox(api, lead_token) if n["event_id"] == event_id]
    # The lead works for the service and may see the family: the police account and the Encompass details.
    assert "Child: Leah Walsh" in told["body"] and "Leah hid upstairs" in told["body"]


def test_encompass_details_must_fit_the_event(api, factory):
    w = open_family(api, factory)
    wrong_type = api.post("/api/v1/notifications", w.t["police"],
                          json=incident("NP-9", type_="arrest", encompass=ENCOMPASS))
    assert wrong_type.status_code == 422 and "encompass" in wrong_type.get_json()["error"]["fields"]
    nobody = api.post("/api/v1/notifications", w.t["police"], json=incident(
        "NP-10", encompass={**ENCOMPASS, "children": [{"person": 3, "present": False}]}))
    assert nobody.status_code == 422 and "encompass" in nobody.get_json()["error"]["fields"]
