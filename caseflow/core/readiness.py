"""Is this process fit to serve? The verdicts behind `/readyz`, `caseflow check` and start-up.

Each check answers one question an operator asks when a server misbehaves: can it reach the
database, is the schema at the code's migration head, do its encryption keys open this
database's data (the key canary), can it reach Redis, and is any worker alive to run jobs.

The key canary is one value encrypted when the database is first migrated. A server whose keys
cannot decrypt it was started with another server's keys (or a fresh instance folder): it must
refuse to start, rather than say "healthy" and answer 500 on the first family it opens.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import text

from caseflow.core import crypto
from caseflow.core.database import utcnow
from caseflow.core.extensions import db

WORKER_HEARTBEAT_SECONDS = 90  # RQ workers beat every few seconds; this long silent is gone


@dataclass(frozen=True)
class Verdict:
    name: str
    ok: bool
    detail: str
    # A failed check that stops the process at start-up (the rest only make it "not ready").
    fatal: bool = False


# The checks read through the session's own connection: on SQLite every transaction takes the
# write lock (caseflow.core.database), so a second connection opened inside a request would wait
# for the request's own transaction and report a healthy database as locked.

def _failed_read() -> None:
    try:
        db.session.rollback()
    except Exception:
        db.session.remove()


def check_database() -> Verdict:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error: the verdict names it, the caller decides
        _failed_read()
        return Verdict("database", False, f"cannot reach the database: {type(exc).__name__}", fatal=True)
    return Verdict("database", True, f"reachable ({db.engine.dialect.name})")


def check_migrations() -> Verdict:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from caseflow.core.migrate import alembic_config

    heads = set(ScriptDirectory.from_config(alembic_config(str(db.engine.url))).get_heads())
    try:
        current = set(MigrationContext.configure(db.session.connection()).get_current_heads())
    except Exception as exc:
        _failed_read()
        return Verdict("migrations", False, f"cannot read the schema version: {type(exc).__name__}", fatal=True)
    if current == heads:
        return Verdict("migrations", True, f"at head ({', '.join(sorted(heads))})")
    return Verdict("migrations", False, f"database at {', '.join(sorted(current)) or 'no revision'}, code at "
                   f"{', '.join(sorted(heads))}: run 'caseflow db upgrade'", fatal=True)


def check_keys() -> Verdict:
    try:
        raw = db.session.execute(text("SELECT value FROM key_canary WHERE id = 1")).scalar()
    except Exception as exc:
        _failed_read()
        return Verdict("keys", False, f"cannot read the key canary: {type(exc).__name__}", fatal=True)
    if raw is None:
        return Verdict("keys", False, "no key canary yet: run 'caseflow db upgrade'", fatal=True)
    try:
        ok = crypto.decrypt(raw) == crypto.CANARY_PLAINTEXT
    except crypto.KeyError_:
        ok = False
    if not ok:
        return Verdict("keys", False, "the configured encryption keys cannot decrypt this database's data: every "
                       "server must use the same CASEFLOW_KEYS_FILE or CASEFLOW_ENCRYPTION_KEYS", fatal=True)
    return Verdict("keys", True, "the configured keys decrypt this database")


def check_redis() -> Verdict | None:
    url = current_app.extensions["caseflow.settings"].redis_url
    if not url:
        return None
    from caseflow.core.queue import redis_connection

    try:
        redis_connection(url).ping()
    except Exception as exc:
        return Verdict("redis", False, f"cannot reach Redis: {type(exc).__name__}")
    return Verdict("redis", True, "reachable")


def check_workers() -> Verdict | None:
    url = current_app.extensions["caseflow.settings"].redis_url
    if not url:
        return None
    alive = live_workers()
    if alive is None:
        return Verdict("workers", False, "cannot ask Redis which workers are running")
    if not alive:
        return Verdict("workers", False, "no worker has reported in the last "
                       f"{WORKER_HEARTBEAT_SECONDS} seconds: start 'caseflow worker'")
    return Verdict("workers", True, f"{alive} worker(s) alive")


def live_workers() -> int | None:
    """How many RQ workers have beaten recently (None when Redis cannot be asked)."""
    from rq import Worker

    from caseflow.core.queue import redis_connection

    try:
        workers = Worker.all(connection=redis_connection(current_app.extensions["caseflow.settings"].redis_url))
    except Exception:
        return None
    now = utcnow()
    return sum(1 for w in workers if w.last_heartbeat is not None
               and (now - _aware(w.last_heartbeat)).total_seconds() < WORKER_HEARTBEAT_SECONDS)


def _aware(moment: datetime) -> datetime:
    from datetime import timezone

    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def verdicts() -> list[Verdict]:
    """Every check, in the order an operator would fix them."""
    database = check_database()
    found = [database]
    if database.ok:
        found += [check_migrations(), check_keys()]
    found += [v for v in (check_redis(), check_workers()) if v is not None]
    return found


def refuse_to_start_unless_fit(app) -> None:
    """Start-up: stop the process (SystemExit with the reasons) when a fatal check fails."""
    with app.app_context():
        fatal = [v for v in verdicts() if not v.ok and v.fatal]
    if fatal:
        raise SystemExit("CaseFlow cannot start:\n" + "\n".join(f"  {v.name}: {v.detail}" for v in fatal))
