"""Information sharing agreements between the service and its partners."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Date, ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caseflow.core.database import Base, UTCDateTime, new_id, utcnow


class AgreementStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_FORCE = "in_force"
    REVIEW_DUE = "review_due"   # still in force, but past its review date
    ENDED = "ended"


STATUS_LABELS = {
    AgreementStatus.NOT_STARTED: "Not yet in force",
    AgreementStatus.IN_FORCE: "In force",
    AgreementStatus.REVIEW_DUE: "In force, review overdue",
    AgreementStatus.ENDED: "Ended",
}


class SharingAgreement(Base):
    """An information sharing agreement: its parties (organisations), what it is for, which
    categories of data it lets them share, and when it starts, is reviewed and ends."""

    __tablename__ = "sharing_agreements"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    purposes: Mapped[list] = mapped_column(JSON, default=list)     # plain-English lines
    categories: Mapped[list] = mapped_column(JSON, default=list)   # Category values
    starts_on: Mapped[date] = mapped_column(Date)
    review_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date, index=True)
    recorded_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parties: Mapped[list["AgreementParty"]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def party_ids(self) -> list[str]:
        return sorted(p.organisation_id for p in self.parties)

    def in_force(self, today: date) -> bool:
        return self.starts_on <= today <= self.ends_on

    def status(self, today: date) -> AgreementStatus:
        if today < self.starts_on:
            return AgreementStatus.NOT_STARTED
        if today > self.ends_on:
            return AgreementStatus.ENDED
        return AgreementStatus.REVIEW_DUE if today > self.review_on else AgreementStatus.IN_FORCE


class AgreementParty(Base):
    __tablename__ = "agreement_parties"

    agreement_id: Mapped[str] = mapped_column(ForeignKey("sharing_agreements.id", ondelete="CASCADE"),
                                              primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), primary_key=True, index=True)


def in_force_clause(agreement_id_column, today: date):
    """SQL: the row cites no agreement, or one in force today. A grant or routing rule that
    relies on an agreement stops counting the day after the agreement ends."""
    return agreement_id_column.is_(None) | agreement_id_column.in_(
        select(SharingAgreement.id).where(SharingAgreement.starts_on <= today, SharingAgreement.ends_on >= today))
