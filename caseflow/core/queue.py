"""Background jobs: RQ on Redis when CASEFLOW_REDIS_URL is set, the same code in-process otherwise.

Callers use `enqueue("caseflow.notify.dispatcher.run", delivery_id)`; the job function is named by
its dotted path so RQ workers and the in-process runner import it the same way. Jobs must be
idempotent: RQ may run one again after a worker dies mid-job. The worker itself (and the
function RQ calls, JOB_RUNNER) is caseflow.jobs, an entry point above everything else.
"""
from __future__ import annotations

import importlib

from flask import current_app

# RQ imports the runner by name in the worker process, so nothing here imports the app.
JOB_RUNNER = "caseflow.jobs.run_job"
QUEUE_NAME = "caseflow"


# Jobs queued under an old name before an upgrade still run after it (an RQ job stores the name).
RENAMED_JOBS = {
    "caseflow.notify.outbox.run": "caseflow.notify.dispatcher.run",
    "caseflow.notify.outbox.route_pending": "caseflow.notify.dispatcher.route_pending",
}


def resolve(path: str):
    path = RENAMED_JOBS.get(path, path)
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


def enqueue(path: str, *args, job_id: str | None = None, job_timeout: int | None = None, **kwargs):
    """Queue a job (RQ) or run it now (no Redis configured). Returns the RQ job or the result.
    Run now, the job is part of the caller's unit of work: it commits with the caller.
    `job_timeout` (seconds) is for the few long jobs (an import): RQ stops others after 3 minutes."""
    settings = current_app.extensions["caseflow.settings"]
    if settings.redis_url:
        from rq import Queue, Retry

        queue = Queue(QUEUE_NAME, connection=redis_connection(settings.redis_url))
        extra = {"job_timeout": job_timeout} if job_timeout else {}
        return queue.enqueue(JOB_RUNNER, path, args, kwargs, job_id=job_id,
                             retry=Retry(max=5, interval=[5, 30, 120, 600, 1800]), **extra)
    return resolve(path)(*args, **kwargs)


