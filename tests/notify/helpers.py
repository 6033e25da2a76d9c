"""A family open to early help whose child goes to a school with a key adult, and the police
system that reports incidents about them: everything made through the real API."""
from __future__ import annotations

from dataclasses import dataclass

from tests.frontdoor.test_api_intake import VALID_NHS, request_body
from tests.plans.helpers import team
from tests.triage.helpers import TRIAGE_TO_PANEL

LEAH = {"given_name": "Leah", "family_name": "Walsh", "date_of_birth": "2011-06-02", "postcode": "NS1 4AB",
        "nhs_number": VALID_NHS}


@dataclass
class World:
    p: dict
    t: dict
    orgs: dict
    case_id: str
    family_id: str


def open_family(api, factory, *, webhook_url: str | None = None, allocate: bool = True, people=None) -> World:
    p, t, orgs = team(factory)
    police = factory.org("Northshire Police", type="police")
    p["police"] = factory.user("partner_system", org=police, name="Police records system")
    p["key_adult"] = factory.user("partner", org=orgs["school"], name="Mrs Khan (key adult)")
    p["duty"] = factory.user("team_manager", org=orgs["early_help"], name="Duty Manager")
    p["admin"] = factory.user("admin", org=orgs["early_help"])
    for key in ("police", "key_adult", "duty", "admin"):
        t[key] = factory.token(p[key])
    orgs["police"] = police
    settings = {"key_adult_id": p["key_adult"].id}
    if webhook_url:
        settings["webhook_url"] = webhook_url
    school = api.put(f"/api/v1/organisations/{orgs['school'].id}/notification-settings", t["admin"], json=settings)
    assert school.status_code == 200, school.get_json()
    orgs["school_webhook_secret"] = school.get_json().get("webhook_secret")
    duty = api.put(f"/api/v1/organisations/{orgs['early_help'].id}/notification-settings", t["admin"],
                   json={"duty_contact_id": p["duty"].id})
    assert duty.status_code == 200, duty.get_json()
    created = api.post("/api/v1/requests", t["referrer"],
                       json=request_body(**({"people": people} if people else {}))).get_json()
    case_id = created["case_id"]
    assert api.post(f"/api/v1/cases/{case_id}/triage", t["officer"], json=TRIAGE_TO_PANEL).status_code == 201
    if allocate:
        allocated = api.post(f"/api/v1/cases/{case_id}/allocation", t["chair"], json={"keyworker_id": p["sam"].id})
        assert allocated.status_code == 201, allocated.get_json()
    return World(p, t, orgs, case_id, created["family_id"])


def incident(source_reference: str = "NP-2026-000123", type_: str = "domestic_abuse",
             occurred_at: str = "2026-11-20T22:15:00+00:00", people=None, **extra) -> dict:
    return {"type": type_, "occurred_at": occurred_at, "source_reference": source_reference,
            "summary": "Officers attended a verbal argument between adults; Leah was present.",
            "people": people or [LEAH], **extra}


def inbox(api, token) -> list[dict]:
    return api.get("/api/v1/inbox", token).get_json()["items"]
