"""Partner data feeds: the services (the feed side of services.py, which keeps the migration
import's).

- `save_source`: a named feed source, its kind, the partner organisation that sends it, and the
  column mapping its files use (saved, so next quarter's file is read the same way).
- `start`: keep an uploaded CSV or XLSX and queue its job (the ImportJob machinery: chunks of
  the file in the database, the job on RQ, progress, cancel).
- the job's steps (caseflow.jobs.run_feed_import commits between them): read the file a row at
  a time into the bulk linker (caseflow.imports.linking), link, then write each batch of
  decisions: linked rows become evidence (caseflow.outcomes.evidence.record_bulk), the others
  wait as FeedMatch rows for a person to decide.
- the review queue: rows the linker was unsure of, decided side by side by the front door.

Analysts and administrators import (the rule `imports.run`); the front door decides matches
(`imports.feed_match.resolve`); what is imported is then seen only through the access policy.
"""
from __future__ import annotations

import logging
import os
import shutil
import tempfile
from contextlib import contextmanager
from datetime import date

from sqlalchemy import select, update
from sqlalchemy import text as sql

from caseflow.auth.models import Organisation
from caseflow.core import audit, keyset, text
from caseflow.core.access import require, require_list
from caseflow.core.database import bulk_insert, new_id, utcnow
from caseflow.core.errors import Conflict, NotFound, ServiceValidationError
from caseflow.core.extensions import db
from caseflow.families.models import FamilyMember, MatchStatus, Person
from caseflow.imports import feeds, linking
from caseflow.imports.models import (FeedKind, FeedMatch, FeedMatchStatus, FeedSource, ImportJob, ImportKind,
                                     ImportStatus)
from caseflow.imports.services import (PROBLEMS_SHOWN, _QUEUED_KEY, _finish, _keep_upload, max_upload_bytes,
                                       spooled)
from caseflow.outcomes import evidence as evidence_store

log = logging.getLogger(__name__)
WRITE_BATCH = 5000
READ_BATCH = 20_000
FEED_SUFFIXES = (".csv", ".xlsx")


def authorise(actor) -> None:
    require(actor, "imports.run", None, purpose="partner data feed", audit=False)


def authorise_match(actor) -> None:
    require(actor, "imports.feed_match.resolve", None, object_type="feed_match", purpose="matching", audit=False)


# --- sources ------------------------------------------------------------------------------------

def sources(actor) -> list[FeedSource]:
    authorise(actor)
    return list(db.session.scalars(select(FeedSource).order_by(FeedSource.name).limit(200)))


def organisations(actor) -> list[Organisation]:
    authorise(actor)
    return list(db.session.scalars(select(Organisation).order_by(Organisation.name).limit(500)))


def get_source(actor, source_id: str) -> FeedSource:
    authorise(actor)
    source = db.session.get(FeedSource, source_id)
    if source is None:
        raise NotFound("No feed source with that id.")
    return source


def save_source(actor, raw: dict, source_id: str | None = None) -> FeedSource:
    """A new feed source, or a changed mapping for one (`source_id`). `raw`: name, kind,
    organisation_id and, per field, the file's heading for it (map_<field>)."""
    authorise(actor)
    source = get_source(actor, source_id) if source_id else None
    errors: dict[str, list[str]] = {}
    name = text.clean_line(raw.get("name") or "") if isinstance(raw.get("name"), str) else ""
    if not name:
        errors["name"] = ["Enter the name of the feed, for example 'Northshire schools: attendance'"]
    elif len(name) > 80:
        errors["name"] = ["The name must be 80 characters or fewer"]
    elif db.session.scalar(select(FeedSource.id).where(FeedSource.name == name, FeedSource.id != (source_id or ""))):
        errors["name"] = ["There is already a feed with that name"]
    kind = source.kind if source else None
    if source is None:
        try:
            kind = FeedKind(raw.get("kind"))
        except ValueError:
            errors["kind"] = ["Choose what the partner's files hold"]
    org_id = raw.get("organisation_id") if isinstance(raw.get("organisation_id"), str) else None
    if not org_id or db.session.get(Organisation, org_id) is None:
        errors["organisation_id"] = ["Choose the organisation that sends the files"]
    mapping = {}
    if kind is not None:
        mapping, mapping_errors = feeds.clean_mapping(kind, {k[4:]: v for k, v in raw.items() if k.startswith("map_")})
        errors.update({f"map_{k}": v for k, v in mapping_errors.items()})
    if errors:
        raise ServiceValidationError("Some answers need changing.", errors)
    if source is None:
        source = FeedSource(name=name, kind=kind, organisation_id=org_id, mapping=mapping, created_by_id=actor.id)
        db.session.add(source)
    else:
        source.name, source.organisation_id, source.mapping = name, org_id, mapping
    db.session.flush()
    audit.record(actor, "imports.feed_source.save", "feed_source", source.id, purpose="partner data feed")
    return source


# --- uploads ------------------------------------------------------------------------------------

def start(actor, source_id: str, upload) -> ImportJob:
    """Keep an uploaded partner file and queue its import once the request commits."""
    source = get_source(actor, source_id)
    filename = text.clean_line(getattr(upload, "filename", None) or "")
    stream = getattr(upload, "stream", None)
    if not filename or stream is None:
        raise ServiceValidationError("Choose a file.", {"file": ["Choose the partner's CSV or Excel file"]})
    if not filename.lower().endswith(FEED_SUFFIXES):
        raise ServiceValidationError("The file must be CSV or XLSX.", {"file": [
            "The file must be a CSV file (saved as 'CSV UTF-8') or an Excel workbook (.xlsx)"]})
    job = _new_job(actor, source, filename)
    limit_mb = max_upload_bytes() // (1024 * 1024)
    _keep_upload(job, stream, "file", f"The file must be smaller than {limit_mb} MB: split it into parts "
                                      "(a term or a month each) and upload each")
    _queue(actor, job, source)
    return job


def start_from_path(actor, source_id: str, path: str, filename: str) -> str:
    """The same, from a file on disk (the command line and the bench): the caller queues or
    runs the job."""
    source = get_source(actor, source_id)
    job = _new_job(actor, source, filename)
    with open(path, "rb") as handle:
        _keep_upload(job, handle, "file", "The file is too large", limit=None)
    audit.record(actor, "imports.upload", "import_job", job.id, purpose=f"partner data feed: {source.name}")
    db.session.flush()
    return job.id


def _new_job(actor, source: FeedSource, filename: str) -> ImportJob:
    job = ImportJob(kind=ImportKind.FEED, feed_source_id=source.id, source_system=text.fit(source.name, 60),
                    filename=text.fit(filename, 200), size_bytes=0, created_by_id=actor.id, counts={}, problems=[])
    db.session.add(job)
    db.session.flush()
    return job


def _queue(actor, job: ImportJob, source: FeedSource) -> None:
    audit.record(actor, "imports.upload", "import_job", job.id, purpose=f"partner data feed: {source.name}")
    db.session.info.setdefault(_QUEUED_KEY, []).append(job.id)
    db.session.flush()


def feed_jobs(actor, limit: int = 50) -> list[ImportJob]:
    authorise(actor)
    return list(db.session.scalars(select(ImportJob).where(ImportJob.kind == ImportKind.FEED)
                                   .order_by(ImportJob.created_at.desc()).limit(limit)))


# --- the job's steps ----------------------------------------------------------------------------

@contextmanager
def linker_for(job: ImportJob):
    """A bulk linker in a working directory of its own, removed afterwards."""
    workdir = tempfile.mkdtemp(prefix="caseflow-feed-")
    linker = linking.BulkLinker(workdir)
    try:
        yield linker
    finally:
        linker.close()
        shutil.rmtree(workdir, ignore_errors=True)


def read(job: ImportJob, linker: linking.BulkLinker) -> bool:
    """Read the file into the linker a batch at a time, and the people held. False when the
    file cannot be read at all (the job is then failed with its problems; nothing is written)."""
    source = db.session.get(FeedSource, job.feed_source_id)
    suffix = os.path.splitext(job.filename.lower())[1]
    with spooled(job.id, suffix) as path:
        reading = _read_file(source, path, job.filename, linker)
    job.rows_total = reading.rows_read
    job.problem_count = reading.problem_count
    job.problems = [p.as_dict(job.filename) for p in reading.problems[:PROBLEMS_SHOWN]]
    if reading.stopped and not reading.rows_read:
        _finish(job, ImportStatus.FAILED)
        db.session.flush()
        return False
    _load_people(linker)
    db.session.flush()
    log.info("feed import %s: people loaded", job.id)
    return True


def _read_file(source: FeedSource, path: str, filename: str, linker: linking.BulkLinker) -> feeds.Reading:
    """The file's good rows into the linker, a batch at a time; its problems (repeats too)."""
    spec = feeds.SPECS[source.kind]
    reading = feeds.Reading()
    try:
        rows = feeds.open_rows(path, filename)
        batch = []
        for row in feeds.read_feed(source.id, spec, source.mapping, rows, reading):
            batch.append((row.line, row.identity, row.row_key, row.evidence))
            if len(batch) >= READ_BATCH:
                linker.add_rows(batch)
                batch = []
        linker.add_rows(batch)
    except feeds.FileUnreadable as exc:
        reading.add(feeds.Problem(None, str(exc)))
        reading.stopped = True
    for line, first in linker.drop_repeats():
        reading.add(feeds.Problem(line, f"repeats line {first} (the same row, or the same fact twice): "
                                        "it was imported once"))
    return reading


def _load_people(linker: linking.BulkLinker) -> None:
    people = select(Person.id, Person.given_name, Person.family_name, Person.given_name_norm,
                    Person.family_name_norm, Person.date_of_birth, Person.postcode_norm, Person.sex,
                    Person.nhs_number, Person.upn).where(Person.merged_into_id.is_(None))
    batch = []
    for row in db.session.execute(people.execution_options(yield_per=READ_BATCH)):
        batch.append(tuple(row))
        if len(batch) >= READ_BATCH:
            linker.add_people(batch)
            batch = []
    linker.add_people(batch)


def dry_run(actor, source_id: str, path: str, filename: str) -> tuple[feeds.Reading, dict[str, int]]:
    """Read, check and link a file without writing anything (the command line's --dry-run):
    its problems, and how many rows would be linked, wait for review, or wait as new. Rows
    imported before are not looked up, so a row linked by an officer last time counts here as
    the linker alone decides it."""
    source = get_source(actor, source_id)
    if not filename.lower().endswith(FEED_SUFFIXES):
        raise ServiceValidationError("The file must be CSV or XLSX.", {"file": [
            "The file must be a CSV file (saved as 'CSV UTF-8') or an Excel workbook (.xlsx)"]})
    counts = {"linked": 0, "needs review": 0, "new": 0}
    workdir = tempfile.mkdtemp(prefix="caseflow-feed-")
    linker = linking.BulkLinker(workdir)
    try:
        reading = _read_file(source, path, filename, linker)
        if reading.stopped and not reading.rows_read:
            return reading, counts
        _load_people(linker)
        linker.link()
        names = {MatchStatus.LINKED: "linked", MatchStatus.NEEDS_REVIEW: "needs review", MatchStatus.NEW: "new"}
        for decision in linker.decisions():
            counts[names[decision.status]] += 1
    finally:
        linker.close()
        shutil.rmtree(workdir, ignore_errors=True)
    return reading, counts


def link(job: ImportJob, linker: linking.BulkLinker) -> None:
    report = linker.link()
    job.counts = {"rows read": job.rows_total, "people compared": report.people,
                  "linked by NHS number or UPN": report.by_identifier,
                  "weights trained on this area's data": "yes" if report.trained else "no (too few rows)"}
    job.status = ImportStatus.IMPORTING
    db.session.flush()


class _FreshStatistics:
    """PostgreSQL plans each batch's lookups (rows held under these keys) from the tables'
    statistics. A county's first file grows the evidence table from nothing to a million rows in
    minutes, faster than autovacuum re-analyses it: planned from the empty table's statistics,
    each lookup scanned every row from the organisation, and the write phase slowed as it went
    (about 400 ms a lookup at 80,000 rows). So the writer analyses the tables it grows each time
    they have doubled since it last did (about twenty times for a million rows, a fraction of a
    second each; ANALYZE counts the job's own uncommitted rows)."""

    TABLES = ("outcome_evidence", "feed_matches")

    def __init__(self):
        self.enabled = db.session.get_bind().dialect.name == "postgresql"
        self.rows_at_last_analyse = 0.0
        if self.enabled:
            self.rows_at_last_analyse = max(0.0, float(db.session.scalar(sql(
                "SELECT reltuples FROM pg_class WHERE relname = 'outcome_evidence'")) or 0))
        self.written_since = 0

    def wrote(self, rows: int) -> None:
        if not self.enabled:
            return
        self.written_since += rows
        if self.written_since >= max(WRITE_BATCH, self.rows_at_last_analyse):
            db.session.execute(sql(f"ANALYZE {', '.join(self.TABLES)}"))
            self.rows_at_last_analyse += self.written_since
            self.written_since = 0


def write(job: ImportJob, linker: linking.BulkLinker):
    """Write the decisions a batch at a time; yields after each flushed batch."""
    from caseflow.auth.models import User

    actor = db.session.get(User, job.created_by_id)
    source = db.session.get(FeedSource, job.feed_source_id)
    counts = {"linked": 0, "needs review": 0, "new": 0, "evidence created": 0, "evidence updated": 0,
              "evidence unchanged": 0}
    statistics = _FreshStatistics()
    batch = []
    for decision in linker.decisions():
        batch.append(decision)
        if len(batch) >= WRITE_BATCH:
            _write_batch(actor, job, source, batch, counts)
            statistics.wrote(len(batch))
            batch = []
            yield
    _write_batch(actor, job, source, batch, counts)
    yield


def _write_batch(actor, job: ImportJob, source: FeedSource, batch: list[linking.RowDecision], counts: dict) -> None:
    if not batch:
        return
    keys = [d.row_key for d in batch]
    # A row imported before keeps the person it was linked to (by the linker or by an officer).
    held = evidence_store.held_rows(source.organisation_id, keys)
    waiting = {m.row_key: m for m in db.session.scalars(select(FeedMatch).where(
        FeedMatch.feed_source_id == source.id, FeedMatch.row_key.in_(keys)))}
    to_write, to_hold = [], []
    for d in batch:
        person_id = d.person_id if d.status == MatchStatus.LINKED else getattr(held.get(d.row_key), "person_id", None)
        if person_id is not None:
            counts["linked"] += 1
            to_write.append((d, person_id))
        else:
            counts["needs review" if d.status == MatchStatus.NEEDS_REVIEW else "new"] += 1
            to_hold.append(d)
    kind = feeds.SPECS[source.kind].evidence_kind.value
    rows = [{"person_id": person_id, "kind": kind, "period_start": d.evidence["period_start"],
             "period_end": d.evidence["period_end"], "value": d.evidence["value"], "code": d.evidence["code"],
             "source_row_key": d.row_key, "line": d.line} for d, person_id in to_write]
    result = evidence_store.record_bulk(actor, rows, organisation_id=source.organisation_id,
                                        source_reference=text.fit(f"{source.name}: {job.filename}", 200),
                                        held={d.row_key: held[d.row_key] for d, _ in to_write if d.row_key in held})
    counts["evidence created"] += result.created
    counts["evidence updated"] += result.updated
    counts["evidence unchanged"] += result.unchanged
    for line in result.conflicts:
        _problem(job, line, "this row's id was imported before about someone else: give the row a new id")
    # Rows linked now settle any earlier wait for a decision.
    settled = [d.row_key for d, _ in to_write if d.row_key in waiting
               and waiting[d.row_key].status in (FeedMatchStatus.NEEDS_REVIEW, FeedMatchStatus.NEW)]
    if settled:
        db.session.execute(update(FeedMatch).where(FeedMatch.feed_source_id == source.id,
                                                   FeedMatch.row_key.in_(settled))
                           .values(status=FeedMatchStatus.CONFIRMED, decided_at=utcnow()))
    inserts = []
    for d in to_hold:
        status = FeedMatchStatus.NEEDS_REVIEW if d.status == MatchStatus.NEEDS_REVIEW else FeedMatchStatus.NEW
        identity, payload = _jsonable(d.identity), _jsonable(d.evidence | {"kind": kind})
        existing = waiting.get(d.row_key)
        if existing is None:
            inserts.append({"id": new_id(), "feed_source_id": source.id, "import_job_id": job.id,
                            "row_key": d.row_key, "line": d.line, "status": status, "submitted": identity,
                            "evidence": payload, "candidates": d.candidates, "created_at": utcnow()})
        elif existing.status in (FeedMatchStatus.NEEDS_REVIEW, FeedMatchStatus.NEW):
            # Still waiting: the corrected row and today's candidates replace what was queued.
            if existing.evidence != payload or existing.candidates != d.candidates or existing.status != status:
                existing.evidence, existing.candidates, existing.status = payload, d.candidates, status
                existing.submitted, existing.line, existing.import_job_id = identity, d.line, job.id
        elif existing.status == FeedMatchStatus.REJECTED and existing.evidence != payload:
            existing.evidence, existing.submitted = payload, identity
    if inserts:
        bulk_insert(db.session, FeedMatch.__table__, inserts)
    job.rows_done += len(batch)
    merged = dict(job.counts)
    for key, value in counts.items():
        merged[key] = value
    job.counts = merged
    db.session.flush()


def _jsonable(values: dict) -> dict:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


def _problem(job: ImportJob, line, message: str) -> None:
    job.problem_count += 1
    if len(job.problems) < PROBLEMS_SHOWN:
        job.problems = [*job.problems, {"file": job.filename, "line": line, "column": None, "message": message}]


# --- the review queue ---------------------------------------------------------------------------

QUEUE_KEYS = 2  # keyset paged on (created_at, id), oldest first: ix_feed_matches_status_created
QUEUE_PAGE = 50


def match_queue(actor, after: tuple | None = None,
                per_page: int = QUEUE_PAGE) -> tuple[list[FeedMatch], keyset.Total, str | None]:
    """The rows waiting for a decision, oldest first, a page at a time: the page after the
    cursor `after` (keyset: a big file's 100,000 rows cost the same on every page), how many
    wait (counted up to keyset.COUNT_LIMIT), and the cursor of the next page or None."""
    require_list(actor, "imports.feed_match.resolve", None, object_type="feed_match", purpose="matching")
    waiting = select(FeedMatch).where(FeedMatch.status == FeedMatchStatus.NEEDS_REVIEW)
    rows, next_cursor = keyset.page(waiting, (FeedMatch.created_at, FeedMatch.id), after, per_page,
                                    oldest_first=True)
    total = keyset.bounded_count(waiting)
    audit.record_reads(actor, "imports.feed_match.list", "feed_match",
                       [], categories=["identity"], purpose="matching")
    return rows, total, next_cursor


def view_match(actor, match_id: str) -> tuple[FeedMatch, dict[str, Person], dict[str, list[str]]]:
    """One row waiting for a decision, with its candidates side by side (their families named
    in the audit: an officer sees who they might be)."""
    require(actor, "imports.feed_match.resolve", None, object_type="feed_match", object_id=match_id,
            purpose="matching", audit=False)
    match = db.session.get(FeedMatch, match_id)
    if match is None:
        raise NotFound("No row waiting with that id.")
    ids = [c["person_id"] for c in match.candidates]
    people = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(ids)))} if ids else {}
    families: dict[str, list[str]] = {}
    for person_id, family_id in db.session.execute(select(FamilyMember.person_id, FamilyMember.family_id)
                                                   .where(FamilyMember.person_id.in_(ids))):
        families.setdefault(person_id, []).append(family_id)
    audit.record_reads(actor, "imports.feed_match.view", "feed_match", [f for fs in families.values() for f in fs],
                       object_id=match.id, categories=["identity"], purpose="matching")
    return match, people, families


def resolve_match(actor, match_id: str, decision: str, person_id: str | None = None) -> FeedMatch:
    """Confirm a candidate (the row becomes evidence about them) or reject them all."""
    require(actor, "imports.feed_match.resolve", None, object_type="feed_match", object_id=match_id,
            purpose="matching", audit=False)
    match = db.session.get(FeedMatch, match_id, with_for_update=True)
    if match is None:
        raise NotFound("No row waiting with that id.")
    if decision not in ("confirm", "reject"):
        raise ServiceValidationError("Decision must be confirm or reject.",
                                     {"decision": ["Choose whether this is one of the people shown"]})
    if match.status != FeedMatchStatus.NEEDS_REVIEW:
        raise Conflict("This row's match has already been decided.")
    source = db.session.get(FeedSource, match.feed_source_id)
    families = []
    if decision == "confirm":
        if person_id not in {c["person_id"] for c in match.candidates} or db.session.get(Person, person_id) is None:
            raise ServiceValidationError("Choose one of the people shown.",
                                         {"person_id": ["Choose one of the people shown"]})
        payload = match.evidence
        evidence_store.record_bulk(actor, [{
            "person_id": person_id, "kind": payload["kind"], "period_start": date.fromisoformat(payload["period_start"]),
            "period_end": date.fromisoformat(payload["period_end"]) if payload.get("period_end") else None,
            "value": payload.get("value"), "code": payload.get("code"), "source_row_key": match.row_key,
            "line": match.line}], organisation_id=source.organisation_id,
            source_reference=text.fit(f"{source.name}: confirmed match", 200), purpose="partner data feed match",
            matched_by_officer=True)
        match.status, match.person_id = FeedMatchStatus.CONFIRMED, person_id
        families = list(db.session.scalars(select(FamilyMember.family_id).where(FamilyMember.person_id == person_id)))
    else:
        match.status = FeedMatchStatus.REJECTED
    match.decided_by_id, match.decided_at = actor.id, utcnow()
    for family_id in families or [None]:
        audit.record(actor, f"imports.feed_match.{decision}", "feed_match", match.id, family_id=family_id,
                     categories=["identity"], purpose="matching")
    db.session.flush()
    return match
