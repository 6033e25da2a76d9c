"""The records of moving between early help and children's social care.

The case itself carries on: the same family record, the same assessment and plan, so nobody
starts again. These rows say who moved it, why, and what the other side needs to know."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from caseflow.core.crypto import EncryptedText
from caseflow.core.database import Base, UTCDateTime, closed_set, new_id, utcnow
from caseflow.core.stages import Stage
from caseflow.core.vocab import KeyworkerRole
from caseflow.socialcare.vocab import StatutoryStatusKind, StepDownRoute, StepUpResponse, StepUpUrgency


class StepUp(Base):
    __tablename__ = "step_ups"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    from_stage: Mapped[Stage] = mapped_column(closed_set(Stage, "from_stage", 32))
    requested_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    reason: Mapped[str] = mapped_column(EncryptedText)
    concern: Mapped[str] = mapped_column(EncryptedText)  # the safeguarding concern
    evidence: Mapped[str | None] = mapped_column(EncryptedText)
    informed: Mapped[list] = mapped_column(JSON, default=list)  # who was told (names, roles)
    family_informed: Mapped[bool] = mapped_column(Boolean)
    family_not_informed_reason: Mapped[str | None] = mapped_column(EncryptedText)
    urgency: Mapped[StepUpUrgency] = mapped_column(closed_set(StepUpUrgency, "urgency", 32))
    respond_by: Mapped[datetime] = mapped_column(UTCDateTime)
    keyworker_role: Mapped[KeyworkerRole | None] = mapped_column(closed_set(KeyworkerRole, "keyworker_role", 16))
    # Social care's response (a step-up is a request): recorded once; changing it is an amendment.
    response: Mapped[StepUpResponse | None] = mapped_column(closed_set(StepUpResponse, "response", 32))
    response_note: Mapped[str | None] = mapped_column(EncryptedText)  # advice back to early help, or a note
    responded_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StatutoryStatus(Base):
    """A period under a statutory status: child in need, child protection, looked after."""

    __tablename__ = "statutory_statuses"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    status: Mapped[StatutoryStatusKind] = mapped_column(closed_set(StatutoryStatusKind, "status", 32))
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    recorded_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StepDown(Base):
    __tablename__ = "step_downs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    requested_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    reason: Mapped[str] = mapped_column(EncryptedText)
    still_needed: Mapped[str] = mapped_column(EncryptedText)
    handover_due_on: Mapped[date] = mapped_column(Date)
    handover_meeting_on: Mapped[date | None] = mapped_column(Date)
    route: Mapped[StepDownRoute] = mapped_column(closed_set(StepDownRoute, "route", 16))
    receiving_team_id: Mapped[str | None] = mapped_column(ForeignKey("teams.id"))
