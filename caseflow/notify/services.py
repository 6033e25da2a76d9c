"""Notify people in the same transaction as the change (transactional outbox).

Callers pass a delivery key naming the event, so a retried service call or a replayed request
never notifies the same person twice. The body is cut to what the policy lets the recipient see:
callers give a minimal body for partners and a fuller one for service staff.
"""
from __future__ import annotations

from flask import current_app
from sqlalchemy import select, update

from caseflow.core import keyset
from caseflow.core.access import require, require_list
from caseflow.core.database import new_id, utcnow
from caseflow.core.extensions import db
from caseflow.notify.models import Notification
from caseflow.notify.sharing import WITHHELD_BODY, WITHHELD_TITLE, no_longer_shared
from caseflow.core.errors import Conflict, NotFound
from caseflow.notify.vocab import ANSWERED_BY_ACTION, Channel, DeliveryKind


def recipient_key(delivery_key: str, recipient_id: str) -> str:
    """A notification's idempotency key: the event's key and its recipient (the same event never
    notifies the same person twice), cut to the column."""
    return f"{delivery_key}:{recipient_id}"[:200]


def notify(recipient_id: str | None, type_: str, delivery_key: str, title: str, body: str,
           case_id: str | None = None, family_id: str | None = None, *, event_id: str | None = None,
           deadline_at=None, channels=(Channel.INBOX,), basis: str | None = None, recipient=None,
           fresh: bool = False, person_ids: list[str] | None = None) -> Notification | None:
    """The inbox row (always) and, in the same transaction, outbox rows for the other channels:
    email when the rule asks for it and SMTP is configured, and a signed webhook whenever the
    recipient's organisation has a system that takes them."""
    from caseflow.auth.models import User

    if not recipient_id:
        return None
    key = recipient_key(delivery_key, recipient_id)
    if not fresh:  # `fresh`: the caller holds the event's lock, so this key cannot exist yet
        existing = db.session.scalar(select(Notification).where(Notification.delivery_key == key))
        if existing is not None:
            return existing
    note = Notification(id=new_id(), delivery_key=key, recipient_id=recipient_id, type=type_, case_id=case_id,
                        family_id=family_id, title=title[:200], body=body, event_id=event_id,
                        deadline_at=deadline_at, basis=basis, person_ids=person_ids or None)
    db.session.add(note)
    user = recipient if recipient is not None else db.session.get(User, recipient_id)
    if _other_channels(user, channels):
        db.session.flush()  # the inbox row first: the outbox rows refer to it
        _add_outbox_rows(note.id, user, channels)
    return note


def notify_many(notes: list[dict]) -> None:
    """Many fresh notifications at once (routing a batch of events): the inbox rows in one bulk
    insert, then the other channels' outbox rows as notify() adds them. Each dict holds
    notify()'s arguments with `recipient` (the User) and `channels`; the caller holds the
    events' locks, so none of these delivery keys exists yet."""
    from sqlalchemy import insert

    rows, others = [], []
    for note in notes:
        user, channels = note["recipient"], note.get("channels", (Channel.INBOX,))
        row = {"id": new_id(), "delivery_key": recipient_key(note["delivery_key"], user.id), "recipient_id": user.id,
               "type": note["type"], "case_id": note.get("case_id"), "family_id": note.get("family_id"),
               "title": note["title"][:200], "body": note["body"], "event_id": note.get("event_id"),
               "deadline_at": note.get("deadline_at"), "basis": note.get("basis"),
               "person_ids": note.get("person_ids") or None, "created_at": utcnow()}
        rows.append(row)
        if _other_channels(user, channels):
            others.append((row["id"], user, channels))
    if rows:  # render_nulls: every row the same shape, so one executemany rather than a statement each
        db.session.execute(insert(Notification).execution_options(render_nulls=True), rows)
    for note_id, user, channels in others:
        _add_outbox_rows(note_id, user, channels)


def notify_all(recipients: dict[str, str | None], type_: str, delivery_key: str, title: str, body: str, *,
               family_id: str | None = None, event_id: str | None = None, person_ids: list[str] | None = None) -> None:
    """The same notification to many people at once ({user id: the case it is about, or None}):
    every front-door officer, say, of whom a county has dozens. Those already holding it (the
    same delivery key) are skipped, in one query; the rest are loaded in one and inserted in one,
    so the cost does not grow with the number of officers (notify() for each was two statements
    an officer: 86 for one incident at 1,000,000 people)."""
    from caseflow.auth.models import User

    keys = {user_id: recipient_key(delivery_key, user_id) for user_id in recipients if user_id}
    if not keys:
        return
    held = set(db.session.scalars(select(Notification.delivery_key)
                                  .where(Notification.delivery_key.in_(list(keys.values())))))
    wanted = [user_id for user_id, key in keys.items() if key not in held]
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(wanted)))} if wanted else {}
    notify_many([{"recipient": users[user_id], "type": type_, "delivery_key": delivery_key, "title": title,
                  "body": body, "case_id": recipients[user_id], "family_id": family_id, "event_id": event_id,
                  "person_ids": person_ids} for user_id in wanted if user_id in users])


def _other_channels(user, channels) -> bool:
    settings = current_app.extensions["caseflow.settings"]
    org = user.organisation if user is not None else None
    return bool((Channel.EMAIL in channels and settings.smtp_url and user is not None and user.email)
                or (org is not None and org.webhook_url))


def _add_outbox_rows(note_id: str, user, channels) -> None:
    """Email when the rule asks for it and SMTP is configured; a signed webhook whenever the
    recipient's organisation has a system that takes them."""
    from caseflow.notify import outbox

    settings = current_app.extensions["caseflow.settings"]
    if Channel.EMAIL in channels and settings.smtp_url and user.email:
        outbox.add(DeliveryKind.EMAIL, notification_id=note_id, target=user.email)
    if user.organisation is not None and user.organisation.webhook_url:
        outbox.add(DeliveryKind.WEBHOOK, notification_id=note_id, target=user.organisation.webhook_url)


INBOX_KEYS = 2  # keyset paged on (created_at, id): ix_notifications_inbox


def inbox(actor, page: int = 1, per_page: int = 50, unacknowledged_only: bool = False, before: tuple | None = None):
    """A page of the actor's notifications, newest first, its total (counted up to 1,000) and
    the cursor of the next (older) page."""
    from caseflow.core import audit, keyset

    decision = require_list(actor, "inbox.view", object_type="inbox", purpose="inbox")
    query = select(Notification).where(Notification.recipient_id == actor.id)
    if unacknowledged_only:
        query = query.where(Notification.acknowledged_at.is_(None))
    total = keyset.bounded_count(query)
    items, next_cursor = keyset.page(query, (Notification.created_at, Notification.id), before, per_page, page)
    now = utcnow()
    unread = [n.id for n in items if n.read_at is None]
    if unread:
        db.session.execute(update(Notification).where(Notification.id.in_(unread)).values(read_at=now))
    withheld = no_longer_shared(actor, items)
    # Each family whose news this page showed has the read on its access log.
    audit.record_reads(actor, "inbox.view", "inbox", [n.family_id for n in items if n.id not in withheld],
                       categories=decision.categories, purpose="inbox", basis=decision.basis)
    _withhold(items, withheld)
    return items, total, next_cursor


def _withhold(items, withheld: set[str]) -> None:
    """Shown without their content. Pending changes are flushed first and the withheld rows taken
    out of the session, so the request's commit leaves the stored rows untouched."""
    if withheld:
        db.session.flush()
    for note in items:
        if note.id in withheld:
            db.session.expunge(note)
            note.title, note.body = WITHHELD_TITLE, WITHHELD_BODY


def answered_by_action(note: Notification) -> str | None:
    """What answers this notification, when reading it does not (its deadline still runs)."""
    if note.deadline_at is not None and note.acknowledged_at is None:
        return ANSWERED_BY_ACTION.get(note.type)
    return None


def answer(delivery_key: str) -> int:
    """The action a notification asked for is done (social care decided on a step-up): its
    deadline notifications, under the delivery key the sender gave, are settled, so none
    escalates. Returns how many were still open."""
    result = db.session.execute(
        update(Notification).where(Notification.delivery_key.startswith(f"{delivery_key}:", autoescape=True),
                                   Notification.deadline_at.is_not(None), Notification.acknowledged_at.is_(None))
        .values(acknowledged_at=utcnow()).execution_options(synchronize_session="fetch"))
    return result.rowcount or 0


def acknowledge(actor, notification_id: str) -> Notification:
    require(actor, "inbox.view", object_type="inbox", audit=False)  # the inbox's own rule
    note = db.session.get(Notification, notification_id)
    if note is None or note.recipient_id != actor.id:
        raise NotFound("No notification with that id in your inbox.")
    if answered_by_action(note):
        raise Conflict(answered_by_action(note))
    if note.acknowledged_at is None:
        note.acknowledged_at = utcnow()
        from caseflow.core import audit

        audit.record(actor, "notification.acknowledge", "notification", note.id,
                     family_id=note.family_id, purpose="inbox")
    withheld = no_longer_shared(actor, [note])  # the same cut as the inbox: no more through this door
    _withhold([note], withheld)
    return note


# The navigation's inbox count says "99+" past this. A front-door officer's inbox collects every
# unplaced event and concern alert in the county: thousands waiting at county scale (5,600 each
# in the 100,000-person bench county after its runs), all counted on every page they opened.
INBOX_COUNT_LIMIT = 99


def unacknowledged_count(actor) -> keyset.Total:
    """How many of the actor's notifications wait to be acknowledged, up to INBOX_COUNT_LIMIT
    (then said as "99+"): reads at most that many index entries whatever the backlog."""
    return keyset.bounded_count(select(Notification.id).where(
        Notification.recipient_id == actor.id, Notification.acknowledged_at.is_(None)), limit=INBOX_COUNT_LIMIT)
