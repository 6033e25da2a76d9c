"""Browser journey: a case steps up during a TAF review; the social worker reads the handover
pack, records the child in need status and later steps it down; the receiving keyworker finds
the same plan and the whole history."""
import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.e2e.test_front_door_journey import sign_in
from tests.plans.helpers import agreed_plan, allocated_case, complete_assessment, team

pytestmark = pytest.mark.e2e


def as_user(browser, live_server, user):
    context = browser.new_context(base_url=live_server, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15000)
    sign_in(page, user)
    return context, page


def test_step_up_at_a_review_then_step_down_to_the_same_plan(browser, live_server, api, factory):
    p, t, _ = team(factory)
    social_worker = factory.user("social_worker", org=factory.org("Northshire Children's Social Care", type="social_care"),
                                 name="Joanne Reid")
    case_id = allocated_case(api, p, t)
    complete_assessment(api, t["sam"], case_id)
    plan = agreed_plan(api, t["sam"], case_id, p["sam"].id)

    # Sam's TAF review decides to step up, and Sam makes the step-up.
    ctx, page = as_user(browser, live_server, p["sam"])
    page.goto(f"/cases/{case_id}")
    page.get_by_role("link", name="Record a TAF review").click()
    for outcome in plan["outcomes"]:
        page.get_by_label(re.compile(outcome["description"])).select_option("3")
    page.get_by_label("Step up to children's social care").check()
    page.get_by_label("If stepping up: why, and the safeguarding concern").fill("Leah disclosed exploitation.")
    page.get_by_label("Notes of the review").fill("School and police agree: section 47 threshold.")
    page.get_by_role("button", name="Save review").click()
    expect(page.get_by_role("heading", name="Step up to children's social care")).to_be_visible()
    expect(page.get_by_label("Why the case needs children's social care")).to_have_value(re.compile("section 47 threshold"))
    page.get_by_label("The safeguarding concern").fill("Leah at risk of child sexual exploitation.")
    page.get_by_label("Yes").check()
    page.get_by_label("Within 1 working day", exact=True).check()
    page.get_by_label(re.compile("Stays involved as a supporting worker")).check()
    page.get_by_role("button", name="Step up").click()
    expect(page.get_by_text("stepped up to children's social care")).to_be_visible()
    expect(page.locator("h1")).to_contain_text("Children's social care")
    ctx.close()

    # The social worker finds it in the inbox, reads the handover pack and records the status.
    ctx, page = as_user(browser, live_server, social_worker)
    page.goto("/inbox")
    expect(page.get_by_role("heading", name=re.compile("Step-up: Walsh family"))).to_be_visible()
    page.goto(f"/cases/{case_id}")
    link = page.get_by_role("link", name=re.compile("Handover pack"))
    pdf = page.request.get(link.get_attribute("href"))  # the signed-in browser's own request
    assert pdf.headers["content-type"] == "application/pdf"
    text = "".join(pg.extract_text() for pg in PdfReader(io.BytesIO(pdf.body())).pages)
    assert "Leah at risk of child sexual exploitation" in text and "Whole-family assessment" in text
    assert "Outcome for education" in text and "Chronology" in text
    page.goto(f"/cases/{case_id}")
    page.get_by_role("button", name="Allocate social worker").click()
    page.get_by_label("New statutory status").select_option(label="Child in need (section 17)")
    page.get_by_role("button", name="Record status").click()
    expect(page.get_by_test_id("social-care")).to_contain_text("Child in need (section 17) since")
    expect(page.get_by_test_id("social-care")).to_contain_text("Joanne Reid")

    # Later: step-down straight to Sam's team.
    page.get_by_role("link", name="Step down to early help").click()
    page.get_by_label("Why the case can step down").fill("Risk reduced; Leah is safe and engaging.")
    page.get_by_label("What the family still needs").fill("School attendance and mum's health.")
    page.get_by_label(re.compile("Straight to an early help team")).check()
    page.get_by_label("Early help team (for a direct step-down)").select_option(label="Locality North")
    page.get_by_role("button", name="Step down").click()
    expect(page.get_by_text("stepped down to early help")).to_be_visible()
    ctx.close()

    # The manager allocates it to Aaron, who finds the same agreed plan and the history.
    ctx, page = as_user(browser, live_server, p["manager"])
    page.goto(f"/cases/{case_id}/allocate")
    page.get_by_label("Keyworker", exact=True).select_option(label="Aaron Mensah (0/15)")
    page.get_by_role("button", name="Allocate").click()
    ctx.close()
    ctx, page = as_user(browser, live_server, p["aaron"])
    page.goto(f"/cases/{case_id}")
    expect(page.locator("h1")).to_contain_text("Reviewing")
    expect(page.get_by_test_id("plan-summary")).to_contain_text("Agreed")
    expect(page.get_by_test_id("chronology")).to_contain_text("Stage: Children's social care")
    expect(page.get_by_test_id("chronology")).to_contain_text("Stage: Stepped down")
    page.get_by_role("link", name="the plan").click()
    expect(page.get_by_text("Outcome for education")).to_be_visible()
    ctx.close()
