"""A family (household) lives for years; people belong to it through memberships.

Each period of work is a Case on the family (caseflow/cases), so a re-referral finds the whole
history and nobody asks the family to tell its story again.
"""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caseflow.core.database import Base, UTCDateTime, closed_set, new_id, utcnow


class Relationship(StrEnum):
    PARENT_CARER = "parent_carer"
    CHILD = "child"
    SIGNIFICANT_ADULT = "significant_adult"


RELATIONSHIP_LABELS = {
    Relationship.PARENT_CARER: "Parent or carer",
    Relationship.CHILD: "Child",
    Relationship.SIGNIFICANT_ADULT: "Significant adult",
}


class MatchStatus(StrEnum):
    """Who a person named on a request (or a partner's event) is: the matcher's answer
    (linked, needs_review or new) and then the front-door officer's."""
    LINKED = "linked"            # confidently the same person/family: linked automatically
    NEEDS_REVIEW = "needs_review"
    NEW = "new"                  # nobody like this known: a new record
    CONFIRMED = "confirmed"      # an officer confirmed a candidate
    REJECTED = "rejected"        # an officer rejected the candidates: a new record


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class Family(Base):
    __tablename__ = "families"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    # The household's usual surname, for lists; members carry their own names.
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list["FamilyMember"]] = relationship(
        back_populates="family", cascade="all, delete-orphan", order_by="FamilyMember.created_at"
    )

    @property
    def display_name(self) -> str:
        return f"{self.name} family"


class Person(Base):
    __tablename__ = "people"
    __table_args__ = (
        # Look-up paths of families.matching (blocking): see _blocks() there.
        Index("ix_people_phonetic_dob", "name_phonetic", "date_of_birth"),
        Index("ix_people_names", "family_name_norm", "given_name_norm"),
        # Family search matches a name by its start (LIKE 'wal%') on either name: on PostgreSQL
        # only a pattern_ops index serves LIKE under a collation other than C (migration 0017).
        Index("ix_people_given_name_prefix", "given_name_norm",
              postgresql_ops={"given_name_norm": "varchar_pattern_ops"}),
        Index("ix_people_family_name_prefix", "family_name_norm",
              postgresql_ops={"family_name_norm": "varchar_pattern_ops"}),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[date | None] = mapped_column(Date, index=True)
    sex: Mapped[Sex] = mapped_column(closed_set(Sex, "sex", 16), default=Sex.UNKNOWN)
    gender: Mapped[str | None] = mapped_column(String(60))  # self-described, optional
    address: Mapped[str | None] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(String(10))
    nhs_number: Mapped[str | None] = mapped_column(String(10), index=True)
    upn: Mapped[str | None] = mapped_column(String(13), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    school_name: Mapped[str | None] = mapped_column(String(200))
    school_id: Mapped[str | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    gp_practice_name: Mapped[str | None] = mapped_column(String(200))
    gp_practice_id: Mapped[str | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    # Normalised keys maintained by families.matching so candidate look-ups use indexes.
    given_name_norm: Mapped[str] = mapped_column(String(100), default="")
    family_name_norm: Mapped[str] = mapped_column(String(100), default="")
    postcode_norm: Mapped[str | None] = mapped_column(String(8), index=True)
    name_phonetic: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    memberships: Mapped[list["FamilyMember"]] = relationship(back_populates="person")

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def age_on(self, on: date) -> int | None:
        if self.date_of_birth is None:
            return None
        dob = self.date_of_birth
        return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


class FamilyMember(Base):
    __tablename__ = "family_members"
    __table_args__ = (UniqueConstraint("family_id", "person_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    family_id: Mapped[str] = mapped_column(ForeignKey("families.id"), index=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    relationship_to_family: Mapped[Relationship] = mapped_column(
        "relationship", closed_set(Relationship, "relationship", 32))
    in_household: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    family: Mapped[Family] = relationship(back_populates="memberships")
    person: Mapped[Person] = relationship(back_populates="memberships", lazy="joined")
