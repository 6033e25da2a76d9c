"""Append-only, hash-chained audit events (DESIGN.md §4).

Each event's hash covers its own fields and the previous event's hash, so editing or deleting any
row breaks the chain from that point on: `verify_chain()` (and `caseflow audit verify`) finds it.
Cutting rows off the end (and moving the head back) leaves a shorter chain that is still whole:
signed checkpoints of the head, kept outside the database (caseflow.core.audit_checkpoints), are
what show it.

Rows carry the version of the hash that sealed them: version 1 (before migration 0014) left out
the client address; version 2 covers every column. Each row is checked by its own version.

Events are added to the caller's transaction, so a change and its audit record commit together.
How they join the chain depends on the database:

- SQLite (one process): at commit, under the chain head's lock, as part of the same transaction.
- PostgreSQL (many web processes): every read is audited, so every request commits audit rows;
  if each commit took the head's lock, the whole service could commit no faster than one commit
  and its fsync at a time (about 150 a second on the bench machine, whatever the number of web
  workers: bench/audit_contention.py). So a transaction that finds the chain busy (the sealing
  lock, an advisory lock that writes nothing, is held) commits its events into `audit_pending`
  with its change, waiting for no one, and once committed seals them: it waits for the sealing
  lock and moves every committed pending event onto the chain in one batch, one head update and
  one fsync for however many requests committed meanwhile. A transaction that finds the chain
  free chains its events in its own commit, as on SQLite. A request that gets the lock to find its events already sealed
  by another's batch commits nothing. Each request still returns only once its events are on the
  chain; events left pending by a process that died between its commit and its seal are sealed
  by the worker's sweep (`seal_pending`). A bulk batch (`BULK_EVENTS` events or more: a claims
  run's worker) waits for the lock instead of staging, so its events are written once.
"""
from __future__ import annotations

import hashlib
import json
import logging
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from flask import g, has_request_context, request
from sqlalchemy import (JSON, BigInteger, ForeignKey, Identity, Index, Integer, String, delete, event, func, insert,
                        select, update)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm import Session

from caseflow.core import text
from caseflow.core.database import Base, UTCDateTime, rollback_boundary, utcnow
from caseflow.core.extensions import db

class AuditEvent(Base):
    __tablename__ = "audit_events"
    # A family's access log, newest first, a page at a time from a keyset cursor on seq: one
    # index serves both the family look-up and the order (migration 0017 replaced family_id's own).
    __table_args__ = (Index("ix_audit_events_family_seq", "family_id", "seq"),)

    # seq is the chain position: each row's hash covers the previous row's hash.
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor_label: Mapped[str] = mapped_column(String(254))  # who, even if the user is later removed
    actor_org_id: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(32), index=True)
    family_id: Mapped[str | None] = mapped_column(String(32))
    categories: Mapped[list] = mapped_column(JSON, default=list)
    purpose: Mapped[str | None] = mapped_column(String(120))
    basis: Mapped[str | None] = mapped_column(String(120))
    request_id: Mapped[str | None] = mapped_column(String(40))
    ip: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    hash_version: Mapped[int] = mapped_column(Integer, default=2, server_default="1")


class AuditChainHead(Base):
    """One row, locked while appending, so concurrent writers cannot fork the chain."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)
    last_hash: Mapped[str] = mapped_column(String(64))


class PendingAuditEvent(Base):
    """An event committed with the change it records, waiting to be sealed onto the chain
    (PostgreSQL; see the module's docstring). The same columns as AuditEvent but the chain's."""

    __tablename__ = "audit_pending"

    # Commit order is not id order (ids are taken at insert); sealing takes whatever is committed.
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), Identity(), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[str | None] = mapped_column(String(32))
    actor_label: Mapped[str] = mapped_column(String(254))
    actor_org_id: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(32))
    family_id: Mapped[str | None] = mapped_column(String(32))
    categories: Mapped[list] = mapped_column(JSON, default=list)
    purpose: Mapped[str | None] = mapped_column(String(120))
    basis: Mapped[str | None] = mapped_column(String(120))
    request_id: Mapped[str | None] = mapped_column(String(40))
    ip: Mapped[str | None] = mapped_column(String(64))
    hash_version: Mapped[int] = mapped_column(Integer)


GENESIS_HASH = "0" * 64
# The advisory lock sealers queue on (any constant: it names the lock, PostgreSQL-wide).
SEAL_LOCK = 0x0CA5EF10A
SEAL_BATCH = 5000
PENDING_OVERDUE = timedelta(minutes=10)
log = logging.getLogger(__name__)


def _request_id() -> str | None:
    if not has_request_context():
        return None
    if "request_id" not in g:  # set by the app on every request (caseflow.app.observability)
        g.request_id = uuid.uuid4().hex
    return g.request_id


def _client_ip() -> str | None:
    return request.remote_addr if has_request_context() else None


HASH_VERSION = 2  # what new rows are sealed with

# The columns each hash version covers. Version 2 is every column but the hash itself
# (tests/consent/test_audit_anchoring.py checks that a new column cannot be left out).
_HASHED_COLUMNS = {
    1: ("seq", "at", "actor_id", "actor_label", "actor_org_id", "action", "object_type", "object_id",
        "family_id", "categories", "purpose", "basis", "request_id"),
    2: ("seq", "at", "actor_id", "actor_label", "actor_org_id", "action", "object_type", "object_id",
        "family_id", "categories", "purpose", "basis", "request_id", "ip", "hash_version"),
}


def event_hash(event: AuditEvent | RecordedEvent, prev_hash: str, version: int | None = None) -> str:
    """The hash of one row under its version (or the one given), chained to prev_hash."""
    version = version or event.hash_version or 1
    payload = {}
    for column in _HASHED_COLUMNS[version]:
        value = getattr(event, column)
        if column == "at":
            value = value.isoformat(timespec="microseconds")
        elif column == "categories":
            value = sorted(value or [])
        payload[column] = value
    payload["prev_hash"] = prev_hash
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()


@dataclass(slots=True)
class RecordedEvent:
    """An event recorded in this transaction and not yet on the chain: the audit row's values,
    held as plain attributes. A queue or caseload page records an event per family it shows, and
    a tracked AuditEvent each cost more than hashing it; rows are inserted in bulk at commit."""
    at: datetime
    actor_id: str | None
    actor_label: str | None
    actor_org_id: str | None
    action: str
    object_type: str
    object_id: str | None
    family_id: str | None
    categories: list
    purpose: str | None
    basis: str | None
    request_id: str | None
    ip: str | None
    hash_version: int = HASH_VERSION
    seq: int | None = None
    prev_hash: str | None = None
    hash: str | None = None


def record(actor, action: str, object_type: str, object_id: str | None = None, *,
           family_id: str | None = None, categories=(), purpose: str | None = None,
           basis: str | None = None, session=None) -> RecordedEvent:
    """Record one event in the current transaction. It joins the chain when the transaction
    commits (see chain_pending), so it is kept exactly when the change it records is kept."""
    entry = _fitted(RecordedEvent(
        at=utcnow(),
        actor_id=getattr(actor, "id", None),
        actor_label=getattr(actor, "email", None) or (actor if isinstance(actor, str) else "anonymous"),
        actor_org_id=getattr(actor, "organisation_id", None),
        action=action,
        object_type=object_type,
        object_id=object_id,
        family_id=family_id,
        categories=sorted(set(categories)),
        purpose=purpose,
        basis=basis,
        request_id=_request_id(),
        ip=_client_ip(),
    ))
    (session or db.session).info.setdefault(_PENDING_KEY, []).append(entry)
    return entry


_FITTED_COLUMNS = {column: AuditEvent.__table__.c[column].type.length
                   for column in ("actor_label", "action", "object_type", "purpose", "basis", "request_id", "ip")}


def _fitted(entry: RecordedEvent) -> RecordedEvent:
    """The trail is system text built from other records (a basis naming every consent that
    covers a family, a break-glass reason, a client's X-Request-Id): cut to its column, marked as
    cut, so that recording a read can never fail it (a failed audit write would make the family
    impossible to open). Cut before hashing, so the chain covers what is stored."""
    for column, length in _FITTED_COLUMNS.items():
        value = getattr(entry, column)
        if isinstance(value, str):
            setattr(entry, column, text.fit(value.replace("\x00", ""), length))
    return entry


def record_reads(actor, action: str, object_type: str, family_ids, *, object_id: str | None = None,
                 categories=(), purpose: str | None = None, basis: str | None = None) -> None:
    """A read that showed several families (a search, a queue, an agenda, a caseload, an inbox):
    one event per family, so each family's access log shows it, or one naming no family when it
    showed none. The events differ only in the family: the first is built, the rest copied."""
    family_ids = list(dict.fromkeys(f for f in family_ids if f)) or [None]
    first = record(actor, action, object_type, object_id, family_id=family_ids[0], categories=categories,
                   purpose=purpose, basis=basis)
    pending = db.session.info[_PENDING_KEY]
    for family_id in family_ids[1:]:
        pending.append(replace(first, family_id=family_id, categories=list(first.categories)))


_PENDING_KEY = "caseflow.audit.pending"
_AUDIT_COLUMNS = [c.key for c in AuditEvent.__table__.columns]


def chain_pending(session=None, head: tuple[int, str] | None = None) -> None:
    """Put this transaction's recorded events on the chain: lock the head, number and hash them.

    Runs just before every commit, after the transaction's other changes are flushed, so the
    chain's single lock is held only for the commit itself and never while a request or a
    routing batch does its work: concurrent writers queue on it for a millisecond, not for the
    length of each other's work. Also called by readers of the trail that must see their own
    transaction's events. `head` is the (last_seq, last_hash) the caller has already locked.

    The head is read and written as plain rows, not a tracked object: this runs at the end of
    nearly every request, and the ORM's load-and-flush of one row cost more than the three
    statements themselves."""
    session = session or db.session
    pending = session.info.pop(_PENDING_KEY, None)
    if not pending:
        return
    last_seq, last_hash = head if head is not None else _locked_head(session)
    for entry in pending:
        entry.seq, entry.prev_hash = last_seq + 1, last_hash
        entry.hash = event_hash(entry, last_hash)
        last_seq, last_hash = entry.seq, entry.hash
    # One bulk insert (a routing batch records hundreds): rows, not tracked objects.
    connection = session.connection()
    _insert_events(connection, pending)
    connection.execute(update(AuditChainHead).where(AuditChainHead.id == 1)
                       .values(last_seq=last_seq, last_hash=last_hash))


# A commit with this many events is a bulk batch (a claims run's worker records one for each of
# thousands of families): it waits for the chain rather than staging (_chain_before_commit).
BULK_EVENTS = 200


def _insert_events(connection, entries: list[RecordedEvent]) -> None:
    """Insert chained events in the caller's transaction.

    On PostgreSQL always with COPY: it costs this process a fraction of an INSERT's per row at
    every size, one event or a hundred thousand (bench, 100,000-person county: 1 row 0.12 ms of
    CPU against 0.21; a caseload page's 50, 0.41 ms against 2.14), and nearly every request
    writes some."""
    if connection.dialect.name != "postgresql":
        connection.execute(insert(AuditEvent), [{column: getattr(entry, column) for column in _AUDIT_COLUMNS}
                                                for entry in entries])
        return
    _copy(connection, AuditEvent.__table__.name, _AUDIT_COLUMNS, entries)


def _copy(connection, table: str, columns: list[str], entries: list[RecordedEvent]) -> None:
    """PostgreSQL's COPY of events into an audit table, in the caller's transaction, each value
    bound as the ORM would bind it."""
    at = AuditEvent.__table__.c.at.type
    with connection.connection.driver_connection.cursor() as cursor, \
            cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for entry in entries:
            copy.write_row([json.dumps(entry.categories) if c == "categories" else
                            at.process_bind_param(entry.at, connection.dialect) if c == "at" else getattr(entry, c)
                            for c in columns])


def _locked_head(session) -> tuple[int, str]:
    """The chain head's (last_seq, last_hash), its row locked until this transaction ends; made
    at the genesis hash the first time anything is chained."""
    row = session.execute(select(AuditChainHead.last_seq, AuditChainHead.last_hash)
                          .where(AuditChainHead.id == 1).with_for_update()).first()
    if row is None:
        session.execute(insert(AuditChainHead).values(id=1, last_seq=0, last_hash=GENESIS_HASH))
        return 0, GENESIS_HASH
    return row.last_seq, row.last_hash


def _head_if_chain_free(session) -> tuple[int, str] | None:
    """PostgreSQL: the head, locked, if no other transaction is on the chain; else None. One
    statement, where it was two: the advisory lock is tried in the query that locks the head's
    row. Sealing takes the advisory lock before the row, so once it is held the row is free, or
    held by a reader of the trail that chained its own events mid-request (family_view), which
    is waited for, as before. None also when there is no head row yet: the caller then tries
    the lock alone."""
    global _head_row_seen
    row = session.execute(select(AuditChainHead.last_seq, AuditChainHead.last_hash)
                          .where(AuditChainHead.id == 1, func.pg_try_advisory_xact_lock(SEAL_LOCK))
                          .with_for_update()).first()
    if row is None:
        return None
    _head_row_seen = True
    return row.last_seq, row.last_hash


# Whether this process has seen the chain head's row. Once made it is never removed, so after
# that a None from _head_if_chain_free means the chain is busy, and the caller stages without
# asking for the lock a second time (a statement saved on most commits under load). If the row
# did vanish (a test database emptied), staging is still right: sealing makes the row again.
_head_row_seen = False


_STAGED_KEY = "caseflow.audit.staged"
_SEAL_CONNECTION_KEY = "caseflow.audit.seal_connection"
_CHAIN_COLUMNS = ("seq", "prev_hash", "hash")
_STAGED_COLUMNS = [c for c in _AUDIT_COLUMNS if c not in _CHAIN_COLUMNS]


def _seals_after_commit(session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def stage_pending(session) -> None:
    """Commit this transaction's events as pending, with its change; sealed once it commits.
    PostgreSQL only. Written with COPY (see _insert_events); the sequence's last value in this
    session is then the newest id among them, which is all the seal after commit needs."""
    pending = session.info.pop(_PENDING_KEY, None)
    if not pending:
        return
    connection = session.connection()
    _copy(connection, PendingAuditEvent.__table__.name, _STAGED_COLUMNS, pending)
    newest = connection.execute(select(func.lastval())).scalar()
    session.info[_STAGED_KEY] = max(newest, session.info.get(_STAGED_KEY, 0))


def seal_pending(connection, waiting_up_to: int | None = None) -> int:
    """Put every committed pending event on the chain, in batches; returns how many. With
    `waiting_up_to` (the newest pending id a committed transaction staged), does nothing once
    no committed pending event is that old or older: its own were sealed by another
    transaction's batch. (Older ones of others' still waiting are sealed with it: that work
    is owed anyway, and their own transactions then find it done.) PostgreSQL only; runs in the
    caller's transaction on `connection`, which the caller commits; it is that transaction's only
    work (the seal after a commit, the worker's sweep), which plans without sequential scans."""
    # audit_pending churns: each row is deleted moments after it is written, so between vacuums
    # the table is mostly dead pages (7,000, holding no live row, after an hour of the bench's runs
    # at 100,000 people). The planner cannot tell: it judged a sequential scan cheapest for these
    # reads, and each seal walked every dead page, half of PostgreSQL's CPU under load (issue
    # 16). Read by the primary key instead, whose dead entries are skipped once marked; set for
    # this transaction only, in the statement that takes the lock (no extra round trip).
    connection.execute(select(func.pg_advisory_xact_lock(SEAL_LOCK), func.set_config("enable_seqscan", "off", True)))
    table = PendingAuditEvent.__table__
    if waiting_up_to is not None and connection.execute(
            select(table.c.id).where(table.c.id <= waiting_up_to).order_by(table.c.id).limit(1)).first() is None:
        return 0
    head = connection.execute(select(AuditChainHead.last_seq, AuditChainHead.last_hash)
                              .where(AuditChainHead.id == 1).with_for_update()).first()
    if head is None:
        connection.execute(insert(AuditChainHead).values(id=1, last_seq=0, last_hash=GENESIS_HASH))
        last_seq, last_hash = 0, GENESIS_HASH
    else:
        last_seq, last_hash = head
    sealed = 0
    while True:
        oldest = select(table.c.id).order_by(table.c.id).limit(SEAL_BATCH).scalar_subquery()
        rows = sorted(connection.execute(delete(table).where(table.c.id.in_(oldest)).returning(*table.c)).all(),
                      key=lambda row: row.id)
        if not rows:
            break
        chained = []
        for row in rows:
            entry = RecordedEvent(**{column: getattr(row, column) for column in _STAGED_COLUMNS})
            entry.seq, entry.prev_hash = last_seq + 1, last_hash
            entry.hash = event_hash(entry, last_hash)
            last_seq, last_hash = entry.seq, entry.hash
            chained.append(entry)
        _insert_events(connection, chained)
        sealed += len(rows)
        if len(rows) < SEAL_BATCH:
            break
    if sealed:
        connection.execute(update(AuditChainHead).where(AuditChainHead.id == 1)
                           .values(last_seq=last_seq, last_hash=last_hash))
    return sealed


def _seal_committed(connection, newest_id: int) -> None:
    """After a commit: seal its events in a new transaction on the connection the session just
    committed on (the session's own transaction is over, and it hands the connection back to the
    pool only after this: a second connection would make every waiting request hold two). If the
    database fails here, the change and its events are already committed; the events wait in
    audit_pending for the worker's sweep, so the request still succeeds."""
    try:
        with connection.begin():
            seal_pending(connection, waiting_up_to=newest_id)
    except SQLAlchemyError:
        log.warning("audit events up to pending id %s committed but not yet sealed; the sweep will seal them",
                    newest_id, exc_info=True)


@event.listens_for(Session, "before_commit")
def _chain_before_commit(session):
    # SQLAlchemy also calls this when a savepoint is released: that is not yet a commit, and
    # chaining there would hold the chain's lock for the rest of the request.
    if session.in_nested_transaction():
        return
    pending = session.info.get(_PENDING_KEY)
    if pending:
        session.flush()  # the transaction's own changes first, outside the chain's lock
        if _seals_after_commit(session) and len(pending) >= BULK_EVENTS:
            # A bulk batch (a claims run's worker): wait the moment the chain is busy rather than
            # stage. Staged, its hundreds of events would be written twice (into audit_pending,
            # then onto the chain), which cost a two-worker run more than the wait does.
            session.execute(select(func.pg_advisory_xact_lock(SEAL_LOCK)))
            chain_pending(session)
        elif _seals_after_commit(session):
            head = _head_if_chain_free(session)
            if head is None and (_head_row_seen
                                 or not session.execute(select(func.pg_try_advisory_xact_lock(SEAL_LOCK))).scalar()):
                stage_pending(session)  # another transaction is on the chain: seal after committing
                session.info[_SEAL_CONNECTION_KEY] = session.connection()
            else:
                chain_pending(session, head)  # nobody else is: on the chain in this very commit
        else:
            chain_pending(session)  # SQLite: one writer at a time anyway


@event.listens_for(Session, "after_commit")
def _committed(session):
    if session.in_nested_transaction():  # a savepoint released: the transaction goes on
        return
    staged = session.info.pop(_STAGED_KEY, None)
    connection = session.info.pop(_SEAL_CONNECTION_KEY, None)
    if staged and connection is not None:
        _seal_committed(connection, staged)


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session, previous_transaction):
    # The events go with the change they recorded. A savepoint rolled back (a failed action
    # inside a request that goes on) keeps them: the attempt itself stays on the record.
    if rollback_boundary(previous_transaction).nested:
        return
    session.info.pop(_PENDING_KEY, None)
    session.info.pop(_STAGED_KEY, None)  # staged rows went with the rolled-back transaction
    session.info.pop(_SEAL_CONNECTION_KEY, None)


def take_pending(session) -> list:
    """The events recorded in this transaction and not yet chained (see unit_of_work)."""
    return list(session.info.get(_PENDING_KEY, ()))


def restore_pending(session, pending: list) -> None:
    """Put back the events `take_pending` returned, after a rollback. Put back, not added: a
    rollback with no transaction open (a refusal before any query) clears nothing, and adding
    them again would then record each one twice."""
    if pending:
        session.info[_PENDING_KEY] = list(pending)


@dataclass
class ChainReport:
    ok: bool
    events_checked: int
    problems: list[str]


def verify_chain(session=None, batch: int = 5000, checkpoints=None) -> ChainReport:
    """Walk the chain in order; report every broken link, gap or edited row. With checkpoints
    (caseflow.core.audit_checkpoints.CheckpointLog.read()), also every signed head the chain no
    longer reaches or no longer matches: rows cut off the end, or the chain rewritten."""
    session = session or db.session
    problems: list[str] = list(checkpoints.problems) if checkpoints is not None else []
    anchors = {c.seq: c.hash for c in checkpoints.entries} if checkpoints is not None else {}
    prev_hash, expected_seq, checked = GENESIS_HASH, 1, 0
    last_seen, newest_version = 0, 1
    while True:
        rows = session.execute(
            select(AuditEvent).where(AuditEvent.seq > last_seen).order_by(AuditEvent.seq).limit(batch)
        ).scalars().all()
        if not rows:
            break
        for ev in rows:
            if ev.seq != expected_seq:
                problems.append(f"events {expected_seq}..{ev.seq - 1} are missing (deleted?)")
            if ev.prev_hash != prev_hash:
                problems.append(f"event {ev.seq}: link to the previous event is broken")
            if ev.hash_version not in _HASHED_COLUMNS:
                problems.append(f"event {ev.seq}: unknown hash version {ev.hash_version} (edited?)")
            elif event_hash(ev, ev.prev_hash) != ev.hash:
                problems.append(f"event {ev.seq}: contents do not match its hash (edited?)")
            elif ev.hash_version < newest_version:
                # Versions only go up: a row marked older than the one before it was marked down
                # to escape the columns the newer hash covers.
                problems.append(f"event {ev.seq}: sealed with an older hash version than the event before it")
            newest_version = max(newest_version, ev.hash_version or 1)
            if anchors and ev.seq in anchors and anchors[ev.seq] != ev.hash:
                problems.append(f"event {ev.seq}: differs from the signed checkpoint of the chain at that event")
            prev_hash, expected_seq, last_seen = ev.hash, ev.seq + 1, ev.seq
            checked += 1
        session.expunge_all()
    head_seq = session.scalar(select(AuditChainHead.last_seq).where(AuditChainHead.id == 1))
    if head_seq is not None and head_seq != last_seen:
        problems.append(f"the chain should end at event {head_seq} but ends at {last_seen}")
    # Events committed but never sealed (their process died between commit and seal, and no
    # worker has swept since) are not on the chain yet: say so once they are overdue.
    overdue = session.scalar(select(func.count()).select_from(PendingAuditEvent)
                             .where(PendingAuditEvent.at < utcnow() - PENDING_OVERDUE))
    if overdue:
        problems.append(f"{overdue} committed audit events have waited over "
                        f"{PENDING_OVERDUE.seconds // 60} minutes to be sealed (is a worker sweeping?)")
    beyond = [seq for seq in anchors if seq > last_seen]
    if beyond:
        problems.append(f"a signed checkpoint names event {max(beyond)}, but the chain ends at {last_seen} "
                        f"(events were cut off the end)")
    return ChainReport(ok=not problems, events_checked=checked, problems=problems)
