"""Supervision records per case, and case file audits: the checklist, the samples managers draw
and each file's grades. Discussions, decisions, findings and actions are free text about the
family, encrypted at rest like every case note."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caseflow.core.crypto import EncryptedText
from caseflow.core.database import Base, UTCDateTime, closed_set, new_id, utcnow
from caseflow.oversight.vocab import AuditStatus, Grade


class Supervision(Base):
    """A manager's supervision of one case with its keyworker."""

    __tablename__ = "supervisions"
    # A case's supervisions newest first (keyset paged), and the latest one's next due date.
    __table_args__ = (Index("ix_supervisions_case_newest", "case_id", "held_on", "recorded_at", "id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"))  # indexed by ix_supervisions_case_newest
    held_on: Mapped[date] = mapped_column(Date)
    supervisor_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    keyworker_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))  # supervised, at the time
    discussion: Mapped[str] = mapped_column(EncryptedText)
    decisions: Mapped[str] = mapped_column(EncryptedText)
    actions: Mapped[str | None] = mapped_column(EncryptedText)
    next_due_on: Mapped[date] = mapped_column(Date, index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditChecklistItem(Base):
    """One question of the area's case file audit checklist (managers add and retire them)."""

    __tablename__ = "audit_checklist_items"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    question: Mapped[str] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class AuditSample(Base):
    """A random sample of a team's cases open during a period, drawn by a manager."""

    __tablename__ = "audit_samples"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    team_id: Mapped[str] = mapped_column(ForeignKey("teams.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    drawn_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    eligible: Mapped[int] = mapped_column(Integer)  # how many cases the sample was drawn from

    audits: Mapped[list["CaseFileAudit"]] = relationship(back_populates="sample", order_by="CaseFileAudit.position")


class CaseFileAudit(Base):
    """One case file in a sample: its grade per checklist question, overall grade, findings and
    the actions for the keyworker."""

    __tablename__ = "case_file_audits"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    sample_id: Mapped[str] = mapped_column(ForeignKey("audit_samples.id"), index=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[AuditStatus] = mapped_column(closed_set(AuditStatus, "status", 16), default=AuditStatus.TO_GRADE)
    # {"<checklist code>": "<grade>"}, with each question's words kept as they were when graded.
    answers: Mapped[list] = mapped_column(JSON, default=list)
    grade: Mapped[Grade | None] = mapped_column(closed_set(Grade, "grade", 24))
    findings: Mapped[str | None] = mapped_column(EncryptedText)
    actions: Mapped[str | None] = mapped_column(EncryptedText)
    graded_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    sample: Mapped[AuditSample] = relationship(back_populates="audits")
