"""Background jobs: RQ on Redis when CASEFLOW_REDIS_URL is set, the same code in-process otherwise.

Callers use `enqueue("caseflow.notify.jobs.deliver", notification_id)`; the job function is
named by its dotted path so RQ workers and the in-process runner import it the same way.
Jobs must be idempotent: RQ may run one again after a worker dies mid-job.
"""
from __future__ import annotations

import importlib
import time

from flask import current_app

from caseflow.core.unit_of_work import unit_of_work

QUEUE_NAME = "caseflow"


def _resolve(path: str):
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


_connections: dict = {}


def redis_connection(url: str):
    """One client (and connection pool) per URL per process: a new client per call would open a
    connection and ask the server's version on every enqueue."""
    from redis import Redis

    if url not in _connections:
        _connections[url] = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    return _connections[url]


def enqueue(path: str, *args, job_id: str | None = None, **kwargs):
    """Queue a job (RQ) or run it now (no Redis configured). Returns the RQ job or the result.
    Run now, the job is part of the caller's unit of work: it commits with the caller."""
    settings = current_app.extensions["caseflow.settings"]
    if settings.redis_url:
        from rq import Queue, Retry

        queue = Queue(QUEUE_NAME, connection=redis_connection(settings.redis_url))
        return queue.enqueue(run_job, path, args, kwargs, job_id=job_id,
                             retry=Retry(max=5, interval=[5, 30, 120, 600, 1800]))
    return _resolve(path)(*args, **kwargs)


_worker_app = None


def run_job(path: str, args: tuple, kwargs: dict):
    """What an RQ worker runs: the named job inside an app context.

    `caseflow worker` runs a SimpleWorker inside its own app context, so jobs reuse that app and
    its connection pool (no fork, no app per job: fast enough for a burst of incidents). Run any
    other way (a forking worker), the job builds its own app in the process that runs it, never
    using connections inherited across a fork.

    Each job is one unit of work: it commits when the job returns and rolls back if it raises
    (the outbox's own jobs commit per row and per batch as they go: see caseflow.notify.outbox).
    """
    global _worker_app
    from flask import has_app_context

    from caseflow.core.extensions import db

    if has_app_context():
        try:
            with unit_of_work():
                return _resolve(path)(*args, **kwargs)
        finally:
            db.session.remove()
    from caseflow.app import create_app

    if _worker_app is None:
        _worker_app = create_app()
    with _worker_app.app_context():
        try:
            with unit_of_work():
                return _resolve(path)(*args, **kwargs)
        finally:
            db.session.remove()


def run_worker(burst: bool = False, sweep_every: float = 2.0) -> None:
    """`caseflow worker`: an RQ worker whose jobs run in this app's context, beside a sweeper
    thread that queues what the outbox still holds (Redis was down; a worker died mid-job;
    retries whose backoff has passed) and escalates notifications past their deadline."""
    import threading

    from rq import SimpleWorker

    settings = current_app.extensions["caseflow.settings"]
    app = current_app._get_current_object()
    stop = threading.Event()
    sweeper = threading.Thread(target=sweep_forever, args=(app, stop, sweep_every), daemon=True)
    if not burst:
        sweeper.start()
    else:
        sweep_once(app)
    worker = SimpleWorker([QUEUE_NAME], connection=redis_connection(settings.redis_url))
    try:
        worker.work(burst=burst, logging_level="WARNING")
    finally:
        stop.set()


OVERDUE_CHECK_SECONDS = 15 * 60  # overdue reviews change by the day: no need to look every sweep
_overdue_checked = float("-inf")


def sweep_once(app) -> int:
    import logging

    from caseflow.core.extensions import db
    from caseflow.notify import escalation, outbox
    from caseflow.plans.overdue import notify_overdue_reviews

    with app.app_context():
        try:
            with unit_of_work():  # the outbox's sweep commits what it hands on before it runs it
                done = outbox.sweep() + escalation.escalate_due()
                global _overdue_checked
                if time.monotonic() - _overdue_checked > OVERDUE_CHECK_SECONDS:
                    _overdue_checked = time.monotonic()
                    done += notify_overdue_reviews()
            return done
        except Exception:  # a database blip must not stop the worker; try again next time
            logging.getLogger(__name__).exception("sweep failed")
            return 0
        finally:
            db.session.remove()


def sweep_forever(app, stop, every: float) -> None:
    while not stop.is_set():
        sweep_once(app)
        stop.wait(every)
