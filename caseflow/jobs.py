"""Background jobs: RQ on Redis when CASEFLOW_REDIS_URL is set, the same code in-process otherwise.

Callers use `enqueue("caseflow.notify.jobs.deliver", notification_id)`; the job function is
named by its dotted path so RQ workers and the in-process runner import it the same way.
Jobs must be idempotent: RQ may run one again after a worker dies mid-job.
"""
from __future__ import annotations

import importlib

from flask import current_app

QUEUE_NAME = "caseflow"


def _resolve(path: str):
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def redis_connection(url: str):
    from redis import Redis

    return Redis.from_url(url)


def enqueue(path: str, *args, job_id: str | None = None, **kwargs):
    """Queue a job (RQ) or run it now (no Redis configured). Returns the RQ job or the result."""
    settings = current_app.extensions["caseflow.settings"]
    if settings.redis_url:
        from rq import Queue, Retry

        queue = Queue(QUEUE_NAME, connection=redis_connection(settings.redis_url))
        return queue.enqueue(run_job, path, args, kwargs, job_id=job_id,
                             retry=Retry(max=5, interval=[5, 30, 120, 600, 1800]))
    return _resolve(path)(*args, **kwargs)


_worker_app = None


def run_job(path: str, args: tuple, kwargs: dict):
    """What an RQ worker runs: the named job inside an app context of its own process.

    The app (and so the database engine) is created in the process that runs the job, never
    inherited across RQ's fork, because pooled connections must not be shared between processes.
    """
    global _worker_app
    from caseflow import create_app

    if _worker_app is None:
        _worker_app = create_app()
    with _worker_app.app_context():
        return _resolve(path)(*args, **kwargs)


def run_worker(burst: bool = False) -> None:
    """`caseflow worker`: an RQ worker whose jobs run inside this app's context."""
    from rq import Worker

    settings = current_app.extensions["caseflow.settings"]
    worker = Worker([QUEUE_NAME], connection=redis_connection(settings.redis_url))
    worker.work(burst=burst, with_scheduler=True)
