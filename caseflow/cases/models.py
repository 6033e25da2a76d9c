"""A case is one episode of work on a family; its stage changes only through caseflow.flow."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caseflow.core.crypto import EncryptedJSON, EncryptedText
from caseflow.core.database import Base, UTCDateTime, closed_set, new_id, utcnow
from caseflow.core.stages import Stage
from caseflow.core.vocab import ClosureReason, KeyworkerRole, Rag, Urgency
from caseflow.families.models import Family


class DecisionKind(StrEnum):
    """The decisions made once and changed only by an amendment (caseflow.cases.amendments)."""
    TRIAGE = "triage"
    PANEL = "panel"
    STEP_UP_RESPONSE = "step_up_response"


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    family_id: Mapped[str] = mapped_column(ForeignKey("families.id"), index=True)
    stage: Mapped[Stage] = mapped_column(closed_set(Stage, "stage", 32), index=True)
    urgency: Mapped[Urgency] = mapped_column(closed_set(Urgency, "urgency", 16), default=Urgency.ROUTINE)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    closure_reason: Mapped[ClosureReason | None] = mapped_column(closed_set(ClosureReason, "closure_reason", 40))
    signposted_to: Mapped[str | None] = mapped_column(String(300))  # where a signposted family was sent
    # Re-referral: the family had a case closed within the look-back window (default 12 months).
    is_re_referral: Mapped[bool] = mapped_column(Boolean, default=False)
    previous_case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"))
    # Set by triage (caseflow.triage): level of need 1-4, RAG risk, programme eligibility.
    level_of_need: Mapped[int | None] = mapped_column(Integer)
    rag: Mapped[Rag | None] = mapped_column(closed_set(Rag, "rag", 8))
    eligible: Mapped[bool | None] = mapped_column(Boolean)
    lead_professional_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    team_id: Mapped[str | None] = mapped_column(ForeignKey("teams.id"), index=True)
    keyworker_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    # Casework deadlines (caseflow.plans), indexed for the overdue dashboards.
    assessment_due_on: Mapped[date | None] = mapped_column(Date, index=True)
    review_due_on: Mapped[date | None] = mapped_column(Date, index=True)
    closure_summary: Mapped[str | None] = mapped_column(EncryptedText)
    family_feedback: Mapped[str | None] = mapped_column(EncryptedText)
    closed_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    # Children's social care (caseflow.socialcare): the social worker leads while the case is
    # there; the early help keyworker is recorded as staying on jointly or stepping back.
    social_worker_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    keyworker_role: Mapped[KeyworkerRole | None] = mapped_column(closed_set(KeyworkerRole, "keyworker_role", 16))
    # Optimistic concurrency: every update bumps it; a stale writer gets 409.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    family: Mapped[Family] = relationship()
    transitions: Mapped[list["CaseTransition"]] = relationship(
        back_populates="case", order_by="CaseTransition.at", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_open(self) -> bool:
        from caseflow.core.stages import CLOSED_STAGES

        return self.stage not in CLOSED_STAGES

    def record_transition(self, *, from_stage, to_stage, action: str, actor_id: str | None,
                          reason: str | None, at: datetime) -> "CaseTransition":
        """Called by caseflow.core.stages.transition(), the one way a stage changes."""
        record = CaseTransition(case=self, from_stage=from_stage, to_stage=to_stage, action=action,
                                actor_id=actor_id, reason=reason, at=at)
        return record


class CaseTransition(Base):
    """Who moved a case from which stage to which, when and why: the case's spine."""

    __tablename__ = "case_transitions"
    # The flows dashboard's step-ups and step-downs in a period: a range of one action's moves,
    # with the case, read from the index alone.
    __table_args__ = (Index("ix_case_transitions_action_at", "action", "at", "case_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    from_stage: Mapped[Stage | None] = mapped_column(closed_set(Stage, "from_stage", 32))
    to_stage: Mapped[Stage] = mapped_column(closed_set(Stage, "to_stage", 32))
    action: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(EncryptedText)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    case: Mapped[Case] = relationship(back_populates="transitions")


class DecisionAmendment(Base):
    """A decision changed after it was made: a triage decision, a panel decision or social
    care's response to a step-up. Each is made once; changing one is this separate act, with its
    own permission and a reason, and keeps what the decision was, so the history shows both."""

    __tablename__ = "decision_amendments"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[DecisionKind] = mapped_column(closed_set(DecisionKind, "kind", 24))
    record_id: Mapped[str] = mapped_column(String(32), index=True)  # the triage decision, panel item or step-up
    previous: Mapped[dict] = mapped_column(EncryptedJSON)  # the decision as it stood
    amended: Mapped[dict] = mapped_column(EncryptedJSON)   # the decision as it stands now
    reason: Mapped[str] = mapped_column(EncryptedText)
    amended_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    amended_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
