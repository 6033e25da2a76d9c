"""Tell the story once: match people named on a request to people already known.

INTERFACE (used by caseflow.frontdoor.services; keep it stable):
    SubmittedPerson           what a request says about one person
    normalise(person)         fill Person's *_norm / name_phonetic keys before saving
    match_person(session, s)  -> PersonMatch(status, person_id, score, candidates)

Status is "linked" (confident: link automatically), "needs_review" (a front-door officer must
confirm or reject; candidates are listed best first) or "new" (nobody like this is known).

This first version only does exact identifiers and exact name + date of birth; the fuzzy scorer
(rapidfuzz) replaces the internals without changing the interface.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from caseflow.families.models import FamilyMember, Person


@dataclass
class SubmittedPerson:
    given_name: str
    family_name: str
    date_of_birth: date | None = None
    sex: str | None = None
    postcode: str | None = None
    nhs_number: str | None = None
    upn: str | None = None


@dataclass
class Candidate:
    person_id: str
    family_ids: list[str]
    score: float
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"person_id": self.person_id, "family_ids": self.family_ids,
                "score": round(self.score, 3), "reasons": self.reasons}


@dataclass
class PersonMatch:
    status: str  # "linked" | "needs_review" | "new"
    person_id: str | None = None
    score: float | None = None
    candidates: list[Candidate] = field(default_factory=list)


def normalise_postcode(postcode: str | None) -> str | None:
    if not postcode:
        return None
    return re.sub(r"\s+", "", postcode).upper() or None


def normalise_name(name: str | None) -> str:
    return re.sub(r"[^a-z]", "", (name or "").lower())


def normalise(person: Person) -> None:
    person.given_name_norm = normalise_name(person.given_name)
    person.family_name_norm = normalise_name(person.family_name)
    person.postcode_norm = normalise_postcode(person.postcode)
    person.name_phonetic = person.family_name_norm[:4] or None


def _families_of(session, person_ids: list[str]) -> dict[str, list[str]]:
    rows = session.execute(
        select(FamilyMember.person_id, FamilyMember.family_id).where(FamilyMember.person_id.in_(person_ids))
    ).all()
    out: dict[str, list[str]] = {pid: [] for pid in person_ids}
    for pid, fid in rows:
        out[pid].append(fid)
    return out


def match_person(session, submitted: SubmittedPerson) -> PersonMatch:
    for column, value in ((Person.nhs_number, submitted.nhs_number), (Person.upn, submitted.upn)):
        if value:
            found = session.scalars(select(Person).where(column == value)).all()
            if len(found) == 1:
                fam = _families_of(session, [found[0].id])
                return PersonMatch("linked", found[0].id, 1.0,
                                   [Candidate(found[0].id, fam[found[0].id], 1.0, ["identifier"])])
    if submitted.date_of_birth is None:
        return PersonMatch("new")
    found = session.scalars(select(Person).where(
        Person.date_of_birth == submitted.date_of_birth,
        Person.family_name_norm == normalise_name(submitted.family_name),
        Person.given_name_norm == normalise_name(submitted.given_name),
    )).all()
    if not found:
        return PersonMatch("new")
    fams = _families_of(session, [p.id for p in found])
    cands = [Candidate(p.id, fams[p.id], 0.9, ["name", "date of birth"]) for p in found]
    if len(found) == 1:
        return PersonMatch("linked", found[0].id, 0.9, cands)
    return PersonMatch("needs_review", None, 0.9, cands)
