"""Panel meetings, the organisations sitting on them, and the panel's decision about each case."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caseflow.core.crypto import EncryptedText
from caseflow.core.database import Base, UTCDateTime, closed_set, new_id, utcnow


class PanelOutcome(StrEnum):
    """The panel's decision about a case."""
    ALLOCATE = "allocate"  # to an early help team or keyworker
    SIGNPOST = "signpost"  # close, pointing the family to another service
    STEP_UP = "step_up"    # to children's social care
    DEFER = "defer"        # carried over to the next panel


class Panel(Base):
    """A panel meeting: weekly by default; areas may run daily or district panels side by side."""

    __tablename__ = "panels"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(120))
    meets_on: Mapped[date] = mapped_column(Date, index=True)
    chair_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    members: Mapped[list["PanelMember"]] = relationship(back_populates="panel", cascade="all, delete-orphan")
    items: Mapped[list["PanelItem"]] = relationship(back_populates="panel", cascade="all, delete-orphan",
                                                    order_by="PanelItem.decided_at")


class PanelMember(Base):
    """An organisation invited to a panel and whether it attended."""

    __tablename__ = "panel_members"
    __table_args__ = (UniqueConstraint("panel_id", "organisation_id", name="uq_panel_member_org"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    panel_id: Mapped[str] = mapped_column(ForeignKey("panels.id"), index=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    attended: Mapped[bool] = mapped_column(Boolean, default=False)

    panel: Mapped[Panel] = relationship(back_populates="members")
    organisation = relationship("Organisation", lazy="joined")


class PanelItem(Base):
    """The panel's one decision about one case. A deferred case carries over to the next panel."""

    __tablename__ = "panel_items"
    __table_args__ = (UniqueConstraint("panel_id", "case_id", name="uq_panel_item_case"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    panel_id: Mapped[str] = mapped_column(ForeignKey("panels.id"), index=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    decision: Mapped[PanelOutcome] = mapped_column(closed_set(PanelOutcome, "decision", 16))
    rationale: Mapped[str] = mapped_column(EncryptedText)
    team_id: Mapped[str | None] = mapped_column(ForeignKey("teams.id"))
    keyworker_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    decided_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    panel: Mapped[Panel] = relationship(back_populates="items")
    case = relationship("Case", lazy="joined")
