"""The SQLAlchemy 2 foundation every model builds on: Base, ids, UTC timestamps, the session.

Plain SQLAlchemy (no Flask-SQLAlchemy): the same session serves web requests, CLI commands,
queue workers and tests. `db.session` is a scoped session bound to the engine in create_app().
"""
from __future__ import annotations

import uuid
from contextlib import contextmanager
from datetime import datetime, timezone

from enum import StrEnum

from sqlalchemy import DateTime, Enum, MetaData, create_engine, event, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker
from sqlalchemy.types import TypeDecorator

# Named constraints so Alembic migrations are deterministic on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def closed_set(values: type[StrEnum], name: str, length: int) -> Enum:
    """The column type for a closed set: stored as the enum's value in a plain VARCHAR (the same
    strings as before the set was an enum), with a CHECK constraint named ck_<table>_<name> (the
    naming convention adds the table) so the database refuses anything outside the set. Values
    read back are the enum's members; a StrEnum member still equals its string."""
    return Enum(values, native_enum=False, create_constraint=True, length=length, name=name,
                values_callable=lambda members: [m.value for m in members])


def new_id() -> str:
    """Opaque identifiers (API.md): random, unguessable, the same type on every engine."""
    return uuid.uuid4().hex


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Store UTC, always hand back an aware datetime (SQLite forgets the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; use caseflow.database.utcnow()")
        value = value.astimezone(timezone.utc)
        # SQLite has no zone support: store the UTC wall time so string ordering stays right.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def rollback_boundary(transaction):
    """The transaction a rollback really undid, for `after_soft_rollback` listeners: a failed
    flush reports its own inner marker transaction, and what it undid is the nearest savepoint
    around it or, with none, the whole transaction."""
    while transaction.parent is not None and not transaction.nested:
        transaction = transaction.parent
    return transaction


class Database:
    """Holds the engine and the scoped session; bound once per process by init_app()."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.session = scoped_session(sessionmaker(expire_on_commit=False))

    def configure(self, url: str, **engine_kwargs) -> Engine:
        if self.engine is not None:
            self.session.remove()
            self.engine.dispose()
        if url.startswith("sqlite"):
            engine_kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        else:
            engine_kwargs.setdefault("pool_pre_ping", True)
        self.engine = create_engine(url, **engine_kwargs)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin_immediate)
        self.session.configure(bind=self.engine)
        return self.engine

    def init_app(self, app) -> None:
        self.configure(app.config["DATABASE_URL"])

        @app.teardown_appcontext
        def _remove_session(exc):  # one session per request, rolled back if not committed
            self.session.remove()


def _sqlite_pragmas(dbapi_connection, _record):
    # Let SQLAlchemy's "begin" event issue BEGIN itself (see _sqlite_begin_immediate).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin_immediate(conn):
    # Nearly every transaction writes (reads are audited), so take SQLite's write lock up front:
    # concurrent requests then queue on busy_timeout instead of failing on a stale snapshot.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


@event.listens_for(Session, "before_flush")
def _refuse_what_columns_cannot_hold(session, _flush_context, _instances):
    """The last line behind input validation (issue 14): a value longer than its column, or
    holding a NUL byte, is refused as a validation error naming the field, on every engine,
    instead of failing inside PostgreSQL (a 500) or being kept whole by SQLite. Schemas should
    say the limit first, in the field's own words; this catches whatever they miss."""
    from caseflow.core.errors import ServiceValidationError

    problems: dict[str, list[str]] = {}
    for obj in (*session.new, *session.dirty):
        state = inspect(obj)
        for attr in state.mapper.column_attrs:
            value = state.dict.get(attr.key)  # only what is loaded: never a query inside a flush
            if not isinstance(value, str):
                continue
            label = attr.key.replace("_", " ").capitalize()
            length = getattr(attr.columns[0].type, "length", None)
            if "\x00" in value:
                problems[attr.key] = [f"{label} cannot contain a NUL character"]
            elif length is not None and len(value) > length:
                problems[attr.key] = [f"{label} must be {length:,} characters or fewer"]
    if problems:
        raise ServiceValidationError("Some answers are too long or contain characters that cannot be saved.",
                                     problems)


# --- answers remembered until the data could have changed ---------------------------------------

_MEMO_KEY = "caseflow.memo"


def remembered(session, key: tuple, compute):
    """`compute()`, asked once per key until this session next writes or its transaction ends.

    For look-ups a page asks many times over with the same arguments (the access policy asks
    what a user is to a case for every panel and link of the case page). Any flush (a write in
    this transaction), commit or rollback forgets every answer, so a change of allocation or
    TAF membership is seen by the very next question."""
    if session.new or session.dirty or session.deleted:
        return compute()  # changes not yet flushed: the look-up's own query flushes them first
    memo = session.info.get(_MEMO_KEY, {})
    if key in memo:
        return memo[key]
    value = compute()  # may begin the transaction, which forgets: remember after it
    session.info.setdefault(_MEMO_KEY, {})[key] = value
    return value


def _forget(session, *_args) -> None:
    session.info.pop(_MEMO_KEY, None)


for _moment in ("after_flush", "after_commit", "after_rollback", "after_soft_rollback", "after_begin"):
    event.listen(Session, _moment, _forget)


def bulk_insert(session: Session, table, rows: list[dict]) -> None:
    """Insert many rows of one table inside the session's transaction: COPY on PostgreSQL (a
    partner file writes a million rows; COPY is several times quicker than even a pipelined
    executemany), Core executemany elsewhere. Each value goes through its column type's bind
    processing either way (enums to their values, encrypted columns encrypted, JSON encoded),
    and a column a row leaves out gets its Python-side default, as an INSERT would give it."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name != "postgresql":
        session.execute(table.insert(), rows)
        return
    given = set().union(*(r.keys() for r in rows))
    columns = [c for c in table.columns if c.key in given or (c.default is not None and not c.default.is_sequence)]
    plan = []
    for column in columns:
        default = column.default
        if default is not None and default.is_callable:
            fill = lambda arg=default.arg: arg(None)  # noqa: E731 - SQLAlchemy wraps defaults to take a context
        elif default is not None and default.is_scalar:
            fill = lambda arg=default.arg: arg  # noqa: E731
        else:
            fill = lambda: None  # noqa: E731
        plan.append((column.key, column.type._cached_bind_processor(dialect), fill))
    cursor = connection.connection.driver_connection.cursor()
    names = ", ".join(f'"{c.name}"' for c in columns)
    with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            values = []
            for key, process, fill in plan:
                value = row[key] if key in row else fill()
                values.append(process(value) if process is not None and value is not None else value)
            copy.write_row(values)


@contextmanager
def planned_for_these_values(session: Session):
    """PostgreSQL plans the statements run inside for the values they are given, never from a
    generic plan. psycopg prepares a statement once it has run five times on a connection, and
    PostgreSQL may then reuse one plan for any values. For a prefix search that plan cannot use
    the name indexes (it does not know the prefix), and with a LIMIT it guesses the matches come
    early and scans the whole table: 40 ms instead of 4 for a common surname at 100,000 people.
    Costs two short statements; SQLite has no such plans. If a statement inside fails, the
    setting is left to end with the transaction (SET LOCAL): another statement in a failed
    transaction would only raise again and hide the first error."""
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    yield
    if postgres:
        session.execute(text("SET LOCAL plan_cache_mode = auto"))
