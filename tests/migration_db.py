"""An empty database for a migration test: a SQLite file, or a schema of its own on PostgreSQL
(dropped afterwards), so a migration runs from nothing without touching the suite's database."""
from __future__ import annotations

import os

import sqlalchemy as sa


def empty_database(tmp_path, schema: str):
    """Yields the URL; use as `yield from empty_database(tmp_path, "migration_0009")` in a fixture."""
    url = os.environ.get("CASEFLOW_TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'migration.db'}"
        return
    url = url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    yield url + ("&" if "?" in url else "?") + f"options=-csearch_path%3D{schema}"
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()
