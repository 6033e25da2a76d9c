"""A local service in the directory, and each time a family was pointed to one.

The directory describes services, not people: its text is plain (searchable). Which family was
signposted where is about the family, so it is read through the case's policy."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caseflow.core.database import Base, UTCDateTime, closed_set, new_id, utcnow
from caseflow.directory.vocab import SignpostContext


class LocalService(Base):
    __tablename__ = "local_services"
    # The picker and the admin list: active services by name.
    __table_args__ = (Index("ix_local_services_active_name", "active", "name"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200))
    offers: Mapped[str] = mapped_column(Text)  # what it offers, in plain words
    problems: Mapped[list] = mapped_column(JSON, default=list)  # HeadlineProblem codes it helps with
    area: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))
    website: Mapped[str | None] = mapped_column(String(300))
    address: Mapped[str | None] = mapped_column(String(300))
    eligibility: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def contact_lines(self) -> list[str]:
        return [line for line in (self.phone and f"Phone: {self.phone}", self.email and f"Email: {self.email}",
                                  self.website and f"Website: {self.website}", self.address) if line]


class CaseSignpost(Base):
    """A family pointed to a directory service, by whom, at which point of the flow."""

    __tablename__ = "case_signposts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("local_services.id"), index=True)
    context: Mapped[SignpostContext] = mapped_column(closed_set(SignpostContext, "context", 16))
    chosen_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    chosen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    service: Mapped[LocalService] = relationship()
