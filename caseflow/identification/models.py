"""Identification runs and the families each one proposed.

A run is dated (`as_of`) and keeps the Outcomes Plan version and the eligibility rule it applied,
so running it again over the same evidence proposes the same families with the same problems.
Rows are keyed by (run, family) because the run writes them in one INSERT ... SELECT.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from caseflow.core.crypto import EncryptedText
from caseflow.core.database import Base, UTCDateTime, closed_set, new_id, utcnow
from caseflow.identification.vocab import IdentifiedState
from caseflow.outcomes.models import Evidence
from caseflow.outcomes.vocab import RunState

# The run reads the evidence store by kind and date for a whole county at once (each problem's
# rule is "these kinds, in this window"); the store's own index leads with the person.
EVIDENCE_BY_KIND = Index("ix_outcome_evidence_kind_period", Evidence.kind, Evidence.period_start,
                         Evidence.person_id)
# A dismissal holds until new evidence about a member arrives: the run asks "anything recorded
# about this person since?".
EVIDENCE_BY_RECORDED = Index("ix_outcome_evidence_person_recorded", Evidence.person_id, Evidence.recorded_at)


class IdentificationRun(Base):
    __tablename__ = "identification_runs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    as_of: Mapped[date] = mapped_column(Date)
    state: Mapped[RunState] = mapped_column(closed_set(RunState, "state", 16), default=RunState.QUEUED)
    min_problems: Mapped[int] = mapped_column(Integer)
    plan_version_id: Mapped[str] = mapped_column(ForeignKey("outcomes_plan_versions.id"))
    identified: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[dict] = mapped_column(JSON, default=dict)  # families with each problem; problems not countable
    started_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed: Mapped[bool] = mapped_column(Boolean, default=False)


class IdentifiedFamily(Base):
    """A family a run proposed, and what the front door did with it."""

    __tablename__ = "identified_families"
    __table_args__ = (
        # the list: a run's families, most problems first
        Index("ix_identified_families_run_list", "run_id", "problem_count", "family_id"),
        # the run's look-up of earlier dismissals of a family
        Index("ix_identified_families_family_state", "family_id", "state", "decided_at"),
    )

    run_id: Mapped[str] = mapped_column(ForeignKey("identification_runs.id"), primary_key=True)
    family_id: Mapped[str] = mapped_column(ForeignKey("families.id"), primary_key=True)
    problem_count: Mapped[int] = mapped_column(Integer)
    state: Mapped[IdentifiedState] = mapped_column(closed_set(IdentifiedState, "state", 20),
                                                   default=IdentifiedState.PROPOSED)
    decided_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dismissal_reason: Mapped[str | None] = mapped_column(EncryptedText)
    request_id: Mapped[str | None] = mapped_column(ForeignKey("requests_for_help.id"))


class IdentifiedProblem(Base):
    """One problem the evidence shows for a family in a run: how many records, the latest."""

    __tablename__ = "identified_problems"

    run_id: Mapped[str] = mapped_column(ForeignKey("identification_runs.id"), primary_key=True)
    family_id: Mapped[str] = mapped_column(ForeignKey("families.id"), primary_key=True)
    problem_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    evidence_count: Mapped[int] = mapped_column(Integer)
    latest_on: Mapped[date] = mapped_column(Date)
