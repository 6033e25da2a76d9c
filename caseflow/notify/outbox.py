"""The transactional outbox: delivery rows written with the change, handed on at commit.

Services add Delivery rows in the same transaction as the change that needs them. When that
transaction commits, the dispatcher hands the new rows to the queue: RQ on Redis when
CASEFLOW_REDIS_URL is set, or a run in this process straight after the commit otherwise.
Routing rows (one per partner event) are taken by one routing job in batches, so a burst of
incidents costs a few queries per hundred events; emails and webhooks are a job each. If
Redis is down at that moment the rows stay 'pending' and the sweeper (run by `caseflow worker`)
queues them once it is back, so an accepted event is never lost. Jobs lock their row and do
nothing if it is already delivered, so a job run twice (a worker killed mid-job, a sweep racing
a dispatch) never delivers twice.

The jobs themselves (route_pending, run, sweep, replay) are in caseflow.notify.dispatcher. This
module names them by their dotted paths, as the queue does, so writing an outbox row (which
notify() does) never imports the routing it eventually leads to (which calls notify()).
"""
from __future__ import annotations

import logging
import threading
import time

from flask import current_app, has_app_context
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from caseflow.core.database import rollback_boundary, utcnow
from caseflow.core.extensions import db
from caseflow.core.queue import JOB_RUNNER
from caseflow.notify.models import Delivery
from caseflow.notify.vocab import DeliveryKind, DeliveryStatus

log = logging.getLogger(__name__)

BACKOFF_SECONDS = [5, 30, 120, 600, 1800, 3600]  # then dead-letter
MAX_ATTEMPTS = len(BACKOFF_SECONDS) + 1

# The dispatcher's jobs, by the names the queue and the in-process runner both use.
ROUTE_JOB = "caseflow.notify.dispatcher.route_pending"
DELIVERY_JOB = "caseflow.notify.dispatcher.run"

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
                enqueue_deliveries(others)
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
    worker = threading.Thread(target=run_in_process, args=(app, ids, routes))
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


def run_in_process(app, ids: list[str], routes: list[str] = ()) -> None:
    from caseflow.core.queue import resolve

    route_pending, run = resolve(ROUTE_JOB), resolve(DELIVERY_JOB)
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


def job_queue():
    from rq import Queue

    from caseflow.core.queue import QUEUE_NAME, redis_connection

    return Queue(QUEUE_NAME, connection=redis_connection(_settings().redis_url))


def enqueue_deliveries(ids: list[str]) -> None:
    queue = job_queue()
    with queue.connection.pipeline() as pipe:
        for delivery_id in ids:
            queue.enqueue(JOB_RUNNER, DELIVERY_JOB, (delivery_id,), {},
                          job_id=f"delivery-{delivery_id}-{utcnow().timestamp():.0f}", pipeline=pipe,
                          result_ttl=60, failure_ttl=86400)
        pipe.execute()


ROUTE_BATCH = 100  # routing rows one job routes in one transaction
ROUTER_WOKEN_KEY = "caseflow:router-woken"
_WAKE_SECONDS = 10


def wake_router() -> bool:
    """Make sure a routing job is queued. A burst of events queues one job, not one per event:
    the marker says a job is already waiting, and that job takes every row committed before it
    starts (it clears the marker first, so a row committed after that queues a fresh job). The
    marker expires, so a job lost with a crashed worker does not silence the router for long;
    the sweeper wakes it too. Returns whether it queued a job."""
    queue = job_queue()
    if not queue.connection.set(ROUTER_WOKEN_KEY, 1, nx=True, ex=_WAKE_SECONDS):
        return False  # a routing job is already waiting to start
    queue.enqueue(JOB_RUNNER, ROUTE_JOB, (), {}, result_ttl=0, failure_ttl=86400)
    return True
