"""A family (household) lives for years; people belong to it through memberships.

Each period of work is a Case on the family (caseflow/cases), so a re-referral finds the whole
history and nobody asks the family to tell its story again.
"""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caseflow.core.crypto import EncryptedJSON
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


class LeaveReason(StrEnum):
    """Why someone stopped living in a household (their membership keeps the dates)."""
    MOVED_OUT = "moved_out"                    # left, address not another family record here
    MOVED_TO_HOUSEHOLD = "moved_to_household"  # went to live in another household we hold
    DIED = "died"


LEAVE_REASON_LABELS = {
    LeaveReason.MOVED_OUT: "Moved out",
    LeaveReason.MOVED_TO_HOUSEHOLD: "Moved to another household",
    LeaveReason.DIED: "Died",
}


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
    # Set when this record was found to duplicate another and merged into it (caseflow.records);
    # the row stays so an unmerge can bring it back and old audit rows keep their meaning.
    merged_into_id: Mapped[str | None] = mapped_column(ForeignKey("families.id"), index=True)

    memberships: Mapped[list["FamilyMember"]] = relationship(
        back_populates="family", cascade="all, delete-orphan", order_by="FamilyMember.created_at",
        foreign_keys="FamilyMember.family_id")

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
    date_of_death: Mapped[date | None] = mapped_column(Date)
    # Set when this record was merged into another person (caseflow.records): kept for unmerge,
    # never matched, searched or shown as a member.
    merged_into_id: Mapped[str | None] = mapped_column(ForeignKey("people.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    memberships: Mapped[list["FamilyMember"]] = relationship(back_populates="person",
                                                             foreign_keys="FamilyMember.person_id")

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
    # The dates someone lived in the household: None for joined_on means "since the record
    # began" (memberships made before dates were kept); None for left_on means they still do.
    joined_on: Mapped[date | None] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
    leave_reason: Mapped[LeaveReason | None] = mapped_column(closed_set(LeaveReason, "leave_reason", 24))
    moved_to_family_id: Mapped[str | None] = mapped_column(ForeignKey("families.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    family: Mapped[Family] = relationship(back_populates="memberships", foreign_keys=[family_id])
    person: Mapped[Person] = relationship(back_populates="memberships", lazy="joined")

    def lived_there_on(self, day: date) -> bool:
        return ((self.joined_on is None or self.joined_on <= day)
                and (self.left_on is None or self.left_on > day))


class PersonName(Base):
    """A name someone was known by before a correction or a change of name (marriage, adoption,
    a typing mistake at the front door). The matcher and family search look here too, with the
    same keys as Person's, so a mother who remarried is still found under her old surname."""

    __tablename__ = "person_names"
    __table_args__ = (
        Index("ix_person_names_phonetic", "name_phonetic"),
        Index("ix_person_names_names", "family_name_norm", "given_name_norm"),
        Index("ix_person_names_given_prefix", "given_name_norm",
              postgresql_ops={"given_name_norm": "varchar_pattern_ops"}),
        Index("ix_person_names_family_prefix", "family_name_norm",
              postgresql_ops={"family_name_norm": "varchar_pattern_ops"}),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    given_name_norm: Mapped[str] = mapped_column(String(100), default="")
    family_name_norm: Mapped[str] = mapped_column(String(100), default="")
    name_phonetic: Mapped[str | None] = mapped_column(String(32))
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecordKind(StrEnum):
    PERSON = "person"
    FAMILY = "family"


class DuplicateSource(StrEnum):
    MATCHER = "matcher"    # the front-door matcher saw two known records answer one request
    IMPORT = "import"      # a bulk import (data identification) linked two records
    SCAN = "scan"          # the periodic scan (`caseflow records scan-duplicates`)
    OFFICER = "officer"    # someone noticed and said so


class DuplicateStatus(StrEnum):
    OPEN = "open"
    MERGED = "merged"
    DISMISSED = "dismissed"


class DuplicateCandidate(Base):
    """A pair of records that may be one, waiting for an officer (the potential-duplicates list).
    Kept here, low in the layers, so any package that notices a likely duplicate (the front
    door's matcher, an import) can add one: caseflow.families.duplicates.suggest_duplicate."""

    __tablename__ = "duplicate_candidates"
    __table_args__ = (UniqueConstraint("kind", "record_a_id", "record_b_id", name="uq_duplicate_candidates_pair"),
                      Index("ix_duplicate_candidates_open", "status", "found_at", "id"))

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    kind: Mapped[RecordKind] = mapped_column(closed_set(RecordKind, "kind", 10))
    record_a_id: Mapped[str] = mapped_column(String(32))  # the pair in id order: one row per pair
    record_b_id: Mapped[str] = mapped_column(String(32))
    score: Mapped[float | None] = mapped_column(Float)
    reasons: Mapped[list] = mapped_column(EncryptedJSON, default=list)  # names people: encrypted
    source: Mapped[DuplicateSource] = mapped_column(closed_set(DuplicateSource, "source", 10))
    status: Mapped[DuplicateStatus] = mapped_column(closed_set(DuplicateStatus, "status", 10),
                                                    default=DuplicateStatus.OPEN)
    found_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
