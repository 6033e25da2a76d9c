"""The queue on a real Redis server with real `caseflow worker` processes: delivered, never lost
when a worker is killed mid-delivery or Redis is down at submission, and never duplicated."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select

from caseflow.core import queue
from tests.notify.helpers import inbox, incident, open_family
from tests.notify.receivers import WebhookReceiver

from tests import redis_db

# A database of the test Redis that held nothing when the suite started (tests/redis_db.py).
REDIS_URL = redis_db.redis_url() or "redis://127.0.0.1:6379/15"
CASEFLOW = str(Path(sys.executable).parent / "caseflow")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def queue_on(app, url: str):
    """The app under test queues on `url` (as with CASEFLOW_REDIS_URL) for the block."""
    settings = app.extensions["caseflow.settings"]
    settings.redis_url = url
    try:
        yield
    finally:
        settings.redis_url = None


def _worker_env(app, url: str) -> dict:
    settings = app.extensions["caseflow.settings"]
    return {**os.environ, "CASEFLOW_DATABASE_URL": settings.database_url, "CASEFLOW_REDIS_URL": url,
            "CASEFLOW_KEYS_FILE": str(settings.keys_file), "CASEFLOW_INSTANCE_PATH": str(settings.instance_path),
            "CASEFLOW_SECRET_KEY": settings.secret_key, "CASEFLOW_OUTBOX_REQUEUE_SECONDS": "2"}


# Every worker a test starts, so teardown can stop any a failing test left running (a stuck
# worker holding a transaction would otherwise block the tests after it).
_started: list[subprocess.Popen] = []


def start_worker(app, url: str = REDIS_URL, burst: bool = False) -> subprocess.Popen:
    """A `caseflow worker` process whose output goes to a temporary file, read with `output()`.

    Not a pipe: a pipe nobody reads while the worker runs fills at 64 KB (a busy worker logs
    three lines a job), and the worker then blocks on its next log line, mid-job, for ever."""
    args = [CASEFLOW, "worker"] + (["--burst"] if burst else [])
    log = tempfile.TemporaryFile()
    worker = subprocess.Popen(args, env=_worker_env(app, url), stdout=log, stderr=subprocess.STDOUT)
    worker.log = log
    _started.append(worker)
    return worker


def finish(worker: subprocess.Popen, timeout: float = 120) -> int:
    """A burst worker's exit code once it has emptied the queue, failing the test if it hangs."""
    try:
        return worker.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the burst worker did not finish within {timeout} s; it printed:\n{_give_up_on(worker)}")


def _give_up_on(worker: subprocess.Popen) -> str:
    """Stop a worker that hangs, after asking it for every thread's stack (SIGUSR1, registered
    with faulthandler by `caseflow worker`), and return all it printed: where it was waiting."""
    if worker.poll() is None:
        worker.send_signal(signal.SIGUSR1)
        time.sleep(1)
        worker.kill()
        worker.wait(timeout=10)
    return output(worker)


def output(worker: subprocess.Popen) -> str:
    worker.log.seek(0)
    return worker.log.read().decode(errors="replace")


def stop(worker: subprocess.Popen, timeout: float = 30) -> None:
    """A warm shutdown (SIGTERM: finish the job in hand), failing the test if it does not come."""
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the worker did not stop within {timeout} s of SIGTERM; it printed:\n{_give_up_on(worker)}")


@pytest.fixture(autouse=True)
def _no_worker_outlives_its_test():
    yield
    while _started:
        worker = _started.pop()
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=10)
        worker.log.close()


def wait_for(condition, timeout: float = 30, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def redis():
    conn = queue.redis_connection(REDIS_URL)
    try:
        conn.ping()
    except Exception:  # pragma: no cover - .ci/run always starts Redis
        pytest.fail("Redis is not running on 127.0.0.1:6379 (.ci/run starts it)")
    redis_db.clear()
    yield conn
    redis_db.clear()


def _counts(app, event_ids):
    from caseflow.core.extensions import db
    from caseflow.notify.models import Delivery, Notification

    with app.app_context():
        notes = db.session.execute(select(Notification.event_id, Notification.recipient_id, func.count())
                                   .where(Notification.event_id.in_(event_ids))
                                   .group_by(Notification.event_id, Notification.recipient_id)).all()
        undelivered = db.session.scalar(select(func.count()).select_from(Delivery).where(Delivery.status != "delivered"))
        db.session.remove()
        return notes, undelivered


def test_a_police_incident_reaches_the_keyworker_and_school_through_redis_and_a_worker(api, factory, app, redis):
    """With a worker running, the worker routes the event (the accepting request only routes an
    event no worker takes in time)."""
    w = open_family(api, factory)
    worker = start_worker(app)
    try:
        wait_for(lambda: _live_workers(app) > 0, what="the worker to report in")
        with queue_on(app, REDIS_URL):
            accepted = api.post("/api/v1/notifications", w.t["police"], json=incident())
        assert accepted.status_code == 202
        event_id = accepted.get_json()["id"]
        wait_for(lambda: bool([n for n in inbox(api, w.t["sam"]) if n["event_id"] == event_id]),
                 what="the worker to route the event")
    finally:
        stop(worker)
    school = [n for n in inbox(api, w.t["key_adult"]) if n["event_id"] == event_id]
    assert len(school) == 1 and "verbal argument" not in school[0]["body"]
    log = output(worker)
    assert "job caseflow.notify.dispatcher.route_pending done" in log, log  # the worker routed it
    assert _counts(app, [event_id])[1] == 0


def test_killing_the_worker_mid_delivery_loses_nothing_and_duplicates_nothing(api, factory, app, redis):
    receiver = WebhookReceiver(delay=0)
    try:
        w = open_family(api, factory, webhook_url=receiver.url)
        receiver.calls.clear()
        receiver.delay = 6  # the school's system is slow: the worker will be inside the call
        with queue_on(app, REDIS_URL):
            events = [api.post("/api/v1/notifications", w.t["police"], json=incident(f"NP-K{i}")).get_json()["id"]
                      for i in range(5)]
        worker = start_worker(app)
        try:
            wait_for(lambda: receiver.calls, what="the worker to start a webhook call")
            worker.send_signal(signal.SIGKILL)  # mid-delivery: no chance to clean up
            worker.wait(timeout=10)
        finally:
            if worker.poll() is None:
                worker.kill()
        receiver.delay = 0
        restarted = start_worker(app)
        try:
            wait_for(lambda: _counts(app, events)[1] == 0, timeout=60, what="every delivery to complete")
        finally:
            stop(restarted)
        notes, undelivered = _counts(app, events)
        assert undelivered == 0
        assert all(count == 1 for _, _, count in notes)  # one notification per person per event
        recipients = {(e, r) for e, r, _ in notes}
        assert {e for e, _ in recipients} == set(events)
        assert {w.p["sam"].id, w.p["key_adult"].id} <= {r for _, r in recipients}
        delivered_ids = {c["headers"].get("X-Caseflow-Delivery") or c["headers"].get("X-CaseFlow-Delivery")
                         for c in receiver.calls}
        assert len(delivered_ids) == len(events)  # a retried call repeats its delivery id: receivers de-duplicate
    finally:
        receiver.close()


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs Debian's redis-server (.ci/run installs it)")
def test_redis_down_at_submission_delivers_in_process_and_never_twice(api, factory, app, tmp_path):
    """Redis down when the police submit: the event is routed by the accepting request (as
    without Redis), and a worker starting later, once Redis is back, does not route it again."""
    from caseflow.core.extensions import db
    from caseflow.notify.models import Delivery

    port = _free_port()
    url = f"redis://127.0.0.1:{port}/0"
    w = open_family(api, factory)
    with queue_on(app, url):  # nothing listens there yet: Redis is down
        accepted = api.post("/api/v1/notifications", w.t["police"], json=incident())
    assert accepted.status_code == 202  # the police system is told it was received
    event_id = accepted.get_json()["id"]
    assert [n for n in inbox(api, w.t["sam"]) if n["event_id"] == event_id]  # arrived already
    with app.app_context():
        assert db.session.scalar(select(Delivery.status).where(Delivery.event_id == event_id)) == "delivered"
        db.session.remove()
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no", "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    try:
        wait_for(lambda: _answers(port), what="redis-server to start")
        worker = start_worker(app, url, burst=True)
        assert finish(worker) == 0, output(worker)
    finally:
        server.terminate()
        server.wait(timeout=10)
    notes, undelivered = _counts(app, [event_id])
    assert undelivered == 0 and notes and all(n == 1 for _, _, n in notes)


def _answers(port: int) -> bool:
    try:
        return queue.redis_connection(f"redis://127.0.0.1:{port}/0").ping()
    except Exception:
        return False


def test_two_workers_share_a_burst_and_route_every_event_exactly_once(api, factory, app, redis):
    """A batch of incidents wakes the router, not one job per event; two running workers take the
    waiting rows in batches (each skipping rows the other holds) and every event reaches each
    recipient once."""
    from caseflow.notify import outbox

    w = open_family(api, factory)
    count = outbox.ROUTE_BATCH + 30  # more than one routing batch
    settings = app.extensions["caseflow.settings"]
    workers = [start_worker(app) for _ in range(2)]
    patience, settings.route_inline_after_ms = settings.route_inline_after_ms, 60_000  # the workers route it all
    try:
        wait_for(lambda: _live_workers(app) >= 2, what="both workers to report in")
        with queue_on(app, REDIS_URL):
            sent = api.post("/api/v1/notifications/batch", w.t["police"],
                            json={"events": [incident(f"NP-W{i}") for i in range(count)]})
        assert sent.status_code == 202, sent.get_json()
        events = [i["id"] for i in sent.get_json()["items"]]
        wait_for(lambda: _counts(app, events)[1] == 0, timeout=120, what="every event to be routed")
    finally:
        settings.route_inline_after_ms = patience
        for worker in workers:
            stop(worker)
    logs = "".join(output(worker) for worker in workers)
    routing_jobs = logs.count("job caseflow.notify.dispatcher.route_pending done")
    assert 1 <= routing_jobs <= 4, logs  # a job per batch of ROUTE_BATCH events at most, not per event
    notes, undelivered = _counts(app, events)
    assert undelivered == 0
    assert all(n == 1 for _, _, n in notes)  # never twice
    by_event = {}
    for event_id, recipient, _ in notes:
        by_event.setdefault(event_id, set()).add(recipient)
    assert set(by_event) == set(events)
    assert all({w.p["sam"].id, w.p["key_adult"].id} <= people for people in by_event.values())


def test_a_lone_event_with_no_worker_running_still_reaches_the_inbox(api, factory, app, redis):
    """Redis is up but no worker runs (all crashed, or none started yet): a single police
    incident must not wait for ever. The accepting request routes it itself."""
    w = open_family(api, factory)
    with queue_on(app, REDIS_URL):
        accepted = api.post("/api/v1/notifications", w.t["police"], json=incident("NP-L1"))
    assert accepted.status_code == 202
    event_id = accepted.get_json()["id"]
    assert [n for n in inbox(api, w.t["sam"]) if n["event_id"] == event_id]
    worker = start_worker(app, burst=True)  # the routing job it queued finds nothing left to do
    assert finish(worker) == 0, output(worker)
    notes, undelivered = _counts(app, [event_id])
    assert undelivered == 0 and notes and all(n == 1 for _, _, n in notes)


def _live_workers(app) -> int:
    from caseflow.core.readiness import live_workers

    with app.app_context(), queue_on(app, REDIS_URL):
        return live_workers() or 0


@contextmanager
def private_redis(tmp_path, port: int):
    """A redis-server of the test's own on `port`, keeping nothing on disk (like the machine's
    Redis): stopping it loses every job queued in it, as a crash of a real one would."""
    def start():
        server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                   "--appendonly", "no", "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
        wait_for(lambda: _answers(port), what="redis-server to start")
        return server

    servers = [start()]
    try:
        yield servers, start
    finally:
        for server in servers:
            if server.poll() is None:
                server.terminate()
                server.wait(timeout=10)


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs Debian's redis-server (.ci/run installs it)")
def test_redis_stopped_and_started_during_a_burst_loses_nothing_and_duplicates_nothing(api, factory, app, tmp_path):
    """Redis crashes in the middle of a burst of police incidents (taking whatever was queued in
    it) and comes back while the police system keeps sending: every incident it was told was
    received reaches each recipient's inbox exactly once, and no request fails. While Redis is
    down the accepting requests route in-process; a worker that lost its Redis is restarted, as
    the service manager in docs/operations.md does."""
    port = _free_port()
    url = f"redis://127.0.0.1:{port}/0"
    w = open_family(api, factory)
    burst = 45
    accepted: list[str] = []
    statuses: list[int] = []
    workers: list[subprocess.Popen] = []

    def send_burst():
        with queue_on(app, url):
            for i in range(burst):
                response = api.post("/api/v1/notifications", w.t["police"], json=incident(f"NP-R{i}"))
                statuses.append(response.status_code)
                if response.status_code == 202:
                    accepted.append(response.get_json()["id"])

    sender = threading.Thread(target=send_burst)
    try:
        with private_redis(tmp_path, port) as (servers, start):
            workers.append(start_worker(app, url))
            wait_for(lambda: _live_workers_at(app, url) > 0, what="the worker to report in")
            sender.start()
            wait_for(lambda: len(statuses) >= 10, what="the burst to start")
            servers[0].kill()                     # Redis crashes mid-burst
            servers[0].wait(timeout=10)
            wait_for(lambda: len(statuses) >= 25, what="the burst to go on without Redis")
            servers.append(start())               # Redis is back, empty, before the burst ends
            sender.join(timeout=120)
            if workers[0].poll() is not None:     # the worker lost its Redis: the service manager restarts it
                workers.append(start_worker(app, url))
            wait_for(lambda: _counts(app, accepted)[1] == 0 and len({e for e, _, _ in _counts(app, accepted)[0]})
                     == len(accepted), timeout=120, what="every accepted incident to be routed and delivered")
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    worker.kill()
    print(f"\nredis fault: {len(statuses)} incidents, Redis killed after 10 and restarted after 25, "
          f"{len(workers)} worker process(es) started")
    # Every incident was accepted (routed in-process while Redis was down), none refused with a 500.
    assert statuses == [202] * burst, statuses
    notes, undelivered = _counts(app, accepted)
    assert undelivered == 0
    assert all(n == 1 for _, _, n in notes), [n for n in notes if n[2] != 1]  # never twice
    by_event: dict[str, set[str]] = {}
    for event_id, recipient, _ in notes:
        by_event.setdefault(event_id, set()).add(recipient)
    assert set(by_event) == set(accepted)
    assert all({w.p["sam"].id, w.p["key_adult"].id} <= people for people in by_event.values())


def _live_workers_at(app, url: str) -> int:
    from caseflow.core.readiness import live_workers

    with app.app_context(), queue_on(app, url):
        return live_workers() or 0


def test_a_worker_asked_with_sigusr1_prints_where_each_thread_is_and_carries_on(app, redis):
    """What an operator does with a worker that seems stuck (docs/operations.md): `kill -USR1`
    prints every thread's stack, the sweeper's included, and the worker goes on working."""
    worker = start_worker(app)
    wait_for(lambda: _live_workers(app) > 0, what="the worker to report in")
    worker.send_signal(signal.SIGUSR1)
    # The frames name our code, where it waits. Waited for, not read at once: the dump is written
    # thread by thread, and a thread busy importing (the sweeper's first readiness check) can
    # come before the one in caseflow/jobs.py.
    wait_for(lambda: "caseflow/jobs.py" in output(worker), timeout=10, what="the stacks to be printed")
    assert output(worker).count("Thread 0x") >= 2
    assert worker.poll() is None  # still running
    stop(worker)
