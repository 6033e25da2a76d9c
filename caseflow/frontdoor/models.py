"""Requests for help and the people named on them, exactly as submitted and as matched."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caseflow.core.crypto import EncryptedJSON, EncryptedText
from caseflow.core.database import Base, UTCDateTime, closed_set, new_id, utcnow
from caseflow.core.vocab import Urgency
from caseflow.families.models import Family, MatchStatus, Relationship


class Source(StrEnum):
    PROFESSIONAL = "professional"      # a practitioner using the web form
    SELF_REFERRAL = "self_referral"    # the family themselves, no login
    PARTNER_SYSTEM = "partner_system"  # a partner system or portal through the API


URGENCY_ORDER = {Urgency.IMMEDIATE: 0, Urgency.URGENT: 1, Urgency.ROUTINE: 2}


class RequestStatus(StrEnum):
    NEW = "new"                  # waiting for triage
    NEEDS_REVIEW = "needs_review"  # a possible match needs a front-door officer's decision
    TRIAGED = "triaged"          # triage decision recorded (caseflow.triage)
    ROUTED = "routed"            # added to an already open case for its allocated worker


# The requests the front door still has to deal with: its queue (caseflow.frontdoor.services).
WAITING_STATUSES = (RequestStatus.NEW, RequestStatus.NEEDS_REVIEW)
_WAITING = text(f"status IN ({', '.join(repr(str(s)) for s in WAITING_STATUSES)})")


class RequestForHelp(Base):
    __tablename__ = "requests_for_help"
    # The front-door queue: the few requests still waiting, oldest first. By received_at alone
    # PostgreSQL read past every triaged request (313,000 at 1,000,000 people) to reach them.
    __table_args__ = (Index("ix_requests_for_help_waiting", "received_at", "id",
                            postgresql_where=_WAITING, sqlite_where=_WAITING),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    source: Mapped[Source] = mapped_column(closed_set(Source, "source", 20))
    status: Mapped[RequestStatus] = mapped_column(closed_set(RequestStatus, "status", 20), index=True)
    match_status: Mapped[MatchStatus] = mapped_column(closed_set(MatchStatus, "match_status", 20))
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    family_id: Mapped[str] = mapped_column(ForeignKey("families.id"), index=True)
    submitted_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    referrer_name: Mapped[str] = mapped_column(String(200))
    referrer_organisation: Mapped[str | None] = mapped_column(String(200))
    referrer_organisation_id: Mapped[str | None] = mapped_column(ForeignKey("organisations.id"))
    referrer_role: Mapped[str | None] = mapped_column(String(120))
    referrer_email: Mapped[str | None] = mapped_column(String(254))
    referrer_phone: Mapped[str | None] = mapped_column(String(40))
    concerns: Mapped[list] = mapped_column(JSON, default=list)
    details: Mapped[str | None] = mapped_column(EncryptedText)
    consent_given: Mapped[bool] = mapped_column(Boolean)
    # Without consent a request is only lawful for a safeguarding concern (DOMAIN.md).
    safeguarding_concern: Mapped[bool] = mapped_column(Boolean, default=False)
    urgency: Mapped[Urgency] = mapped_column(closed_set(Urgency, "urgency", 16), default=Urgency.ROUTINE)
    is_re_referral: Mapped[bool] = mapped_column(Boolean, default=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    people: Mapped[list["RequestPerson"]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="RequestPerson.position"
    )
    family: Mapped[Family] = relationship(viewonly=True)  # for display; moves go via family_id


class RequestPerson(Base):
    """One person named on a request: what was said, and who we decided they are."""

    __tablename__ = "request_people"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    request_id: Mapped[str] = mapped_column(ForeignKey("requests_for_help.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    # As submitted (encrypted: a request is kept verbatim even when matching merges records).
    submitted: Mapped[dict] = mapped_column(EncryptedJSON)
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    relationship_to_family: Mapped[Relationship] = mapped_column(
        "relationship", closed_set(Relationship, "relationship", 32))
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    match_status: Mapped[MatchStatus] = mapped_column(closed_set(MatchStatus, "match_status", 20))
    match_score: Mapped[float | None] = mapped_column(Float)
    # [{person_id, family_id, score, reasons}] best first, for the officer's side-by-side view.
    candidates: Mapped[list] = mapped_column(JSON, default=list)
    resolved_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    request: Mapped[RequestForHelp] = relationship(back_populates="people")


class AdviceCall(Base):
    """A practitioner calling the front door for a consultation: who called, from where, what
    they asked and what they were told, and whether it became a request for help. No family is
    needed; when the family is known the call is linked to it and read (and audited) as the
    family's record."""

    __tablename__ = "advice_calls"
    __table_args__ = (Index("ix_advice_calls_newest", "called_at", "id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    called_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    caller_name: Mapped[str] = mapped_column(EncryptedText)
    caller_organisation: Mapped[str] = mapped_column(String(200))
    caller_contact: Mapped[str | None] = mapped_column(EncryptedText)
    question: Mapped[str] = mapped_column(EncryptedText)
    advice: Mapped[str] = mapped_column(EncryptedText)
    became_request: Mapped[bool] = mapped_column(Boolean, default=False)
    request_id: Mapped[str | None] = mapped_column(ForeignKey("requests_for_help.id"))
    family_id: Mapped[str | None] = mapped_column(ForeignKey("families.id"), index=True)
    answered_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
