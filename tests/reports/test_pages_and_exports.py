"""The dashboard pages, their downloads (small numbers suppressed, formulas neutralised), the
analyst's workspace and pseudonymised extracts (stable per purpose, no names, ages in bands)."""
from __future__ import annotations

import csv
import io
import re
from datetime import date

from openpyxl import load_workbook

from caseflow.readmodels import report_exports
from caseflow.readmodels.reports import Column, Table
from tests.conftest import _https_client, csrf_token, sign_in
from tests.reports.world import Spec, World

PERIOD = "from=2026-06-01&to=2026-08-31"


def signed_in(app, world, key):
    from caseflow.auth.models import User
    from caseflow.core.extensions import db

    client = _https_client(app)
    with app.app_context():
        user = db.session.get(User, world.users[key])
    sign_in(client, user)
    return client


def small_county(app, n_north=6, n_south=2) -> World:
    w = World(app)
    w.add(*[Spec(date(2026, 6, 1 + i), "north", stage="allocated", keyworker="kw_north") for i in range(n_north)],
          *[Spec(date(2026, 7, 1 + i), "south", source="self_referral", referrer_org=None) for i in range(n_south)])
    return w


def test_the_analysts_first_page_is_their_workspace_not_access_denied(app):
    w = small_county(app)
    client = _https_client(app)
    with app.app_context():
        response = sign_in(client, w.user("analyst"))
    assert response.status_code == 302
    landing = client.get(response.headers["Location"], follow_redirects=True)
    html = landing.get_data(as_text=True)
    assert landing.status_code == 200 and "Analyst&#39;s workspace" in html
    for key in ("demand", "timeliness", "workload", "flows", "outcomes"):
        assert f"/reports/{key}" in html


def test_every_dashboard_opens_for_a_manager_and_an_analyst_with_a_table_per_chart(app):
    w = small_county(app)
    for who in ("service_lead", "analyst"):
        client = signed_in(app, w, who)
        for key in ("demand", "timeliness", "workload", "flows", "outcomes"):
            page = client.get(f"/reports/{key}?{PERIOD}")
            html = page.get_data(as_text=True)
            assert page.status_code == 200, (who, key)
            assert html.count("<svg") <= html.count('<table class="govuk-table">')
            assert "How this is counted" in html and ".xlsx" in html


def test_the_manager_sees_which_cases_missed_a_target_and_the_analyst_does_not(app):
    w = World(app)
    w.add(Spec(date(2026, 6, 1), "north", moves=[("triage", "requested", "triaged", date(2026, 6, 10))]))
    manager_client, analyst_client = signed_in(app, w, "manager_north"), signed_in(app, w, "analyst")
    dashboard = manager_client.get(f"/reports/timeliness?{PERIOD}").get_data(as_text=True)
    assert "/reports/timeliness/missed?" in dashboard
    manager = manager_client.get(f"/reports/timeliness/missed?{PERIOD}").get_data(as_text=True)
    assert "CASE-T" in manager and f"/cases/{w.specs[0].case_id}" in manager
    assert "/reports/timeliness/missed?" not in analyst_client.get(f"/reports/timeliness?{PERIOD}").get_data(as_text=True)
    assert analyst_client.get(f"/reports/timeliness/missed?{PERIOD}").status_code == 403


def test_keyworkers_and_administrators_have_no_dashboards_and_partners_only_demand(app):
    w = small_county(app)
    assert signed_in(app, w, "kw_north").get(f"/reports/demand?{PERIOD}").status_code == 403
    partner = signed_in(app, w, "school_partner")
    assert partner.get(f"/reports/demand?{PERIOD}").status_code == 200
    assert partner.get(f"/reports/workload?{PERIOD}").status_code == 403
    assert partner.get("/analysis").status_code == 403
    assert signed_in(app, w, "service_lead").get("/analysis").status_code == 403  # extracts are the analyst's


def test_bad_filters_are_a_form_error_not_a_crash(app):
    w = small_county(app)
    client = signed_in(app, w, "service_lead")
    for query in ("from=2026-13-45", "from=%00", "from=" + "9" * 400, "to=2026-01-01&from=2026-06-01",
                  "team=nope", "organisation=\u202e", "from=1900-01-01"):
        page = client.get(f"/reports/demand?{query}")
        assert page.status_code == 400, query
        assert "There is a problem" in page.get_data(as_text=True)
    assert client.get("/reports/nothing").status_code == 404
    assert client.get(f"/reports/demand/nothing.csv?{PERIOD}").status_code == 404


def test_downloads_suppress_counts_under_five_and_keep_the_rest(app):
    w = small_county(app, n_north=6, n_south=2)
    client = signed_in(app, w, "service_lead")
    body = client.get(f"/reports/demand/by_route.csv?{PERIOD}")
    assert body.status_code == 200 and body.headers["Content-Type"].startswith("text/csv")
    rows = {r[0]: r[1] for r in csv.reader(io.StringIO(body.get_data(as_text=True)))}
    assert rows["Professional (web form)"] == "6"
    assert rows["Self-referral"] == "<5"       # 2: suppressed
    assert rows["Partner system (API)"] == "0"  # nothing to hide in a zero
    page = client.get(f"/reports/demand?{PERIOD}").get_data(as_text=True)
    assert ">2</td>" in page  # on screen, inside the system, the number itself
    book = load_workbook(io.BytesIO(client.get(f"/reports/demand.xlsx?{PERIOD}").data))
    sheet = book["Requests for help by route"]
    values = {sheet.cell(row=i, column=1).value: sheet.cell(row=i, column=2).value for i in range(2, sheet.max_row + 1)}
    assert values["Self-referral"] == "<5" and values["Professional (web form)"] == 6
    assert "How this is counted" in book.sheetnames


def test_cells_that_a_spreadsheet_would_run_are_neutralised():
    table = Table("t", "Teams", [Column("Team", "text"), Column("Cases")],
                  [["=HYPERLINK(\"http://x\")", 7], ["+1", 9], ["-2", 3], ["@SUM(A1)", 12], ["Plain", 20]], "note")
    rows = list(csv.reader(io.StringIO(report_exports.table_csv(table))))[1:]
    assert [r[0] for r in rows] == ["'=HYPERLINK(\"http://x\")", "'+1", "'-2", "'@SUM(A1)", "Plain"]
    assert [r[1] for r in rows] == ["7", "9", "<5", "12", "20"]
    book = load_workbook(io.BytesIO(report_exports.workbook([("Teams", ["=bad", "Cases"], report_exports.safe_rows(table))])))
    sheet = book["Teams"]
    assert sheet["A1"].value == "'=bad" and sheet["A2"].value.startswith("'=") and sheet["A2"].data_type == "s"


def test_a_median_built_on_a_suppressed_count_is_suppressed_too():
    table = Table("t", "Steps", [Column("Step", "text"), Column("Target (working days)", "number"), Column("Cases"),
                                 Column("Median working days", "number")], [["Triage", 1, 3, 4.0], ["Panel", 10, 8, 6.5]], "n")
    assert report_exports.safe_rows(table) == [["Triage", 1, "<5", "<5"], ["Panel", 10, 8, 6.5]]


def test_pseudonyms_are_stable_per_purpose_and_differ_between_purposes():
    key = b"k" * 32
    one = report_exports.pseudonym(key, "evaluation", "family-1", "F")
    assert one == report_exports.pseudonym(key, "evaluation", "family-1", "F")
    assert one != report_exports.pseudonym(key, "national_return", "family-1", "F")
    assert one != report_exports.pseudonym(key, "evaluation", "family-2", "F")
    assert one != report_exports.pseudonym(b"j" * 32, "evaluation", "family-1", "F")
    assert "family-1" not in one and len(one) == 17


def test_ages_are_given_in_bands():
    on = date(2026, 6, 1)
    assert report_exports.age_band(date(2022, 6, 2), on) == "0-4"
    assert report_exports.age_band(date(2021, 6, 1), on) == "5-10"
    assert report_exports.age_band(date(2010, 6, 1), on) == "16-17"
    assert report_exports.age_band(date(1980, 1, 1), on) == "40-64"
    assert report_exports.age_band(None, on) == "unknown"


def _run_extract(client, purpose):
    token = csrf_token(client, "/analysis")
    started = client.post("/analysis/extracts", data={"csrf_token": token, "purpose": purpose,
                                                      "from": "2026-06-01", "to": "2026-08-31"})
    assert started.status_code == 302, started.get_data(as_text=True)
    status = client.get(started.headers["Location"])
    assert "done" in status.get_data(as_text=True) and "100%" in status.get_data(as_text=True)
    body = client.get(started.headers["Location"] + ".csv")
    assert body.status_code == 200
    return list(csv.DictReader(io.StringIO(body.get_data(as_text=True))))


def test_an_analyst_extract_is_pseudonymised_banded_suppressed_and_stable_per_purpose(app):
    w = small_county(app, n_north=6, n_south=2)
    client = signed_in(app, w, "analyst")
    rows = _run_extract(client, "evaluation")
    assert len(rows) == 16  # 8 cases, two members each
    text = "".join(",".join(r.values()) for r in rows)
    for spec in w.specs:
        assert spec.family_id not in text and spec.case_id not in text
    # The parent's year of birth is in no field; a pseudonym's hex can hold "1985" by chance.
    shown = [v for r in rows for v in r.values() if not re.fullmatch(r"[FPC][0-9a-f]{15,}", v or "")]
    assert "Given" not in text and "Testfamily" not in text and not any("1985" in v for v in shown)
    assert {r["age_band"] for r in rows} <= {"40-64", "11-15", "suppressed"}
    # the south team has 2 cases (4 rows): too few to show; the north team's 12 rows are shown
    assert Counter_of(rows, "team") == {"Locality North": 12, "suppressed": 4}
    assert Counter_of(rows, "route") == {"professional": 12, "suppressed": 4}
    again = _run_extract(client, "evaluation")
    assert sorted(r["family"] for r in again) == sorted(r["family"] for r in rows)
    other = _run_extract(client, "national_return")
    assert not {r["family"] for r in other} & {r["family"] for r in rows}


def Counter_of(rows, column):
    from collections import Counter

    return dict(Counter(r[column] for r in rows))


def test_only_analysts_take_extracts_and_only_their_own(app):
    w = small_county(app)
    analyst = signed_in(app, w, "analyst")
    token = csrf_token(analyst, "/analysis")
    bad = analyst.post("/analysis/extracts", data={"csrf_token": token, "purpose": "x", "from": "2026-13-01", "to": ""})
    assert bad.status_code == 400 and "There is a problem" in bad.get_data(as_text=True)
    started = analyst.post("/analysis/extracts", data={"csrf_token": token, "purpose": "evaluation",
                                                       "from": "2026-06-01", "to": "2026-08-31"})
    manager = signed_in(app, w, "service_lead")
    assert manager.get(started.headers["Location"]).status_code == 403
    assert manager.get(started.headers["Location"] + ".csv").status_code == 403


def test_the_dashboards_working_days_agree_with_the_timescales_helper():
    from datetime import datetime, timedelta, timezone

    from caseflow.core import timescales
    from caseflow.readmodels.report_aggregates import WorkingDays

    counter, start = WorkingDays(), datetime(2026, 12, 20, 10, tzinfo=timezone.utc)
    for offset in (40, 0, 3, 9, 17, -5, 120, 1):
        opened = start + timedelta(days=offset)
        for length in (0, 1, 2, 6, 13, 30):
            reached = opened + timedelta(days=length, hours=3)
            assert counter.between(opened, reached) == timescales.working_days_between(
                timescales.to_london(opened).date(), timescales.to_london(reached).date()), (opened, reached)


def test_the_daily_totals_show_when_they_were_refreshed_and_a_refresh_brings_in_new_requests(app):
    w = small_county(app, n_north=6, n_south=0)
    client = signed_in(app, w, "service_lead")
    page = client.get(f"/reports/demand?{PERIOD}").get_data(as_text=True)
    assert "last refreshed at" in page
    from caseflow.core.extensions import db
    from caseflow.readmodels.models import DailyCount

    with app.app_context():  # a request arrives after the night's refresh
        db.session.query(DailyCount).delete()
        db.session.commit()
    stale = client.get(f"/reports/demand/by_route.csv?{PERIOD}").get_data(as_text=True)
    assert "Professional (web form),0" in stale
    token = csrf_token(client, f"/reports/demand?{PERIOD}")
    assert client.post(f"/reports/demand/refresh?{PERIOD}", data={"csrf_token": token}).status_code == 302
    fresh = client.get(f"/reports/demand/by_route.csv?{PERIOD}").get_data(as_text=True)
    assert "Professional (web form),6" in fresh
    keyworker = signed_in(app, w, "kw_north")
    assert keyworker.post("/reports/demand/refresh", data={"csrf_token": csrf_token(keyworker, "/caseload")}).status_code == 403


def test_workload_shows_the_open_cases_as_the_last_refresh_found_them_and_says_so(app):
    """Workload's open cases are the refresh's snapshot: a case closed after the night's refresh
    still counts until the next one, and the page says when the snapshot was taken."""
    from sqlalchemy import select

    from caseflow.cases.models import Case
    from caseflow.core.extensions import db

    w = small_county(app, n_north=7, n_south=0)
    client = signed_in(app, w, "service_lead")
    page = client.get(f"/reports/workload?{PERIOD}").get_data(as_text=True)
    assert ("Open cases, caseloads, overdue work and notifications as they stood when the daily totals were last "
            "refreshed at") in page
    assert "Allocated,7" in client.get(f"/reports/workload/by_stage.csv?{PERIOD}").get_data(as_text=True)
    with app.app_context():  # one case closes after the refresh
        case = db.session.scalars(select(Case).where(Case.id == w.specs[0].case_id)).one()
        case.stage, case.closed_at, case.closure_reason = "closed", case.opened_at, "outcomes_achieved"
        db.session.commit()
    assert "Allocated,7" in client.get(f"/reports/workload/by_stage.csv?{PERIOD}").get_data(as_text=True)
    token = csrf_token(client, f"/reports/workload?{PERIOD}")
    assert client.post(f"/reports/workload/refresh?{PERIOD}", data={"csrf_token": token}).status_code == 302
    assert "Allocated,6" in client.get(f"/reports/workload/by_stage.csv?{PERIOD}").get_data(as_text=True)
