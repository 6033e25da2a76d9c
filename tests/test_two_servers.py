"""Two gunicorn servers with their own instance folders, one database and one Redis, behind a
small reverse proxy (as behind a council's TLS proxy): they serve the same family, with the keys
from configuration, and rate limits and audit rows see the real client's address."""
from __future__ import annotations

import http.client
import itertools
import json
import os
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select

from tests import redis_db
from tests.notify.helpers import open_family

GUNICORN = str(Path(sys.executable).parent / "gunicorn")
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authorization",
              "proxy-authenticate", "host"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RoundRobinProxy:
    """A reverse proxy in a thread: each request goes to the next backend, with the connecting
    client's address appended to X-Forwarded-For and X-Forwarded-Proto set to https (it stands
    for the TLS proxy). It records which backend answered each request."""

    def __init__(self, backends: list[int]):
        self.served_by: list[int] = []
        ports = itertools.cycle(backends)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def _forward(self):
                port = next(ports)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                forwarded = self.headers.get("X-Forwarded-For")
                headers["X-Forwarded-For"] = f"{forwarded}, {self.client_address[0]}" if forwarded \
                    else self.client_address[0]
                headers["X-Forwarded-Proto"] = "https"
                headers["X-Forwarded-Host"] = self.headers.get("Host", "caseflow.example.gov.uk")
                upstream = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                upstream.request(self.command, self.path, body=body, headers=headers)
                answer = upstream.getresponse()
                data = answer.read()
                proxy.served_by.append(port)
                self.send_response(answer.status)
                for key, value in answer.getheaders():
                    if key.lower() not in HOP_BY_HOP and key.lower() != "content-length":
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                upstream.close()

            do_GET = do_POST = do_PUT = _forward

            def log_message(self, *args):  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _get(proxy_port: int, path: str, token: str, source: str) -> tuple[int, dict, dict]:
    """A request through the proxy from the loopback address `source` (127.0.0.2, 127.0.0.3...),
    standing for a client somewhere in the council."""
    conn = http.client.HTTPConnection("127.0.0.1", proxy_port, timeout=60, source_address=(source, 0))
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    answer = conn.getresponse()
    body = answer.read()
    conn.close()
    return answer.status, dict(answer.getheaders()), (json.loads(body) if body else {})


def _start_servers(app, tmp_path, redis_url: str | None) -> tuple[list[int], list[subprocess.Popen]]:
    """Two gunicorn servers on free ports with their own instance folders (and, with Redis, a
    queue worker beside them, as the production profile has), ready to answer."""
    settings = app.extensions["caseflow.settings"]
    ports, servers = [_free_port(), _free_port()], []
    for n, port in enumerate(ports):
        instance = tmp_path / f"instance-{n}"  # each server its own folder: nothing shared but config
        instance.mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith("CASEFLOW_") or k.startswith("CASEFLOW_TEST_")}
        env.update({
            "CASEFLOW_DATABASE_URL": settings.database_url,
            "CASEFLOW_KEYS_FILE": str(settings.keys_file), "CASEFLOW_SECRET_KEY": settings.secret_key,
            "CASEFLOW_INSTANCE_PATH": str(instance), "CASEFLOW_TRUSTED_PROXY_HOPS": "1",
            "CASEFLOW_API_RATE_LIMIT": "6 per minute",
            # The suite's SQLite run shares one file between the two servers on this machine.
            "CASEFLOW_ENVIRONMENT": "production" if settings.database_url.startswith("postgresql") else "development",
        })
        if redis_url:
            env["CASEFLOW_REDIS_URL"] = redis_url
        # Output to files, not pipes: a pipe nobody reads fills at 64 KB (a log line a request)
        # and the server then blocks mid-request.
        servers.append(subprocess.Popen(
            [GUNICORN, "--workers", "1", "--threads", "4", "--bind", f"127.0.0.1:{port}", "caseflow.wsgi:app"],
            env=env, stdout=(tmp_path / f"server-{n}.log").open("wb"), stderr=subprocess.STDOUT))
        if n == 0 and redis_url:  # the production profile: a queue worker beside the web servers (/readyz asks for one)
            servers.append(subprocess.Popen([str(Path(sys.executable).parent / "caseflow"), "worker"], env=env,
                                            stdout=(tmp_path / "worker.log").open("wb"), stderr=subprocess.STDOUT))
    try:
        for server, port in zip([s for s in servers if "gunicorn" in s.args[0]], ports):
            _wait_ready(server, port, tmp_path / f"server-{ports.index(port)}.log")
    except BaseException:
        _stop(servers)
        raise
    return ports, servers


def _stop(servers: list[subprocess.Popen]) -> None:
    for server in servers:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.fixture
def two_servers(app, tmp_path):
    url = redis_db.redis_url()
    if url is None:  # pragma: no cover - .ci/run always starts Redis
        pytest.fail("Redis is not running on 127.0.0.1:6379 (.ci/run starts it)")
    redis_db.clear()
    ports, servers = _start_servers(app, tmp_path, url)
    try:
        proxy = RoundRobinProxy(ports)
        yield proxy, ports
        proxy.close()
    finally:
        _stop(servers)
        redis_db.clear()


def _wait_ready(server: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError("gunicorn exited: " + log.read_text(errors="replace"))
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/readyz")
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"gunicorn on {port} never became ready")


def test_two_servers_behind_a_proxy_serve_the_same_family_and_see_the_real_client(app, api, factory, two_servers):
    from caseflow.core.audit import AuditEvent
    from caseflow.core.extensions import db

    proxy, ports = two_servers
    w = open_family(api, factory)
    keyworker_token = w.t["sam"]
    names = set()
    for _ in range(4):
        status, headers, body = _get(proxy.port, f"/api/v1/families/{w.family_id}", keyworker_token, "127.0.0.2")
        assert status == 200, body
        names.add(json.dumps(sorted(p["given_name"] for p in body["members"])))
        assert headers["X-Request-ID"]
    assert set(proxy.served_by) == set(ports)  # both servers answered, each decrypting the family
    assert len(names) == 1 and "Leah" in names.pop()

    with app.app_context():
        reads = db.session.scalars(select(AuditEvent).where(AuditEvent.family_id == w.family_id,
                                                            AuditEvent.actor_id == w.p["sam"].id)).all()
        db.session.remove()
    assert len(reads) >= 4
    assert {event.ip for event in reads} == {"127.0.0.2"}  # the client, not the proxy (127.0.0.1)


def test_rate_limits_are_shared_by_both_servers_and_counted_per_client(app, api, factory, two_servers):
    proxy, ports = two_servers
    w = open_family(api, factory)
    statuses = [_get(proxy.port, "/api/v1/inbox", w.t["sam"], "127.0.0.2")[0] for _ in range(7)]
    # Six allowed a minute for this token, counted in Redis across both servers: the seventh is refused.
    assert statuses == [200] * 6 + [429]
    assert set(proxy.served_by) == set(ports)
    # Another caller (another token, another address) still has its own allowance.
    assert _get(proxy.port, "/api/v1/inbox", w.t["key_adult"], "127.0.0.3")[0] == 200


def test_without_redis_the_servers_share_rate_limits_through_the_database(app, api, factory, tmp_path):
    """A deployment without Redis: each process used to keep its own count, so two servers
    allowed twice the limit. The counts now live in the shared PostgreSQL database. (SQLite is
    the embedded single-process default, which production refuses: its one process's memory
    holds the counts, so there is nothing to share there.)"""
    if app.extensions["caseflow.settings"].database_url.startswith("sqlite"):
        pytest.skip("several web processes need PostgreSQL; SQLite is the single-process default")
    ports, servers = _start_servers(app, tmp_path, redis_url=None)
    try:
        w = open_family(api, factory)
        # Alternate between the two servers, as a load balancer would, from one client.
        statuses = [_get(port, "/api/v1/inbox", w.t["sam"], "127.0.0.1")[0] for port in ports * 4][:7]
        assert statuses == [200] * 6 + [429]
        # The same count holds on either server, and another token keeps its own allowance.
        assert _get(ports[0], "/api/v1/inbox", w.t["sam"], "127.0.0.1")[0] == 429
        assert _get(ports[1], "/api/v1/inbox", w.t["key_adult"], "127.0.0.1")[0] == 200
    finally:
        _stop(servers)
