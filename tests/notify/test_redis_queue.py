"""The queue on a real Redis server with real `caseflow worker` processes: delivered, never lost
when a worker is killed mid-delivery or Redis is down at submission, and never duplicated."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select

from caseflow.core import queue
from tests.notify.helpers import inbox, incident, open_family
from tests.notify.receivers import WebhookReceiver

REDIS_URL = "redis://127.0.0.1:6379/14"
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


def start_worker(app, url: str = REDIS_URL, burst: bool = False) -> subprocess.Popen:
    args = [CASEFLOW, "worker"] + (["--burst"] if burst else [])
    return subprocess.Popen(args, env=_worker_env(app, url), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


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
    conn.flushdb()
    yield conn
    conn.flushdb()


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
    w = open_family(api, factory)
    with queue_on(app, REDIS_URL):
        accepted = api.post("/api/v1/notifications", w.t["police"], json=incident())
    assert accepted.status_code == 202
    assert not [n for n in inbox(api, w.t["sam"]) if n["event_id"] == accepted.get_json()["id"]]  # queued, not run
    worker = start_worker(app, burst=True)
    assert worker.wait(timeout=60) == 0, worker.stdout.read().decode()
    assert [n for n in inbox(api, w.t["sam"]) if n["event_id"] == accepted.get_json()["id"]]
    school = [n for n in inbox(api, w.t["key_adult"]) if n["event_id"] == accepted.get_json()["id"]]
    assert len(school) == 1 and "verbal argument" not in school[0]["body"]


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
            restarted.send_signal(signal.SIGTERM)
            try:
                restarted.wait(timeout=10)
            except subprocess.TimeoutExpired:
                restarted.kill()
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
def test_redis_down_at_submission_loses_nothing(api, factory, app, tmp_path):
    from caseflow.core.extensions import db
    from caseflow.notify.models import Delivery

    port = _free_port()
    url = f"redis://127.0.0.1:{port}/0"
    w = open_family(api, factory)
    with queue_on(app, url):  # nothing listens there yet: Redis is down
        accepted = api.post("/api/v1/notifications", w.t["police"], json=incident())
    assert accepted.status_code == 202  # the police system is told it was received
    with app.app_context():
        row = db.session.scalar(select(Delivery).where(Delivery.event_id == accepted.get_json()["id"]))
        assert row.status == "pending"
        db.session.remove()
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no", "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    try:
        wait_for(lambda: _answers(port), what="redis-server to start")
        worker = start_worker(app, url, burst=True)
        assert worker.wait(timeout=60) == 0, worker.stdout.read().decode()
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert [n for n in inbox(api, w.t["sam"]) if n["event_id"] == accepted.get_json()["id"]]
    assert _counts(app, [accepted.get_json()["id"]])[1] == 0


def _answers(port: int) -> bool:
    try:
        return queue.redis_connection(f"redis://127.0.0.1:{port}/0").ping()
    except Exception:
        return False


def test_two_workers_share_a_burst_and_route_every_event_exactly_once(api, factory, app, redis):
    """A batch of incidents wakes the router once; two workers take the waiting rows in batches
    (each skipping rows the other holds) and every event reaches each recipient once."""
    from caseflow.notify import outbox

    w = open_family(api, factory)
    count = outbox.ROUTE_BATCH + 30  # more than one routing batch
    with queue_on(app, REDIS_URL):
        sent = api.post("/api/v1/notifications/batch", w.t["police"],
                        json={"events": [incident(f"NP-W{i}") for i in range(count)]})
    assert sent.status_code == 202, sent.get_json()
    events = [i["id"] for i in sent.get_json()["items"]]
    assert len(redis.keys("rq:job:*")) == 1  # one routing job for the whole burst, not one per event
    workers = [start_worker(app, burst=True) for _ in range(2)]
    for worker in workers:
        assert worker.wait(timeout=120) == 0, worker.stdout.read().decode()
    notes, undelivered = _counts(app, events)
    assert undelivered == 0
    assert all(n == 1 for _, _, n in notes)  # never twice
    by_event = {}
    for event_id, recipient, _ in notes:
        by_event.setdefault(event_id, set()).add(recipient)
    assert set(by_event) == set(events)
    assert all({w.p["sam"].id, w.p["key_adult"].id} <= people for people in by_event.values())


def test_when_the_workers_fall_behind_the_accepting_request_routes_its_own_event(api, factory, app, redis):
    """A burst faster than the workers (or no worker at all): events wait in the queue only so
    long; after that each accepting request routes its own, so alerts keep flowing."""
    import time as clock

    w = open_family(api, factory)
    settings = app.extensions["caseflow.settings"]
    with queue_on(app, REDIS_URL):
        first = api.post("/api/v1/notifications", w.t["police"], json=incident("NP-L1")).get_json()["id"]
        assert not [n for n in inbox(api, w.t["sam"]) if n["event_id"] == first]  # queued for a worker
        clock.sleep(settings.route_inline_after_ms / 1000 + 0.1)  # ...and no worker has taken it
        second = api.post("/api/v1/notifications", w.t["police"], json=incident("NP-L2")).get_json()["id"]
    assert [n for n in inbox(api, w.t["sam"]) if n["event_id"] == second]  # routed by its own request
    assert not [n for n in inbox(api, w.t["sam"]) if n["event_id"] == first]  # not someone else's
    worker = start_worker(app, burst=True)
    assert worker.wait(timeout=60) == 0, worker.stdout.read().decode()
    notes, undelivered = _counts(app, [first, second])
    assert undelivered == 0 and all(n == 1 for _, _, n in notes)
    assert {e for e, _, _ in notes} == {first, second}
