"""Browser journey: a keyworker records the assessment (autosaved as they type), agrees the plan,
logs a visit on a tablet-sized screen, holds a TAF review and closes the case."""
import re
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.e2e.test_front_door_journey import sign_in
from tests.plans.helpers import allocated_case, team
from caseflow.core.timescales import today_london

pytestmark = pytest.mark.e2e


def fill_date(scope, prefix, day: date):
    scope.locator(f"[name='{prefix}-day']").fill(str(day.day))
    scope.locator(f"[name='{prefix}-month']").fill(str(day.month))
    scope.locator(f"[name='{prefix}-year']").fill(str(day.year))


def test_keyworker_assesses_plans_visits_reviews_and_closes(browser, live_server, api, factory):
    p, t, orgs = team(factory)
    case_id = allocated_case(api, p, t)
    # A tablet in portrait: the forms must work without a keyboard shortcut or a wide screen.
    context = browser.new_context(base_url=live_server, locale="en-GB", viewport={"width": 768, "height": 1024})
    page = context.new_page()
    page.set_default_timeout(15000)
    sign_in(page, p["sam"])

    page.goto(f"/cases/{case_id}")
    page.get_by_role("link", name="Start the assessment").click()
    expect(page.get_by_test_id("assessment-status")).to_contain_text("Not started")
    expect(page.locator("#domain-education-needs")).to_have_value(re.compile("School attendance data: 68%"))

    # Typing saves the draft without pressing a button.
    page.get_by_label("In Leah Walsh's own words (the voice of the child)").fill("I want to do art at college.")
    expect(page.locator("[data-autosave-status]")).to_contain_text("Draft saved", timeout=10000)
    assert api.get(f"/api/v1/cases/{case_id}/assessment", t["sam"]).get_json()["members"][0]["voice"] \
        == "I want to do art at college."

    # Completing too soon lists what is missing; nothing typed is lost.
    page.get_by_role("button", name="Complete assessment").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Give a baseline score for")
    expect(page.get_by_label("In Leah Walsh's own words (the voice of the child)")).to_have_value("I want to do art at college.")
    page.get_by_label("The family's own view: what is happening and what they want to change").fill(
        "Mum says she wants Leah back at school and some help with money.")
    page.get_by_label("Baseline: Not attending school regularly, or excluded").select_option("2")
    page.get_by_label("Baseline: Health, including mental health and drug or alcohol use").select_option("4")
    page.get_by_role("button", name="Complete assessment").click()
    expect(page.get_by_text("Assessment completed and locked")).to_be_visible()

    # The plan: one outcome per confirmed problem, each action owned.
    expect(page.get_by_test_id("outcome-row")).to_have_count(3)
    rows = page.get_by_test_id("outcome-row")
    target = date(today_london().year + 1, 3, 31)
    for i, (outcome, measure) in enumerate([("Leah goes to school every day", "Attendance of 90% for a term"),
                                             ("Mum gets help with her anxiety", "Regular GP appointments kept")]):
        rows.nth(i).get_by_label("What the family wants to change").fill(outcome)
        rows.nth(i).get_by_label("How everyone will know it has worked").fill(measure)
        fill_date(rows.nth(i), f"outcomes-{i}-target", target)
    action = page.get_by_test_id("action-row").first
    action.get_by_label("What will be done").fill("SEN placement review")
    action.get_by_label("Who owns it").select_option(label="Northshire Academy")
    action.get_by_label("For which outcome").select_option(index=1)
    fill_date(action, "actions-0-due", target)
    page.get_by_role("button", name="Save plan").click()
    expect(page.get_by_text("Plan saved.")).to_be_visible()
    page.get_by_label("The family has read this plan and agrees it").check()
    page.get_by_role("button", name="Agree the plan").click()
    expect(page.get_by_text("The family's plan is agreed")).to_be_visible()
    expect(page.get_by_test_id("plan-summary")).to_contain_text("next TAF review due by")

    # A home visit, recorded in a minute.
    page.get_by_role("link", name="Record a visit or contact").click()
    page.get_by_label("Home visit").check()
    page.get_by_label("Leah Walsh").check()
    page.get_by_label("What happened").fill("Leah showed me her art folder; mum has a GP appointment on Friday.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("chronology")).to_contain_text("Leah showed me her art folder")

    # The TAF review scores progress; the case shows the distance travelled.
    page.get_by_role("link", name="Record a TAF review").click()
    page.get_by_label(re.compile("Leah goes to school every day")).select_option("6")
    page.get_by_label(re.compile("Mum gets help with her anxiety")).select_option("5")
    page.get_by_label("SEN placement review (due").select_option("done")
    page.get_by_label("Other attendees (optional)").fill("Sharon Walsh, parent")
    page.get_by_label("Close: the plan's outcomes are met or support should end").check()
    page.get_by_label("Notes of the review").fill("Attendance 92%. Everyone agrees to close.")
    page.get_by_role("button", name="Save review").click()
    expect(page.get_by_role("heading", name="Close the case")).to_be_visible()

    # Closing needs every outcome marked.
    page.get_by_label("Outcomes achieved").check()
    page.get_by_label("Closing summary").fill("Leah is back at school and mum has support from her GP.")
    page.get_by_role("button", name="Close the case").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("was achieved")
    for group in page.locator(".govuk-radios--inline").all():
        group.get_by_label("Achieved", exact=True).check()
    page.get_by_label("The family's feedback (optional)").fill("Sam listened to us.")
    page.get_by_role("button", name="Close the case").click()
    expect(page.get_by_text(re.compile("closed\\."))).to_be_visible()
    expect(page.get_by_test_id("distance-travelled")).to_contain_text("+4")
    expect(page.locator("h1")).to_contain_text("Closed")
    context.close()


def test_what_is_typed_before_the_page_script_arrives_is_still_saved(browser, live_server, api, factory):
    """On a slow connection the form is usable before its script has loaded; what the keyworker
    typed then must not wait for another keystroke to be saved (CI once typed into that gap)."""
    p, t, orgs = team(factory)
    case_id = allocated_case(api, p, t)
    context = browser.new_context(base_url=live_server, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15000)
    sign_in(page, p["sam"])

    held = []
    page.route("**/static/caseflow.js*", lambda route: held.append(route))
    # Deferred (module) scripts run before DOMContentLoaded, so wait only for the page to arrive.
    page.goto(f"/cases/{case_id}/assessment", wait_until="commit")
    page.get_by_label("In Leah Walsh's own words (the voice of the child)").fill("I want to do art at college.")
    page.wait_for_timeout(500)
    assert held, "the page asked for its script"
    # Nothing can have saved yet: the script that saves has not arrived.
    assert api.get(f"/api/v1/cases/{case_id}/assessment", t["sam"]).get_json()["members"][0]["voice"] in ("", None)

    for route in held:
        route.continue_()
    expect(page.locator("[data-autosave-status]")).to_contain_text("Draft saved", timeout=10000)
    assert api.get(f"/api/v1/cases/{case_id}/assessment", t["sam"]).get_json()["members"][0]["voice"] \
        == "I want to do art at college."
    context.close()
