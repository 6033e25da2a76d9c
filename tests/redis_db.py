"""The Redis database the tests use, taken from settings and never one that holds anything else.

CASEFLOW_TEST_REDIS_URL names the server (default redis://127.0.0.1:6379) and
CASEFLOW_TEST_REDIS_DATABASES the database numbers the suite may take (default 15 down to 8). The
suite claims the first one that is empty by writing a marker key, so another test run on the same
machine takes the next; between tests it deletes only keys in its own database, and at the end
it removes its marker. A database that held keys when the suite started is never touched.
"""
from __future__ import annotations

import atexit
import os

_MARKER = "caseflow-tests:claimed-by"
_claimed: dict = {}


def _server() -> str:
    return os.environ.get("CASEFLOW_TEST_REDIS_URL", "redis://127.0.0.1:6379").rstrip("/")


def _candidates() -> list[int]:
    raw = os.environ.get("CASEFLOW_TEST_REDIS_DATABASES", "15,14,13,12,11,10,9,8")
    return [int(n) for n in raw.split(",") if n.strip()]


def redis_url() -> str | None:
    """The claimed database's URL (claimed on first call), or None when Redis does not answer."""
    if "url" in _claimed:
        return _claimed["url"]
    from redis import Redis

    for number in _candidates():
        url = f"{_server()}/{number}"
        try:
            conn = Redis.from_url(url, socket_connect_timeout=2)
            if conn.dbsize() == 0 and conn.set(_MARKER, os.getpid(), nx=True):
                _claimed.update(url=url, conn=conn)
                atexit.register(_release)
                return url
        except Exception:
            break
    _claimed["url"] = None
    return None


def clear() -> None:
    """Delete what the tests wrote to their database, keeping the claim."""
    conn = _claimed.get("conn")
    if conn is None:
        return
    keys = [k for k in conn.scan_iter(count=500) if k != _MARKER.encode()]
    if keys:
        conn.delete(*keys)


def _release() -> None:
    conn = _claimed.get("conn")
    if conn is not None:
        clear()
        conn.delete(_MARKER)
