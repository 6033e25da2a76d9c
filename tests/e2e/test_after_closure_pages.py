"""Browser journeys with axe (WCAG 2.2 AA) for the directory of local services (an administrator
adds a service), the closure form picking from it, and the monitoring page (a keyworker records a
check-in and the outcome review), issue 20 points 8 and 9."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.test_accessibility import check, open_page  # noqa: F401  (the fixture)
from tests.plans.helpers import agreed_plan, allocated_case, complete_assessment, team

pytestmark = pytest.mark.e2e


def test_the_directory_and_the_monitoring_page_in_the_browser_meet_wcag_aa(open_page, api, factory):  # noqa: F811
    p, t, orgs = team(factory)
    admin = factory.user("admin", org=orgs["early_help"])
    case_id = allocated_case(api, p, t)
    complete_assessment(api, t["sam"], case_id)
    agreed_plan(api, t["sam"], case_id, p["sam"].id)
    problems = {}

    page = open_page(admin)
    page.goto("/admin/directory")
    page.get_by_role("button", name="Add a service").click()
    check(page, "/admin/directory/new", problems,
          lambda pg: pg.get_by_role("button", name="Add service").click())  # errors: nothing filled in
    page.get_by_label("Name of the service").fill("Riverside Family Hub")
    page.get_by_label("Organisation that runs it").fill("Northshire Council")
    page.get_by_label("What it offers").fill("Parenting groups and a money advice drop-in.")
    page.get_by_label("Children who need help (including early years)").check()
    page.get_by_label("Area it covers").fill("Riverside")
    page.get_by_label("Phone (optional)").fill("01632 960120")
    page.get_by_role("button", name="Add service").click()
    expect(page.get_by_text("Riverside Family Hub added to the directory")).to_be_visible()
    expect(page.get_by_test_id("directory")).to_contain_text("Phone: 01632 960120")
    check(page, "/admin/directory", problems)

    keyworker = open_page(p["sam"])
    check(keyworker, f"/cases/{case_id}/close", problems)
    keyworker.get_by_label("Stepped down to universal services").check()
    for group in keyworker.locator(".govuk-radios--inline").all():
        group.get_by_label("Achieved", exact=True).check()
    keyworker.get_by_label("Closing summary").fill("Attendance back to 95%; Mum is working.")
    keyworker.get_by_label("Name", exact=True).fill("Mrs Ola Adeyemi")
    keyworker.get_by_label("Organisation", exact=True).fill("Riverside Primary School")
    keyworker.get_by_label("How to reach them").fill("01632 960555")
    keyworker.get_by_label("Riverside Family Hub (Northshire Council)").check()
    keyworker.get_by_label("Yes: light-touch check-ins for 6 months, then an outcome review").check()
    keyworker.get_by_role("button", name="Close the case").click()
    expect(keyworker.get_by_text("its monitoring period has begun")).to_be_visible()
    keyworker.get_by_role("link", name="Check-ins and outcome review").click()
    expect(keyworker.get_by_test_id("step-down-contact")).to_contain_text("Mrs Ola Adeyemi")
    check(keyworker, f"/cases/{case_id}/monitoring", problems,
          lambda pg: pg.get_by_role("button", name="Record the check-in").click())  # errors: no outcome chosen
    keyworker.get_by_label("Going well").check()
    keyworker.get_by_role("button", name="Record the check-in").click()
    expect(keyworker.get_by_text("Check-in recorded: going well")).to_be_visible()
    check(keyworker, f"/cases/{case_id}/monitoring", problems)
    keyworker.get_by_label("Sustained: the family is managing without early help").check()
    keyworker.get_by_label("What the review found").fill("Attendance held at 95%.")
    keyworker.get_by_role("button", name="Record the review and close the case fully").click()
    expect(keyworker.get_by_text("The case is now fully closed")).to_be_visible()
    check(keyworker, f"/cases/{case_id}/closing-letter", problems)
    expect(keyworker.get_by_test_id("letter")).to_contain_text("Riverside Family Hub")
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())
