"""Migration 0025: at the head the schema is what the models declare (monitoring, the directory,
joint visits, the advice line), a case's stage may be `monitoring` and nothing outside the set,
and a downgrade takes it back to 0022."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from caseflow.core.migrate import alembic_config
from tests.migration_db import empty_database

TABLES = {"local_services", "case_signposts", "monitoring_periods", "monitoring_check_ins", "step_down_contacts",
          "contact_practitioners", "advice_calls"}


@pytest.fixture
def database_url(tmp_path):
    yield from empty_database(tmp_path, "migration_0025")


def test_the_schema_after_0025_is_what_the_models_declare_and_downgrades_cleanly(database_url):
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from caseflow.core.database import Base
    from caseflow.models import directory_models  # noqa: F401  (with every other model on the metadata)

    config = alembic_config(database_url)
    command.upgrade(config, "head")  # the models are the head's: later revisions add their own tables
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
        assert differences == []
        conn.rollback()
    command.downgrade(config, "0025")
    with engine.connect() as conn:
        assert TABLES <= set(sa.inspect(conn).get_table_names())
        for table, column in (("cases", "stage"), ("case_transitions", "to_stage"), ("step_ups", "from_stage")):
            [check] = [c for c in sa.inspect(conn).get_check_constraints(table) if c["name"] == f"ck_{table}_{column}"]
            assert "'monitoring'" in check["sqltext"] and "'limbo'" not in check["sqltext"]
        conn.rollback()
    command.downgrade(config, "0022")
    with engine.connect() as conn:
        assert not TABLES & set(sa.inspect(conn).get_table_names())
    command.upgrade(config, "head")  # and forward again
    engine.dispose()
