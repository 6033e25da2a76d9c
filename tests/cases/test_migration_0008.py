"""Migration 0008 gives an area's database what decisions made once need (the amendments kept
beside each decision, social care's response to a step-up, an action owner's progress): after
it the schema is exactly what the models declare, and a downgrade takes it back to 0007."""
from __future__ import annotations


import pytest
import sqlalchemy as sa

from caseflow.core.migrate import alembic_config
from tests.migration_db import empty_database


@pytest.fixture
def database_url(tmp_path):
    yield from empty_database(tmp_path, "migration_0008")


def test_the_schema_after_0008_is_what_the_models_declare_and_downgrades_cleanly(database_url):
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from caseflow.core.database import Base
    from caseflow.models import case_models  # with every other model on the metadata

    config = alembic_config(database_url)
    command.upgrade(config, "head")
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
        assert differences == []
        assert case_models.DecisionAmendment.__tablename__ in sa.inspect(conn).get_table_names()
        columns = {table: {c["name"] for c in sa.inspect(conn).get_columns(table)} for table in ("step_ups", "plan_actions")}
        assert {"response", "response_note", "responded_by_id", "responded_at"} <= columns["step_ups"]
        assert {"progress_note", "progress_at", "progress_by_id"} <= columns["plan_actions"]

    command.downgrade(config, "0007")
    with engine.connect() as conn:
        inspector = sa.inspect(conn)
        assert "decision_amendments" not in inspector.get_table_names()
        assert "response" not in {c["name"] for c in inspector.get_columns("step_ups")}
        assert "progress_note" not in {c["name"] for c in inspector.get_columns("plan_actions")}
    command.upgrade(config, "head")  # and forward again
    engine.dispose()
