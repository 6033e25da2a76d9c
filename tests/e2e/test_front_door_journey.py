"""Browser journeys through the front door (Playwright driving Debian's chromium)."""
import re

import pytest
from playwright.sync_api import expect

from tests.conftest import TEST_PASSWORD
from tests.frontdoor.test_matching_outcomes import two_lookalike_families

pytestmark = pytest.mark.e2e


def sign_in(page, user):
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_parent_self_refers_on_a_phone_and_the_front_door_picks_it_up(browser, live_server, factory):
    # Journey 4, step 1: Aisha fills in the self-referral form on her phone.
    phone = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844},
                                is_mobile=True, has_touch=True, locale="en-GB")
    page = phone.new_page()
    page.goto("/")
    page.get_by_role("button", name="Ask for help").click()
    expect(page.get_by_role("heading", name="Ask for help for your family")).to_be_visible()
    page.get_by_label("Phone number", exact=True).fill("07700 900982")
    page.locator("#people-0-given_name").fill("Aisha")
    page.locator("#people-0-family_name").fill("Rahman")
    page.locator("#people-0-dob-day").fill("19")
    page.locator("input[name='people-0-dob-month']").fill("8")
    page.locator("input[name='people-0-dob-year']").fill("1997")
    page.locator("#people-1-given_name").fill("Zayn")
    page.locator("#people-1-family_name").fill("Rahman")
    page.locator("#people-1-dob-day").fill("3")
    page.locator("input[name='people-1-dob-month']").fill("3")
    page.locator("input[name='people-1-dob-year']").fill("2023")
    page.get_by_label("Children who need help (including early years)").check()
    page.get_by_label("Tell us what is happening").fill("Struggling with Zayn's behaviour and feel isolated.")
    # Forgetting to agree gives a clear, linked error and keeps what was typed.
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("alert")).to_contain_text("Tell us if you agree")
    expect(page.locator("#people-1-given_name")).to_have_value("Zayn")
    page.get_by_label(re.compile("I agree to the Early Help team")).check()
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", name="We have your request")).to_be_visible()
    reference = page.get_by_test_id("reference").inner_text()
    expect(page.get_by_test_id("next-steps")).to_contain_text("by the end of")
    phone.close()

    # The front-door officer sees it in the queue, opens it and reaches the family record.
    officer = factory.user("front_door", name="Priya Shah")
    desk = browser.new_context(base_url=live_server, locale="en-GB")
    page = desk.new_page()
    sign_in(page, officer)
    expect(page.get_by_test_id("signed-in-as")).to_contain_text("Priya Shah")
    queue = page.get_by_test_id("queue")
    expect(queue).to_contain_text(reference)
    expect(queue).to_contain_text("Self-referral")
    page.get_by_role("link", name=reference, exact=True).click()
    expect(page.get_by_test_id("details")).to_contain_text("Struggling with Zayn")
    page.get_by_role("link", name="Rahman family").click()
    expect(page.get_by_role("heading", name="Rahman family")).to_be_visible()
    expect(page.get_by_role("cell", name="Zayn Rahman")).to_be_visible()
    desk.close()


def test_officer_confirms_a_possible_match_side_by_side(page, api, factory, app):
    (family_a, person_a), _ = two_lookalike_families(app)
    from tests.frontdoor.test_matching_outcomes import lookalike_request

    body = api.post("/api/v1/requests", factory.token(factory.user("partner")),
                    json=lookalike_request()).get_json()
    sign_in(page, factory.user("front_door"))
    page.get_by_role("link", name=body["reference"], exact=True).click()
    review = page.get_by_test_id("review-0")
    expect(review).to_contain_text("Possible match")
    expect(review.get_by_role("button", name=re.compile("This is the same person"))).to_have_count(2)
    review.get_by_role("button", name=re.compile("This is the same person")).first.click()
    expect(page.get_by_text("Match confirmed")).to_be_visible()
    page.get_by_role("link", name="Smith family").click()
    expect(page.get_by_role("heading", name="Smith family")).to_be_visible()
    expect(page.get_by_text("Requested").first).to_be_visible()


def test_keyworker_is_refused_the_queue_with_a_reason(page, factory):
    sign_in(page, factory.user("keyworker"))
    page.goto("/front-door")
    expect(page.get_by_test_id("denied-reason")).to_contain_text("Only the front door and managers")
