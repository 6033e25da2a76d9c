"""Browser journey: an analyst starts an identification run from the Identified families page; the
front door opens a family's evidence, tries to start a request without consent (the front door's
own rule refuses it), dismisses one family with a reason and starts a request for the other with
the family's consent. The list, run, evidence and error pages are checked with axe (WCAG 2.2 AA)."""
import pytest
from playwright.sync_api import expect

from caseflow.core.extensions import db
from tests.e2e.test_outcomes_claim import accessible, as_user
from tests.identification.helpers import evidence, known_family

pytestmark = pytest.mark.e2e


def test_the_front_door_works_the_families_a_run_identified(browser, live_server, app, factory):
    org = factory.org("Northshire Council")
    analyst, officer = factory.user("analyst", org=org), factory.user("front_door", org=org, name="Priya Shah")
    with app.app_context():
        _, harrow = known_family("Harrow")
        evidence(harrow["child"], "attendance", 60, analyst.id, value=81.5, end_days_ago=10)
        evidence(harrow["parent"], "offence", 100, analyst.id, source_reference="police-2026-q3.csv")
        _, okafor = known_family("Okafor", parent="Grace", child="Tobi", postcode="NS3 1AA")
        evidence(okafor["child"], "exclusion", 30, analyst.id, code="fixed_term")
        evidence(okafor["parent"], "asb", 45, analyst.id)
        db.session.commit()
    problems: dict = {}

    ctx, page = as_user(browser, live_server, analyst)
    page.get_by_role("link", name="Identified families").first.click()
    expect(page.get_by_test_id("run-shown")).to_contain_text("No identification run has finished yet")
    page.get_by_role("button", name="Start an identification run").click()
    expect(page.get_by_test_id("run-state")).to_contain_text("2 families identified")
    accessible(page, problems)
    ctx.close()

    ctx, page = as_user(browser, live_server, officer)
    page.get_by_role("link", name="Identified families").first.click()
    expect(page.get_by_test_id("identified")).to_contain_text("Harrow")
    expect(page.get_by_test_id("identified")).to_contain_text("Children not attending school regularly")
    accessible(page, problems)
    page.get_by_role("link", name="Harrow family").click()
    expect(page.get_by_test_id("evidence-education")).to_contain_text("81.5%")
    expect(page.get_by_test_id("evidence-crime_asb")).to_contain_text("police-2026-q3.csv")
    accessible(page, problems)
    page.get_by_role("radio", name="No", exact=True).check()
    page.get_by_role("button", name="Start the request").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("consent")
    accessible(page, problems)
    page.get_by_label("Why is this family dismissed?").fill("Known to the school's pastoral team")
    page.get_by_role("button", name="Dismiss").click()
    expect(page.get_by_test_id("identified")).to_contain_text("Dismissed")
    page.get_by_role("link", name="Okafor family").click()
    page.get_by_role("radio", name="Yes", exact=True).check()
    page.get_by_role("button", name="Start the request").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("It is in the front door queue")
    expect(page.get_by_test_id("identified")).to_contain_text("Request started")
    ctx.close()
    assert not problems, problems
