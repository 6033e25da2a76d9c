"""Email and signed webhooks: delivered once, retried with backoff, dead-lettered, replayed."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
import time_machine

from caseflow.notify.channels import DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign, verify
from tests.notify.helpers import inbox, incident, open_family
from tests.notify.receivers import SmtpSink, WebhookReceiver


@pytest.fixture
def receiver():
    r = WebhookReceiver()
    yield r
    r.close()


def test_the_schools_system_gets_a_correctly_signed_webhook(api, factory, receiver):
    w = open_family(api, factory, webhook_url=receiver.url)
    secret = w.orgs["school_webhook_secret"]
    assert secret
    before = len(receiver.calls)  # the referrer's own notifications (triage, allocation) went there too
    event = api.post("/api/v1/notifications", w.t["police"], json=incident()).get_json()
    assert len(receiver.calls) == before + 1
    call = receiver.calls[-1]
    headers = {k.lower(): v for k, v in call["headers"].items()}
    assert verify(secret, headers[TIMESTAMP_HEADER.lower()], call["body"], headers[SIGNATURE_HEADER.lower()])
    assert not verify("another secret", headers[TIMESTAMP_HEADER.lower()], call["body"], headers[SIGNATURE_HEADER.lower()])
    assert not verify(secret, headers[TIMESTAMP_HEADER.lower()], call["body"] + b" ", headers[SIGNATURE_HEADER.lower()])
    payload = receiver.payloads()[-1]
    assert payload["event_id"] == event["id"] and "Leah Walsh" in payload["title"]
    assert "verbal argument" not in payload["body"]  # the same cut as the key adult's inbox
    assert payload["delivery_id"] == headers[DELIVERY_HEADER.lower()]
    # Matching, routing and the disclosure to the school's system are on the family's access log.
    log = {e["action"] for e in api.get(f"/api/v1/families/{w.family_id}/access-log", w.t["manager"]).get_json()["items"]}
    assert {"event.route", "notification.webhook_sent"} <= log


def test_a_failing_webhook_retries_with_backoff_then_dead_letters_and_an_admin_replays_it(api, factory, app):
    from caseflow.core.extensions import db
    from caseflow.notify import dispatcher, outbox
    from caseflow.notify.models import Delivery

    receiver = WebhookReceiver(failures=100, fail_with=503)
    try:
        w = open_family(api, factory)
        assert api.put(f"/api/v1/organisations/{w.orgs['school'].id}/notification-settings", w.t["admin"],
                       json={"webhook_url": receiver.url}).status_code == 200
        api.post("/api/v1/notifications", w.t["police"], json=incident())
        assert len(receiver.calls) == 1
        with app.app_context():
            row = db.session.scalar(select(Delivery).where(Delivery.kind == "webhook"))
            assert (row.status, row.attempts) == ("pending", 1) and "503" in row.last_error
            delivery_id, first_retry = row.id, row.next_attempt_at
            assert dispatcher.sweep() == 0  # not due yet: it backs off
            moment = datetime.now(timezone.utc)
            for _ in range(outbox.MAX_ATTEMPTS):
                moment += timedelta(hours=2)
                with time_machine.travel(moment, tick=False):
                    dispatcher.sweep()
            row = db.session.get(Delivery, delivery_id)
            db.session.refresh(row)
            assert row.status == "dead" and row.attempts == outbox.MAX_ATTEMPTS and first_retry > row.created_at
        dead = api.get("/api/v1/deliveries?status=dead", w.t["admin"]).get_json()
        assert [d["id"] for d in dead["items"]] == [delivery_id]
        assert api.post(f"/api/v1/deliveries/{delivery_id}/replay", w.t["sam"]).status_code == 403
        receiver.failures = 0  # the school fixed its system
        replayed = api.post(f"/api/v1/deliveries/{delivery_id}/replay", w.t["admin"])
        assert replayed.status_code == 200
        assert api.get("/api/v1/deliveries?status=delivered", w.t["admin"]).get_json()["total"] >= 1
        assert {k.lower(): v for k, v in receiver.calls[-1]["headers"].items()}[DELIVERY_HEADER.lower()] == delivery_id
        assert api.post(f"/api/v1/deliveries/{delivery_id}/replay", w.t["admin"]).status_code == 409
    finally:
        receiver.close()


def test_email_says_a_notification_is_waiting_without_case_details(api, factory, app):
    sink = SmtpSink()
    settings = app.extensions["caseflow.settings"]
    settings.smtp_url = sink.url
    try:
        w = open_family(api, factory)
        api.post("/api/v1/notifications", w.t["police"], json=incident())
        assert len(sink.messages) == 1  # the default rules email the key adult for domestic abuse
        message = sink.messages[0]
        text = message.content.decode()
        assert message.rcpt_tos == [w.p["key_adult"].email]
        assert "Leah" not in text and "Walsh" not in text and "verbal" not in text
        assert "/inbox" in text and "acknowledge it by" in text
    finally:
        settings.smtp_url = None
        sink.close()


def test_consent_withdrawn_while_a_delivery_waits_withholds_its_content(api, factory, app, receiver):
    """A TAF partner's webhook queued (its first try failed) when the family withdraws consent:
    the retry carries no content."""
    from caseflow.notify import dispatcher

    w = open_family(api, factory)
    leah = api.get(f"/api/v1/families/{w.family_id}", w.t["sam"]).get_json()["members"][1]["id"]
    camhs = w.orgs["camhs"]
    consent = api.post(f"/api/v1/people/{leah}/consents", w.t["sam"], json={
        "purpose": "taf_information_sharing", "recipient_organisation_ids": [camhs.id], "categories": ["health"],
        "given_by": "Sharon Walsh", "given_by_relationship": "parent_carer", "method": "signed_form",
        "given_on": datetime.now(timezone.utc).date().isoformat()}).get_json()
    receiver.failures = 1
    assert api.put(f"/api/v1/organisations/{camhs.id}/notification-settings", w.t["admin"],
                   json={"webhook_url": receiver.url}).status_code == 200
    from caseflow.core.extensions import db
    from caseflow.notify.services import notify

    with app.app_context():
        notify(w.p["camhs"].id, "plan", "withdrawal-test", "Leah Walsh: CAMHS appointment moved",
               "The family asked to move Leah's appointment to Thursday.", case_id=w.case_id, family_id=w.family_id)
        db.session.commit()
    assert len(receiver.calls) == 1  # failed; waiting to retry
    assert api.post(f"/api/v1/consents/{consent['id']}/withdraw", w.t["sam"], json={"reason": "Mum asked"}).status_code == 200
    with app.app_context(), time_machine.travel(datetime.now(timezone.utc) + timedelta(minutes=10), tick=False):
        dispatcher.sweep()
    retry = receiver.payloads()[-1]
    assert len(receiver.calls) == 2 and "appointment" not in retry["title"] + retry["body"]
    assert "no longer read" in retry["title"]
    assert sign("s", "1", b"x") != sign("s", "2", b"x")  # the timestamp is signed too
    assert inbox(api, w.t["camhs"])[0]["title"] == retry["title"]


def test_notification_settings_of_the_wrong_type_are_422_and_change_nothing(api, factory, app):
    """Found by a deeper generated-request run (CASEFLOW_TEST_SCHEMATHESIS_EXAMPLES=120): a duty
    email sent as an object was a 500. Each field of the wrong type is named; the saved settings stay."""
    w = open_family(api, factory)
    url = f"/api/v1/organisations/{w.orgs['school'].id}/notification-settings"
    assert api.put(url, w.t["admin"], json={"duty_email": "dsl@school.example"}).status_code == 200
    refused = api.put(url, w.t["admin"], json={"duty_email": {"": ["x"]}, "webhook_url": 12, "new_secret": "maybe"})
    assert refused.status_code == 422, refused.get_json()
    assert set(refused.get_json()["error"]["fields"]) == {"duty_email", "webhook_url", "new_secret"}
    kept = api.put(url, w.t["admin"], json={}).get_json()
    assert kept["duty_email"] == "dsl@school.example" and kept["webhook_url"] is None
