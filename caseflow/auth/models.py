"""Organisations, teams, users and API tokens."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caseflow.core.crypto import EncryptedText
from caseflow.core.database import Base, UTCDateTime, closed_set, new_id, utcnow
from caseflow.core.roles import OrgType, Role


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    type: Mapped[OrgType] = mapped_column(closed_set(OrgType, "type", 32), index=True)
    # Duty contact receives escalations (notify/); optional until notifications need it.
    duty_email: Mapped[str | None] = mapped_column(String(254))
    # Notifications (caseflow.notify): who takes escalations, the school's Operation Encompass
    # key adult, and the organisation's own system for signed webhooks. User ids without a
    # foreign key: users belong to organisations, so a key here would make a cycle.
    duty_contact_id: Mapped[str | None] = mapped_column(String(32))
    key_adult_id: Mapped[str | None] = mapped_column(String(32))
    # The council's named Operation Encompass lead: told, instead of a school, about children
    # home-educated or not on a school roll (caseflow.notify.encompass).
    encompass_lead_id: Mapped[str | None] = mapped_column(String(32))
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    webhook_secret: Mapped[str | None] = mapped_column(EncryptedText)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    teams: Mapped[list["Team"]] = relationship(back_populates="organisation")

    def __repr__(self) -> str:
        return f"<Organisation {self.name} ({self.type})>"


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="teams")


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(closed_set(Role, "role", 32), index=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    team_id: Mapped[str | None] = mapped_column(ForeignKey("teams.id"), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Families a keyworker can hold (intensive whole-family work: often 8-15).
    caseload_capacity: Mapped[int] = mapped_column(Integer, default=15, server_default="15")
    failed_login_count: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Two-factor sign-in (TOTP, RFC 6238): the shared secret, encrypted; set once confirmed.
    totp_secret: Mapped[str | None] = mapped_column(EncryptedText)
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The 30-second time-step of the last code accepted: a code is good once, so one seen over
    # a shoulder or replayed from a captured request is refused (RFC 6238 §5.2).
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    # Sessions are signed cookies, so the server cannot delete them: each one carries the
    # version it was signed in under, and signing out or changing or resetting the password
    # moves the version on, which ends every session signed in before at its next request (see
    # get_id and the user loader). Signing out therefore ends the person's sessions on other
    # devices too: a copied cookie must stop working, and the version is all the server keeps.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # A password an administrator set (a new account, a reset) is known to two people: the
    # holder must choose their own before doing anything else.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    team: Mapped[Team | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login: deactivated users cannot sign in
        return bool(self.active)

    def get_id(self) -> str:
        """What the session cookie holds (Flask-Login): the id and the session version, so a
        session signed in before the password changed no longer loads its user."""
        return f"{self.id}:{self.session_version or 0}"

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class ApiToken(Base):
    """A bearer token acting as its user. Only a SHA-256 hash of the token is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")
