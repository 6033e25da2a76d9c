"""Creating families and people, and changing who belongs to which family."""
from __future__ import annotations

import secrets

from sqlalchemy import exists, select

from caseflow.core.extensions import db
from caseflow.families.matching import normalise
from caseflow.families.models import Family, FamilyMember, Person

# No vowels or look-alike characters: references are read out over the phone.
_REFERENCE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ23456789"


def new_reference(prefix: str) -> str:
    """A short, unguessable reference that does not reveal how many records exist."""
    body = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(6))
    return f"{prefix}-{body[:3]}-{body[3:]}"


def unused_reference(model, prefix: str) -> str:
    """A random reference (nothing to count) that no row of `model` uses yet. Not optional at
    county scale: among 250,000 families a new random reference meets an old one about once in
    two thousand, and the unique constraint then failed the request."""
    while True:
        reference = new_reference(prefix)
        if not db.session.scalar(select(exists().where(model.reference == reference))):
            return reference


def create_family(name: str) -> Family:
    family = Family(reference=unused_reference(Family, "FAM"), name=name.strip() or "Unnamed")
    db.session.add(family)
    return family


def create_person(**fields) -> Person:
    person = Person(**fields)
    normalise(person)
    db.session.add(person)
    return person


def add_member(family: Family, person: Person, relationship: str, in_household: bool = True) -> FamilyMember:
    existing = db.session.scalar(select(FamilyMember).where(
        FamilyMember.family_id == family.id, FamilyMember.person_id == person.id))
    if existing is not None:
        return existing
    member = FamilyMember(family=family, person=person, relationship_to_family=relationship,
                          in_household=in_household)
    db.session.add(member)
    return member
