"""Browser journeys with axe (WCAG 2.2 AA) for the oversight pages and the panel agenda (issue 20):
a manager records supervision and audits a sampled case file; the keyworker reads both; the
panel chair decides from an agenda that shows what it needs to read."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from caseflow.core import timescales
from tests.e2e.test_accessibility import check, open_page  # noqa: F401  (the fixture)
from tests.plans.helpers import allocated_case, team
from tests.triage.helpers import case_at_panel
from caseflow.core.timescales import today_london

pytestmark = pytest.mark.e2e


def test_supervision_and_case_file_audit_in_the_browser_meet_wcag_aa(open_page, api, factory):  # noqa: F811
    p, t, orgs = team(factory)
    case_id = allocated_case(api, p, t)
    problems = {}
    page = open_page(p["manager"])
    page.goto(f"/cases/{case_id}")
    page.get_by_role("link", name="Supervision and case file audits").click()
    page.get_by_role("button", name="Record supervision").click()
    page.get_by_label("What was discussed").fill("Attendance is up; mum worried about the court date.")
    page.get_by_label("What was decided").fill("Keep weekly visits.")
    check(page, f"/cases/{case_id}/supervision/new", problems,
          lambda pg: pg.get_by_role("button", name="Save").click())  # errors: nothing filled in again
    page.get_by_label("What was discussed").fill("Attendance is up; mum worried about the court date.")
    page.get_by_label("What was decided").fill("Keep weekly visits.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Supervision recorded")).to_be_visible()
    expect(page.get_by_test_id("supervision")).to_contain_text("Keep weekly visits.")
    check(page, f"/cases/{case_id}/oversight", problems)
    check(page, "/supervision/overdue", problems)

    page.get_by_role("link", name="Case audits").click()
    page.get_by_label("Team").select_option(label="Locality North")
    start = today_london() - timedelta(days=30)
    page.locator("#period_start-day").fill(str(start.day))
    page.locator("#period_start-month").fill(str(start.month))
    page.locator("#period_start-year").fill(str(start.year))
    page.locator("#period_end-day").fill(str(today_london().day))
    page.locator("#period_end-month").fill(str(today_london().month))
    page.locator("#period_end-year").fill(str(today_london().year))
    page.get_by_role("button", name="Draw a random sample").click()
    expect(page.get_by_text("1 case file drawn at random from 1")).to_be_visible()
    check(page, page.url, problems)
    page.get_by_role("link", name=re.compile("^CF-")).click()
    # .all() does not wait: the audit form must be on the page before its questions are counted.
    expect(page.get_by_role("button", name="Save the grades")).to_be_visible()
    for group in page.locator(".govuk-radios").all()[:-1]:
        group.get_by_label("Good", exact=True).check()
    page.locator(".govuk-radios").last.get_by_label("Good", exact=True).check()
    page.get_by_label("What the audit found").fill("A clear plan with the child's voice.")
    page.get_by_label("Actions for the keyworker (optional)").fill("Add the school's view to the plan.")
    page.get_by_role("button", name="Save the grades").click()
    expect(page.get_by_text("graded good")).to_be_visible()
    check(page, "/case-audits", problems)
    expect(page.get_by_test_id("grades-over-time")).to_contain_text(timescales.format_uk_month(today_london()))
    check(page, "/case-audits/checklist", problems)

    keyworker = open_page(p["sam"])
    keyworker.goto(f"/cases/{case_id}/oversight")
    expect(keyworker.get_by_test_id("case-audit")).to_contain_text("Add the school's view to the plan.")
    expect(keyworker.get_by_test_id("supervision")).to_contain_text("Keep weekly visits.")
    check(keyworker, "/caseload", problems)
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())


def test_the_panel_agenda_opens_one_decision_at_a_time_and_meets_wcag_aa(open_page, api, factory):  # noqa: F811
    p, t, orgs = team(factory)
    first = case_at_panel(api, t["referrer"], t["officer"], "Walsh")
    second = case_at_panel(api, t["referrer"], t["officer"], "Okoro")
    panel = api.post("/api/v1/panels", t["chair"], json={
        "date": timescales.working_day_on_or_after(today_london() + timedelta(days=7)).isoformat(), "members": []}).get_json()
    page, problems = open_page(p["chair"]), {}
    check(page, f"/panels/{panel['id']}", problems)
    items = page.get_by_test_id("agenda-item")
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text("Several overlapping needs")  # triage's reasoning
    expect(page.get_by_test_id("decision-form")).to_have_count(1)
    okoro = items.filter(has_text="Okoro family")
    okoro.get_by_role("link", name=re.compile("Decide on this family")).click()
    okoro = page.get_by_test_id("agenda-item").filter(has_text="Okoro family")
    expect(okoro.get_by_test_id("decision-form")).to_have_count(1)
    okoro.get_by_label("Decision").select_option(label="Defer to the next panel")
    okoro.get_by_label("Panel's reasons").fill("Waiting for the school's attendance data.")
    okoro.get_by_role("button", name=re.compile("Record decision")).click()
    expect(page.get_by_text("Decision recorded")).to_be_visible()
    # The next family's form is open now.
    walsh = page.get_by_test_id("agenda-item").filter(has_text="Walsh family")
    expect(walsh.get_by_test_id("decision-form")).to_have_count(1)
    check(page, f"/panels/{panel['id']}?decide={first['case_id']}", problems)
    assert second["case_id"] and problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())
