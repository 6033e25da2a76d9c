"""Triage decisions and the area's local eligibility criteria."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from caseflow.core.crypto import EncryptedJSON, EncryptedText
from caseflow.core.database import Base, UTCDateTime, closed_set, new_id, utcnow
from caseflow.core.vocab import Rag


class TriageOutcome(StrEnum):
    """What triage decides happens next."""
    SIGNPOST = "signpost"  # close at the door, pointing the family to another service
    PANEL = "panel"        # to the next multi-agency panel
    STEP_UP = "step_up"    # straight to children's social care (level 4)


class LocalCriterion(Base):
    """An area's own eligibility criterion (DOMAIN.md: e.g. parental substance misuse),
    configured by administrators alongside the six national headline problems."""

    __tablename__ = "local_criteria"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    label: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TriageDecision(Base):
    __tablename__ = "triage_decisions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    decided_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    level_of_need: Mapped[int] = mapped_column(Integer)
    # [{"code": "education", "evidence": "School attendance data: 68%"}]: the evidence is free
    # text about the family, so the list is encrypted like the rationale (migration 0014).
    headline_problems: Mapped[list] = mapped_column(EncryptedJSON, default=list)
    local_criteria: Mapped[list] = mapped_column(JSON, default=list)
    eligible: Mapped[bool] = mapped_column(Boolean)
    rag: Mapped[Rag] = mapped_column(closed_set(Rag, "rag", 8))
    decision: Mapped[TriageOutcome] = mapped_column(closed_set(TriageOutcome, "decision", 16))
    rationale: Mapped[str] = mapped_column(EncryptedText)
    signposted_to: Mapped[str | None] = mapped_column(String(300))
