"""Concern alerts: two or more concerns about the same child within seven days tell the front
door and the keyworker once; a further concern joins the pattern without telling them again;
the family page shows the pattern as far as the reader may see it."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine

from tests.conftest import sign_in
from tests.notify.helpers import inbox, incident, open_family

LONDON = ZoneInfo("Europe/London")
MONDAY = datetime(2026, 11, 16, 10, 0, tzinfo=LONDON)


def _alerts(api, token) -> list[dict]:
    return [n for n in inbox(api, token) if n["type"] == "concern_pattern"]


def test_two_concerns_about_a_child_within_a_week_are_told_once(api, factory, client):
    with time_machine.travel(MONDAY, tick=False):  # the school's request for help about Leah
        w = open_family(api, factory)
    assert not _alerts(api, w.t["officer"]) and not _alerts(api, w.t["sam"])  # one concern is not a pattern

    with time_machine.travel(MONDAY + timedelta(days=4), tick=False):  # the police, four days later
        first = api.post("/api/v1/notifications", w.t["police"], json=incident(
            "NP-1", occurred_at="2026-11-19T23:00:00+00:00")).get_json()
    [officer] = _alerts(api, w.t["officer"])
    [keyworker] = _alerts(api, w.t["sam"])
    assert officer["title"] == "2 concerns about Leah Walsh within 7 days"
    assert "Request for help RFH-" in officer["body"] and "Northshire Academy" in officer["body"]
    assert "Police attended a domestic abuse incident" in officer["body"] and "Northshire Police" in officer["body"]
    assert keyworker["case_id"] == w.case_id and not _alerts(api, w.t["aaron"])  # not another team's keyworker

    with time_machine.travel(MONDAY + timedelta(days=9), tick=False):  # within a week of the last: same pattern
        api.post("/api/v1/notifications", w.t["police"], json=incident(
            "NP-2", type_="missing_episode", occurred_at="2026-11-24T20:00:00+00:00"))
    assert len(_alerts(api, w.t["officer"])) == 1 and len(_alerts(api, w.t["sam"])) == 1

    sign_in(client, w.p["sam"])
    page = client.get(f"/families/{w.family_id}").get_data(as_text=True)
    assert 'data-testid="concern-pattern"' in page and "3 concerns about Leah Walsh" in page
    assert first["reference"] in page and "Missing episode" in page

    client.get("/sign-out")  # the school that referred: their own request, not what the police said
    sign_in(client, w.p["referrer"])
    page = client.get(f"/families/{w.family_id}").get_data(as_text=True)
    pattern = page[page.index('data-testid="concern-pattern"'):]
    pattern = pattern[:pattern.index("</ul>")]
    assert "Request for help RFH-" in pattern and "A partner notification, from not shown" in pattern
    assert "Northshire Police" not in pattern and first["reference"] not in pattern


def test_concerns_more_than_a_week_apart_are_not_a_pattern(api, factory):
    with time_machine.travel(MONDAY, tick=False):
        w = open_family(api, factory)
    with time_machine.travel(MONDAY + timedelta(days=8), tick=False):
        api.post("/api/v1/notifications", w.t["police"], json=incident("NP-1", occurred_at="2026-11-23T23:00:00+00:00"))
    assert not _alerts(api, w.t["officer"]) and not _alerts(api, w.t["sam"])
