"""The sample bundle, and importing a bundle the way the command does (a commit per batch)."""
from __future__ import annotations

import shutil
from pathlib import Path

from caseflow.core.extensions import db
from caseflow.imports import bundle as bundles, migration

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "migration_bundle"
SYSTEM = "Northshire EHM"


def copy_sample(tmp_path) -> Path:
    target = tmp_path / "bundle"
    shutil.copytree(SAMPLE, target)
    return target


def check(path, max_file_bytes: int = 50 * 1024 * 1024, system: str = SYSTEM):
    source = bundles.open_source(path)
    try:
        return bundles.check(source, max_file_bytes, known_elsewhere=migration.known_elsewhere(system))
    finally:
        source.close()


def import_bundle(actor, path, system: str = SYSTEM, batch_size: int = 3):
    """Check, then import with a commit after every batch; returns the last progress."""
    source = bundles.open_source(path)
    try:
        report = bundles.check(source, 50 * 1024 * 1024, known_elsewhere=migration.known_elsewhere(system))
        assert report.ok, [str(p) for p in report.problems]
        last = None
        for last in migration.run(actor, source, system, report, batch_size=batch_size):
            db.session.commit()
        return last
    finally:
        source.close()
