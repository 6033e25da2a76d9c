"""Every dashboard in a real browser, as a team manager and as an analyst, with the axe checks;
and the analyst's journey from signing in to a pseudonymised extract."""
from datetime import date

import pytest

from caseflow.core.extensions import db
from tests.e2e.test_accessibility import open_page, violations  # noqa: F401  (the fixture)
from tests.e2e.test_front_door_journey import sign_in
from tests.reports.world import Spec, World

pytestmark = pytest.mark.e2e
DASHBOARDS = ("demand", "timeliness", "workload", "flows", "outcomes")
PERIOD = "from=2026-06-01&to=2026-08-31"


def _county(app):
    w = World(app)
    w.add(*[Spec(date(2026, 6, 1 + i), "north", stage="reviewing", keyworker="kw_north", moves=[
        ("triage", "requested", "triaged", date(2026, 6, 2 + i)), ("allocate", "triaged", "allocated", date(2026, 6, 20)),
        ("complete_assessment", "assessing", "planning", date(2026, 7, 20)),
        ("agree_plan", "planning", "reviewing", date(2026, 8, 3))]) for i in range(6)],
        Spec(date(2026, 7, 1), "south", stage="closed", closed=date(2026, 8, 1), closure_reason="outcomes_achieved"),
        Spec(date(2026, 7, 2), None, source="self_referral", referrer_org=None))
    return w


@pytest.mark.parametrize("who", ["manager_north", "analyst"])
def test_every_dashboard_meets_wcag_aa_for_managers_and_analysts(open_page, app, who):  # noqa: F811
    w = _county(app)
    with app.app_context():
        user = w.user(who)
        db.session.expunge(user)
    page, problems = open_page(user), {}
    for key in DASHBOARDS:
        page.goto(f"/reports/{key}?{PERIOD}")
        assert page.get_by_role("heading", level=1).inner_text()
        assert page.locator("table.govuk-table").count() >= 1
        found = violations(page)
        if found:
            problems[key] = found
    page.goto("/reports/demand?from=nonsense")
    if found := violations(page):
        problems["demand with an error"] = found
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())


def test_the_analyst_signs_in_to_the_workspace_and_takes_an_extract(open_page, app):  # noqa: F811
    w = _county(app)
    with app.app_context():
        user = w.user("analyst")
        db.session.expunge(user)
    page = open_page(user)
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Analyst's workspace"
    assert violations(page) == []
    page.get_by_label("Evaluation").check()
    page.get_by_label("Cases opened from").fill("2026-06-01")
    page.get_by_label("Cases opened to").fill("2026-08-31")
    page.get_by_role("button", name="Prepare the extract").click()
    page.wait_for_load_state()
    assert "100%" in page.get_by_test_id("progress").inner_text()
    assert violations(page) == []
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the extract (CSV)").click()
    text = open(download.value.path()).read()
    assert text.startswith("family,person,case,") and "Testfamily" not in text
