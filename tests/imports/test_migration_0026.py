"""Migration 0026 (partner data feeds): feed sources, feed import jobs, the rows waiting for a
match decision, and the housing and health-flag evidence kinds; a downgrade to 0022 keeps the
migration import's jobs and refuses the new kinds again."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from caseflow.core.migrate import alembic_config
from tests.migration_db import empty_database


@pytest.fixture
def database_url(tmp_path):
    yield from empty_database(tmp_path, "migration_0026")


def _evidence(conn, kind: str) -> None:
    conn.execute(sa.text("INSERT INTO outcome_unit_costs (kind, pounds, per, updated_at) "
                         "VALUES (:kind, 1, 'event', CURRENT_TIMESTAMP)"), {"kind": kind})


def test_0026_adds_the_feeds_and_the_new_evidence_kinds_and_downgrades_cleanly(database_url):
    from alembic import command

    config = alembic_config(database_url)
    command.upgrade(config, "0022")
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO organisations (id, name, type, created_at) "
                             "VALUES ('o', 'School', 'school', CURRENT_TIMESTAMP)"))
        conn.execute(sa.text("INSERT INTO users (id, email, name, role, organisation_id, active, caseload_capacity, "
                             "failed_login_count, created_at) VALUES ('u', 'a@example.org', 'A', 'admin', 'o', true, 15, "
                             "0, CURRENT_TIMESTAMP)"))
        conn.execute(sa.text("INSERT INTO import_jobs (id, source_system, filename, size_bytes, dry_run, status, "
                             "rows_total, rows_done, counts, problems, problem_count, cancel_requested, created_by_id, "
                             "created_at) VALUES ('j', 'EHM', 'b.zip', 1, false, 'done', 0, 0, '{}', '[]', 0, false, "
                             "'u', CURRENT_TIMESTAMP)"))
    command.upgrade(config, "0026")
    with engine.connect() as conn:
        assert {"feed_sources", "feed_matches"} <= set(sa.inspect(conn).get_table_names())
        assert conn.execute(sa.text("SELECT kind FROM import_jobs")).scalar() == "migration"
        _evidence(conn, "health_flag")  # a new kind is accepted
        with pytest.raises(sa.exc.IntegrityError):  # a status outside the closed set is refused
            conn.execute(sa.text("INSERT INTO feed_sources (id, name, kind, organisation_id, mapping, created_by_id, "
                                 "updated_at) VALUES ('s', 'x', 'spaceship', 'o', '{}', 'u', CURRENT_TIMESTAMP)"))
        conn.rollback()
    command.downgrade(config, "0022")
    with engine.connect() as conn:
        assert not {"feed_sources", "feed_matches"} & set(sa.inspect(conn).get_table_names())
        assert conn.execute(sa.text("SELECT count(*) FROM import_jobs")).scalar() == 1
        with pytest.raises(sa.exc.IntegrityError):
            _evidence(conn, "housing")
        conn.rollback()
    command.upgrade(config, "head")
    engine.dispose()
