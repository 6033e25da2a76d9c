"""Deadlines that pass unacknowledged escalate to the recipient organisation's duty contact
(inbox, and email to the duty address), once. Run by the sweeper in `caseflow worker`."""
from __future__ import annotations

from sqlalchemy import select

from caseflow.core import timescales
from caseflow.auth.models import Organisation, User
from caseflow.core.roles import Role
from caseflow.core.database import utcnow
from caseflow.core.extensions import db
from caseflow.notify import outbox
from caseflow.notify.models import Notification
from caseflow.notify.services import notify
from caseflow.notify.vocab import NotificationType


def escalate_due(limit: int = 200) -> int:
    now = utcnow()
    query = (select(Notification).where(Notification.deadline_at <= now, Notification.acknowledged_at.is_(None),
                                        Notification.escalated_at.is_(None)).order_by(Notification.deadline_at).limit(limit))
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    due = list(db.session.scalars(query))
    for note in due:
        recipient = db.session.get(User, note.recipient_id)
        org = db.session.get(Organisation, recipient.organisation_id) if recipient else None
        duty = [org.duty_contact_id] if org is not None and org.duty_contact_id else list(db.session.scalars(
            select(User.id).where(User.role == Role.TEAM_MANAGER, User.active, User.organisation_id == recipient.organisation_id)))
        title = f"Not acknowledged by {recipient.name if recipient else 'its recipient'}: {note.title}"
        body = (f"Due by {timescales.format_uk_datetime(note.deadline_at)} and not yet acknowledged. "
                f"{note.body}")
        for duty_id in duty:
            if duty_id == note.recipient_id:
                continue
            escalation = notify(duty_id, NotificationType.ESCALATION, f"escalation:{note.id}", title, body, case_id=note.case_id,
                                family_id=note.family_id, event_id=note.event_id, basis=note.basis)
            if escalation is not None and org is not None and org.duty_email:
                db.session.flush()
                outbox.add("email", notification_id=escalation.id, target=org.duty_email)
        note.escalated_at = now
    return len(due)
