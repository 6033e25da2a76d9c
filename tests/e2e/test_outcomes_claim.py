"""Browser journey: an analyst runs the claims run, reviews a proposed claim's evidence per
problem and validates it; a team manager approves it; the analyst submits the month's batch and
downloads the funder's CSV. Each page is checked with axe (WCAG 2.2 AA)."""
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_accessibility import violations
from tests.e2e.test_front_door_journey import sign_in
from tests.outcomes.helpers import attendance, family_on_programme, outcomes_team

pytestmark = pytest.mark.e2e


def as_user(browser, live_server, user):
    # bypass_csp only so the test can inject axe; the app's own CSP is unchanged.
    context = browser.new_context(base_url=live_server, locale="en-GB", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    sign_in(page, user)
    return context, page


def accessible(page, problems: dict):
    found = violations(page)
    if found:
        problems[page.url] = found


def test_an_analyst_and_a_manager_take_a_claim_from_proposal_to_submission(browser, live_server, app, api, factory):
    people, tokens, _ = outcomes_team(factory)
    _, family_id, who = family_on_programme(app, api, people, tokens, surname="Okafor")
    attendance(api, tokens["sam"], who["child"], [94, 96, 92])
    problems: dict = {}

    ctx, page = as_user(browser, live_server, people["analyst"])
    page.get_by_role("link", name="Claims").first.click()
    accessible(page, problems)
    page.get_by_role("button", name="Start a claims run").click()
    expect(page.get_by_test_id("run-state")).to_contain_text("Finished")
    expect(page.get_by_test_id("run-summary")).to_contain_text("sustained progress: 1")
    accessible(page, problems)
    page.get_by_role("link", name="Back").click()
    page.get_by_role("link", name="Proposed").click()
    page.get_by_test_id("claims").get_by_role("link").first.click()
    expect(page.get_by_test_id("claim-state")).to_have_text("Proposed")
    expect(page.get_by_test_id("claim-problems")).to_contain_text("Met and sustained")
    expect(page.get_by_test_id("claim-evidence")).to_contain_text("School attendance for a term")
    accessible(page, problems)
    claim_url = page.url
    page.get_by_role("button", name="Validate the claim").click()
    expect(page.get_by_test_id("claim-state")).to_have_text("Validated, waiting for approval")
    expect(page.get_by_role("button", name="Approve the claim")).to_have_count(0)  # not an analyst's to approve
    ctx.close()

    ctx, page = as_user(browser, live_server, people["manager"])
    page.goto(claim_url)
    accessible(page, problems)
    page.get_by_role("button", name="Approve the claim").click()
    expect(page.get_by_test_id("claim-state")).to_have_text("Approved")
    ctx.close()

    ctx, page = as_user(browser, live_server, people["analyst"])
    page.goto("/outcomes/claims")
    page.get_by_label("Month (YYYY-MM)").fill("2026-12")
    page.get_by_role("button", name="Submit approved claims").click()
    expect(page.locator(".govuk-notification-banner, .govuk-body").first).to_be_visible()
    expect(page.get_by_test_id("batches")).to_contain_text("2026-12")
    accessible(page, problems)
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Download CSV")).click()
    csv_text = open(download.value.path()).read()
    assert csv_text.startswith("claim_reference,family_pseudonym")
    assert family_id not in csv_text and "Okafor" not in csv_text
    page.goto(claim_url)
    expect(page.get_by_test_id("claim-state")).to_have_text("Submitted")
    page.goto(f"/families/{family_id}/outcomes")
    expect(page.get_by_test_id("outcome-status")).to_contain_text("Met and sustained")
    accessible(page, problems)
    page.goto("/outcomes/returns")
    accessible(page, problems)
    page.goto("/outcomes/plan")
    accessible(page, problems)
    ctx.close()
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())
