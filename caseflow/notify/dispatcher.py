"""The outbox's jobs: route partner events in batches, deliver each email and webhook exactly
once, retry with backoff, dead-letter, sweep up what a dispatch missed, and replay a dead row.

caseflow.notify.outbox writes the rows and hands them to the queue (or runs these in-process);
these run them. Each commits per batch or per row (documented below), not at the job's end.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from caseflow.core.database import utcnow
from caseflow.core.extensions import db
from caseflow.notify.models import Delivery
from caseflow.notify.outbox import (BACKOFF_SECONDS, MAX_ATTEMPTS, ROUTE_BATCH, ROUTER_WOKEN_KEY, dispatch_after_commit,
                                    enqueue_deliveries, job_queue, run_in_process, wake_router)
from caseflow.notify.vocab import DeliveryKind, DeliveryStatus

log = logging.getLogger(__name__)


def _settings():
    return current_app.extensions["caseflow.settings"]


def route_pending(ids: list[str] | None = None) -> int:
    """The routing job: take waiting routing rows ROUTE_BATCH at a time (skipping rows another
    worker holds, so two workers share a burst), route their events together and mark the rows
    delivered in one transaction. Should a batch fail, its rows are run one at a time so a bad
    event fails alone, with retries and backoff. `ids` limits it to those rows (in-process)."""
    redis_url = _settings().redis_url
    if redis_url and ids is None:
        job_queue().connection.delete(ROUTER_WOKEN_KEY)  # rows committed from now on wake another job
    done = 0
    while True:
        query = (select(Delivery).where(Delivery.kind == DeliveryKind.ROUTE, Delivery.status.in_((DeliveryStatus.PENDING, DeliveryStatus.QUEUED)),
                                        Delivery.next_attempt_at <= utcnow())
                 .order_by(Delivery.created_at).limit(ROUTE_BATCH))
        if ids is not None:
            query = query.where(Delivery.id.in_(ids))
        if db.engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = list(db.session.scalars(query))
        if not rows:
            db.session.rollback()
            return done
        if len(rows) == ROUTE_BATCH and redis_url and ids is None:
            try:
                wake_router()  # more are waiting: another worker can take the next batch meanwhile
            except Exception:
                log.warning("outbox: could not wake a second router", exc_info=True)
        row_ids = [r.id for r in rows]
        try:
            from caseflow.notify import routing

            routing.route_events([r.event_id for r in rows])
            now = utcnow()
            for row in rows:
                row.status, row.delivered_at, row.attempts, row.last_error = DeliveryStatus.DELIVERED, now, row.attempts + 1, None
            # unit-of-work exception: the dispatcher commits each batch with its rows marked
            # delivered, so a batch routed is never routed again and a failed one fails alone.
            db.session.commit()
        except Exception:
            log.exception("outbox: a routing batch failed; routing its %d events one at a time", len(rows))
            db.session.rollback()
            for delivery_id in row_ids:
                run(delivery_id)
        done += len(rows)


def run(delivery_id: str) -> None:
    """The job: do one outbox row's work, exactly once."""
    from caseflow.notify import channels, routing

    query = select(Delivery).where(Delivery.id == delivery_id).with_for_update()
    row = db.session.scalar(query)
    if row is None or row.status in (DeliveryStatus.DELIVERED, DeliveryStatus.DEAD):
        db.session.rollback()
        return
    try:
        if row.kind == DeliveryKind.ROUTE:
            routing.route_events([row.event_id])  # committed below, with the row
        elif row.kind == DeliveryKind.EMAIL:
            channels.send_email(row)
        elif row.kind == DeliveryKind.WEBHOOK:
            channels.send_webhook(row)
        else:
            raise ValueError(f"unknown delivery kind {row.kind!r}")
    except Exception as exc:
        db.session.rollback()
        _failed(delivery_id, exc)
        return
    row.status, row.delivered_at, row.attempts = DeliveryStatus.DELIVERED, utcnow(), row.attempts + 1
    row.last_error = None
    # unit-of-work exception: each delivery is its own transaction (the work and its row marked
    # delivered together), also when a failed routing batch runs its rows one at a time.
    db.session.commit()


def _failed(delivery_id: str, exc: Exception) -> None:
    row = db.session.scalar(select(Delivery).where(Delivery.id == delivery_id).with_for_update())
    if row is None:
        return
    row.attempts += 1
    row.last_error = f"{type(exc).__name__}: {exc}"[:500]
    if row.attempts >= MAX_ATTEMPTS:
        row.status = DeliveryStatus.DEAD
        log.error("outbox: delivery %s is dead after %d attempts: %s", row.id, row.attempts, row.last_error)
    else:
        row.status = DeliveryStatus.PENDING
        row.next_attempt_at = utcnow() + timedelta(seconds=BACKOFF_SECONDS[row.attempts - 1])
    db.session.commit()  # unit-of-work exception: the failure is recorded after its work was undone


def sweep(limit: int = 500) -> int:
    """Queue what is due: new rows a dispatch missed (Redis was down), retries whose backoff has
    passed, and rows queued long ago whose worker died. Returns how many were handed on."""
    now = utcnow()
    query = (select(Delivery.id, Delivery.kind).where(or_(
        (Delivery.status == DeliveryStatus.PENDING) & (Delivery.next_attempt_at <= now),
        # queued but not done within the setting: its worker died, so queue it again
        (Delivery.status == DeliveryStatus.QUEUED) & (Delivery.queued_at <= now - timedelta(
            seconds=_settings().outbox_requeue_seconds))))
        .order_by(Delivery.next_attempt_at).limit(limit))
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = db.session.execute(query).all()
    if not rows:
        db.session.rollback()
        return 0
    ids = [i for i, _ in rows]
    if _settings().redis_url:
        try:
            if any(kind == DeliveryKind.ROUTE for _, kind in rows):
                wake_router()
            if others := [i for i, kind in rows if kind != DeliveryKind.ROUTE]:
                enqueue_deliveries(others)
        except Exception as exc:
            db.session.rollback()
            log.warning("outbox: sweep could not reach Redis (%s)", exc)
            return 0
        db.session.execute(update(Delivery).where(Delivery.id.in_(ids), Delivery.status.in_((DeliveryStatus.PENDING, DeliveryStatus.QUEUED)))
                           .values(status=DeliveryStatus.QUEUED, queued_at=now))
        db.session.commit()  # unit-of-work exception: the rows are marked queued once Redis has them
    else:
        # unit-of-work exception: end this transaction (and its row locks) before the rows are
        # run in-process, each in a transaction of its own.
        db.session.commit()
        run_in_process(current_app._get_current_object(), [i for i, kind in rows if kind != DeliveryKind.ROUTE],
                        [i for i, kind in rows if kind == DeliveryKind.ROUTE])
    return len(ids)


def replay(actor, delivery_id: str) -> Delivery:
    """An administrator sends a dead delivery again (after fixing, say, a partner's webhook)."""
    from caseflow.core import audit
    from caseflow.core.access import require
    from caseflow.core.errors import Conflict, NotFound

    require(actor, "outbox.manage", object_type="delivery", object_id=delivery_id, audit=False)
    row = db.session.get(Delivery, delivery_id)
    if row is None:
        raise NotFound("No delivery with that id.")
    if row.status != DeliveryStatus.DEAD:
        raise Conflict("Only dead deliveries are replayed; this one is " + row.status + ".")
    row.status, row.attempts, row.next_attempt_at, row.last_error = DeliveryStatus.PENDING, 0, utcnow(), None
    audit.record(actor, "delivery.replay", "delivery", row.id, purpose="notification delivery")
    dispatch_after_commit([(row.id, row.kind)])
    return row
