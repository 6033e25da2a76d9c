"""The append-only, hash-chained audit trail."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caseflow.consent.vocab import ConsentMethod, ConsentPurpose, GivenBy, StatutoryBasis
from caseflow.core.crypto import EncryptedText
from caseflow.core.database import Base, UTCDateTime, closed_set, new_id, utcnow
from caseflow.core.roles import OrgType
from caseflow.core.vocab import Category


class Consent(Base):
    """Consent to share, for a purpose, with named organisations or organisation types, for named
    categories of data, about the people it names. Withdrawal or expiry takes effect on the next
    request.

    Consent in law is given by or for a person: the people it covers are its `people` rows, each
    with how consent was given for them (by themselves, or by someone with parental
    responsibility for a child). One signed common consent form covers, say, a mother and her
    younger children; a young person of 16 or over, or a younger one judged competent (the
    `competence_note` says why), gives their own."""

    __tablename__ = "consents"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    # The person it was recorded for (POST /people/{id}/consents); every person it covers,
    # this one included, is in `people`.
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    family_id: Mapped[str] = mapped_column(ForeignKey("families.id"), index=True)
    purpose: Mapped[ConsentPurpose] = mapped_column(closed_set(ConsentPurpose, "purpose", 40))
    # Who gave it: their name, and the family member it was when they are one.
    given_by: Mapped[str] = mapped_column(String(200))
    given_by_person_id: Mapped[str | None] = mapped_column(ForeignKey("people.id"), index=True)  # merges follow it
    # How the giver stands to `person_id`: self | parent_carer (each covered person has their own).
    given_by_relationship: Mapped[GivenBy] = mapped_column(closed_set(GivenBy, "given_by_relationship", 20))
    competence_note: Mapped[str | None] = mapped_column(EncryptedText)
    method: Mapped[ConsentMethod] = mapped_column(closed_set(ConsentMethod, "method", 20))
    given_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    withdrawal_reason: Mapped[str | None] = mapped_column(EncryptedText)
    recorded_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    people: Mapped[list["ConsentPerson"]] = relationship(
        cascade="all, delete-orphan", order_by="ConsentPerson.position", lazy="selectin")
    recipients: Mapped[list["ConsentRecipient"]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    category_rows: Mapped[list["ConsentCategory"]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    documents: Mapped[list["ConsentDocument"]] = relationship(
        cascade="all, delete-orphan", order_by="ConsentDocument.uploaded_at.desc()", lazy="select")

    @property
    def person_ids(self) -> list[str]:
        return [p.person_id for p in self.people]

    @property
    def signed_copy(self) -> "ConsentDocument | None":
        """The newest uploaded signed form, if any."""
        return self.documents[0] if self.documents else None

    @property
    def recipient_org_ids(self) -> list[str]:
        return sorted(r.organisation_id for r in self.recipients if r.organisation_id)

    @property
    def recipient_org_types(self) -> list[str]:
        return sorted(r.organisation_type for r in self.recipients if r.organisation_type)

    @property
    def categories(self) -> list[str]:
        return sorted(c.category for c in self.category_rows)

    def is_current(self, today: date) -> bool:
        return (self.withdrawn_at is None and self.given_on <= today
                and (self.expires_on is None or self.expires_on >= today))


class ConsentPerson(Base):
    """A person a consent covers, and how it was given for them."""

    __tablename__ = "consent_people"

    consent_id: Mapped[str] = mapped_column(ForeignKey("consents.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), primary_key=True, index=True)
    # How consent was given for this person: "self" (they gave it) or "parent_carer" (someone
    # with parental responsibility gave it for a child).
    given_by_relationship: Mapped[GivenBy] = mapped_column(closed_set(GivenBy, "given_by_relationship", 20))
    position: Mapped[int] = mapped_column(Integer, default=0)


class ConsentRecipient(Base):
    """Who may receive under a consent: one named organisation, or any organisation of a type."""

    __tablename__ = "consent_recipients"
    __table_args__ = (CheckConstraint("(organisation_id IS NULL) <> (organisation_type IS NULL)",
                                      name="one_recipient"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    consent_id: Mapped[str] = mapped_column(ForeignKey("consents.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[str | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    organisation_type: Mapped[OrgType | None] = mapped_column(closed_set(OrgType, "organisation_type", 32), index=True)


class ConsentCategory(Base):
    __tablename__ = "consent_categories"

    consent_id: Mapped[str] = mapped_column(ForeignKey("consents.id", ondelete="CASCADE"), primary_key=True)
    category: Mapped[Category] = mapped_column(closed_set(Category, "category", 32), primary_key=True)


class ConsentDocument(Base):
    """The signed copy of a consent form, scanned or photographed (PDF, JPEG or PNG). Kept in
    the database, encrypted like every other free-text field, so no web process serves it from
    disk and every web worker can read it. The newest upload is the current copy."""

    __tablename__ = "consent_documents"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    consent_id: Mapped[str] = mapped_column(ForeignKey("consents.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    # base64 of the file, then encrypted; loaded only when someone downloads it
    content: Mapped[str] = mapped_column(EncryptedText, deferred=True)
    uploaded_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class LawfulBasis(Base):
    """Sharing without consent on a recorded statutory basis (e.g. safeguarding a child at risk
    of significant harm), with its justification, approver and review date, about the people
    it names. When it relies on an information sharing agreement, it stops counting the day
    that agreement ends (and shows on the managers' sharing report)."""

    __tablename__ = "lawful_bases"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    family_id: Mapped[str] = mapped_column(ForeignKey("families.id"), index=True)
    basis: Mapped[StatutoryBasis] = mapped_column(closed_set(StatutoryBasis, "basis", 40))
    justification: Mapped[str] = mapped_column(EncryptedText)
    agreement_id: Mapped[str | None] = mapped_column(ForeignKey("sharing_agreements.id"), index=True)
    approved_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    review_on: Mapped[date] = mapped_column(Date, index=True)
    recorded_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    people: Mapped[list["LawfulBasisPerson"]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    recipients: Mapped[list["LawfulBasisRecipient"]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    category_rows: Mapped[list["LawfulBasisCategory"]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def person_ids(self) -> list[str]:
        return sorted(p.person_id for p in self.people)

    @property
    def recipient_org_ids(self) -> list[str]:
        return sorted(r.organisation_id for r in self.recipients if r.organisation_id)

    @property
    def recipient_org_types(self) -> list[str]:
        return sorted(r.organisation_type for r in self.recipients if r.organisation_type)

    @property
    def categories(self) -> list[str]:
        return sorted(c.category for c in self.category_rows)


class LawfulBasisPerson(Base):
    __tablename__ = "lawful_basis_people"

    lawful_basis_id: Mapped[str] = mapped_column(ForeignKey("lawful_bases.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), primary_key=True, index=True)


class LawfulBasisRecipient(Base):
    __tablename__ = "lawful_basis_recipients"
    __table_args__ = (CheckConstraint("(organisation_id IS NULL) <> (organisation_type IS NULL)",
                                      name="one_recipient"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    lawful_basis_id: Mapped[str] = mapped_column(ForeignKey("lawful_bases.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[str | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    organisation_type: Mapped[OrgType | None] = mapped_column(closed_set(OrgType, "organisation_type", 32), index=True)


class LawfulBasisCategory(Base):
    __tablename__ = "lawful_basis_categories"

    lawful_basis_id: Mapped[str] = mapped_column(ForeignKey("lawful_bases.id", ondelete="CASCADE"), primary_key=True)
    category: Mapped[Category] = mapped_column(closed_set(Category, "category", 32), primary_key=True)


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

    people: Mapped[list["BreakGlassPerson"]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def person_ids(self) -> list[str]:
        return sorted(p.person_id for p in self.people)


class BreakGlassPerson(Base):
    """A person a break-glass grant opens (the duty manager names whom the emergency is about)."""

    __tablename__ = "break_glass_people"

    break_glass_id: Mapped[str] = mapped_column(ForeignKey("break_glass.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), primary_key=True, index=True)
