"""Casework after allocation: the one assessment, the one plan, contacts, TAF reviews.

Free text is encrypted at rest (notes, the family's words, plan wording). Scores and codes stay
in plain columns because managers report on them (distance travelled, outcomes).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caseflow.core.crypto import EncryptedJSON, EncryptedText
from caseflow.core.database import Base, UTCDateTime, closed_set, new_id, utcnow
from caseflow.core.vocab import HeadlineProblem
from caseflow.plans.vocab import (ActionStatus, AssessmentStatus, CheckInOutcome, ContactType, OutcomeStatus,
                                  PlanStatus, ReviewDecision, SustainedOutcome)


class Assessment(Base):
    """One whole-family assessment per case. A draft autosaves; once complete it is locked and
    later changes are dated addenda."""

    __tablename__ = "assessments"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), unique=True)
    status: Mapped[AssessmentStatus] = mapped_column(closed_set(AssessmentStatus, "status", 16),
                                                    default=AssessmentStatus.DRAFT)
    due_on: Mapped[date] = mapped_column(Date)
    # [{person_id, name, relationship, date_of_birth, worked_with, voice}]
    members: Mapped[list] = mapped_column(EncryptedJSON, default=list)
    # {domain code: {"strengths": str, "needs": str}}
    domains: Mapped[dict] = mapped_column(EncryptedJSON, default=dict)
    family_views: Mapped[str | None] = mapped_column(EncryptedText)  # the family's own words
    summary: Mapped[str | None] = mapped_column(EncryptedText)  # the keyworker's analysis
    confirmed_problems: Mapped[list] = mapped_column(JSON, default=list)  # headline problem codes
    baseline: Mapped[dict] = mapped_column(JSON, default=dict)  # {headline problem: 1-10}
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    addenda: Mapped[list["AssessmentAddendum"]] = relationship(
        order_by="AssessmentAddendum.written_at", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}


class AssessmentAddendum(Base):
    __tablename__ = "assessment_addenda"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    assessment_id: Mapped[str] = mapped_column(ForeignKey("assessments.id"), index=True)
    author_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    written_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    text: Mapped[str] = mapped_column(EncryptedText)


class Plan(Base):
    """The one family plan: outcomes for the problems that brought the family in, and actions."""

    __tablename__ = "plans"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), unique=True)
    status: Mapped[PlanStatus] = mapped_column(closed_set(PlanStatus, "status", 16), default=PlanStatus.DRAFT)
    agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    agreed_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    family_agreed: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    # Optimistic concurrency: two people editing the plan at once get a 409, not a lost edit.
    version: Mapped[int] = mapped_column(Integer, default=1)

    outcomes: Mapped[list["PlanOutcome"]] = relationship(
        order_by="PlanOutcome.position", cascade="all, delete-orphan", back_populates="plan")
    actions: Mapped[list["PlanAction"]] = relationship(
        order_by="PlanAction.position", cascade="all, delete-orphan", back_populates="plan")

    __mapper_args__ = {"version_id_col": version}


class PlanOutcome(Base):
    __tablename__ = "plan_outcomes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    headline_problem: Mapped[HeadlineProblem] = mapped_column(closed_set(HeadlineProblem, "headline_problem", 40))
    description: Mapped[str] = mapped_column(EncryptedText)
    measure: Mapped[str] = mapped_column(EncryptedText)
    target_date: Mapped[date] = mapped_column(Date)
    status: Mapped[OutcomeStatus] = mapped_column(closed_set(OutcomeStatus, "status", 20),
                                                 default=OutcomeStatus.IN_PROGRESS)

    plan: Mapped[Plan] = relationship(back_populates="outcomes")


class PlanAction(Base):
    __tablename__ = "plan_actions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id"), index=True)
    outcome_id: Mapped[str | None] = mapped_column(ForeignKey("plan_outcomes.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(EncryptedText)
    # An action is owned by a named person, a partner organisation, or both.
    owner_user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    owner_organisation_id: Mapped[str | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[ActionStatus] = mapped_column(closed_set(ActionStatus, "status", 20),
                                                default=ActionStatus.NOT_STARTED)
    # The owner's latest word on it (a TAF member records progress on the actions they own).
    progress_note: Mapped[str | None] = mapped_column(EncryptedText)
    progress_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    progress_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))

    plan: Mapped[Plan] = relationship(back_populates="actions")


class Contact(Base):
    """A visit, call or meeting with the family, or a visit they missed."""

    __tablename__ = "contacts"
    # A case's contacts newest first, a page at a time from a keyset cursor (core.keyset).
    __table_args__ = (Index("ix_contacts_case_newest", "case_id", "occurred_on", "recorded_at", "id"),
                      # A practitioner's own visits, newest first (caseflow.plans.contacts.my_visits).
                      Index("ix_contacts_recorded_by", "recorded_by_id", "occurred_on"))

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"))  # indexed by ix_contacts_case_newest
    occurred_on: Mapped[date] = mapped_column(Date, index=True)
    contact_type: Mapped[ContactType] = mapped_column(closed_set(ContactType, "contact_type", 32))
    people_seen: Mapped[list] = mapped_column(JSON, default=list)  # person ids
    notes: Mapped[str] = mapped_column(EncryptedText)
    next_steps: Mapped[str | None] = mapped_column(EncryptedText)
    # The next visit booked with the family (the caseload shows the latest one booked).
    next_visit_on: Mapped[date | None] = mapped_column(Date)
    recorded_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # One query for a whole page of contacts (selectin), so lists stay bounded.
    practitioners: Mapped[list["ContactPractitioner"]] = relationship(lazy="selectin", cascade="all, delete-orphan")

    @property
    def joint_with(self) -> list[str]:
        return [p.user_id for p in self.practitioners]


class ContactPractitioner(Base):
    """A practitioner who went on a visit jointly with the one who recorded it: the visit is in
    their own list of visits, and the chronology names them."""

    __tablename__ = "contact_practitioners"

    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)


class Review(Base):
    """A Team Around the Family review: who came, progress per outcome, what was decided."""

    __tablename__ = "reviews"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date, index=True)
    attendees: Mapped[list] = mapped_column(JSON, default=list)  # [{name, organisation}]
    progress: Mapped[dict] = mapped_column(JSON, default=dict)  # {outcome id: 1-10}
    action_updates: Mapped[dict] = mapped_column(JSON, default=dict)  # {action id: new status}
    decision: Mapped[ReviewDecision] = mapped_column(closed_set(ReviewDecision, "decision", 16))
    notes: Mapped[str | None] = mapped_column(EncryptedText)
    next_review_on: Mapped[date | None] = mapped_column(Date)
    recorded_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TafMember(Base):
    """A practitioner in the Team Around the Family: they see the plan and are told of reviews."""

    __tablename__ = "taf_members"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str | None] = mapped_column(String(120))  # e.g. "SENCo", "CAMHS practitioner"
    added_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EngagementExtension(Base):
    """A manager's decision to keep trying with a family that has not engaged yet, so the case
    is not closed as 'family disengaged' before that date."""

    __tablename__ = "engagement_extensions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    until: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(EncryptedText)
    granted_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MonitoringPeriod(Base):
    """A case closed with a monitoring period: from the closure to `ends_on`, light-touch
    check-ins; then the outcome review, which closes the case fully."""

    __tablename__ = "monitoring_periods"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), unique=True)
    started_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date, index=True)  # the outcome review is due
    started_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    review_outcome: Mapped[SustainedOutcome | None] = mapped_column(closed_set(SustainedOutcome, "review_outcome", 24))
    review_summary: Mapped[str | None] = mapped_column(EncryptedText)
    reviewed_on: Mapped[date | None] = mapped_column(Date)
    reviewed_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))

    check_ins: Mapped[list["MonitoringCheckIn"]] = relationship(
        back_populates="period", order_by="MonitoringCheckIn.due_on", cascade="all, delete-orphan")


class MonitoringCheckIn(Base):
    """One light-touch check-in: due on a date, and what it found once done."""

    __tablename__ = "monitoring_check_ins"
    # Check-ins due across a keyworker's cases (the caseload's next check-in).
    __table_args__ = (Index("ix_monitoring_check_ins_due", "due_on", "done_on"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    period_id: Mapped[str] = mapped_column(ForeignKey("monitoring_periods.id"), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[CheckInOutcome | None] = mapped_column(closed_set(CheckInOutcome, "outcome", 24))
    note: Mapped[str | None] = mapped_column(EncryptedText)
    recorded_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    period: Mapped[MonitoringPeriod] = relationship(back_populates="check_ins")


class StepDownContact(Base):
    """Step-down to universal services: the named person the family can go to now (a school's
    family support worker, a health visitor), their organisation and how to reach them."""

    __tablename__ = "step_down_contacts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), unique=True)
    person_name: Mapped[str] = mapped_column(EncryptedText)
    organisation: Mapped[str] = mapped_column(String(200))
    how_to_reach: Mapped[str] = mapped_column(EncryptedText)
    service_id: Mapped[str | None] = mapped_column(ForeignKey("local_services.id"))
    recorded_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
