"""Browser journey: the police report an incident the matcher cannot place for sure; the
front-door officer checks it; the keyworker and the school's key adult find it in their inboxes
and acknowledge it; the manager sees it acknowledged on the deadlines dashboard."""
import pytest
from playwright.sync_api import expect

from tests.e2e.test_step_up_step_down import as_user
from tests.notify.helpers import LEAH, incident, open_family

pytestmark = pytest.mark.e2e


def test_a_police_incident_checked_by_the_front_door_reaches_the_keyworker_and_school(browser, live_server, api, factory):
    w = open_family(api, factory)
    vague = {k: LEAH[k] for k in ("given_name", "family_name", "date_of_birth")}  # no postcode, no NHS number
    event = api.post("/api/v1/notifications", w.t["police"], json=incident("NP-E2E-1", people=[vague])).get_json()

    ctx, page = as_user(browser, live_server, w.p["officer"])
    page.get_by_role("link", name="Events to check").click()
    page.get_by_role("link", name=event["reference"]).click()
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose who this is about")
    page.get_by_label("Known person 1", exact=False).check()
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("Sent to the people working with the family")).to_be_visible()
    ctx.close()

    # The keyworker reads the police's account; the school the Operation Encompass minimum data only.
    # (The keyworker also hears that the request and this event make a pattern of concerns.)
    for user, title, shows, hides in (
            (w.p["sam"], "Police attended a domestic abuse incident: Walsh family", "verbal argument", None),
            (w.p["key_adult"], "Operation Encompass", "Police reference: NP-E2E-1", "verbal argument")):
        ctx, page = as_user(browser, live_server, user)
        page.get_by_role("link", name="Inbox").click()
        card = page.get_by_test_id("notification").filter(has_text=title)
        expect(card).to_contain_text(shows)
        if hides:
            expect(card).not_to_contain_text(hides)
        expect(card).to_contain_text("Acknowledge by")
        card.get_by_role("button", name="Acknowledge").click()
        expect(page.get_by_test_id("notification").filter(has_text=title)).to_contain_text("Acknowledged")
        ctx.close()

    ctx, page = as_user(browser, live_server, w.p["manager"])
    page.get_by_role("link", name="Deadlines").click()
    board = page.get_by_test_id("notifications-dashboard")
    expect(board).to_contain_text("Police attended a domestic abuse incident")
    expect(board).not_to_contain_text("Not yet")  # both acknowledged in time
    ctx.close()
