"""Run Alembic programmatically: `caseflow db upgrade` and the test fixtures use this."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    from caseflow.core.extensions import db

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    url = url or str(db.engine.url.render_as_string(hide_password=False))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(revision: str = "head", url: str | None = None) -> None:
    command.upgrade(alembic_config(url), revision)
