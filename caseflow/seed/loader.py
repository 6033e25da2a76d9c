"""Loading a generated county: COPY on PostgreSQL, executemany on SQLite.

On PostgreSQL the generator runs in a second process (forked, so it inherits the app's
encryption keys) and hands over each chunk already formatted as COPY text, one large string per
table; this process only streams them to the server. Generation (Python) and loading (the
PostgreSQL backend) then use a core each. On SQLite there is no server to overlap with: one
process generates and inserts.

One transaction per chunk (a bulk-loading exception to the one unit of work, like the demo's
loader): the chain head moves with each chunk, so the audit chain verifies after every commit.
"""
from __future__ import annotations

import gc
import json
import multiprocessing
import os
import secrets
import time as clock
import traceback
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from pathlib import Path
from queue import Empty

from sqlalchemy import Boolean, Date, DateTime, Enum, Float, Integer, func, select, text
from sqlalchemy.types import TypeDecorator

from caseflow.core.audit import GENESIS_HASH, AuditChainHead
from caseflow.core.crypto import EncryptedJSON, EncryptedText
from caseflow.core.database import Base, utcnow
from caseflow.seed.generator import COLUMNS, LOAD_ORDER, Generator

TOKENS_PER_PARTNER_SYSTEM = 2


class SeedError(RuntimeError):
    """The seed cannot run (a database that already holds a county, say)."""


@dataclass
class SeedReport:
    people: int = 0
    families: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    load_seconds: dict[str, float] = field(default_factory=dict)  # writing each table (COPY or inserts)
    index_seconds: float = 0.0  # building the indexes dropped for the load
    waiting_seconds: float = 0.0  # waiting for the generator: the loader was ahead of it
    logins: dict = field(default_factory=dict)


def cutoff_for(as_of: date | None) -> datetime:
    """The last moment a seeded record may carry: the end of the as-of day, or now if sooner."""
    now = utcnow()
    if as_of is None:
        return now
    return min(datetime.combine(as_of, time.max, timezone.utc), now)


def seed_county(session, people: int, seed: int, as_of: date | None, password: str | None, settings,
                progress=None) -> SeedReport:
    """Generate and load a county of `people` into the (migrated, empty) database of `session`."""
    from caseflow.auth.services import hash_password

    if session.scalar(select(func.count()).select_from(Base.metadata.tables["families"])) or \
            session.scalar(select(func.count()).select_from(Base.metadata.tables["users"])):
        raise SeedError("the database already has families or users: seed an empty, migrated database")
    head = session.get(AuditChainHead, 1)
    chain_head = (head.last_seq, head.last_hash) if head is not None else (0, GENESIS_HASH)
    password = password or secrets.token_urlsafe(12)
    # Every seeded member of staff signs in with the same password: argon2 is slow by design,
    # so it is hashed once, not once per user.
    arguments = dict(seed=seed, people=people, as_of=cutoff_for(as_of), password_hash=hash_password(password),
                     settings={"assessment_due_weeks": settings.assessment_due_weeks,
                               "review_interval_weeks": settings.review_interval_weeks},
                     chain_head=chain_head)
    report = SeedReport()
    postgres = session.get_bind().dialect.name == "postgresql"
    writer = _CopyWriter(session) if postgres else _SqliteWriter(session)
    session.commit()  # the checks above read only; each chunk is its own transaction from here
    if postgres:
        deferred = _drop_secondary_indexes(session)
        try:
            _load(session, writer, _forked_chunks(arguments), arguments, report, progress)
        finally:  # even when the load fails: an index missing would go unnoticed for a long time
            started = clock.monotonic()
            _create_indexes(session, deferred)
            report.index_seconds = clock.monotonic() - started
        session.commit()
        # VACUUM as well as ANALYZE: rows loaded by COPY have no visibility map until a vacuum
        # sets it, so every index-only scan would visit the table too (the overdue-work and
        # caseloads dashboards read 5 to 10 times slower at 1,000,000 people until autovacuum
        # came round). A county in service has been vacuumed; 13 s at that size. Outside a
        # transaction, as VACUUM must be.
        with session.get_bind().connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM (ANALYZE)"))
    else:
        _load(session, writer, _chunks_here(arguments, _sqlite_rows), arguments, report, progress)
    report.logins["password"] = password
    report.families = report.rows.get("families", 0)  # with the provisional ones of possible matches
    return report


def _load(session, writer, stream, arguments: dict, report: SeedReport, progress) -> None:
    asked = clock.monotonic()
    for kind, payload in stream:
        report.waiting_seconds += clock.monotonic() - asked
        if kind == "setup":
            tables, logins, (last_seq, last_hash) = payload
            report.logins = logins
            token_rows, tokens = _partner_tokens(logins.pop("partner_system_ids"), arguments["as_of"])
            report.logins["partner_tokens"] = tokens
            tables["api_tokens"] = writer.prepare("api_tokens", token_rows)
        else:
            tables, chunk_people, chunk_families, (last_seq, last_hash) = payload
            report.people += chunk_people
            report.families += chunk_families
        for table in LOAD_ORDER:
            started = clock.monotonic()
            count = writer.write(table, tables.get(table))
            report.rows[table] = report.rows.get(table, 0) + count
            report.load_seconds[table] = report.load_seconds.get(table, 0.0) + clock.monotonic() - started
        _move_head(session.connection(), last_seq, last_hash)  # the chain ends where the rows end
        session.commit()
        if progress is not None and kind != "setup":
            progress.update(chunk_people)
        asked = clock.monotonic()


def _drop_secondary_indexes(session) -> list[tuple[str, str]]:
    """Drop the plain (non-constraint) indexes of the tables the seed fills, returning their
    definitions. Building an index once over a loaded table is a sort; keeping it up to date
    row by row through millions of random ids is random I/O once it outgrows memory, and made
    the load slower as the county grew."""
    indexes = session.execute(text(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
        "AND i.tablename = ANY(:tables) AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
        "WHERE c.conname = i.indexname) ORDER BY i.indexname"), {"tables": list(COLUMNS)}).all()
    for name, _ in indexes:
        session.execute(text(f'DROP INDEX "{name}"'))
    session.commit()
    return [(name, definition) for name, definition in indexes]


def _create_indexes(session, indexes: list[tuple[str, str]]) -> None:
    session.rollback()  # a failed load's transaction, if any
    for _, definition in indexes:
        session.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
        session.execute(text(definition))
        session.commit()


def write_logins(path: Path, report: SeedReport) -> None:
    """The benchmark's logins: one password for every seeded member of staff, and partner tokens."""
    logins = {"password": report.logins["password"], "keyworkers": report.logins["keyworkers"],
              "front_door": report.logins["front_door"], "managers": report.logins["managers"],
              "partner_tokens": report.logins["partner_tokens"]}
    path.write_text(json.dumps(logins, indent=2) + "\n")
    os.chmod(path, 0o600)


def _partner_tokens(user_ids: list[str], created: datetime) -> tuple[list[tuple], list[str]]:
    """Working API tokens for the partner systems, stored as the auth service stores them (a
    SHA-256 hash and a prefix; caseflow.auth.services.create_token). Random, not from the seed:
    they are credentials."""
    from caseflow.auth.services import _token_digest

    rows, tokens = [], []
    for user_id in user_ids:
        for _ in range(TOKENS_PER_PARTNER_SYSTEM):
            token = "cf_" + secrets.token_urlsafe(32)
            tokens.append(token)
            rows.append((secrets.token_hex(16), user_id, _token_digest(token), token[:10], created))
    return rows, tokens


def _move_head(connection, last_seq: int, last_hash: str) -> None:
    table = AuditChainHead.__table__
    updated = connection.execute(table.update().where(table.c.id == 1).values(last_seq=last_seq, last_hash=last_hash))
    if updated.rowcount == 0:
        connection.execute(table.insert().values(id=1, last_seq=last_seq, last_hash=last_hash))


# --- producing chunks ------------------------------------------------------------------------------

def _generate(arguments: dict, prepare):
    """Setup rows, then every chunk, each table's rows passed through `prepare`."""
    generator = Generator(**arguments)
    county = generator.county
    setup = generator.setup_rows()
    logins = county.logins()
    logins["partner_system_ids"] = [u.id for u in county.partner_systems]
    yield "setup", ({table: prepare(table, rows) for table, rows in setup.items() if rows}, logins,
                    (generator.seq, generator.prev_hash))
    while not generator.done:
        chunk = generator.chunk()
        yield "chunk", ({table: prepare(table, rows) for table, rows in chunk.rows.items() if rows}, chunk.people,
                        chunk.families, (generator.seq, generator.prev_hash))


def _chunks_here(arguments: dict, prepare):
    yield from _generate(arguments, prepare)


def _forked_chunks(arguments: dict):
    """Generate in a forked child while this process loads: a small queue keeps the child at most
    a few chunks ahead (memory stays bounded at any size)."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue(maxsize=3)
    child = context.Process(target=_produce, args=(queue, arguments), daemon=True)
    # The child inherits every object of this process. Its garbage collector must leave them
    # alone: some belong to C libraries that are not fork-safe (a test process that had run
    # record linkage held DuckDB objects, and collecting them in the child crashed it). Frozen
    # objects are never collected; the parent thaws its own at once (the Python docs' advice
    # for fork without exec, which also keeps the pages shared).
    gc.freeze()
    try:
        child.start()
    finally:
        gc.unfreeze()
    try:
        while True:
            kind, payload = _next_from(queue, child)
            if kind == "error":
                raise SeedError(f"the generator failed:\n{payload}")
            if kind == "end":
                return
            yield kind, payload
    finally:
        child.join(timeout=5)
        if child.is_alive():
            child.terminate()


def _next_from(queue, child, poll_seconds: float = 1.0):
    """The child's next item; a SeedError if it died without saying why (killed, out of
    memory, a crash in a C library), rather than waiting for an item that will never come."""
    while True:
        alive = child.is_alive()  # before waiting: what a child puts before it exits is read first
        try:
            return queue.get(timeout=poll_seconds)
        except Empty:
            if not alive:
                raise SeedError(f"the generator process stopped without finishing (exit code {child.exitcode})") from None


def _produce(queue, arguments: dict) -> None:
    try:
        for item in _generate(arguments, _copy_text):
            queue.put(item)
        queue.put(("end", None))
    except BaseException:  # the parent must hear about it, or it would wait for ever
        queue.put(("error", traceback.format_exc()))


# --- PostgreSQL: COPY text ------------------------------------------------------------------------

def _is_type(column, kind) -> bool:
    column_type = column.type
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl if not isinstance(column_type.impl, type) else column_type.impl()
    return isinstance(column_type, kind)


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _escape(value: str) -> str:
    """COPY text escapes, for the rare value that needs them (JSON's \\u escapes, say)."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_ESCAPES)
    return value


def _copy_formatter(table: str):
    """One compiled function per table that turns a row into a line of COPY text: a single
    f-string with each column's conversion inline (a generic per-value loop spent more time
    than the rest of the generator)."""
    columns = Base.metadata.tables[table].columns
    parts = []
    for index, name in enumerate(COLUMNS[table]):
        column, value = columns[name], f"r[{index}]"
        if _is_type(column, Boolean):
            expression = f"('t' if {value} else 'f')"
        elif (table, name) in PREFORMATTED:
            expression = value
        elif _is_type(column, (DateTime, Date)):
            expression = f"{value}.isoformat()"
        elif _is_type(column, (Integer, Float)) or isinstance(column.type, (EncryptedText, EncryptedJSON, Enum)) \
                or name == "id" or name.endswith("_id") or name in ("reference", "hash", "prev_hash"):
            # Numbers, Fernet tokens (URL-safe base64), closed sets, hex ids: nothing to escape.
            expression = value
        else:
            expression = f"_escape({value})"
        if column.nullable:
            expression = f"(_NULL if {value} is None else {expression})"
        parts.append("{" + expression + "}")
    source = "def format_row(r):\n    return f\"" + "\\t".join(parts) + "\"\n"
    namespace = {"_escape": _escape, "_NULL": "\\N"}
    exec(compile(source, f"<copy {table}>", "exec"), namespace)  # noqa: S102 (our own column list)
    return namespace["format_row"]


_FORMATTERS: dict[str, object] = {}
# Values the generator hands over already written out (the audit trail's time, which its hash covers).
PREFORMATTED = {("audit_events", "at")}


def _copy_text(table: str, rows: list[tuple]) -> tuple[int, str]:
    format_row = _FORMATTERS.get(table) or _FORMATTERS.setdefault(table, _copy_formatter(table))
    lines = [format_row(row) for row in rows]
    lines.append("")
    return len(rows), "\n".join(lines)


class _CopyWriter:
    def __init__(self, session) -> None:
        self.session = session

    @staticmethod
    def prepare(table: str, rows: list[tuple]):
        return _copy_text(table, rows)

    def write(self, table: str, prepared) -> int:
        if not prepared:
            return 0
        count, data = prepared
        if not count:
            return 0
        raw = self.session.connection().connection.dbapi_connection
        with raw.cursor() as cursor:
            # A seed cut short is started again on an empty database: nothing is lost if the
            # last commits before a crash were not yet on disk.
            cursor.execute("SET LOCAL synchronous_commit TO off")
            # Foreign keys are not checked row by row during the load: every row the generator
            # makes points at rows loaded before it (tests/test_seed.py loads the same county
            # on SQLite with foreign keys enforced), and a check per row is an index probe per
            # row. The constraints stay and hold for everything written afterwards.
            cursor.execute("SET LOCAL session_replication_role = replica")
            with cursor.copy(f"COPY {table} ({', '.join(COLUMNS[table])}) FROM STDIN") as copy:
                step = 8 << 20
                for start in range(0, len(data), step):
                    copy.write(data[start:start + step])
        return count


# --- SQLite: executemany ---------------------------------------------------------------------------

def _sqlite_converters(table: str):
    columns = Base.metadata.tables[table].columns
    converters = []
    for name in COLUMNS[table]:
        column = columns[name]
        if _is_type(column, Boolean):
            converters.append(lambda v: None if v is None else int(bool(v)))
        elif _is_type(column, DateTime):
            # What SQLAlchemy's SQLite DATETIME stores (caseflow.core.database.UTCDateTime: UTC wall time).
            converters.append(_sqlite_datetime)
        elif _is_type(column, Date):
            converters.append(lambda v: None if v is None else v.isoformat())
        else:
            converters.append(None)
    return converters


def _sqlite_datetime(value):
    if value is None:
        return None
    if isinstance(value, str):  # written out by the generator (PREFORMATTED)
        value = datetime.fromisoformat(value)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def _sqlite_rows(table: str, rows: list[tuple]) -> list[tuple]:
    converters = _sqlite_converters(table)
    if all(c is None for c in converters):
        return rows
    return [tuple(value if convert is None else convert(value) for convert, value in zip(converters, row))
            for row in rows]


class _SqliteWriter:
    def __init__(self, session) -> None:
        self.session = session

    @staticmethod
    def prepare(table: str, rows: list[tuple]):
        return _sqlite_rows(table, rows)

    def write(self, table: str, rows) -> int:
        if not rows:
            return 0
        columns = COLUMNS[table]
        self.session.connection().exec_driver_sql(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows)
        return len(rows)
