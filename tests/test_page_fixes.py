"""The pages people work from (issue 20, point 12): the caseload pages every row (keyset paged,
not stopping at 50) with the next visit and next review; working hours as hours and minutes;
months as "January 2026"; the panel agenda shows each family's concerns, triage reasoning and
request summary, with the decision form open for one family at a time."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

from caseflow.core import timescales
from caseflow.core.extensions import db
from tests.conftest import sign_in
from caseflow.core.timescales import today_london



def test_hours_and_months_read_as_people_write_them():
    assert timescales.format_hours(2.0833) == "2 hours 5 minutes"
    assert timescales.format_hours(0.75) == "45 minutes"
    assert timescales.format_hours(1) == "1 hour"
    assert timescales.format_hours(0) == "0 minutes"
    assert timescales.format_uk_month("2026-01") == "January 2026"
    assert timescales.format_uk_month(date(2026, 12, 3)) == "December 2026"


def _held_cases(app, keyworker, count):
    """`count` families on the keyworker's caseload, written straight to the tables (fast)."""
    from caseflow.cases.models import Case
    from caseflow.families import services as families
    from caseflow.plans.models import Contact

    with app.app_context():
        ids = []
        for n in range(count):
            family = families.create_family(f"Caseload{n:03d}")
            db.session.flush()
            case = Case(reference=f"CF-T{n:04d}", family_id=family.id, stage="reviewing", keyworker_id=keyworker.id,
                        opened_at=datetime.now(timezone.utc) - timedelta(days=n + 1),
                        review_due_on=today_london() + timedelta(days=n % 20 - 5))
            db.session.add(case)
            db.session.flush()
            ids.append(case.id)
        db.session.add(Contact(case_id=ids[0], occurred_on=today_london(), contact_type="home_visit", people_seen=[],
                               notes="Visit", recorded_by_id=keyworker.id, next_visit_on=today_london() + timedelta(days=7)))
        db.session.commit()
        return ids


def test_the_caseload_pages_every_row_with_next_visit_and_review(app, client, factory):
    keyworker = factory.user("keyworker", name="Sam Taylor", team="North")
    ids = _held_cases(app, keyworker, 62)
    sign_in(client, keyworker)
    first = client.get("/caseload").get_data(as_text=True)
    assert "62 of 15 families" in first
    assert first.count('data-testid="next-review"') == 50
    # The newest case first: its next visit booked on its last contact.
    assert timescales.format_uk_date(today_london() + timedelta(days=7)) in first and "None booked" in first
    assert "TAF review" in first and "Overdue" in first
    following = re.search(r'href="([^"]*before=[^"]+)" *rel="next"|rel="next" href="([^"]*before=[^"]+)"', first)
    assert following, "no next page link"
    second = client.get((following.group(1) or following.group(2)).replace("&amp;", "&")).get_data(as_text=True)
    assert second.count('data-testid="next-review"') == 12 and 'rel="next"' not in second
    shown = set(re.findall(r"CF-T\d{4}", first)) | set(re.findall(r"CF-T\d{4}", second))
    assert len(shown) == 62


def test_the_front_door_queue_shows_waiting_time_in_hours_and_minutes(api, client, factory, app):
    import time_machine

    from tests.triage.helpers import new_case

    referrer = factory.user("partner", name="Ms Patel")
    officer = factory.user("front_door")
    with time_machine.travel(datetime(2026, 12, 2, 9, 15, tzinfo=timescales.LONDON), tick=False):
        new_case(api, factory.token(referrer), "Walsh")
    with time_machine.travel(datetime(2026, 12, 2, 11, 20, tzinfo=timescales.LONDON), tick=False):
        sign_in(client, officer)
        page = client.get("/front-door").get_data(as_text=True)
    assert "2 hours 5 minutes" in page and "Waiting (working time)" in page


def test_the_agenda_shows_what_the_panel_reads_and_one_decision_form_at_a_time(api, client, factory):
    from tests.triage.helpers import TRIAGE_TO_PANEL, case_at_panel

    chair = factory.user("panel_chair")
    referrer, officer = factory.user("partner"), factory.user("front_door")
    rt, ot = factory.token(referrer), factory.token(officer)
    walsh = case_at_panel(api, rt, ot, "Walsh")
    okoro = case_at_panel(api, rt, ot, "Okoro", rationale="Mum asked for help with the children's behaviour.")
    created = api.post("/api/v1/panels", factory.token(chair), json={
        "name": "Weekly panel", "date": timescales.working_day_on_or_after(today_london() + timedelta(days=7)).isoformat(),
        "members": []})
    assert created.status_code == 201, created.get_json()
    panel_id = created.get_json()["id"]
    sign_in(client, chair)
    page = client.get(f"/panels/{panel_id}").get_data(as_text=True)
    assert page.count('data-testid="agenda-reading"') == 2
    assert "Not attending school regularly, or excluded" in page  # the request's concerns
    assert TRIAGE_TO_PANEL["rationale"] in page and "the children&#39;s behaviour" in page  # triage's reasoning
    assert page.count("Mum says money is very tight.") == 2  # the request's own account
    assert page.count('data-testid="decision-form"') == 1 and page.count("Decide on this family") == 1
    # Asking for the other family opens its form instead.
    other = client.get(f"/panels/{panel_id}?decide={okoro['case_id']}").get_data(as_text=True)
    form = other[other.index('data-testid="decision-form"'):]
    assert okoro["case_id"] in form[:600] and other.count('data-testid="decision-form"') == 1
    assert f'decide={walsh["case_id"]}' in other  # and the first family offers its link instead
