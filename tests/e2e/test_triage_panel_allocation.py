"""Browser journey: a request is triaged, taken to panel and allocated; each person sees their part."""
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_front_door_journey import sign_in
from tests.triage.helpers import new_case

pytestmark = pytest.mark.e2e


def test_request_through_triage_panel_and_allocation(browser, live_server, api, factory):
    org = factory.org("Northshire Early Help")
    factory.org("Northshire Police", type="police")  # ticked as a panel member below
    officer = factory.user("front_door", org=org, name="Priya Shah")
    chair = factory.user("panel_chair", org=org, name="Martin Okafor")
    keyworker = factory.user("keyworker", org=org, name="Sam Taylor", team="North Locality Team")
    created = new_case(api, factory.token(factory.user("partner")), surname="Walsh")

    def as_user(user):
        context = browser.new_context(base_url=live_server, locale="en-GB")
        page = context.new_page()
        page.set_default_timeout(15000)
        sign_in(page, user)
        return context, page

    # The front-door officer triages from the queue.
    ctx, page = as_user(officer)
    page.get_by_role("link", name=re.compile(f"Triage {created['reference']}")).click()
    expect(page.get_by_role("heading", name="Triage")).to_be_visible()
    page.get_by_label("3: Intensive or complex early help").check()
    page.get_by_label("Not attending school regularly, or excluded").check()
    page.locator("#evidence-education").fill("School attendance data: 68%")
    page.get_by_label("Health, including mental health and drug or alcohol use").check()
    page.locator("#evidence-health").fill("GP letter")
    page.get_by_label("Amber: some risk").check()
    page.get_by_label("Send to the multi-agency panel").check()
    page.get_by_label("Rationale").fill("Several overlapping needs; whole-family work needed.")
    page.get_by_role("button", name="Record triage decision").click()
    expect(page.get_by_text("Triage decision recorded")).to_be_visible()
    expect(page.get_by_test_id("queue")).to_have_count(0)  # nothing left waiting
    ctx.close()

    # The panel chair sets up the panel and allocates Sam from the agenda.
    ctx, page = as_user(chair)
    page.get_by_role("link", name="Panels").click()
    page.get_by_label("Northshire Police").check()
    page.get_by_role("button", name="Create panel").click()
    item = page.get_by_test_id("agenda-item").filter(has_text="Walsh family")
    expect(item).to_contain_text("Amber")
    item.get_by_label("Keyworker (current caseload / capacity)").select_option(label="Sam Taylor (0/15)")
    item.get_by_label("Panel's reasons").fill("Sam has capacity; school to join the TAF.")
    item.get_by_role("button", name=re.compile("Record decision")).click()
    expect(page.get_by_text("Decision recorded: allocate")).to_be_visible()
    page.get_by_role("link", name="Minutes", exact=True).click()
    expect(page.get_by_test_id("minute")).to_contain_text("Allocated to Sam Taylor")
    ctx.close()

    # Sam finds the family in the inbox and on the caseload, with timescales.
    ctx, page = as_user(keyworker)
    page.get_by_role("link", name="Inbox").click()
    expect(page.get_by_test_id("notification").first).to_contain_text("Walsh family has been allocated to you")
    page.get_by_role("link", name="My caseload").click()
    page.get_by_role("link", name=re.compile("^CF-")).click()
    expect(page.get_by_test_id("case-summary")).to_contain_text("Sam Taylor")
    expect(page.get_by_test_id("case-summary")).to_contain_text("to triage: 0")
    ctx.close()
