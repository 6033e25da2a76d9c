"""Outcomes and payment by results: the Outcomes Plan's versions, evidence on people over time,
each family's computed progress, claims and their monthly batches, the unit-cost table and the
queued runs (claims runs, returns).

Codes, dates and numbers stay in plain columns because the claims run and the returns compute
over them in bulk; free text (a keyworker's note, a rejection reason) and the frozen copy a
claim keeps for the auditor are encrypted at rest.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from caseflow.core.crypto import EncryptedJSON, EncryptedText
from caseflow.core.database import Base, UTCDateTime, closed_set, new_id, utcnow
from caseflow.outcomes.vocab import (ClaimResult, ClaimState, EvidenceKind, EvidenceSource, Framework, OutcomeStatus,
                                     RunKind, RunState)


class OutcomesPlanVersion(Base):
    """One version of the area's Outcomes Plan. Versions are never changed: an edit is a new
    version in force from when it is saved, so a family keeps being judged by the version in
    force when its plan started, and a claim by the version it was made under."""

    __tablename__ = "outcomes_plan_versions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    framework: Mapped[Framework] = mapped_column(closed_set(Framework, "framework", 40))
    definition: Mapped[dict] = mapped_column(JSON)  # caseflow.outcomes.frameworks describes it
    in_force_from: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    change_note: Mapped[str | None] = mapped_column(String(500))
    created_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Evidence(Base):
    """A measurement about one person on a date or over a period (attendance for a term, an
    exclusion, an offence, a spell in work, a benefit claim, a keyworker's record).

    Bulk imports (partner files) write here too: `source_reference` names the file or feed it
    came from and `source_row_key` the partner's own key for the row, unique per sending
    organisation, so importing the same file again updates rows rather than doubling them."""

    __tablename__ = "outcome_evidence"
    __table_args__ = (
        # Covering (PostgreSQL): the claims run reads a household's evidence by index alone
        # (migration 0029).
        Index("ix_outcome_evidence_person_kind", "person_id", "kind", "period_start",
              postgresql_include=["period_end", "value", "code"]),
        UniqueConstraint("source_organisation_id", "source_row_key", name="uq_outcome_evidence_source_row"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[EvidenceKind] = mapped_column(closed_set(EvidenceKind, "kind", 32))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    value: Mapped[float | None] = mapped_column(Float)
    code: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(EncryptedText)
    source: Mapped[EvidenceSource] = mapped_column(closed_set(EvidenceSource, "source", 20))
    source_organisation_id: Mapped[str | None] = mapped_column(ForeignKey("organisations.id"))
    source_reference: Mapped[str | None] = mapped_column(String(200))  # the imported file or feed
    source_row_key: Mapped[str | None] = mapped_column(String(200))    # the partner's key for this row
    recorded_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FamilyOutcome(Base):
    """A family's progress as last computed (caseflow.outcomes.progress): what the outcomes tab
    shows and what the claims run proposes from. Recomputed when evidence arrives and by every
    claims run."""

    __tablename__ = "family_outcomes"

    family_id: Mapped[str] = mapped_column(ForeignKey("families.id"), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"))
    plan_version_id: Mapped[str] = mapped_column(ForeignKey("outcomes_plan_versions.id"))
    plan_started_on: Mapped[date] = mapped_column(Date)
    problems: Mapped[list] = mapped_column(JSON, default=list)  # [{code, label, measure, status, met_since, sustained_on, reason}]
    progress_sustained_on: Mapped[date | None] = mapped_column(Date, index=True)
    employment_status: Mapped[OutcomeStatus] = mapped_column(closed_set(OutcomeStatus, "employment_status", 16))
    employment_sustained_on: Mapped[date | None] = mapped_column(Date, index=True)
    employment_person_id: Mapped[str | None] = mapped_column(String(32))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    as_of: Mapped[date] = mapped_column(Date)  # the day it was last computed for
    # What the claims run needs to skip a family whose progress cannot have changed: a digest of
    # everything the rules read for it, and the first day the date alone could change the
    # answer (a sustain date, a job or benefit ending). NULL: recompute at the next run.
    inputs_digest: Mapped[str | None] = mapped_column(String(32))
    recheck_on: Mapped[date | None] = mapped_column(Date)


class ClaimBatch(Base):
    """The month's submission to the funder: the approved claims it carried and who sent it."""

    __tablename__ = "outcome_claim_batches"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    month: Mapped[str] = mapped_column(String(7), unique=True)  # YYYY-MM
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    claims: Mapped[int] = mapped_column(Integer, default=0)


LIVE = text("state <> 'rejected'")


class Claim(Base):
    """A payment-by-results claim for one family and one result. A family can be claimed once
    per result: the partial unique index allows only one claim that is not rejected."""

    __tablename__ = "outcome_claims"
    __table_args__ = (
        Index("uq_outcome_claims_family_result", "family_id", "result", unique=True,
              postgresql_where=LIVE, sqlite_where=LIVE),
        Index("ix_outcome_claims_state", "state", "proposed_at"),
        # the claims list, newest first, whatever the state; a family's claims (merges, the compare page)
        Index("ix_outcome_claims_proposed_at", "proposed_at", "id"),
        Index("ix_outcome_claims_family_id", "family_id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    family_id: Mapped[str] = mapped_column(ForeignKey("families.id"))
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"))
    result: Mapped[ClaimResult] = mapped_column(closed_set(ClaimResult, "result", 32))
    state: Mapped[ClaimState] = mapped_column(closed_set(ClaimState, "state", 16), default=ClaimState.PROPOSED)
    plan_version_id: Mapped[str] = mapped_column(ForeignKey("outcomes_plan_versions.id"))
    achieved_on: Mapped[date] = mapped_column(Date)  # the day the result was sustained
    # What the claim rests on: the plan version's definition, each problem's status and the
    # evidence. Taken when proposed and taken again, for good, when submitted.
    snapshot: Mapped[dict] = mapped_column(EncryptedJSON)
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    proposed_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    validated_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    validated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejected_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    rejected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejection_reason: Mapped[str | None] = mapped_column(EncryptedText)
    approved_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    batch_id: Mapped[str | None] = mapped_column(ForeignKey("outcome_claim_batches.id"), index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_on: Mapped[date | None] = mapped_column(Date)
    paid_recorded_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class UnitCost(Base):
    """The administrator's unit-cost table for the cost-saving calculation (pounds per event or
    per week), one row per evidence kind."""

    __tablename__ = "outcome_unit_costs"

    kind: Mapped[EvidenceKind] = mapped_column(closed_set(EvidenceKind, "kind", 32), primary_key=True)
    pounds: Mapped[int] = mapped_column(Integer)
    per: Mapped[str] = mapped_column(String(40))  # "incident", "week", "term"
    updated_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OutcomesRun(Base):
    """A queued claims run or return extract, with its progress for the page that waits on it."""

    __tablename__ = "outcome_runs"
    # the latest run of a kind (the claims page shows the last claims run)
    __table_args__ = (Index("ix_outcome_runs_kind_created_at", "kind", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    kind: Mapped[RunKind] = mapped_column(closed_set(RunKind, "kind", 24))
    state: Mapped[RunState] = mapped_column(closed_set(RunState, "state", 16), default=RunState.QUEUED)
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    output: Mapped[str | None] = mapped_column(EncryptedText)  # the CSV an extract produced
    started_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    as_of: Mapped[date | None] = mapped_column(Date)
    sample_percent: Mapped[int | None] = mapped_column(Integer)
    failed: Mapped[bool] = mapped_column(Boolean, default=False)
