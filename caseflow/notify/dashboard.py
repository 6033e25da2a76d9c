"""What managers and administrators watch: notifications with deadlines and how each was
delivered; deliveries by status (the dead-letter list)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import defer

from caseflow.auth.models import User
from caseflow.core import audit, keyset
from caseflow.core.access import require, require_list
from caseflow.core.extensions import db
from caseflow.notify.models import Delivery, Notification


@dataclass
class Row:
    note: Notification
    recipient: User
    deliveries: list[Delivery]


DASHBOARD_KEYS = 2  # keyset paged on (created_at, id): ix_notifications_with_deadline_newest
DASHBOARD_PAGE = 50


def manager_view(actor, before: tuple | None = None, per_page: int = DASHBOARD_PAGE) -> tuple[list[Row], str | None]:
    """Partner-event notifications and escalations, newest first, with each channel's state: a
    page of them and the cursor of the next (older) page. Fifty a page, not two hundred at once:
    each family shown is a read on its access log, and managers look at the newest."""
    decision = require_list(actor, "notifications.dashboard", object_type="notification",
                            purpose="notification deadlines")
    # The body is not shown here: left unloaded, it is not decrypted for every row.
    query = (select(Notification).where(Notification.deadline_at.is_not(None))
             .options(defer(Notification.body, raiseload=True)))
    notes, next_cursor = keyset.page(query, (Notification.created_at, Notification.id), before, per_page)
    by_note: dict[str, list[Delivery]] = {}
    if notes:
        for d in db.session.scalars(select(Delivery).where(Delivery.notification_id.in_([n.id for n in notes]))):
            by_note.setdefault(d.notification_id, []).append(d)
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_({n.recipient_id for n in notes})))}
    audit.record_reads(actor, "notifications.dashboard", "notification", [n.family_id for n in notes],
                       categories=decision.categories, purpose="notification deadlines", basis=decision.basis)
    return [Row(n, users.get(n.recipient_id), by_note.get(n.id, [])) for n in notes], next_cursor


DELIVERY_KEYS = 2  # keyset paged on (created_at, id): ix_deliveries_newest, ix_deliveries_status_newest


def deliveries(actor, status: str | None, page: int, per_page: int, before: tuple | None = None):
    """A page of deliveries, newest first, their total (counted up to 1,000) and the cursor of
    the next (older) page."""
    require(actor, "outbox.manage", object_type="delivery", audit=False)
    query = select(Delivery)
    if status:
        query = query.where(Delivery.status == status)
    total = keyset.bounded_count(query)
    rows, next_cursor = keyset.page(query, (Delivery.created_at, Delivery.id), before, per_page, page)
    return rows, total, next_cursor
