"""What an operations team watches: request ids, one log line per request, metrics, readiness.

- Every request gets an id (the trusted proxy's X-Request-ID when it sends a sane one, else a
  new one). It is returned in the X-Request-ID header, written on the request's audit rows and on
  its log line, so a complaint, a log search and the audit trail meet on one value.
- Logs: one JSON object a line (CASEFLOW_LOG_FORMAT=json, the production default) from web and
  worker alike. The request line carries the route's rule (/families/<family_id>), never the
  query string: search terms are personal data.
- Metrics: Prometheus text at /metrics (prometheus_client): requests, latency, and the queue
  figures read at scrape time. Served to a bearer of CASEFLOW_METRICS_TOKEN, or to the loopback
  address when no token is set. Under gunicorn with PROMETHEUS_MULTIPROC_DIR set, the figures
  of every worker process are added together (prometheus_client's multiprocess mode).
- /healthz: the process answers. /readyz: the checks of caseflow.core.readiness; 503 until all
  pass, so a load balancer sends nobody to a server that cannot serve them.
"""
from __future__ import annotations

import hmac
import logging
import os
import re
import sys
import time
import uuid

from flask import Flask, Response, abort, g, request

from caseflow.core.settings import LogFormat

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,40}")
log = logging.getLogger("caseflow.requests")


def configure_logging(settings) -> None:
    """Root logging for this process (web or worker): JSON lines or plain text."""
    handler = logging.StreamHandler(sys.stderr)
    if settings.log_format is LogFormat.JSON:
        from pythonjsonlogger.json import JsonFormatter

        handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s",
                                           rename_fields={"asctime": "time", "levelname": "level", "name": "logger"}))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_caseflow", False)]:
        root.removeHandler(old)
    handler._caseflow = True
    root.addHandler(handler)
    root.setLevel(settings.log_level)


def current_request_id() -> str | None:
    return g.get("request_id") if _in_request() else None


def _in_request() -> bool:
    from flask import has_request_context

    return has_request_context()


def init_app(app: Flask) -> None:
    settings = app.extensions["caseflow.settings"]
    metrics = _Metrics(app)

    @app.before_request
    def _start():
        offered = request.headers.get(REQUEST_ID_HEADER, "")
        # Only a proxy we trust may name the request; anyone else's header is ignored.
        trusted = settings.trusted_proxy_hops > 0 and _SANE_REQUEST_ID.fullmatch(offered)
        g.request_id = offered if trusted else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish(response):
        response.headers[REQUEST_ID_HEADER] = g.get("request_id", "")
        started = g.get("request_started")
        if started is None:
            return response
        seconds = time.perf_counter() - started
        rule = request.url_rule.rule if request.url_rule else "(no route)"
        metrics.observe(request.method, rule, response.status_code, seconds)
        if rule not in _QUIET_RULES:
            from flask_login import current_user

            log.info("%s %s %s %.1fms", request.method, rule, response.status_code, seconds * 1000, extra={
                "event": "request", "request_id": g.get("request_id"), "method": request.method, "route": rule,
                "status": response.status_code, "duration_ms": round(seconds * 1000, 1),
                "user_id": getattr(current_user, "id", None) if current_user else None,
                "client": request.remote_addr})
        return response

    @app.route("/healthz", endpoint="health")
    def _health():
        return {"status": "ok"}

    @app.route("/readyz", endpoint="ready")
    def _ready():
        from caseflow.core.readiness import verdicts

        found = verdicts()
        ready = all(v.ok for v in found)
        body = {"status": "ready" if ready else "not ready",
                "checks": {v.name: {"ok": v.ok, "detail": v.detail} for v in found}}
        return body, (200 if ready else 503)

    @app.route("/metrics", endpoint="metrics")
    def _metrics():
        token = settings.metrics_token
        if token:
            offered = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
            if not hmac.compare_digest(offered.encode(), token.encode()):
                abort(401)
        elif request.remote_addr not in ("127.0.0.1", "::1"):
            abort(403)
        return Response(metrics.render(), mimetype="text/plain; version=0.0.4")

    from caseflow.core.extensions import csrf, limiter

    for view in ("health", "ready", "metrics"):  # probes every few seconds: never limited
        limiter.exempt(app.view_functions[view])
        csrf.exempt(app.view_functions[view])


_QUIET_RULES = {"/healthz", "/readyz", "/metrics", "/static/<path:filename>"}


class _Metrics:
    """The app's Prometheus registry. Request figures are counted as they happen; the queue's
    figures are read from the database (and Redis) when Prometheus scrapes."""

    def __init__(self, app: Flask):
        from prometheus_client import CollectorRegistry, Counter, Histogram

        self.app = app
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter("caseflow_http_requests_total", "HTTP requests answered",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("caseflow_http_request_duration_seconds", "Time to answer a request",
                                 ["method", "route"], registry=self.registry,
                                 buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
        self.registry.register(_QueueCollector(app))

    def observe(self, method: str, rule: str, status: int, seconds: float) -> None:
        self.requests.labels(method, rule, str(status)).inc()
        self.latency.labels(method, rule).observe(seconds)

    def render(self) -> bytes:
        from prometheus_client import CollectorRegistry, generate_latest

        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # gunicorn: every worker process's figures
            from prometheus_client import multiprocess

            combined = CollectorRegistry()
            multiprocess.MultiProcessCollector(combined)
            combined.register(_QueueCollector(self.app))
            return generate_latest(combined)
        return generate_latest(self.registry)


class _QueueCollector:
    """Deliveries by state, dead letters, the oldest undelivered event's age, the RQ backlog."""

    def __init__(self, app: Flask):
        self.app = app

    def describe(self):
        return []

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily
        from sqlalchemy import func, select

        from caseflow.core.database import utcnow
        from caseflow.core.extensions import db
        from caseflow.notify.models import Delivery

        by_state = GaugeMetricFamily("caseflow_deliveries", "Outbox deliveries by kind and state",
                                     labels=["kind", "state"])
        oldest = GaugeMetricFamily("caseflow_oldest_undelivered_seconds",
                                   "Age of the oldest delivery not yet done (0 when none waits)")
        dead = GaugeMetricFamily("caseflow_dead_letters", "Deliveries that gave up after every retry")
        with self.app.app_context():
            # The session's own connection (see caseflow.core.readiness: SQLite's write lock).
            try:
                rows = db.session.execute(select(Delivery.kind, Delivery.status, func.count())
                                          .group_by(Delivery.kind, Delivery.status)).all()
                first = db.session.execute(select(func.min(Delivery.created_at))
                                           .where(Delivery.status.in_(("pending", "queued")))).scalar()
            except Exception:  # a scrape must not fail because the database is away: /readyz says so
                db.session.rollback()
                return
            dead_count = 0
            for kind, state, count in rows:
                by_state.add_metric([kind, state], count)
                dead_count += count if state == "dead" else 0
            dead.add_metric([], dead_count)
            if first is not None and first.tzinfo is None:
                from datetime import timezone

                first = first.replace(tzinfo=timezone.utc)
            oldest.add_metric([], (utcnow() - first).total_seconds() if first else 0)
            yield by_state
            yield dead
            yield oldest
            depth = _queue_depth(self.app)
            if depth is not None:
                queued = GaugeMetricFamily("caseflow_queue_depth", "Jobs waiting in the RQ queue")
                queued.add_metric([], depth)
                yield queued


def _queue_depth(app) -> int | None:
    url = app.extensions["caseflow.settings"].redis_url
    if not url:
        return None
    from rq import Queue

    from caseflow.core.queue import QUEUE_NAME, redis_connection

    try:
        return Queue(QUEUE_NAME, connection=redis_connection(url)).count
    except Exception:
        return None
