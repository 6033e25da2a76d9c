"""The job queue runs the same job in-process (no Redis) and on RQ workers (Redis)."""
import pytest

from caseflow import jobs  # noqa: F401
from caseflow.core import queue

from tests import redis_db

REDIS_URL = redis_db.redis_url() or "redis://127.0.0.1:6379/15"


def _redis_or_skip():
    try:
        conn = queue.redis_connection(REDIS_URL)
        conn.ping()
        return conn
    except Exception:  # pragma: no cover - CI always has Redis
        pytest.skip("Redis is not running on 127.0.0.1:6379")


def test_without_redis_jobs_run_in_process(app_ctx):
    assert app_ctx.extensions["caseflow.settings"].redis_url is None
    assert queue.enqueue("os.path.join", "inbox", "item") == "inbox/item"


def test_with_redis_a_worker_runs_the_queued_job(app_ctx):
    conn = _redis_or_skip()
    redis_db.clear()
    settings = app_ctx.extensions["caseflow.settings"]
    settings.redis_url = REDIS_URL
    try:
        job = queue.enqueue("os.path.join", "inbox", "item", job_id="test-job-1")
        assert job.get_status() == "queued"  # nothing ran yet: it waits for a worker
        jobs.run_worker(burst=True)
        job.refresh()
        assert job.get_status() == "finished" and job.return_value() == "inbox/item"
    finally:
        settings.redis_url = None
        redis_db.clear()


def test_a_delivery_job_queued_under_its_old_name_before_an_upgrade_still_runs():
    """RQ stores the job's dotted name: jobs waiting in Redis when the outbox's jobs moved to
    caseflow.notify.dispatcher must still find their function after the upgrade."""
    from caseflow.notify import dispatcher

    assert queue.resolve("caseflow.notify.outbox.run") is dispatcher.run
    assert queue.resolve("caseflow.notify.outbox.route_pending") is dispatcher.route_pending


def test_a_worker_stops_within_seconds_even_when_its_listener_has_read_the_unsubscribe_reply():
    """At every stop (SIGTERM, the end of --burst) RQ unsubscribes the worker's command listener
    and waits for its thread. When the thread reads Redis's reply before being told to stop (a
    loaded machine), it goes back to sleep: with RQ's 60 s listener sleep and redis-py 8.2's
    waiting stop(), the worker then took a minute to stop. Ours wakes every second."""
    import time

    conn = _redis_or_skip()
    worker = jobs._worker_class()(["caseflow-test-listener"], connection=conn)
    worker.subscribe()
    time.sleep(0.3)  # the listener is up and waiting
    send_unsubscribe = worker.pubsub.unsubscribe

    def unsubscribe_then_lose_the_race(*args, **kwargs):
        sent = send_unsubscribe(*args, **kwargs)
        time.sleep(0.5)  # the listener reads the reply and sleeps again before stop() is called
        return sent

    worker.pubsub.unsubscribe = unsubscribe_then_lose_the_race
    started = time.monotonic()
    worker.unsubscribe()
    assert time.monotonic() - started < 10
    assert not worker.pubsub_thread.is_alive()
    redis_db.clear()
