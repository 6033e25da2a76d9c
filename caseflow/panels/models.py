"""Panel meetings, the organisations sitting on them, and the panel's decision about each case."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caseflow.core.crypto import EncryptedText
from caseflow.core.database import Base, UTCDateTime, closed_set, new_id, utcnow


class PanelOutcome(StrEnum):
    """The panel's decision about a case."""
    ALLOCATE = "allocate"  # to an early help team or keyworker
    SIGNPOST = "signpost"  # close, pointing the family to another service
    STEP_UP = "step_up"    # to children's social care
    DEFER = "defer"        # carried over to the next panel


class PanelKind(StrEnum):
    """What a meeting is for."""
    ALLOCATION = "allocation"  # decides new requests: allocate, signpost, step up or defer
    ESCALATION = "escalation"  # Action & Impact: stuck cases, agreed actions for partners


class PanelCadence(StrEnum):
    """How often a locality's allocation meeting sits (some areas allocate daily)."""
    DAILY = "daily"
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    MONTHLY = "monthly"


class NominationStatus(StrEnum):
    WAITING = "waiting"      # on the agenda, not yet discussed
    DISCUSSED = "discussed"  # the panel has heard it and agreed its actions


class PanelActionStatus(StrEnum):
    OPEN = "open"            # followed up at each meeting until it is done or dropped
    DONE = "done"
    DROPPED = "dropped"      # no longer needed (the follow-up note says why)


class Locality(Base):
    """A district or hub with its own panels: a closed set the administrators maintain, holding
    teams (a case its teams hold is theirs) and families placed there by the front door."""

    __tablename__ = "localities"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    cadence: Mapped[PanelCadence] = mapped_column(closed_set(PanelCadence, "cadence", 16), default=PanelCadence.WEEKLY)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    teams: Mapped[list["LocalityTeam"]] = relationship(back_populates="locality", cascade="all, delete-orphan")


class LocalityTeam(Base):
    """A team's locality: a team belongs to one."""

    __tablename__ = "locality_teams"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    locality_id: Mapped[str] = mapped_column(ForeignKey("localities.id"), index=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("teams.id"), unique=True)

    locality: Mapped[Locality] = relationship(back_populates="teams")
    team = relationship("Team", lazy="joined")


class LocalityFamily(Base):
    """A family placed in a locality (by where it lives), so its requests reach that locality's
    panel before any team holds a case."""

    __tablename__ = "locality_families"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    locality_id: Mapped[str] = mapped_column(ForeignKey("localities.id"), index=True)
    family_id: Mapped[str] = mapped_column(ForeignKey("families.id"), unique=True)
    placed_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Panel(Base):
    """A panel meeting: weekly by default; areas may run daily or district panels side by side
    (one per locality), and a monthly Action & Impact panel for stuck cases."""

    __tablename__ = "panels"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(120))
    meets_on: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[PanelKind] = mapped_column(closed_set(PanelKind, "kind", 16), default=PanelKind.ALLOCATION,
                                            server_default=PanelKind.ALLOCATION.value)
    locality_id: Mapped[str | None] = mapped_column(ForeignKey("localities.id"), index=True)
    chair_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    members: Mapped[list["PanelMember"]] = relationship(back_populates="panel", cascade="all, delete-orphan")
    locality: Mapped[Locality | None] = relationship(lazy="joined")
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


class PanelNomination(Base):
    """A stuck case put to an Action & Impact panel by its keyworker or manager: what is stuck
    and what is asked of partners; then what the panel discussed."""

    __tablename__ = "panel_nominations"
    __table_args__ = (UniqueConstraint("panel_id", "case_id", name="uq_panel_nomination_case"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    panel_id: Mapped[str] = mapped_column(ForeignKey("panels.id"), index=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    stuck: Mapped[str] = mapped_column(EncryptedText)
    ask: Mapped[str] = mapped_column(EncryptedText)
    nominated_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    nominated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[NominationStatus] = mapped_column(closed_set(NominationStatus, "status", 16),
                                                     default=NominationStatus.WAITING)
    discussion: Mapped[str | None] = mapped_column(EncryptedText)
    discussed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    discussed_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))

    case = relationship("Case", lazy="joined")
    actions: Mapped[list["PanelAction"]] = relationship(back_populates="nomination", order_by="PanelAction.due_on")


class PanelAction(Base):
    """An action the Action & Impact panel agreed, with its owner and due date. It is also an
    action in the family plan (plan_action_id), and each later meeting follows it up until it is
    done or dropped."""

    __tablename__ = "panel_actions"
    __table_args__ = (Index("ix_panel_actions_open", "status", "due_on"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    nomination_id: Mapped[str] = mapped_column(ForeignKey("panel_nominations.id"), index=True)
    panel_id: Mapped[str] = mapped_column(ForeignKey("panels.id"), index=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    description: Mapped[str] = mapped_column(EncryptedText)
    owner_user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    owner_organisation_id: Mapped[str | None] = mapped_column(ForeignKey("organisations.id"))
    due_on: Mapped[date] = mapped_column(Date)
    plan_action_id: Mapped[str | None] = mapped_column(ForeignKey("plan_actions.id", ondelete="SET NULL"))
    status: Mapped[PanelActionStatus] = mapped_column(closed_set(PanelActionStatus, "status", 16),
                                                      default=PanelActionStatus.OPEN)
    agreed_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    agreed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    follow_up_note: Mapped[str | None] = mapped_column(EncryptedText)
    followed_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    followed_up_panel_id: Mapped[str | None] = mapped_column(ForeignKey("panels.id"))

    nomination: Mapped[PanelNomination] = relationship(back_populates="actions")
    owner_user = relationship("User", foreign_keys=[owner_user_id], lazy="joined")
    owner_organisation = relationship("Organisation", foreign_keys=[owner_organisation_id], lazy="joined")


class PanelContribution(Base):
    """What a partner organisation's own systems hold about a family on a panel's agenda, added
    before the meeting: one short note per organisation per agenda item, shared only where the
    family's consent or a lawful basis lets that organisation take part."""

    __tablename__ = "panel_contributions"
    __table_args__ = (UniqueConstraint("panel_id", "case_id", "organisation_id", name="uq_panel_contribution"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    panel_id: Mapped[str] = mapped_column(ForeignKey("panels.id"), index=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    family_id: Mapped[str] = mapped_column(ForeignKey("families.id"), index=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    author_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(EncryptedText)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation = relationship("Organisation", lazy="joined")
