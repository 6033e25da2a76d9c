"""What the reports keep: the analyst's extract jobs (queued, with progress, and the
pseudonymised file they made, encrypted at rest until it is downloaded or expires)."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from caseflow.core.crypto import EncryptedText
from caseflow.core.database import Base, UTCDateTime, closed_set, new_id, utcnow


class ExtractPurpose(StrEnum):
    """Why an extract is made: pseudonyms are stable within a purpose and differ between them,
    so extracts made for different purposes cannot be joined up."""
    SERVICE_PLANNING = "service_planning"
    NATIONAL_RETURN = "national_return"
    EVALUATION = "evaluation"


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ReportJob(Base):
    __tablename__ = "report_jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    requested_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    purpose: Mapped[ExtractPurpose] = mapped_column(closed_set(ExtractPurpose, "purpose", 32))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    status: Mapped[JobStatus] = mapped_column(closed_set(JobStatus, "status", 16), default=JobStatus.QUEUED)
    done: Mapped[int] = mapped_column(Integer, default=0)   # cases read so far
    total: Mapped[int] = mapped_column(Integer, default=0)  # cases to read
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[str | None] = mapped_column(EncryptedText)  # the pseudonymised CSV
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0


class DailyCount(Base):
    """The dashboards' pre-computed daily aggregates (readmodels.report_aggregates): how many
    of something happened on one London day, for one team and one organisation, by one
    category. Rebuilt whole by the refresh job; '' in team_id / organisation_id means none."""

    __tablename__ = "report_daily_counts"

    measure: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    category: Mapped[str] = mapped_column(String(60), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class AggregateRefresh(Base):
    """When the daily aggregates were last rebuilt (one row per refresh, newest kept)."""

    __tablename__ = "report_refreshes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    rows: Mapped[int] = mapped_column(Integer, default=0)
