"""Browser journey with axe (WCAG 2.2 AA) for the Action & Impact panel and partners'
contributions (issue 20, points 1 and 11): the keyworker brings a stuck case, the school adds
what its records hold before the meeting, and the chair records the discussion and an action
that lands in the family plan."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from caseflow.core import timescales
from tests.e2e.test_accessibility import check, open_page  # noqa: F401  (the fixture)
from tests.plans.helpers import agreed_plan, allocated_case, complete_assessment, team
from caseflow.core.timescales import today_london

pytestmark = pytest.mark.e2e


def test_action_and_impact_and_contributions_in_the_browser_meet_wcag_aa(open_page, api, factory):  # noqa: F811
    p, t, orgs = team(factory)
    case_id = allocated_case(api, p, t)
    complete_assessment(api, t["sam"], case_id)
    agreed_plan(api, t["sam"], case_id, p["sam"].id)  # months in, and stuck
    meets_on = timescales.working_day_on_or_after(today_london() + timedelta(days=7))
    panel = api.post("/api/v1/panels", t["chair"], json={
        "date": meets_on.isoformat(), "kind": "escalation", "members": [orgs["school"].id, orgs["camhs"].id]}).get_json()
    problems = {}

    keyworker = open_page(p["sam"])
    keyworker.goto(f"/cases/{case_id}")
    keyworker.get_by_role("link", name="Bring a stuck case to Action and Impact").click()
    check(keyworker, f"/cases/{case_id}/action-and-impact", problems,
          lambda pg: pg.get_by_role("button", name="Add to the agenda").click())  # errors: nothing filled in
    keyworker.get_by_label("What is stuck").fill("Attendance has not moved in two reviews; mum is not engaging.")
    keyworker.get_by_label("What you are asking partners to do").fill("The school to offer a reduced timetable.")
    keyworker.get_by_role("button", name="Add to the agenda").click()
    expect(keyworker.get_by_text("on the Action and Impact panel's agenda")).to_be_visible()

    school = open_page(p["referrer"])  # the school referred the family: it may share about them
    check(school, f"/panels/{panel['id']}/contributions", problems)
    school.get_by_label("What your records hold about").fill("Attendance 71% this half term; two lates a week.")
    school.get_by_role("button", name="Save").click()
    expect(school.get_by_text("Your contribution is saved")).to_be_visible()
    check(school, f"/panels/{panel['id']}/contributions", problems)

    chair = open_page(p["chair"])
    check(chair, f"/panels/{panel['id']}", problems)
    item = chair.get_by_test_id("nomination")
    expect(item).to_contain_text("The school to offer a reduced timetable.")
    expect(item).to_contain_text("Attendance 71% this half term")
    item.get_by_label("What the panel discussed").fill("A reduced timetable from after half term.")
    item.get_by_role("button", name="Save the discussion").click()
    expect(chair.get_by_text("Discussion recorded.")).to_be_visible()
    item = chair.get_by_test_id("nomination")
    item.get_by_label("Action", exact=True).fill("Start a reduced timetable for Leah")
    item.get_by_label("Owning organisation").select_option(label="Northshire Academy")
    item.get_by_label("Due by").fill((today_london() + timedelta(days=21)).isoformat())
    item.get_by_role("button", name="Agree the action").click()
    expect(chair.get_by_text("Action agreed and added to the family plan.")).to_be_visible()
    expect(chair.get_by_test_id("agreed-actions")).to_contain_text("Start a reduced timetable for Leah")
    check(chair, f"/panels/{panel['id']}", problems)
    check(chair, f"/panels/{panel['id']}/contributions", problems)
    check(chair, "/panels", problems)

    keyworker.goto(f"/cases/{case_id}/plan")
    expect(keyworker.get_by_text("Start a reduced timetable for Leah")).to_be_visible()
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())
