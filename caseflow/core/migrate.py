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
    if revision == "head" and url is None:
        # The key canary is data, not schema: written under the keys this process holds, by the
        # first upgrade (caseflow.core.readiness explains it). A connection of its own, committed
        # here: upgrading is a command of its own, not part of anyone's unit of work.
        from caseflow.core.extensions import db
        from caseflow.core.crypto import ensure_key_canary

        with db.engine.begin() as conn:
            ensure_key_canary(conn)
