"""Browser journey with axe (WCAG 2.2 AA) for the practice tools (issue 20, point 5): the
keyworker completes a DASH checklist that meets the MARAC threshold and records the referral,
scores the outcome wheel twice and reads the distance travelled; the family page shows a pattern
of concerns; an administrator keeps the wheel's areas."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from caseflow.practice.vocab import DASH_QUESTIONS
from tests.e2e.test_accessibility import check, open_page  # noqa: F401  (the fixture)
from tests.notify.helpers import incident, open_family
from caseflow.core.timescales import today_london


pytestmark = pytest.mark.e2e


def _date(page, prefix):
    for part, value in (("day", today_london().day), ("month", today_london().month), ("year", today_london().year)):
        page.locator(f"#{prefix}-{part}").fill(str(value))


def test_dash_and_the_outcome_wheel_in_the_browser_meet_wcag_aa(open_page, api, factory):  # noqa: F811
    w = open_family(api, factory)
    api.post("/api/v1/notifications", w.t["police"], json=incident("NP-E2E"))  # a second concern about Leah
    problems = {}
    page = open_page(w.p["sam"])
    page.goto(f"/cases/{w.case_id}")
    page.get_by_role("link", name="DASH domestic abuse risk checklists").click()
    check(page, page.url, problems)
    page.get_by_role("button", name="Complete a DASH checklist").click()
    check(page, f"/cases/{w.case_id}/dash/new", problems,
          lambda pg: pg.get_by_role("button", name="Save the checklist").click())  # nothing answered
    page.get_by_label("Who the checklist is completed with").select_option(label="Sharon Walsh")
    for number, _ in enumerate(DASH_QUESTIONS, start=1):
        group = page.get_by_role("group", name=f"{number}. ", exact=False).first
        group.get_by_label("Yes" if number <= 14 else "No", exact=True).check()
    page.get_by_role("button", name="Save the checklist").click()
    expect(page.get_by_test_id("marac-prompt")).to_contain_text("Visible high risk: 14 questions answered yes")
    check(page, page.url, problems)
    _date(page, "referred_on")
    page.get_by_role("button", name="Record the MARAC referral").click()
    expect(page.get_by_test_id("marac-referred")).to_be_visible()

    page.goto(f"/cases/{w.case_id}")
    page.get_by_role("link", name="Outcome wheel: distance travelled").click()
    page.get_by_role("button", name="Score the wheel").click()
    check(page, f"/cases/{w.case_id}/outcome-wheel/new", problems,
          lambda pg: pg.get_by_role("button", name="Save the scores").click())
    for occasion, family, worker in (("Assessment (baseline)", "3", "2"), ("Review", "6", "5")):
        page.goto(f"/cases/{w.case_id}/outcome-wheel/new")
        page.get_by_label(occasion).check()
        for select in page.get_by_label("The family's score").all():
            select.select_option(family)
        for select in page.get_by_label("Your score").all():
            select.select_option(worker)
        page.get_by_role("button", name="Save the scores").click()
    expect(page.get_by_test_id("wheel-table")).to_contain_text("+3")
    expect(page.locator("[data-testid=wheel-chart] svg[role=img]")).to_be_visible()
    check(page, f"/cases/{w.case_id}/outcome-wheel", problems)

    check(page, f"/families/{w.family_id}", problems)
    expect(page.get_by_test_id("concern-pattern")).to_contain_text("2 concerns about Leah Walsh")

    admin = open_page(w.p["admin"])
    check(admin, "/admin/outcome-wheel", problems)
    admin.get_by_role("link", name="Daily routines").click()
    check(admin, admin.url, problems)
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())
