"""What the migration import keeps: which CaseFlow record each source-system record became, and
the import jobs run from the import page."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from caseflow.core.crypto import EncryptedText
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

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
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
