"""What the migration import keeps: which CaseFlow record each source-system record became, and
the import jobs run from the import page. Partner data feeds (issue 18, point 1) use the same
jobs: a named source with its saved column mapping, and the rows the bulk linker could not link
on its own, waiting for a person to decide."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from caseflow.core.crypto import EncryptedJSON, EncryptedText
from caseflow.core.database import Base, UTCDateTime, closed_set, new_id, utcnow


class MigratedKind(StrEnum):
    """The kinds of record a bundle carries (one CSV file each; docs/migration-bundle.md)."""
    ORGANISATION = "organisation"
    USER = "user"
    FAMILY = "family"
    PERSON = "person"
    MEMBERSHIP = "membership"
    CASE = "case"
    CASE_STAGE = "case_stage"
    CONTACT = "contact"
    ASSESSMENT = "assessment"
    PLAN = "plan"
    PLAN_OUTCOME = "plan_outcome"
    PLAN_ACTION = "plan_action"
    REVIEW = "review"
    CONSENT = "consent"


class MigrationRecord(Base):
    """One record brought in from another system: the marker that it was migrated (from which
    system, under which id there) and the map from that id to the CaseFlow record. Unique on the
    source id, so importing the same bundle again finds every record already here."""

    __tablename__ = "migration_records"
    __table_args__ = (UniqueConstraint("source_system", "kind", "source_id"),
                      Index("ix_migration_records_record", "kind", "record_id"))

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    source_system: Mapped[str] = mapped_column(String(60))
    kind: Mapped[MigratedKind] = mapped_column(closed_set(MigratedKind, "kind", 20))
    source_id: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[str] = mapped_column(String(32))
    # The family the record belongs to (none for organisations and users): who may see that it
    # was migrated is then the family's access policy.
    family_id: Mapped[str | None] = mapped_column(String(32), index=True)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    import_job_id: Mapped[str | None] = mapped_column(String(32))


class ImportKind(StrEnum):
    MIGRATION = "migration"    # a zipped bundle from the system the area had before
    FEED = "feed"              # one partner file (CSV or XLSX) from a named feed source


class FeedKind(StrEnum):
    """What a partner's file holds: each kind becomes one kind of outcomes evidence."""
    SCHOOL_ATTENDANCE = "school_attendance"
    SCHOOL_EXCLUSIONS = "school_exclusions"
    POLICE_OFFENCES = "police_offences"
    POLICE_ASB = "police_asb"
    POLICE_DOMESTIC_ABUSE = "police_domestic_abuse"
    HOUSING = "housing"
    BENEFITS = "benefits"
    EMPLOYMENT = "employment"
    HEALTH_FLAGS = "health_flags"


class FeedMatchStatus(StrEnum):
    NEEDS_REVIEW = "needs_review"  # the bulk linker found candidates but is not sure: a person decides
    NEW = "new"                    # nobody known matched: kept, not evidence, until the person is known
    CONFIRMED = "confirmed"        # a person chose the candidate: the row became evidence
    REJECTED = "rejected"          # a person said none of the candidates


class ImportStatus(StrEnum):
    QUEUED = "queued"
    CHECKING = "checking"
    IMPORTING = "importing"
    DONE = "done"
    FAILED = "failed"          # the bundle had problems (see `problems`) or the job broke
    CANCELLED = "cancelled"


FINISHED = frozenset({ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.CANCELLED})


class ImportJob(Base):
    """A bundle uploaded on the import page and imported by a queued job."""

    __tablename__ = "import_jobs"
    # the feeds page lists the feed imports, newest first
    __table_args__ = (Index("ix_import_jobs_kind_created_at", "kind", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    kind: Mapped[ImportKind] = mapped_column(closed_set(ImportKind, "kind", 16), default=ImportKind.MIGRATION)
    feed_source_id: Mapped[str | None] = mapped_column(ForeignKey("feed_sources.id"), index=True)
    source_system: Mapped[str] = mapped_column(String(60))
    filename: Mapped[str] = mapped_column(String(200))
    size_bytes: Mapped[int] = mapped_column(Integer)
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[ImportStatus] = mapped_column(closed_set(ImportStatus, "status", 16), default=ImportStatus.QUEUED)
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    counts: Mapped[dict] = mapped_column(JSON, default=dict)  # {file: records created}
    problems: Mapped[list] = mapped_column(JSON, default=list)  # [{file, line, column, message}]
    problem_count: Mapped[int] = mapped_column(Integer, default=0)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(String(300))
    created_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def percent(self) -> int:
        if self.status == ImportStatus.DONE:
            return 100
        return min(99, self.rows_done * 100 // self.rows_total) if self.rows_total else 0


class ImportUploadChunk(Base):
    """The uploaded zip, in encrypted pieces of a megabyte, until its job has run: the worker
    that runs the job may be on another machine, and a piece at a time keeps memory flat."""

    __tablename__ = "import_upload_chunks"

    job_id: Mapped[str] = mapped_column(ForeignKey("import_jobs.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    content: Mapped[str] = mapped_column(EncryptedText)  # base64 of the piece, encrypted


class FeedSource(Base):
    """A named partner feed ("Northshire schools attendance") and how its files' columns map to
    what CaseFlow reads, saved so the next quarter's file is mapped the same way. The sending
    organisation owns the rows' keys: evidence is unique per organisation and row key."""

    __tablename__ = "feed_sources"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[FeedKind] = mapped_column(closed_set(FeedKind, "kind", 32))
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    mapping: Mapped[dict] = mapped_column(JSON, default=dict)  # {field CaseFlow reads: the file's column}
    created_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class FeedMatch(Base):
    """A row of a partner file that the bulk linker did not link on its own: it found candidates
    but doubt goes to a person (needs review), or it found nobody (new). The row's identity and
    its evidence wait here, encrypted, until a person decides; then the evidence is written.
    Unique per source and row key, so importing the file again does not queue the row twice."""

    __tablename__ = "feed_matches"
    __table_args__ = (UniqueConstraint("feed_source_id", "row_key"),
                      Index("ix_feed_matches_status_created", "status", "created_at"))

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    feed_source_id: Mapped[str] = mapped_column(ForeignKey("feed_sources.id"))
    import_job_id: Mapped[str | None] = mapped_column(ForeignKey("import_jobs.id", ondelete="SET NULL"), index=True)
    row_key: Mapped[str] = mapped_column(String(64))
    line: Mapped[int] = mapped_column(Integer)
    status: Mapped[FeedMatchStatus] = mapped_column(closed_set(FeedMatchStatus, "status", 16))
    submitted: Mapped[dict] = mapped_column(EncryptedJSON)   # the row's names, date of birth, identifiers
    evidence: Mapped[dict] = mapped_column(EncryptedJSON)    # what becomes evidence once linked
    candidates: Mapped[list] = mapped_column(JSON, default=list)  # [{person_id, score, reasons}] best first
    # indexed: merging a person finds every reference to them by an index (caseflow.records.merging)
    person_id: Mapped[str | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    decided_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
