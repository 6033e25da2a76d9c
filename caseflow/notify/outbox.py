"""The transactional outbox and its dispatcher.

Services add Delivery rows in the same transaction as the change that needs them. When that
transaction commits, the dispatcher hands the new rows to the queue: RQ on Redis when
CASEFLOW_REDIS_URL is set, or a run in this process straight after the commit otherwise.
Routing rows (one per partner event) are taken by one routing job in batches, so a burst of
incidents costs a few queries per hundred events; emails and webhooks are a job each. If
Redis is down at that moment the rows stay 'pending' and the sweeper (run by `caseflow worker`)
queues them once it is back, so an accepted event is never lost. Jobs lock their row and do
nothing if it is already delivered, so a job run twice (a worker killed mid-job, a sweep racing
a dispatch) never delivers twice.
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from flask import current_app, has_app_context
from sqlalchemy import event, func, or_, select, update
from sqlalchemy.orm import Session

from caseflow.core.database import rollback_boundary, utcnow
from caseflow.core.extensions import db
from caseflow.core.queue import JOB_RUNNER
from caseflow.notify.models import Delivery
from caseflow.notify.vocab import DeliveryKind, DeliveryStatus

log = logging.getLogger(__name__)

BACKOFF_SECONDS = [5, 30, 120, 600, 1800, 3600]  # then dead-letter
MAX_ATTEMPTS = len(BACKOFF_SECONDS) + 1

_NEW_KEY = "caseflow.outbox.new"
_MARKS_KEY = "caseflow.outbox.savepoint_marks"


def add(kind: str, *, event_id: str | None = None, notification_id: str | None = None,
        target: str | None = None) -> Delivery:
    now = utcnow()
    # With Redis the dispatcher queues it at commit; should that fail, it goes back to pending.
    queued = bool(_settings().redis_url)
    row = Delivery(kind=kind, event_id=event_id, notification_id=notification_id, target=target,
                   status=DeliveryStatus.QUEUED if queued else DeliveryStatus.PENDING, queued_at=now if queued else None,
                   next_attempt_at=now)
    db.session.add(row)
    return row


@event.listens_for(Session, "after_flush")
def _remember_new_deliveries(session, flush_context):
    new = [(obj.id, obj.kind) for obj in session.new if isinstance(obj, Delivery)]
    if new:
        dispatch_after_commit(new, session)


def dispatch_after_commit(rows: list[tuple[str, str]], session=None) -> None:
    """Hand these outbox rows (id, kind) to the queue once the transaction they were written
    in commits (new rows are remembered automatically; a replayed row is named here)."""
    (session or db.session).info.setdefault(_NEW_KEY, []).extend(rows)


@event.listens_for(Session, "after_transaction_create")
def _mark_savepoint(session, transaction):
    # A savepoint remembers how many rows were waiting when it began, so undoing it (a failed
    # action in a request that goes on) forgets only the rows it wrote.
    if transaction.nested:
        session.info.setdefault(_MARKS_KEY, {})[transaction] = len(session.info.get(_NEW_KEY, ()))


@event.listens_for(Session, "after_soft_rollback")
def _forget_on_rollback(session, previous_transaction):
    undone = rollback_boundary(previous_transaction)
    if undone.nested:
        mark = session.info.get(_MARKS_KEY, {}).get(undone)
        if mark is not None and _NEW_KEY in session.info:
            del session.info[_NEW_KEY][mark:]
        return
    session.info.pop(_NEW_KEY, None)


@event.listens_for(Session, "after_transaction_end")
def _drop_marks(session, transaction):
    if transaction.parent is None:  # the whole transaction is over, and its savepoints with it
        session.info.pop(_MARKS_KEY, None)


@event.listens_for(Session, "after_commit")
def _dispatch_after_commit(session):
    if session.in_nested_transaction():  # a savepoint released: nothing is committed yet
        return
    ids = session.info.pop(_NEW_KEY, None)
    if ids and has_app_context():
        dispatch(ids)


def _settings():
    return current_app.extensions["caseflow.settings"]


def dispatch(rows: list[tuple[str, str]]) -> None:
    """Hand committed outbox rows (id, kind) to the queue. Never raises: a row that cannot be
    queued now stays pending for the sweeper.

    Routing rows are not queued one job each: the dispatcher wakes the routing job
    (route_pending), which takes every waiting routing row in batches. Other rows (emails,
    webhooks) are one job each: each talks to a different outside system and fails alone."""
    app = current_app._get_current_object()
    routes = [i for i, kind in rows if kind == DeliveryKind.ROUTE]
    others = [i for i, kind in rows if kind != DeliveryKind.ROUTE]
    if _settings().redis_url:
        try:
            if routes:
                wake_router()
            if others:
                _enqueue(others)
        except Exception as exc:  # Redis down: deliver them here, as without Redis
            log.warning("outbox: could not queue %d deliveries (%s); delivering them in-process", len(rows), exc)
            with db.engine.begin() as conn:  # a connection of its own: the session is mid-commit
                conn.execute(update(Delivery).where(Delivery.id.in_([i for i, _ in rows]), Delivery.status == DeliveryStatus.QUEUED)
                             .values(status=DeliveryStatus.PENDING, queued_at=None))
            # Should this fail too, the rows stay pending for the sweeper: still never lost.
            _in_thread(app, others, routes)
            return
        if routes and _no_worker_took(routes):
            # No worker running, or all of them busy with a burst: this request routes its own
            # events now. Its sender waits a little longer; no partner's alert waits for a
            # worker that is not coming. Rows a worker already holds are skipped.
            _in_thread(app, [], routes)
        return
    _in_thread(app, others, routes)


def _in_thread(app, ids: list[str], routes: list[str]) -> None:
    """Run now, in a thread with its own app context and database session (the committing
    session cannot run SQL inside its own after_commit hook), and wait for it."""
    worker = threading.Thread(target=_run_in_process, args=(app, ids, routes))
    worker.start()
    worker.join()


_workers_seen = {"at": float("-inf"), "alive": 0}
_WORKERS_SEEN_SECONDS = 1.0  # how long a count of live workers is trusted
_POLL_SECONDS = 0.02


def _no_worker_took(ids: list[str]) -> bool:
    """Wait up to CASEFLOW_ROUTE_INLINE_AFTER_MS for a worker to take these routing rows. True
    when none did: no worker is alive (then without waiting), or they are all behind."""
    now = time.monotonic()
    if now - _workers_seen["at"] > _WORKERS_SEEN_SECONDS:
        from caseflow.core.readiness import live_workers

        _workers_seen.update(at=now, alive=live_workers() or 0)
    if not _workers_seen["alive"]:
        return True
    deadline = now + _settings().route_inline_after_ms / 1000
    try:
        while True:
            with db.engine.connect() as conn:  # a connection of its own: the session is mid-commit
                waiting = conn.execute(select(func.count()).select_from(Delivery).where(
                    Delivery.id.in_(ids), Delivery.status == DeliveryStatus.QUEUED)).scalar()
            if not waiting:
                return False
            if time.monotonic() >= deadline:
                return True
            time.sleep(_POLL_SECONDS)
    except Exception:  # the events are committed and the sweeper will queue them: never fail the caller
        log.warning("outbox: could not tell whether a worker took the events", exc_info=True)
        return False


def _run_in_process(app, ids: list[str], routes: list[str] = ()) -> None:
    with app.app_context():
        try:
            if routes:
                route_pending(routes)
        except Exception:
            log.exception("outbox: routing failed in-process; it will be retried")
        finally:
            db.session.remove()
        for delivery_id in ids:
            try:
                run(delivery_id)
            except Exception:
                log.exception("outbox: delivery %s failed in-process; it will be retried", delivery_id)
            finally:
                db.session.remove()


def _queue():
    from rq import Queue

    from caseflow.core.queue import QUEUE_NAME, redis_connection

    return Queue(QUEUE_NAME, connection=redis_connection(_settings().redis_url))


def _enqueue(ids: list[str]) -> None:
    queue = _queue()
    with queue.connection.pipeline() as pipe:
        for delivery_id in ids:
            queue.enqueue(JOB_RUNNER, "caseflow.notify.outbox.run", (delivery_id,), {},
                          job_id=f"delivery-{delivery_id}-{utcnow().timestamp():.0f}", pipeline=pipe,
                          result_ttl=60, failure_ttl=86400)
        pipe.execute()


ROUTE_BATCH = 100  # routing rows one job routes in one transaction
_WAKE_KEY = "caseflow:router-woken"
_WAKE_SECONDS = 10


def wake_router() -> bool:
    """Make sure a routing job is queued. A burst of events queues one job, not one per event:
    the marker says a job is already waiting, and that job takes every row committed before it
    starts (it clears the marker first, so a row committed after that queues a fresh job). The
    marker expires, so a job lost with a crashed worker does not silence the router for long;
    the sweeper wakes it too. Returns whether it queued a job."""
    queue = _queue()
    if not queue.connection.set(_WAKE_KEY, 1, nx=True, ex=_WAKE_SECONDS):
        return False  # a routing job is already waiting to start
    queue.enqueue(JOB_RUNNER, "caseflow.notify.outbox.route_pending", (), {}, result_ttl=0, failure_ttl=86400)
    return True


def route_pending(ids: list[str] | None = None) -> int:
    """The routing job: take waiting routing rows ROUTE_BATCH at a time (skipping rows another
    worker holds, so two workers share a burst), route their events together and mark the rows
    delivered in one transaction. Should a batch fail, its rows are run one at a time so a bad
    event fails alone, with retries and backoff. `ids` limits it to those rows (in-process)."""
    redis_url = _settings().redis_url
    if redis_url and ids is None:
        _queue().connection.delete(_WAKE_KEY)  # rows committed from now on wake another job
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
                _enqueue(others)
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
        _run_in_process(current_app._get_current_object(), [i for i, kind in rows if kind != DeliveryKind.ROUTE],
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
