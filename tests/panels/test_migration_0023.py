"""Migration 0023 gives an area's database localities, Action and Impact nominations and actions,
and partners' contributions: after it the schema is exactly what the models declare, existing
panels become allocation panels for the whole service, and a downgrade takes it back to 0022."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from caseflow.core.migrate import alembic_config
from tests.migration_db import empty_database

NEW_TABLES = {"localities", "locality_teams", "locality_families", "panel_nominations", "panel_actions",
              "panel_contributions"}


@pytest.fixture
def database_url(tmp_path):
    yield from empty_database(tmp_path, "migration_0023")


def test_the_schema_after_0023_is_what_the_models_declare_and_downgrades_cleanly(database_url):
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from caseflow.core.database import Base
    import caseflow.models  # noqa: F401  (every model on the metadata)

    config = alembic_config(database_url)
    command.upgrade(config, "0022")
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:  # a panel held before the upgrade
        conn.execute(sa.text("INSERT INTO organisations (id, name, type, created_at) VALUES ('o1', 'EH', 'early_help', '2026-01-01')"))
        conn.execute(sa.text("INSERT INTO users (id, email, name, role, organisation_id, active, failed_login_count, "
                             "created_at) VALUES ('u1', 'a@example.org', 'A', 'panel_chair', 'o1', true, 0, '2026-01-01')"))
        conn.execute(sa.text("INSERT INTO panels (id, name, meets_on, created_by_id, created_at) "
                             "VALUES ('p1', 'Old panel', '2026-01-07', 'u1', '2026-01-01')"))
    command.upgrade(config, "head")
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata) == []
        assert NEW_TABLES <= set(sa.inspect(conn).get_table_names())
        assert conn.execute(sa.text("SELECT kind, locality_id FROM panels")).one() == ("allocation", None)
    command.downgrade(config, "0022")
    with engine.connect() as conn:
        assert not NEW_TABLES & set(sa.inspect(conn).get_table_names())
        assert "kind" not in {c["name"] for c in sa.inspect(conn).get_columns("panels")}
    command.upgrade(config, "head")  # and forward again
    engine.dispose()
