"""Deadlines in working time, and the routing rules administrators edit."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from caseflow.notify.deadlines import add_working_hours, next_school_day_start
from tests.notify.helpers import inbox, incident, open_family
from caseflow.core.timescales import today_london

LONDON = ZoneInfo("Europe/London")


def at(*parts):
    return datetime(*parts, tzinfo=LONDON)


@pytest.mark.parametrize("told, due", [
    (at(2026, 5, 22, 19, 30), at(2026, 5, 26, 9, 0)),   # Friday evening before the late May bank holiday
    (at(2026, 8, 28, 23, 0), at(2026, 9, 1, 9, 0)),     # Friday before the summer bank holiday Monday
    (at(2026, 11, 24, 2, 15), at(2026, 11, 24, 9, 0)),  # overnight: before school that morning
    (at(2026, 11, 24, 9, 30), at(2026, 11, 25, 9, 0)),  # during the school day: by the next morning
    (at(2026, 12, 24, 18, 0), at(2026, 12, 29, 9, 0)),  # Christmas Eve: skips Christmas, Boxing Day (Mon 28th)
])
def test_next_school_day_skips_weekends_and_bank_holidays(told, due):
    assert next_school_day_start(told, holidays=[]) == due


def test_next_school_day_skips_configured_school_holidays():
    half_term = [(date(2026, 10, 26), date(2026, 10, 30))]
    assert next_school_day_start(at(2026, 10, 23, 20, 0), holidays=half_term) == at(2026, 11, 2, 9, 0)
    assert next_school_day_start(at(2026, 10, 23, 20, 0), holidays=[]) == at(2026, 10, 26, 9, 0)


def test_working_hours_run_nine_to_five_on_working_days():
    assert add_working_hours(at(2026, 11, 24, 10, 0), 4) == at(2026, 11, 24, 14, 0)
    assert add_working_hours(at(2026, 11, 27, 15, 0), 4) == at(2026, 11, 30, 11, 0)  # Friday -> Monday
    assert add_working_hours(at(2026, 11, 28, 12, 0), 8) == at(2026, 11, 30, 17, 0)  # from a Saturday


def test_administrators_edit_routing_rules_and_the_next_event_follows_them(api, factory):
    w = open_family(api, factory)
    rules = api.get("/api/v1/routing-rules", w.t["admin"]).get_json()["items"]
    assert api.get("/api/v1/routing-rules", w.t["manager"]).status_code == 403
    # Seeded with the defaults on first use (routing runs them); the admin switches the school off.
    api.post("/api/v1/notifications", w.t["police"], json=incident("NP-1"))
    rules = api.get("/api/v1/routing-rules", w.t["admin"]).get_json()["items"]
    assert any(r["recipient"] == "school_key_adult" and r["event_type"] == "domestic_abuse" for r in rules)
    for channel in ("inbox", "email"):  # every rule naming the school (the inbox copy comes with any channel)
        off = api.put("/api/v1/routing-rules", w.t["admin"], json={
            "event_type": "domestic_abuse", "recipient": "school_key_adult", "channel": channel,
            "deadline": "next_school_day", "active": False})
        assert off.status_code == 200 and off.get_json()["active"] is False
    bad = api.put("/api/v1/routing-rules", w.t["admin"], json={
        "event_type": "burglary", "recipient": "keyworker", "channel": "inbox", "deadline": "working_hours"})
    assert bad.status_code == 422 and "event_type" in bad.get_json()["error"]["fields"]
    no_hours = api.put("/api/v1/routing-rules", w.t["admin"], json={
        "event_type": "arrest", "recipient": "keyworker", "channel": "inbox", "deadline": "working_hours"})
    assert no_hours.status_code == 422 and "deadline_hours" in no_hours.get_json()["error"]["fields"]
    second = api.post("/api/v1/notifications", w.t["police"], json=incident("NP-2")).get_json()
    assert not [n for n in inbox(api, w.t["key_adult"]) if n["event_id"] == second["id"]]
    assert [n for n in inbox(api, w.t["sam"]) if n["event_id"] == second["id"]]


def test_an_overdue_review_is_told_once_through_the_same_queue(api, factory, app):
    from datetime import timedelta

    from caseflow.cases.models import Case
    from caseflow.core.extensions import db
    from caseflow.core.unit_of_work import unit_of_work
    from caseflow.plans.overdue import notify_overdue_reviews
    from tests.plans.helpers import agreed_plan, complete_assessment

    w = open_family(api, factory)
    complete_assessment(api, w.t["sam"], w.case_id)
    agreed_plan(api, w.t["sam"], w.case_id, w.p["sam"].id)
    with app.app_context():
        case = db.session.get(Case, w.case_id)
        case.review_due_on = today_london() - timedelta(days=3)
        db.session.commit()
        for _ in range(2):  # two sweeps (each a unit of work): looked at again, but nobody is told twice
            with unit_of_work():
                assert notify_overdue_reviews() == 1
    overdue = [n for n in inbox(api, w.t["sam"]) if n["type"] == "review_overdue"]
    assert len(overdue) == 1 and "TAF review overdue" in overdue[0]["title"]
    assert len([n for n in inbox(api, w.t["manager"]) if n["type"] == "review_overdue"]) == 1


def test_two_workers_sweeping_at_once_tell_each_overdue_review_once(api, factory, app, monkeypatch):
    """Two workers start together: both find the same overdue review. Neither may fail (a failed
    sweep also loses the outbox work it carried) and each person is told once."""
    import threading
    from datetime import timedelta

    from sqlalchemy import func, select

    from caseflow.cases.models import Case
    from caseflow.core.extensions import db
    from caseflow.core.unit_of_work import unit_of_work
    from caseflow.notify import services as notify_services
    from caseflow.notify.models import Notification
    from caseflow.plans.overdue import notify_overdue_reviews
    from tests.plans.helpers import agreed_plan, complete_assessment

    w = open_family(api, factory)
    complete_assessment(api, w.t["sam"], w.case_id)
    agreed_plan(api, w.t["sam"], w.case_id, w.p["sam"].id)
    with app.app_context():
        db.session.get(Case, w.case_id).review_due_on = today_london() - timedelta(days=3)
        db.session.commit()

    # Hold each worker just before it tells anyone, until the other has got as far (or plainly
    # will not): without this the first would usually finish before the second starts looking.
    both_looking = threading.Barrier(2, timeout=3)
    original = notify_services.notify

    def notify_when_both_are_looking(*args, **kwargs):
        try:
            both_looking.wait()
        except threading.BrokenBarrierError:
            pass
        return original(*args, **kwargs)

    monkeypatch.setattr(notify_services, "notify", notify_when_both_are_looking)
    outcomes: list = []

    def worker():
        with app.app_context():
            try:
                with unit_of_work():
                    outcomes.append(notify_overdue_reviews())
            except Exception as exc:  # noqa: BLE001 - the test reports what a worker raised
                outcomes.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(outcomes) == 2 and not [o for o in outcomes if isinstance(o, Exception)], outcomes
    with app.app_context():
        told = db.session.execute(select(Notification.recipient_id, func.count())
                                  .where(Notification.type == "review_overdue")
                                  .group_by(Notification.recipient_id)).all()
    assert told and all(count == 1 for _, count in told)
    assert {recipient for recipient, _ in told} >= {w.p["sam"].id}
