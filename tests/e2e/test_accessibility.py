"""WCAG 2.2 AA checks with axe-core in Debian's chromium on the pages people use most."""
from pathlib import Path

import pytest

from tests.e2e.test_front_door_journey import sign_in
from tests.frontdoor.test_matching_outcomes import lookalike_request, two_lookalike_families
from tests.triage.helpers import case_at_panel, new_case

pytestmark = pytest.mark.e2e
AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def violations(page) -> list[str]:
    page.evaluate(AXE + ";0")
    result = page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS)
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])}x, e.g. {v['nodes'][0]['target']})"
            for v in result["violations"]]


@pytest.fixture
def open_page(browser, live_server):
    contexts = []

    def _open(user=None):
        # bypass_csp only so the test can inject axe; the app's own CSP is unchanged.
        context = browser.new_context(base_url=live_server, locale="en-GB", bypass_csp=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        if user is not None:
            sign_in(page, user)
        return page

    yield _open
    for context in contexts:
        context.close()


def check(page, path, problems, action=None):
    page.goto(path)
    if action:
        action(page)
        page.wait_for_load_state()  # the submitted page, not the one it replaced
    found = violations(page)
    if found:
        problems[path + (" (after submit)" if action else "")] = found


def test_public_pages_meet_wcag_aa(open_page):
    page, problems = open_page(), {}
    for path in ["/", "/sign-in", "/ask-for-help", "/privacy", "/accessibility", "/cookies"]:
        check(page, path, problems)
    check(page, "/ask-for-help", problems, lambda p: p.get_by_role("button", name="Send").click())
    check(page, "/ask-for-help", problems, lambda p: p.get_by_role("button", name="Add another person").click())
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())


def test_staff_pages_meet_wcag_aa(open_page, api, factory, app):
    org = factory.org("Northshire Early Help")
    officer = factory.user("front_door", org=org)
    chair = factory.user("panel_chair", org=org)
    keyworker = factory.user("keyworker", org=org, team="North")
    partner = factory.token(factory.user("partner"))
    officer_token = factory.token(officer)
    two_lookalike_families(app)
    review = api.post("/api/v1/requests", partner, json=lookalike_request()).get_json()
    fresh = new_case(api, partner, surname="Baker")
    at_panel = case_at_panel(api, partner, officer_token, surname="Clarke")
    panel = api.post("/api/v1/panels", factory.token(chair), json={"date": "2026-12-01", "members": [org.id]}).get_json()
    api.post(f"/api/v1/panels/{panel['id']}/decisions", factory.token(chair), json={
        "case_id": at_panel["case_id"], "decision": "allocate", "keyworker_id": keyworker.id, "rationale": "Capacity"})

    problems = {}
    page = open_page(officer)
    for path in ["/front-door", f"/requests/{review['id']}", f"/families/{fresh['family_id']}",
                 f"/families/{fresh['family_id']}/access-log", "/families?q=Smith", "/requests/new",
                 f"/cases/{fresh['case_id']}", f"/cases/{fresh['case_id']}/triage", "/unallocated"]:
        check(page, path, problems)
    check(page, f"/cases/{fresh['case_id']}/triage", problems,
          lambda p: p.get_by_role("button", name="Record triage decision").click())
    check(page, "/requests/new", problems, lambda p: p.get_by_role("button", name="Send request").click())
    page = open_page(chair)
    for path in ["/panels", f"/panels/{panel['id']}", f"/panels/{panel['id']}/minutes", "/caseloads"]:
        check(page, path, problems)
    page = open_page(keyworker)
    for path in ["/caseload", "/inbox"]:
        check(page, path, problems)
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())


def test_casework_pages_meet_wcag_aa(open_page, api, factory):
    from tests.plans.helpers import agreed_plan, allocated_case, complete_assessment, team

    p, t, _ = team(factory)
    drafting = allocated_case(api, p, t, "Adams")
    working = allocated_case(api, p, t, "Baker")
    complete_assessment(api, t["sam"], working)
    agreed_plan(api, t["sam"], working, p["sam"].id)
    api.post(f"/api/v1/cases/{working}/taf", t["sam"], json={"user_id": p["senco"].id, "role": "SENCo"})
    problems = {}
    page = open_page(p["sam"])
    for path in [f"/cases/{drafting}/assessment", f"/cases/{working}", f"/cases/{working}/assessment",
                 f"/cases/{working}/plan", f"/cases/{working}/contacts/new", f"/cases/{working}/reviews/new",
                 f"/cases/{working}/close", f"/cases/{working}/chronology", "/overdue",
                 f"/cases/{working}/taf/add?q=chris", f"/cases/{working}/taf/add?q=nobody+at+all"]:
        check(page, path, problems)
    check(page, f"/cases/{drafting}/assessment", problems,
          lambda p: p.get_by_role("button", name="Complete assessment").click())
    for path, button in [(f"/cases/{working}/contacts/new", "Save"), (f"/cases/{working}/reviews/new", "Save review"),
                         (f"/cases/{working}/close", "Close the case"), (f"/cases/{working}/plan", "Save plan")]:
        check(page, path, problems, lambda p, b=button: p.get_by_role("button", name=b, exact=True).click())
    page = open_page(p["senco"])  # a TAF partner reads the plan
    check(page, f"/cases/{working}/plan", problems)
    page = open_page(p["manager"])
    check(page, f"/cases/{working}/engagement", problems)
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())


def test_step_up_and_step_down_pages_meet_wcag_aa(open_page, api, factory):
    from tests.plans.helpers import allocated_case, team

    p, t, _ = team(factory)
    worker = factory.user("social_worker", org=factory.org("Children's Social Care", type="social_care"))
    up = allocated_case(api, p, t, "Adams")
    down = allocated_case(api, p, t, "Baker")
    api.post(f"/api/v1/cases/{down}/step-up", t["sam"], json={
        "reason": "Risk rose", "concern": "Neglect", "family_informed": True, "urgency": "immediate",
        "keyworker_role": "joint"})
    problems = {}
    page = open_page(p["sam"])
    check(page, f"/cases/{up}/step-up", problems)
    check(page, f"/cases/{up}/step-up", problems, lambda p: p.get_by_role("button", name="Step up").click())
    page = open_page(worker)
    for path in [f"/cases/{down}", f"/cases/{down}/step-down"]:
        check(page, path, problems)
    check(page, f"/cases/{down}/step-down", problems, lambda p: p.get_by_role("button", name="Step down").click())
    page = open_page(p["manager"])
    check(page, "/reports/step-up-step-down", problems)
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())


def test_notification_pages_meet_wcag_aa(open_page, api, factory):
    from tests.notify.helpers import LEAH, incident, open_family

    w = open_family(api, factory)
    placed = api.post("/api/v1/notifications", w.t["police"], json=incident()).get_json()
    vague = api.post("/api/v1/notifications", w.t["police"], json=incident("NP-AXE", people=[
        {k: LEAH[k] for k in ("given_name", "family_name", "date_of_birth")}])).get_json()
    problems = {}
    officer = open_page(w.p["officer"])
    for path in ["/events/review", f"/events/{vague['id']}", f"/events/{placed['id']}", "/notifications/dashboard"]:
        check(officer, path, problems)
    check(officer, f"/events/{vague['id']}", problems, lambda p: p.get_by_role("button", name="Confirm").click())
    key_adult = open_page(w.p["key_adult"])
    check(key_adult, "/inbox", problems)
    admin = open_page(w.p["admin"])
    for path in ["/admin/routing", "/admin/deliveries", f"/admin/organisations/{w.orgs['school'].id}/notifications"]:
        check(admin, path, problems)
    check(admin, "/admin/routing", problems, lambda p: p.get_by_role("button", name="Save rule").click())
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())


def test_administration_and_account_pages_meet_wcag_aa(open_page, factory):
    org = factory.org("Northshire Early Help")
    admin = factory.user("admin", org=org)
    keyworker = factory.user("keyworker", org=org, team="North")
    factory.token(factory.user("partner_system", org=factory.org("Northshire Police", type="police")))
    problems = {}
    page = open_page(admin)
    for path in ["/admin/users", "/admin/users/new", f"/admin/users/{keyworker.id}", "/admin/organisations",
                 "/admin/organisations/new", f"/admin/organisations/{org.id}", "/admin/tokens", "/account/password"]:
        check(page, path, problems)
    check(page, "/admin/users/new", problems, lambda p: p.get_by_role("button", name="Add person").click())
    check(page, "/admin/organisations/new", problems, lambda p: p.get_by_role("button", name="Add organisation").click())
    check(page, "/account/password", problems, lambda p: p.get_by_role("button", name="Change password").click())

    def add_keyworker(p):
        p.get_by_label("Full name").fill("Sam Okafor")
        p.get_by_label("Email address").fill("sam.okafor@northshire.example")
        p.get_by_label("Role").select_option("keyworker")
        p.get_by_label("Organisation").select_option(org.id)
        p.get_by_role("button", name="Add person").click()

    check(page, "/admin/users/new", problems, add_keyworker)  # the page that shows the password once
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())


def test_import_pages_meet_wcag_aa(open_page, factory, tmp_path):
    """The import page, its form with errors, and a finished import with its problems."""
    import io
    import zipfile

    from tests.imports.helpers import copy_sample

    analyst = factory.user("analyst")
    bundle = copy_sample(tmp_path)
    (bundle / "cases.csv").write_text((bundle / "cases.csv").read_text().replace("C20,F200,closed", "C20,F200,shut"))
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for path in sorted(bundle.iterdir()):
            out.write(path, path.name)
    problems = {}
    page = open_page(analyst)
    check(page, "/imports", problems)
    check(page, "/imports", problems, lambda p: p.get_by_role("button", name="Upload and check").click())

    def upload(p):
        p.get_by_label("Which system do the records come from?").fill("Northshire EHM")
        p.get_by_label("The bundle (a zip file)").set_input_files(str(archive))
        p.get_by_role("button", name="Upload and check").click()

    check(page, "/imports", problems, upload)  # the finished import, with its problems listed
    assert "problems to put right" in page.content()
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())
