"""Allocations: who has held a case, one row per allocation or re-allocation."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from caseflow.core.crypto import EncryptedText
from caseflow.core.database import Base, UTCDateTime, new_id, utcnow


class Allocation(Base):
    """Who holds a case: keyworker, team and (optionally) a lead professional from a partner."""

    __tablename__ = "allocations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    keyworker_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    team_id: Mapped[str | None] = mapped_column(ForeignKey("teams.id"))
    lead_professional_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    allocated_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    allocated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str | None] = mapped_column(EncryptedText)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
