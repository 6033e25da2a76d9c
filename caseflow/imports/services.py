"""Import jobs: a bundle uploaded on the import page, checked and imported by a queued job.

Only analysts and administrators start, watch or cancel one (the rule `imports.run`). The page
shows counts and problems (file, line, column and what is wrong), never the records themselves:
those are seen afterwards, like every family, through the access policy.

The job (caseflow.jobs.run_import, an entry point) commits between the steps here: each function
changes the session and flushes only.
"""
from __future__ import annotations

import base64
import csv
import io
import logging
import os
import threading
import tempfile
import zipfile
from contextlib import contextmanager

from flask import current_app, has_app_context
from sqlalchemy import delete, event, select, update
from sqlalchemy.orm import Session

from caseflow.core import audit, text
from caseflow.core.database import utcnow
from caseflow.core.errors import NotFound, ServiceValidationError
from caseflow.core.extensions import db
from caseflow.imports import bundle as bundles, migration
from caseflow.imports.models import FINISHED, ImportJob, ImportStatus, ImportUploadChunk

CHUNK_BYTES = 1024 * 1024
PROBLEMS_SHOWN = 1000
_QUEUED_KEY = "caseflow.imports.queued"
log = logging.getLogger(__name__)


def _settings():
    return current_app.extensions["caseflow.settings"]


def max_upload_bytes() -> int:
    return _settings().import_max_upload_mb * 1024 * 1024


def start(actor, raw: dict, upload) -> ImportJob:
    """Keep an uploaded bundle (a zip) and queue its import once the request commits."""
    migration.authorise(actor)
    errors: dict[str, list[str]] = {}
    system = text.clean_line(raw.get("source_system") or "")
    if not system:
        errors["source_system"] = ["Enter the name of the system the records come from"]
    elif len(system) > 60:
        errors["source_system"] = ["The system's name must be 60 characters or fewer"]
    filename = text.clean_line(getattr(upload, "filename", None) or "")
    limit = max_upload_bytes()
    stream = getattr(upload, "stream", None)
    if not filename or stream is None:
        errors["bundle"] = ["Choose the zip file of the bundle"]
    elif not filename.lower().endswith(".zip"):
        errors["bundle"] = ["The bundle must be a zip file of its CSV files"]
    elif not zipfile.is_zipfile(stream):
        errors["bundle"] = ["The file is not a zip file that can be opened"]
    if errors:
        raise ServiceValidationError("Some answers need changing.", errors)
    stream.seek(0)
    job = ImportJob(source_system=system, filename=text.fit(filename, 200), size_bytes=0,
                    dry_run=raw.get("dry_run") in ("yes", "on", True), created_by_id=actor.id,
                    counts={}, problems=[])
    db.session.add(job)
    db.session.flush()
    _keep_upload(job, stream, "bundle", f"The bundle must be smaller than {limit // (1024 * 1024)} MB: split it, "
                                        "or import it with the caseflow import migration command")
    audit.record(actor, "imports.upload", "import_job", job.id, purpose=f"migration from {system}")
    db.session.info.setdefault(_QUEUED_KEY, []).append(job.id)
    db.session.flush()
    return job


def _keep_upload(job: ImportJob, stream, field: str, too_large: str, limit: int | None = -1) -> None:
    """The upload, a megabyte at a time, into the database (not into memory). `limit`: the
    configured upload limit unless given (None: no limit, for a file from the command line)."""
    limit = max_upload_bytes() if limit == -1 else limit
    seq = 0
    while piece := stream.read(CHUNK_BYTES):
        job.size_bytes += len(piece)
        if limit is not None and job.size_bytes > limit:
            raise ServiceValidationError("The file is too large.", {field: [too_large]})
        db.session.add(ImportUploadChunk(job_id=job.id, seq=seq, content=base64.b64encode(piece).decode()))
        seq += 1
        db.session.flush()


def listing(actor, limit: int = 50) -> list[ImportJob]:
    migration.authorise(actor)
    return list(db.session.scalars(select(ImportJob).order_by(ImportJob.created_at.desc()).limit(limit)))


def view(actor, job_id: str) -> ImportJob:
    migration.authorise(actor)
    job = db.session.get(ImportJob, job_id)
    if job is None:
        raise NotFound("No import with that id.")
    return job


def cancel(actor, job_id: str) -> ImportJob:
    """Ask a running import to stop after the batch it is writing: every batch before it stays
    (each is whole), and importing the same bundle again carries on from there."""
    job = view(actor, job_id)
    if job.finished:
        return job
    job.cancel_requested = True
    if job.status == ImportStatus.QUEUED:  # not started: it never will
        _finish(job, ImportStatus.CANCELLED)
    audit.record(actor, "imports.cancel", "import_job", job.id)
    db.session.flush()
    return job


def problems_csv(problems: list[dict]) -> str:
    """The problems as a CSV to work through in a spreadsheet. A message can quote a cell (an
    unknown value): anything a spreadsheet would run as a formula is neutralised."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["file", "line", "column", "problem"])
    for p in problems:
        writer.writerow([bundles.spreadsheet_safe(v) for v in
                         (p.get("file"), p.get("line") or "", p.get("column") or "", p.get("message"))])
    return out.getvalue()


# --- what the job does, step by step (the job commits between steps) ----------------------------

def claim(job_id: str) -> ImportJob | None:
    """The job to run, or None when it is finished (or cancelled before it started)."""
    job = db.session.get(ImportJob, job_id)
    if job is None or job.finished:
        return None
    job.status = ImportStatus.CHECKING
    db.session.flush()
    return job


@contextmanager
def unpacked(job_id: str):
    """The uploaded zip as a bundle, written a piece at a time to a temporary file."""
    with spooled(job_id, ".zip") as path:
        source = bundles.ZipSource(path)
        try:
            yield source
        finally:
            source.close()


@contextmanager
def spooled(job_id: str, suffix: str):
    """The upload, written a piece at a time to a temporary file: its path."""
    handle, path = tempfile.mkstemp(suffix=suffix)
    try:
        with os.fdopen(handle, "wb") as out:
            seqs = db.session.scalars(select(ImportUploadChunk.seq).where(ImportUploadChunk.job_id == job_id)
                                      .order_by(ImportUploadChunk.seq)).all()
            for seq in seqs:
                piece = db.session.get(ImportUploadChunk, (job_id, seq))
                out.write(base64.b64decode(piece.content))
                db.session.expunge(piece)
        yield path
    finally:
        os.unlink(path)


def check(job: ImportJob, source) -> bundles.CheckReport:
    report = bundles.check(source, _settings().import_max_file_mb * 1024 * 1024,
                           known_elsewhere=migration.known_elsewhere(job.source_system))
    job.rows_total = report.total_rows
    job.problem_count = report.problem_count
    job.problems = [p.as_dict() for p in report.problems[:PROBLEMS_SHOWN]]
    if not report.ok:
        _finish(job, ImportStatus.FAILED)
    elif job.dry_run:
        _finish(job, ImportStatus.DONE)
    else:
        job.status = ImportStatus.IMPORTING
    db.session.flush()
    return report


def batches(job: ImportJob, source, report: bundles.CheckReport, batch_size: int = 500):
    """The import, a batch at a time: yields after each flushed batch, with the job's progress
    recorded on it."""
    from caseflow.auth.models import User

    actor = db.session.get(User, job.created_by_id)
    for progress in migration.run(actor, source, job.source_system, report, batch_size=batch_size, job_id=job.id):
        job.rows_done = progress.rows_done
        job.counts = dict(progress.created)
        db.session.flush()
        yield progress


def cancel_requested(job_id: str) -> bool:
    """Asked afresh from the database: the cancel comes from another request."""
    return bool(db.session.scalar(select(ImportJob.cancel_requested).where(ImportJob.id == job_id)
                                  .execution_options(populate_existing=True)))


def finish(job: ImportJob, status: ImportStatus, error: str | None = None) -> None:
    job.error = text.fit(error, 300) if error else None
    _finish(job, status)
    db.session.flush()


def fail(job_id: str, error: str) -> None:
    db.session.execute(update(ImportJob).where(ImportJob.id == job_id).values(
        status=ImportStatus.FAILED, error=text.fit(error, 300), finished_at=utcnow()))
    db.session.execute(delete(ImportUploadChunk).where(ImportUploadChunk.job_id == job_id))
    db.session.flush()


def _finish(job: ImportJob, status: ImportStatus) -> None:
    job.status, job.finished_at = status, utcnow()
    # The bundle is personal data: once its job is over it is not kept.
    db.session.execute(delete(ImportUploadChunk).where(ImportUploadChunk.job_id == job.id))


# --- queueing once the upload is committed ------------------------------------------------------

@event.listens_for(Session, "after_soft_rollback")
def _forget_on_rollback(session, previous_transaction):
    if not previous_transaction.nested:
        session.info.pop(_QUEUED_KEY, None)


@event.listens_for(Session, "after_commit")
def _queue_after_commit(session):
    if session.in_nested_transaction():
        return
    job_ids = session.info.pop(_QUEUED_KEY, None)
    if job_ids and has_app_context():
        for job_id in job_ids:
            _enqueue(job_id)


IMPORT_TIMEOUT_SECONDS = 12 * 60 * 60  # a whole area's history, at worst; cancelling stops it sooner
JOB = "caseflow.jobs.run_import"  # named, not imported: the worker is an entry point above this


def _enqueue(job_id: str) -> None:
    app = current_app._get_current_object()
    if _settings().redis_url:
        from caseflow.core.queue import enqueue

        try:
            enqueue(JOB, job_id, job_id=f"import-{job_id}", job_timeout=IMPORT_TIMEOUT_SECONDS)
            return
        except Exception as exc:  # Redis down: run it here rather than leave it queued for ever
            log.warning("imports: could not queue import %s (%s); running it in-process", job_id, exc)
    # No queue: run it now, in a thread with its own session (the committing session cannot run
    # SQL inside its own after_commit hook), and wait for it.
    worker = threading.Thread(target=_run_in_process, args=(app, job_id))
    worker.start()
    worker.join()


def _run_in_process(app, job_id: str) -> None:
    from caseflow.core.queue import resolve

    with app.app_context():
        try:
            resolve(JOB)(job_id)
        finally:
            db.session.remove()


__all__ = ["FINISHED", "start", "listing", "view", "cancel", "problems_csv"]
