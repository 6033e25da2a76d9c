"""`caseflow backup` and `caseflow restore`: the database through its own tools.

PostgreSQL is dumped with pg_dump (custom format: compressed, restorable table by table) and
restored with pg_restore; SQLite through its online backup API, which copies a consistent
snapshot while the service runs. The encryption keys are never inside the backup: a stolen
backup must not carry the means to read it. They are backed up separately (`--keys-to`), and a
restore is only usable with the keys that were in use when it was taken (the key canary says
whether they fit).
"""
from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import URL, Engine


class BackupError(RuntimeError):
    """The backup or restore could not be done; the message says why, for an operator."""


def _libpq_url(url: URL) -> str:
    # pg_dump and pg_restore speak libpq, which knows "postgresql://", not SQLAlchemy's driver name.
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return path


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def backup(engine: Engine, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    url = engine.url
    if url.get_backend_name() == "postgresql":
        run = subprocess.run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                              f"--file={target}", _libpq_url(url)], capture_output=True, text=True)
        if run.returncode != 0:
            raise BackupError(f"pg_dump failed: {run.stderr.strip()}")
        return
    source = sqlite3.connect(_sqlite_path(url))
    copy = sqlite3.connect(target)
    try:
        with copy:
            source.backup(copy)
    finally:
        copy.close()
        source.close()


def is_empty(engine: Engine) -> bool:
    return not inspect(engine).get_table_names()


def restore(engine: Engine, source: Path, *, replace: bool = False) -> None:
    """Restore `source` into the configured database. Refuses a database that has tables unless
    `replace` is given: a restore over live data must be meant."""
    if not source.is_file():
        raise BackupError(f"no backup at {source}")
    if not replace and not is_empty(engine):
        raise BackupError("the database is not empty: restore into an empty database, or pass --replace "
                          "to overwrite it")
    engine.dispose()  # nobody in this process holds the database while it is replaced
    url = engine.url
    if url.get_backend_name() == "postgresql":
        args = [_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
                f"--dbname={_libpq_url(url)}", str(source)]
        if replace:
            args[1:1] = ["--clean", "--if-exists"]
        run = subprocess.run(args, capture_output=True, text=True)
        if run.returncode != 0:
            raise BackupError(f"pg_restore failed: {run.stderr.strip()}")
        return
    backup_copy = sqlite3.connect(source)
    live = sqlite3.connect(_sqlite_path(url))
    try:
        with live:
            backup_copy.backup(live)
    finally:
        live.close()
        backup_copy.close()
