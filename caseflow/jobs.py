"""The worker side of background jobs: `caseflow worker` and what it runs (an entry point).

Jobs are queued with caseflow.core.queue.enqueue(); an RQ worker runs each through run_job(),
inside an app context, as its own unit of work.
"""
from __future__ import annotations

import time

from flask import current_app

from caseflow.core.queue import QUEUE_NAME, redis_connection, resolve
from caseflow.core.unit_of_work import unit_of_work

_worker_app = None


def run_job(path: str, args: tuple, kwargs: dict):
    """What an RQ worker runs: the named job inside an app context.

    `caseflow worker` runs a SimpleWorker inside its own app context, so jobs reuse that app and
    its connection pool (no fork, no app per job: fast enough for a burst of incidents). Run any
    other way (a forking worker), the job builds its own app in the process that runs it, never
    using connections inherited across a fork.

    Each job is one unit of work: it commits when the job returns and rolls back if it raises
    (the outbox's own jobs commit per row and per batch as they go: see caseflow.notify.dispatcher).
    """
    global _worker_app
    from flask import has_app_context


    if has_app_context():
        return _run_logged(path, args, kwargs)
    from caseflow.app import create_app

    if _worker_app is None:
        _worker_app = create_app()
    with _worker_app.app_context():
        return _run_logged(path, args, kwargs)


def _run_logged(path: str, args: tuple, kwargs: dict):
    """One job, one unit of work, one log line (its name, outcome and time; never its arguments,
    which may name people)."""
    import logging

    from caseflow.core.extensions import db

    log = logging.getLogger("caseflow.jobs")
    started = time.perf_counter()
    outcome = "failed"
    try:
        with unit_of_work():
            result = resolve(path)(*args, **kwargs)
        outcome = "done"
        return result
    finally:
        db.session.remove()
        ms = (time.perf_counter() - started) * 1000
        log.info("job %s %s %.1fms", path, outcome, ms,
                 extra={"event": "job", "job": path, "outcome": outcome, "duration_ms": round(ms, 1)})


def run_import(job_id: str, batch_size: int = 500) -> None:
    """An import job from the import page (caseflow.imports): check the uploaded bundle, then
    import it a batch at a time.

    unit-of-work exception: the job commits its status, then each batch with its progress, so the
    page's progress bar moves, a cancel (asked from another request) is seen between batches, and
    a stopped or cancelled import keeps whole batches that a second run skips (it is idempotent
    on the source ids, so RQ running it again after a worker died is safe too)."""
    import logging

    from caseflow.core.extensions import db
    from caseflow.imports import services as imports
    from caseflow.imports.models import ImportStatus

    from caseflow.imports.models import ImportKind

    job = imports.claim(job_id)
    if job is None:
        return
    db.session.commit()
    if job.kind == ImportKind.FEED:
        return run_feed_import(job)
    try:
        with imports.unpacked(job_id) as source:
            report = imports.check(job, source)
            db.session.commit()
            if job.finished:
                return
            for _ in imports.batches(job, source, report, batch_size=batch_size):
                db.session.commit()
                if imports.cancel_requested(job_id):
                    imports.finish(job, ImportStatus.CANCELLED)
                    db.session.commit()
                    return
            imports.finish(job, ImportStatus.DONE)
            db.session.commit()
    except Exception as exc:
        db.session.rollback()
        logging.getLogger(__name__).exception("import %s failed", job_id)
        imports.fail(job_id, f"The import stopped: {type(exc).__name__}. Batches already imported are kept; "
                             "importing the bundle again carries on from them.")
        db.session.commit()


def run_feed_import(job) -> None:
    """A partner file (caseflow.imports.feed_services): read it into the bulk linker, link it,
    then write the decisions a batch at a time.

    unit-of-work exception, as run_import: the job commits its status, then each batch with its
    progress; a cancel is seen between batches. Every batch is whole and the rows are keyed, so
    importing the file again (or RQ running the job again) carries on without doubling a row."""
    import logging

    from caseflow.core.extensions import db
    from caseflow.imports import feed_services as feeds, services as imports
    from caseflow.imports.models import ImportStatus

    job_id = job.id
    log = logging.getLogger(__name__)
    started = time.perf_counter()
    try:
        with feeds.linker_for(job) as linker:
            if not feeds.read(job, linker):
                db.session.commit()
                return
            db.session.commit()
            log.info("feed import %s: read %d rows in %.1fs", job_id, job.rows_total, time.perf_counter() - started)
            if imports.cancel_requested(job_id):
                imports.finish(job, ImportStatus.CANCELLED)
                db.session.commit()
                return
            # Linking a county's file takes minutes in DuckDB: no database transaction (and its
            # snapshot, which holds back vacuum) stays open across it.
            db.session.commit()
            feeds.link(job, linker)
            db.session.commit()
            log.info("feed import %s: linked at %.1fs", job_id, time.perf_counter() - started)
            for _ in feeds.write(job, linker):
                db.session.commit()
                if imports.cancel_requested(job_id):
                    imports.finish(job, ImportStatus.CANCELLED)
                    db.session.commit()
                    return
            imports.finish(job, ImportStatus.DONE)
            db.session.commit()
            log.info("feed import %s: written at %.1fs", job_id, time.perf_counter() - started)
    except Exception as exc:
        db.session.rollback()
        log.exception("feed import %s failed", job_id)
        imports.fail(job_id, f"The import stopped: {type(exc).__name__}. Batches already written are kept; "
                             "importing the file again carries on from them.")
        db.session.commit()


# How long the worker's command listener (RQ's pubsub thread) sleeps between looks. RQ uses 60 s
# and relies on Redis's reply to its UNSUBSCRIBE waking the thread at shutdown; with redis-py 8.2,
# whose PubSubWorkerThread.stop() waits for the thread, a reply read before the stop left the
# thread asleep for the rest of the 60 s and every worker stop (SIGTERM, the end of --burst) took
# up to a minute: on a loaded machine, longer than systemd or the tests wait. One look a second
# costs nothing and bounds a stop to about a second.
COMMAND_LISTENER_SLEEP_SECONDS = 1.0


def _worker_class():
    from rq import SimpleWorker

    class Worker(SimpleWorker):
        """RQ's SimpleWorker (jobs in this process, in its app context), whose command listener
        wakes every COMMAND_LISTENER_SLEEP_SECONDS."""

        def subscribe(self):
            self.pubsub = self.connection.pubsub()
            self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
            self.pubsub_thread = self.pubsub.run_in_thread(
                sleep_time=COMMAND_LISTENER_SLEEP_SECONDS, daemon=True,
                exception_handler=self._pubsub_exception_handler)

    return Worker


def run_worker(burst: bool = False, sweep_every: float = 2.0) -> None:
    """`caseflow worker`: an RQ worker whose jobs run in this app's context, beside a sweeper
    thread that queues what the outbox still holds (Redis was down; a worker died mid-job;
    retries whose backoff has passed) and escalates notifications past their deadline."""
    import threading

    settings = current_app.extensions["caseflow.settings"]
    app = current_app._get_current_object()
    stop = threading.Event()
    sweeper = threading.Thread(target=sweep_forever, args=(app, stop, sweep_every), daemon=True)
    if not burst:
        sweeper.start()
    else:
        sweep_once(app)
    worker = _worker_class()([QUEUE_NAME], connection=redis_connection(settings.redis_url))
    try:
        worker.work(burst=burst, logging_level="WARNING")
    finally:
        stop.set()


OVERDUE_CHECK_SECONDS = 15 * 60  # overdue reviews change by the day: no need to look every sweep
_overdue_checked = float("-inf")
_checkpointed = float("-inf")


def sweep_once(app) -> int:
    import logging

    from caseflow.core import rate_limits
    from caseflow.core.extensions import db
    from caseflow.notify import dispatcher, escalation
    from caseflow.plans.overdue import notify_overdue_reviews

    with app.app_context():
        try:
            with unit_of_work():  # the outbox's sweep commits what it hands on before it runs it
                done = dispatcher.sweep() + escalation.escalate_due()
                global _overdue_checked
                if time.monotonic() - _overdue_checked > OVERDUE_CHECK_SECONDS:
                    _overdue_checked = time.monotonic()
                    done += notify_overdue_reviews()
                    # housekeeping at the same pace: rate-limit windows long over
                    rate_limits.delete_windows_over(db.session.connection())
            _refresh_report_totals_when_due()
            done += _seal_leftover_audit_events()
            _checkpoint_when_due(app)
            return done
        except Exception:  # a database blip must not stop the worker; try again next time
            logging.getLogger(__name__).exception("sweep failed")
            return 0
        finally:
            db.session.remove()


def _refresh_report_totals_when_due() -> None:
    """The dashboards' daily totals (caseflow.readmodels.report_aggregates), rebuilt once a
    night (CASEFLOW_REPORT_REFRESH_HOUR)."""
    from flask import current_app

    from caseflow.readmodels import report_aggregates

    with unit_of_work():
        if report_aggregates.due(current_app.extensions["caseflow.settings"].report_refresh_hour):
            report_aggregates.refresh()


def _seal_leftover_audit_events() -> int:
    """Audit events whose transaction committed but whose process died before sealing them
    (caseflow.core.audit): onto the chain, so nothing committed stays off it."""
    from caseflow.core import audit
    from caseflow.core.extensions import db

    if db.engine.dialect.name != "postgresql":
        return 0
    with db.engine.connect() as connection:
        sealed = audit.seal_pending(connection)
        connection.commit()
    return sealed


def _checkpoint_when_due(app) -> None:
    """Every CASEFLOW_AUDIT_CHECKPOINT_MINUTES, a signed checkpoint of the audit chain's head
    (caseflow.core.audit_checkpoints): what shows later that no rows were cut off its end."""
    from caseflow.core.audit_checkpoints import write_checkpoint

    global _checkpointed
    every = app.extensions["caseflow.settings"].audit_checkpoint_minutes * 60
    if time.monotonic() - _checkpointed > every:
        _checkpointed = time.monotonic()
        write_checkpoint()


def sweep_forever(app, stop, every: float) -> None:
    while not stop.is_set():
        sweep_once(app)
        stop.wait(every)
