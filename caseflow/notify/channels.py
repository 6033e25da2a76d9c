"""Email (SMTP) and signed webhooks: the channels beyond the in-app inbox.

Email carries no personal data (it leaves the secure system): it says a notification is waiting,
with its deadline, and links to the inbox. Webhooks go to a partner organisation's own system,
signed with HMAC-SHA256 over "<timestamp>.<body>" using the organisation's secret, carrying only
what the policy let the recipient read (the notification's title and body, already cut).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import time
import urllib.request
from email.message import EmailMessage
from urllib.parse import urlparse

from flask import current_app

from caseflow.core import timescales
from caseflow.auth.models import Organisation, User
from caseflow.core.extensions import db
from caseflow.notify.models import Delivery, Notification

SIGNATURE_HEADER = "X-CaseFlow-Signature"
TIMESTAMP_HEADER = "X-CaseFlow-Timestamp"
DELIVERY_HEADER = "X-CaseFlow-Delivery"  # receivers de-duplicate on it: delivery is at least once


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str, tolerance: int = 300) -> bool:
    """What a partner's receiver does (documented for them, and used by the tests)."""
    if abs(time.time() - int(timestamp)) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def _settings():
    return current_app.extensions["caseflow.settings"]


def _notification(row: Delivery) -> Notification:
    note = db.session.get(Notification, row.notification_id) if row.notification_id else None
    if note is None:
        raise RuntimeError("the notification this delivery carried no longer exists")
    return note


def send_email(row: Delivery) -> None:
    note = _notification(row)
    url = _settings().smtp_url
    if not url:
        raise RuntimeError("No SMTP server configured (CASEFLOW_SMTP_URL)")
    parts = urlparse(url)
    message = EmailMessage()
    message["From"] = _settings().mail_from
    message["To"] = row.target
    message["Subject"] = "CaseFlow: a notification needs your attention"
    due = f" Please acknowledge it by {timescales.format_uk_datetime(note.deadline_at)}." if note.deadline_at else ""
    message["Message-ID"] = f"<{row.id}@caseflow>"  # the same id on a retry: mail systems de-duplicate
    message.set_content(f"You have a new notification in CaseFlow.{due}\n\nSign in to read it: "
                        f"{_settings().public_url.rstrip('/')}/inbox\n\nThis email contains no case details.")
    with smtplib.SMTP(parts.hostname, parts.port or 25, timeout=10) as smtp:
        if parts.username:
            smtp.starttls()
            smtp.login(parts.username, parts.password or "")
        smtp.send_message(message)


def webhook_payload(note: Notification, delivery_id: str) -> dict:
    """Cut at sending time, not at queueing time: consent withdrawn while the delivery waited
    (Redis down, a retry's backoff) withholds the content from it too."""
    from caseflow.notify.sharing import WITHHELD_BODY, WITHHELD_TITLE, no_longer_shared

    recipient = db.session.get(User, note.recipient_id)
    title, body = note.title, note.body
    if recipient is not None and no_longer_shared(recipient, [note]):
        title, body = WITHHELD_TITLE, WITHHELD_BODY
    return {"delivery_id": delivery_id, "notification_id": note.id, "type": note.type,
            "recipient": {"id": recipient.id, "name": recipient.name} if recipient else None,
            "title": title, "body": body, "case_id": note.case_id, "event_id": note.event_id,
            "created_at": note.created_at.isoformat(),
            "deadline_at": note.deadline_at.isoformat() if note.deadline_at else None}


def send_webhook(row: Delivery) -> None:
    note = _notification(row)
    recipient = db.session.get(User, note.recipient_id)
    org = db.session.get(Organisation, recipient.organisation_id)
    if not org.webhook_url or not org.webhook_secret:
        raise RuntimeError(f"{org.name} has no webhook configured")
    body = json.dumps(webhook_payload(note, row.id), separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(org.webhook_url, data=body, method="POST", headers={
        "Content-Type": "application/json", TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(org.webhook_secret, timestamp, body), DELIVERY_HEADER: row.id})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (https in production)
        if not 200 <= response.status < 300:
            raise RuntimeError(f"webhook answered {response.status}")
    from caseflow.core import audit

    # A disclosure to another organisation's system: on the family's access log.
    audit.record("notification queue", "notification.webhook_sent", "notification", note.id,
                 family_id=note.family_id, categories=["identity"], purpose=f"webhook to {org.name}"[:120],
                 basis=note.basis or "consent or lawful basis (checked at sending)")
