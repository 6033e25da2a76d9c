"""Migration 0022: after it the schema is what the models declare (the source-id
marks, import jobs, uploaded bundles), with the closed sets' CHECK constraints, and a downgrade
takes it back to 0017."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from caseflow.core.migrate import alembic_config
from tests.migration_db import empty_database

TABLES = {"migration_records", "import_jobs", "import_upload_chunks"}


@pytest.fixture
def database_url(tmp_path):
    yield from empty_database(tmp_path, "migration_0022")


def test_the_schema_after_0022_is_what_the_models_declare_and_downgrades_cleanly(database_url):
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from caseflow.core.database import Base
    from caseflow.models import import_models  # noqa: F401  (with every other model on the metadata)

    config = alembic_config(database_url)
    # Compared at the head: a later migration (0026, partner feeds) changes the import jobs too.
    command.upgrade(config, "head")
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
        assert differences == []
        assert TABLES <= set(sa.inspect(conn).get_table_names())
        with pytest.raises(sa.exc.IntegrityError):  # a kind outside the closed set is refused
            conn.execute(sa.text("INSERT INTO migration_records (id, source_system, kind, source_id, record_id, "
                                 "imported_at) VALUES ('a', 'x', 'spaceship', '1', 'b', CURRENT_TIMESTAMP)"))
        conn.rollback()
    command.downgrade(config, "0017")
    with engine.connect() as conn:
        assert not TABLES & set(sa.inspect(conn).get_table_names())
    command.upgrade(config, "head")  # and forward again
    engine.dispose()
