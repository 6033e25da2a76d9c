"""The append-only, hash-chained audit trail."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from caseflow.core.crypto import EncryptedText
from caseflow.core.database import Base, UTCDateTime, new_id, utcnow


class Consent(Base):
    """A person's consent to share, for a purpose, with named organisations or organisation
    types, for named categories of data. Withdrawal or expiry takes effect on the next request."""

    __tablename__ = "consents"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    family_id: Mapped[str] = mapped_column(ForeignKey("families.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(40))
    recipient_org_ids: Mapped[list] = mapped_column(JSON, default=list)
    recipient_org_types: Mapped[list] = mapped_column(JSON, default=list)
    categories: Mapped[list] = mapped_column(JSON, default=list)
    # Who gave it: the person themselves (an adult, or a young person judged competent) or a
    # parent or carer for a younger child.
    given_by: Mapped[str] = mapped_column(String(200))
    given_by_relationship: Mapped[str] = mapped_column(String(20))  # self | parent_carer
    competence_note: Mapped[str | None] = mapped_column(EncryptedText)
    method: Mapped[str] = mapped_column(String(20))  # signed_form | verbal | online
    given_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    withdrawal_reason: Mapped[str | None] = mapped_column(EncryptedText)
    recorded_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LawfulBasis(Base):
    """Sharing without consent on a recorded statutory basis (e.g. safeguarding a child at risk
    of significant harm), with its justification, approver and review date."""

    __tablename__ = "lawful_bases"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    family_id: Mapped[str] = mapped_column(ForeignKey("families.id"), index=True)
    person_id: Mapped[str | None] = mapped_column(ForeignKey("people.id"))
    basis: Mapped[str] = mapped_column(String(40))
    justification: Mapped[str] = mapped_column(EncryptedText)
    recipient_org_ids: Mapped[list] = mapped_column(JSON, default=list)
    recipient_org_types: Mapped[list] = mapped_column(JSON, default=list)
    categories: Mapped[list] = mapped_column(JSON, default=list)
    approved_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    review_on: Mapped[date] = mapped_column(Date, index=True)
    recorded_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class BreakGlass(Base):
    """Emergency access by a duty manager to a family outside their team: a reason, a short
    time limit, and a loud entry in the audit trail and the managers' report."""

    __tablename__ = "break_glass"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    family_id: Mapped[str] = mapped_column(ForeignKey("families.id"), index=True)
    reason: Mapped[str] = mapped_column(EncryptedText)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
