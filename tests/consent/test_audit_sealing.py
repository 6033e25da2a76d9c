"""Audit events on PostgreSQL reach the chain in batches (issue 16, item 3: audit writes that do
not serialise every request on one row; caseflow.core.audit explains the design).

What must hold: a request's change and its audit events commit together without waiting for
any other request's audit work; by the time the request returns its events are on the chain;
a process that dies between its commit and its seal loses nothing (the worker's sweep seals
what it left), and the chain verifies throughout.
"""
from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import OperationalError

from caseflow.core import audit
from caseflow.core.audit import AuditEvent, PendingAuditEvent, verify_chain
from caseflow.core.database import utcnow
from caseflow.core.extensions import db


@pytest.fixture(autouse=True)
def _postgresql_only(app):
    if not app.extensions["caseflow.settings"].database_url.startswith("postgresql"):
        pytest.skip("SQLite is one process: its transactions chain their events at commit")


def _count(model) -> int:
    with db.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(model)).scalar()


def _read_a_family(app, family_id: str, done: list) -> None:
    """One request's worth of work: an audited read, committed by its entry point."""
    with app.app_context():
        audit.record("keyworker@example.gov.uk", "family.view", "family", family_id, family_id=family_id,
                     categories=["identity"], purpose="test")
        db.session.commit()
        done.append(family_id)
        db.session.remove()


def test_requests_commit_while_the_chain_is_busy_and_return_with_their_events_sealed(app, app_ctx):
    before = _count(AuditEvent)
    # As many readers as the pool has connections, less the busy one and the test's own: each
    # waits for the chain on the one connection it committed on (two each would run the pool dry).
    readers = db.engine.pool.size() + db.engine.pool._max_overflow - 2
    done: list[str] = []
    with db.engine.connect() as busy:
        # Another transaction is putting events on the chain, and takes its time.
        busy.execute(select(func.pg_advisory_xact_lock(audit.SEAL_LOCK)))
        threads = [threading.Thread(target=_read_a_family, args=(app, f"fam{i:02d}", done)) for i in range(readers)]
        for thread in threads:
            thread.start()
        # Every reader's transaction commits (its events are durable) without waiting for it...
        deadline = time.monotonic() + 30
        while _count(PendingAuditEvent) < readers and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _count(PendingAuditEvent) == readers
        # ...but none has returned: each returns once its events are on the chain.
        assert done == []
        busy.rollback()  # the busy transaction ends
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(done) == [f"fam{i:02d}" for i in range(readers)]
    assert _count(PendingAuditEvent) == 0
    sealed = db.session.scalars(select(AuditEvent).where(AuditEvent.seq > before).order_by(AuditEvent.seq)).all()
    assert sorted(e.family_id for e in sealed) == sorted(done)
    assert [e.seq for e in sealed] == list(range(before + 1, before + 1 + readers))  # no gaps, no forks
    report = verify_chain()
    assert report.ok, report.problems


def test_events_a_dying_process_committed_but_never_sealed_are_sealed_by_the_sweep(app, app_ctx, monkeypatch):
    from caseflow import jobs

    real_seal = audit.seal_pending

    def database_gone(*args, **kwargs):
        raise OperationalError("seal", {}, Exception("server closed the connection unexpectedly"))

    audit.record("keyworker@example.gov.uk", "family.view", "family", "famA", family_id="famA", purpose="test")
    db.session.commit()  # first sets up the chain (free: chained in its own commit)
    with db.engine.connect() as busy:  # the chain is busy, so the next commit stages its events
        busy.execute(select(func.pg_advisory_xact_lock(audit.SEAL_LOCK)))
        monkeypatch.setattr(audit, "seal_pending", database_gone)  # and the database goes before it seals
        audit.record("keyworker@example.gov.uk", "family.view", "family", "famB", family_id="famB", purpose="test")
        db.session.commit()  # the request itself still succeeds: its change and events are committed
        busy.rollback()
    monkeypatch.setattr(audit, "seal_pending", real_seal)
    assert _count(PendingAuditEvent) == 1
    assert verify_chain().ok  # waiting a moment is not a problem...
    with db.engine.begin() as connection:
        connection.execute(update(PendingAuditEvent).values(at=utcnow() - timedelta(minutes=11)))
    overdue = verify_chain()  # ...waiting past ten minutes is
    assert not overdue.ok and "waited over 10 minutes" in overdue.problems[0]

    jobs.sweep_once(app)
    assert _count(PendingAuditEvent) == 0
    newest = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(2)).all()
    assert [e.family_id for e in newest] == ["famB", "famA"]
    assert verify_chain().ok


def test_an_uncontended_commit_chains_its_events_itself(app_ctx):
    audit.record("keyworker@example.gov.uk", "family.view", "family", "famC", family_id="famC", purpose="test")
    db.session.commit()
    assert _count(PendingAuditEvent) == 0
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT family_id FROM audit_events ORDER BY seq DESC LIMIT 1")).scalar() == "famC"


def test_a_batch_of_many_events_is_chained_in_one_copy_and_verifies(app):
    """A job that reads a county's families (a claims run) records an event for each: from
    audit.BULK_EVENTS events it is a bulk batch, written with COPY. Every one arrives, as recorded, on
    the chain, and the chain verifies."""
    families = [f"fam{n:05d}" for n in range(audit.BULK_EVENTS + 50)]
    with app.app_context():
        audit.record_reads("analyst@example.gov.uk", "outcomes.claim.propose", "outcome_claim", families,
                           categories=["police", "education"], purpose="payment by results claim")
        db.session.commit()
        rows = db.session.execute(select(AuditEvent.family_id, AuditEvent.categories, AuditEvent.at)
                                  .where(AuditEvent.action == "outcomes.claim.propose")
                                  .order_by(AuditEvent.seq)).all()
        assert [r.family_id for r in rows] == families
        assert all(r.categories == ["education", "police"] and r.at.tzinfo is not None for r in rows)
        assert verify_chain().ok


def test_a_bulk_batch_finding_the_chain_busy_waits_and_writes_its_events_once(app, app_ctx):
    """A claims run's worker commits hundreds of events while another transaction holds the
    chain: it waits for the chain rather than staging, so nothing passes through audit_pending
    (written twice), and its events arrive in order once the chain is free."""
    families = [f"fam{n:05d}" for n in range(audit.BULK_EVENTS)]
    finished: list[bool] = []

    def bulk_commit():
        with app.app_context():
            audit.record_reads("analyst@example.gov.uk", "outcomes.claim.propose", "outcome_claim", families,
                               categories=["education"], purpose="payment by results claim")
            db.session.commit()
            finished.append(True)
            db.session.remove()

    with db.engine.connect() as busy:
        busy.execute(select(func.pg_advisory_xact_lock(audit.SEAL_LOCK)))
        worker = threading.Thread(target=bulk_commit)
        worker.start()
        time.sleep(1.0)
        assert finished == [] and _count(PendingAuditEvent) == 0  # waiting, not staged
        busy.rollback()
    worker.join(timeout=30)
    assert finished == [True] and _count(PendingAuditEvent) == 0
    chained = db.session.scalars(select(AuditEvent.family_id).where(AuditEvent.action == "outcomes.claim.propose")
                                 .order_by(AuditEvent.seq)).all()
    assert chained == families
    assert verify_chain().ok


def _heap_pages_read(connection, table: str) -> int:
    """Pages of `table` this database's backends have read, as PostgreSQL's statistics count them
    (this connection's own counts flushed first)."""
    connection.execute(text("SELECT pg_stat_force_next_flush()"))
    connection.commit()
    connection.execute(text("SELECT pg_stat_clear_snapshot()"))
    pages = connection.execute(text("SELECT coalesce(heap_blks_read, 0) + coalesce(heap_blks_hit, 0) "
                                    "FROM pg_statio_user_tables WHERE relname = :table"), {"table": table}).scalar()
    connection.commit()
    return pages


def test_a_seal_reads_the_pending_queue_by_its_index_not_its_dead_pages(app, app_ctx):
    """audit_pending churns: under load every row is deleted moments after it is written, so
    between vacuums the table is mostly dead pages (7,000 of them, 56 MB holding no live row,
    after an hour of the bench's runs at 100,000 people). A seal after a commit must find the waiting events
    through the primary key: it used to walk every dead page, on every seal, which was half of
    PostgreSQL's CPU under the bench's load."""
    with db.engine.begin() as connection:  # a busy minute's worth of staged and sealed events
        connection.execute(text(
            "INSERT INTO audit_pending (at, actor_label, action, object_type, categories, hash_version) "
            "SELECT now(), 'keyworker@example.gov.uk', 'family.view', 'family', '[]', 2 "
            "FROM generate_series(1, 20000)"))
        connection.execute(text("DELETE FROM audit_pending"))
    with db.engine.connect() as connection:
        with connection.begin():
            dead_pages = connection.execute(text("SELECT pg_relation_size('audit_pending') / 8192")).scalar()
        read = []
        for family_id in ("famD", "famE"):  # two committed requests, one after the other
            with connection.begin():
                connection.execute(text(
                    "INSERT INTO audit_pending (at, actor_label, action, object_type, family_id, categories, "
                    "hash_version) VALUES (now(), 'keyworker@example.gov.uk', 'family.view', 'family', :family, "
                    "'[]', 2)"), {"family": family_id})
                newest = connection.execute(text("SELECT max(id) FROM audit_pending")).scalar()
            before = _heap_pages_read(connection, "audit_pending")
            with connection.begin():
                assert audit.seal_pending(connection, waiting_up_to=newest) == 1
            read.append(_heap_pages_read(connection, "audit_pending") - before)
    assert dead_pages > 200
    # The first seal after the burst visits each dead row once through the index, which marks
    # its entry dead; from then on a seal reads the live rows' pages only. A sequential scan
    # read every page on every seal.
    assert read[1] < 20, f"the second seal read {read[1]} of audit_pending's {dead_pages} pages to find one event"
    sealed = db.session.scalars(select(AuditEvent.family_id).order_by(AuditEvent.seq.desc()).limit(2)).all()
    assert sealed == ["famE", "famD"]
    assert verify_chain().ok
