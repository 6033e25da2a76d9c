"""DASH risk checklists per adult victim on a case, and outcome wheel scorings (the area list the
administrators keep, and each occasion's scores by the family and by the keyworker). A checklist's
answers and notes are encrypted at rest: they are among the most sensitive things the service holds."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caseflow.core.crypto import EncryptedJSON, EncryptedText
from caseflow.core.database import Base, UTCDateTime, closed_set, new_id, utcnow
from caseflow.practice.vocab import MARAC_THRESHOLD, DashAnswer, WheelOccasion


class DashChecklist(Base):
    """One DASH risk identification checklist, completed with one adult victim on a case."""

    __tablename__ = "dash_checklists"
    # A case's checklists, newest first.
    __table_args__ = (Index("ix_dash_checklists_case_newest", "case_id", "completed_on", "recorded_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"))  # indexed by ix_dash_checklists_case_newest
    victim_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    completed_on: Mapped[date] = mapped_column(Date)
    # {"<question code>": "yes" | "no" | "not_known"} for all 27 questions, and the practitioner's
    # notes per question ({"<code>": "..."}): encrypted, with the yes count derived on reading.
    answers: Mapped[dict] = mapped_column(EncryptedJSON)
    notes: Mapped[dict | None] = mapped_column(EncryptedJSON)
    # The two other MARAC criteria: the practitioner's judgement (with the reason, encrypted) and
    # potential escalation (repeated police call-outs in the past 12 months).
    professional_judgement: Mapped[bool] = mapped_column(Boolean, default=False)
    judgement_reason: Mapped[str | None] = mapped_column(EncryptedText)
    escalation: Mapped[bool] = mapped_column(Boolean, default=False)
    marac_referred_on: Mapped[date | None] = mapped_column(Date)
    completed_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def yes_count(self) -> int:
        return sum(1 for answer in (self.answers or {}).values() if answer == DashAnswer.YES)

    @property
    def visible_high_risk(self) -> bool:
        return self.yes_count >= MARAC_THRESHOLD

    @property
    def marac_reasons(self) -> list[str]:
        """Which MARAC referral criteria this checklist meets (none: no referral prompted)."""
        reasons = []
        if self.visible_high_risk:
            reasons.append(f"Visible high risk: {self.yes_count} questions answered yes "
                           f"({MARAC_THRESHOLD} or more meets the MARAC threshold)")
        if self.professional_judgement:
            reasons.append("Professional judgement")
        if self.escalation:
            reasons.append("Potential escalation: repeated police call-outs for domestic abuse in the past 12 months")
        return reasons


class WheelArea(Base):
    """One area of the outcome wheel (ten in use at a time; administrators maintain them)."""

    __tablename__ = "wheel_areas"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    label: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class WheelScoring(Base):
    """The outcome wheel scored on one occasion (assessment, a review, closure), by the family
    and by the keyworker, area by area."""

    __tablename__ = "wheel_scorings"
    __table_args__ = (Index("ix_wheel_scorings_case_order", "case_id", "scored_on", "recorded_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"))  # indexed by ix_wheel_scorings_case_order
    occasion: Mapped[WheelOccasion] = mapped_column(closed_set(WheelOccasion, "occasion", 16))
    scored_on: Mapped[date] = mapped_column(Date)
    # What the family said about their scores (encrypted free text about people).
    comment: Mapped[str | None] = mapped_column(EncryptedText)
    scored_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    scores: Mapped[list["WheelScore"]] = relationship(back_populates="scoring", cascade="all, delete-orphan")


class WheelScore(Base):
    """One area's scores on one occasion: the family's and the keyworker's, each 1 to 10."""

    __tablename__ = "wheel_scores"
    __table_args__ = (UniqueConstraint("scoring_id", "area_id"),
                      CheckConstraint("family_score BETWEEN 1 AND 10", name="family_score_range"),
                      CheckConstraint("worker_score BETWEEN 1 AND 10", name="worker_score_range"))

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    scoring_id: Mapped[str] = mapped_column(ForeignKey("wheel_scorings.id"))  # first column of the unique key
    area_id: Mapped[str] = mapped_column(ForeignKey("wheel_areas.id"), index=True)
    family_score: Mapped[int] = mapped_column(Integer)
    worker_score: Mapped[int] = mapped_column(Integer)

    scoring: Mapped[WheelScoring] = relationship(back_populates="scores")
