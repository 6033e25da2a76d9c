"""The notification pages: the front door checks who an event is about, the last keyworker
decides, managers watch deadlines, administrators route, replay and set up organisations."""
from __future__ import annotations

import re

from sqlalchemy import select, update

from tests.conftest import _https_client, csrf_token, sign_in
from tests.notify.helpers import LEAH, incident, open_family


def signed_in(app, user):
    client = _https_client(app)
    sign_in(client, user)
    return client


def test_the_front_door_places_an_event_from_the_page(api, factory, app):
    w = open_family(api, factory)
    event = api.post("/api/v1/notifications", w.t["police"], json=incident(
        "NP-P1", people=[{"given_name": "Leah", "family_name": "Walsh", "date_of_birth": LEAH["date_of_birth"]}])).get_json()
    officer = signed_in(app, w.p["officer"])
    queue = officer.get("/events/review").get_data(as_text=True)
    assert event["reference"] in queue and "Leah Walsh" in queue
    page = officer.get(f"/events/{event['id']}").get_data(as_text=True)
    assert "Who is this about?" in page and "Nobody the service knows" in page
    token = csrf_token(officer, f"/events/{event['id']}")
    missing = officer.post(f"/events/{event['id']}/review", data={"csrf_token": token})
    assert missing.status_code == 400 and "There is a problem" in missing.get_data(as_text=True)
    person_id = re.search(r'name="person_id" type="radio" value="([0-9a-f]{32})"', page).group(1)
    placed = officer.post(f"/events/{event['id']}/review", data={"csrf_token": token, "person_id": person_id})
    assert placed.status_code == 302
    assert "Sent to the people working with the family" in officer.get("/events/review").get_data(as_text=True)
    keyworker = signed_in(app, w.p["sam"])
    assert event["reference"] in keyworker.get("/inbox").get_data(as_text=True)


def test_the_last_keyworker_decides_on_the_page_and_a_manager_watches_deadlines(api, factory, app):
    w = open_family(api, factory)
    assert api.post(f"/api/v1/cases/{w.case_id}/close", w.t["sam"],
                    json={"reason": "outcomes_achieved", "summary": "Done."}).status_code == 200
    event = api.post("/api/v1/notifications", w.t["police"], json=incident("NP-P2", type_="missing_episode")).get_json()
    sam = signed_in(app, w.p["sam"])
    assert "Open the notification" in sam.get("/inbox").get_data(as_text=True)
    page = sam.get(f"/events/{event['id']}").get_data(as_text=True)
    assert "The family&#39;s case closed recently" in page or "The family's case closed recently" in page
    token = csrf_token(sam, f"/events/{event['id']}")
    no_reason = sam.post(f"/events/{event['id']}/decision", data={"csrf_token": token, "decision": "open_case"})
    assert no_reason.status_code == 400 and "Say why" in no_reason.get_data(as_text=True)
    opened = sam.post(f"/events/{event['id']}/decision", data={
        "csrf_token": token, "decision": "open_case", "reason": "Missing overnight; exploitation concern."})
    assert opened.status_code == 302 and "/cases/" in opened.headers["Location"]
    manager = signed_in(app, w.p["manager"])
    board = manager.get("/notifications/dashboard").get_data(as_text=True)
    assert "Missing episode" in board and "Not yet" in board
    assert signed_in(app, w.p["sam"]).get("/notifications/dashboard").status_code == 403


def test_administrators_route_replay_and_set_up_organisations_from_the_pages(api, factory, app):
    from caseflow.core.extensions import db
    from caseflow.notify.models import Delivery

    w = open_family(api, factory)
    admin = signed_in(app, w.p["admin"])
    routing = admin.get("/admin/routing").get_data(as_text=True)
    assert "Police attended a domestic abuse incident" in routing and "Before 09:00 on the next school day" in routing
    token = csrf_token(admin, "/admin/routing")
    bad = admin.post("/admin/routing", data={"csrf_token": token, "event_type": "arrest", "recipient": "keyworker",
                                             "channel": "inbox", "deadline": "working_hours", "active": "yes"})
    assert bad.status_code == 400 and "Enter the number of working hours" in bad.get_data(as_text=True)
    saved = admin.post("/admin/routing", data={"csrf_token": token, "event_type": "arrest", "recipient": "keyworker",
                                               "channel": "inbox", "deadline": "working_hours", "deadline_hours": "2",
                                               "active": "yes"})
    assert saved.status_code == 302
    holiday = admin.post("/admin/school-holidays", data={"csrf_token": token, "name": "Christmas holiday",
                                                         "starts_on-day": "21", "starts_on-month": "12", "starts_on-year": "2026",
                                                         "ends_on-day": "1", "ends_on-month": "1", "ends_on-year": "2027"})
    assert holiday.status_code == 302
    assert "Christmas holiday: 21 December 2026 to 1 January 2027" in admin.get("/admin/routing").get_data(as_text=True)

    school = w.orgs["school"]
    org_page = f"/admin/organisations/{school.id}/notifications"
    form = admin.get(org_page).get_data(as_text=True)
    assert "Key adult" in form and "Mrs Khan (key adult)" in form
    first = admin.post(org_page, data={"csrf_token": token, "key_adult_id": w.p["key_adult"].id,
                                       "webhook_url": "https://mis.riverside.example/caseflow"})
    assert first.status_code == 200 and 'data-testid="webhook-secret"' in first.get_data(as_text=True)
    again = admin.post(org_page, data={"csrf_token": token, "key_adult_id": w.p["key_adult"].id,
                                       "webhook_url": "https://mis.riverside.example/caseflow"})
    assert 'data-testid="webhook-secret"' not in again.get_data(as_text=True)  # shown once
    plain = admin.post(org_page, data={"csrf_token": token, "key_adult_id": w.p["key_adult"].id,
                                       "webhook_url": "http://mis.riverside.example/caseflow"})
    assert plain.status_code == 400 and "starting https://" in plain.get_data(as_text=True)
    wrong = admin.post(org_page, data={"csrf_token": token, "key_adult_id": w.p["sam"].id, "webhook_url": ""})
    assert wrong.status_code == 400 and "works for this organisation" in wrong.get_data(as_text=True)

    with app.app_context():
        dead = Delivery(kind="webhook", status="dead", attempts=7, last_error="HTTPError: 503")
        db.session.add(dead)
        db.session.commit()
        dead_id = dead.id
    listing = admin.get("/admin/deliveries").get_data(as_text=True)
    assert "HTTPError: 503" in listing and "Send again" in listing
    admin.post(f"/admin/deliveries/{dead_id}/replay", data={"csrf_token": token})
    with app.app_context():
        assert db.session.scalar(select(Delivery.status).where(Delivery.id == dead_id)) in ("dead", "pending")
        assert db.session.scalar(select(Delivery.attempts).where(Delivery.id == dead_id)) >= 1


def test_the_notifications_dashboard_shows_fifty_at_a_time_newest_first_and_pages_back(api, factory, app):
    """Each family on the dashboard is a read on its access log: a page of fifty, with the older
    ones a link away, rather than two hundred at every look."""
    import re
    from datetime import timedelta

    from caseflow.core.database import utcnow
    from caseflow.core.extensions import db
    from caseflow.notify.services import notify

    w = open_family(api, factory)
    with app.app_context():
        start = utcnow()
        for n in range(53):
            note = notify(w.p["sam"].id, "partner_event", f"dash-page:{n}", f"Dashboard alert {n:02d}", "About Leah",
                          family_id=w.family_id, deadline_at=start + timedelta(hours=8))
            note.created_at = start - timedelta(minutes=n)  # alert 00 is the newest
        db.session.commit()
    manager = signed_in(app, w.p["manager"])
    first = manager.get("/notifications/dashboard").get_data(as_text=True)
    shown = re.findall(r"Dashboard alert (\d\d)", first)
    assert len(re.findall(r'<tr class="govuk-table__row">\s*<td', first)) == 50
    assert shown[:3] == ["00", "01", "02"]
    older = re.search(r'href="([^"]+)" rel="next" data-testid="dashboard-older"', first).group(1).replace("&amp;", "&")
    second = manager.get(older).get_data(as_text=True)
    rest = re.findall(r"Dashboard alert (\d\d)", second)
    assert set(shown) | set(rest) >= {f"{n:02d}" for n in range(53)} and not set(shown) & set(rest)
    assert 'data-testid="dashboard-older"' not in second and ">Newest</a>" in second
    edited = manager.get("/notifications/dashboard?before=not-a-cursor")  # an edited link: the newest page
    assert edited.status_code == 200 and "Dashboard alert 00" in edited.get_data(as_text=True)


def test_the_inbox_count_says_99_plus_past_ninety_nine_and_comes_down_as_they_are_read(factory, app):
    """A front-door officer's inbox collects the county's unplaced events and concern alerts:
    thousands at county scale. The navigation counts to 99 and then says "99+" (counting every
    one on every page grew with the county); below that it is exact, and acknowledging one
    brings it down on the next page."""
    from caseflow.core.database import utcnow
    from caseflow.core.extensions import db
    from caseflow.notify.models import Notification
    from caseflow.notify.services import INBOX_COUNT_LIMIT, notify
    from caseflow.notify.vocab import NotificationType

    officer = factory.user("front_door")
    with app.app_context():
        for n in range(3):
            notify(officer.id, NotificationType.EVENT_REVIEW, f"inbox-count-{n}", f"Event {n}", "Who is this about?")
        db.session.commit()
    client = signed_in(app, officer)
    assert 'data-testid="inbox-count">3<' in client.get("/inbox").get_data(as_text=True)
    with app.app_context():
        first = db.session.scalar(select(Notification.id).where(Notification.recipient_id == officer.id).limit(1))
    client.post(f"/inbox/{first}/acknowledge", data={"csrf_token": csrf_token(client, "/inbox")})
    assert 'data-testid="inbox-count">2<' in client.get("/inbox").get_data(as_text=True)
    with app.app_context():
        for n in range(3, INBOX_COUNT_LIMIT + 3):
            notify(officer.id, NotificationType.EVENT_REVIEW, f"inbox-count-{n}", f"Event {n}", "Who is this about?")
        db.session.commit()
    assert 'data-testid="inbox-count">99+<' in client.get("/inbox").get_data(as_text=True)
    with app.app_context():  # read, so no later test's worker finds a hundred waiting
        db.session.execute(update(Notification).where(Notification.recipient_id == officer.id)
                           .values(acknowledged_at=utcnow()))
        db.session.commit()
