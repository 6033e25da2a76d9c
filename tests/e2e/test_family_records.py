"""An officer keeps family records right in the browser: corrects a surname, records a child
moving out, merges a duplicate from the potential-duplicates list and undoes it, with axe
(WCAG 2.2 AA) on the correction, household, merge and unmerge pages, with and without errors."""
from __future__ import annotations

import pytest

from caseflow.core.extensions import db
from tests.e2e.test_accessibility import open_page, violations  # noqa: F401 (fixture)
from tests.frontdoor.helpers import known_family
from tests.frontdoor.test_api_intake import request_body

pytestmark = pytest.mark.e2e


def _axe(page, problems, label):
    found = violations(page)
    if found:
        problems[label] = found


def test_correct_household_merge_and_unmerge_pages(open_page, api, app, factory):  # noqa: F811
    family_id, (sharon, leah) = known_family(app)
    partner = factory.token(factory.user("partner"))
    api.post("/api/v1/requests", partner, json=request_body(people=[
        {"given_name": "Leah", "family_name": "Walsh", "date_of_birth": "2011-06-02", "sex": "female",
         "relationship": "child", "postcode": "ZE1 0AA"}]))
    with app.app_context():
        from caseflow.records.merging import scan_for_duplicates

        scan_for_duplicates()
        db.session.commit()
    officer = factory.user("front_door")
    page, problems = open_page(officer), {}

    # correct a surname, with a reason; the history shows it and search still finds the old name
    page.goto(f"/people/{sharon}/correct")
    _axe(page, problems, "correction")
    page.get_by_role("button", name="Save correction").click()  # nothing changed, no reason
    page.wait_for_load_state()
    assert page.locator(".govuk-error-summary").is_visible()
    _axe(page, problems, "correction with errors")
    page.get_by_label("Last name").fill("Okafor")
    page.get_by_label("Why are you correcting this?").fill("Married in June")
    page.get_by_role("button", name="Save correction").click()
    page.wait_for_url(f"**/people/{sharon}")
    assert "Okafor" in page.get_by_test_id("history").inner_text()
    assert "Sharon Walsh" in page.get_by_test_id("previous-names").inner_text()
    page.goto("/families?q=Sharon+Walsh")
    assert "Walsh family" in page.content()

    # the household: Leah moves out on a date; the page as of the day before still shows her
    page.goto(f"/families/{family_id}/household")
    _axe(page, problems, "household")
    form = page.locator("form", has=page.get_by_role("button", name="Record the change"))
    form.get_by_label("Who left").select_option(leah)
    form.get_by_label("Day").fill("1")
    form.get_by_label("Month").fill("9")
    form.get_by_label("Year").fill("2026")
    form.get_by_label("Moved out").check()
    form.get_by_role("button", name="Record the change").click()
    page.wait_for_load_state()
    assert "Leah Walsh" not in page.get_by_test_id("household").inner_text()
    assert "Moved out on 1 September 2026" in page.get_by_test_id("not-living-there").inner_text()
    page.goto(f"/families/{family_id}/household?as_of=2026-08-31")
    assert "Leah Walsh" in page.get_by_test_id("household").inner_text()
    form = page.locator("form", has=page.get_by_role("button", name="Record the change"))
    form.get_by_role("button", name="Record the change").click()  # nobody chosen
    page.wait_for_load_state()
    assert page.locator(".govuk-error-summary").is_visible()
    _axe(page, problems, "household with errors")

    # the potential-duplicates list -> compare side by side -> merge
    page.goto("/duplicates")
    _axe(page, problems, "duplicates")
    page.get_by_role("link", name="Compare").first.click()
    page.wait_for_load_state()
    assert page.get_by_test_id("side-by-side").is_visible()
    _axe(page, problems, "merge")
    page.get_by_role("button", name="Merge the records").click()  # no reason
    page.wait_for_load_state()
    assert page.locator(".govuk-error-summary").is_visible()
    _axe(page, problems, "merge with errors")
    page.get_by_label("Why are these the same person?").fill("Same child, new address")
    page.get_by_role("button", name="Merge the records").click()
    page.wait_for_load_state()
    assert "Records merged" in page.content()

    # undo the merge
    page.get_by_role("link", name="Undo the merge").click()
    page.wait_for_load_state()
    _axe(page, problems, "unmerge")
    page.get_by_role("button", name="Undo the merge").click()  # no reason
    page.wait_for_load_state()
    _axe(page, problems, "unmerge with errors")
    page.get_by_label("Why undo this merge?").fill("Two children after all")
    page.get_by_role("button", name="Undo the merge").click()
    page.wait_for_load_state()
    assert "The merge is undone" in page.content()
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())
