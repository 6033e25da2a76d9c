"""Correcting a person, and each person's history of changes.

A correction names its reason; every changed field is kept as [before, after] in the person's
history (encrypted) and audited against each family the person belongs to. A changed name is
kept as a previous name, which the matcher and family search still find."""
from __future__ import annotations

from datetime import date

from marshmallow import ValidationError, fields, validate, validates, validates_schema
from sqlalchemy import select

from caseflow.core import audit
from caseflow.core.access import can, require
from caseflow.core.database import utcnow
from caseflow.core.errors import NotFound, ServiceValidationError, load
from caseflow.core.extensions import db
from caseflow.core.schemas import DateWindow, Strict, free_text, not_blank
from caseflow.families.identifiers import clean_nhs_number, format_postcode, nhs_number_problem, upn_problem
from caseflow.families.matching import normalise, normalise_previous_name
from caseflow.families.models import Family, FamilyMember, Person, PersonName, Sex
from caseflow.records.models import ChangeKind, PersonChange, RecordMerge

# What a correction may change, in the order the history shows them.
CORRECTABLE = ("given_name", "family_name", "date_of_birth", "sex", "gender", "nhs_number", "upn", "address",
               "postcode", "phone", "email", "school_name", "gp_practice_name")
FIELD_LABELS = {"given_name": "First name", "family_name": "Last name", "date_of_birth": "Date of birth",
                "sex": "Sex", "gender": "Gender", "nhs_number": "NHS number", "upn": "Unique Pupil Number",
                "address": "Address", "postcode": "Postcode", "phone": "Telephone", "email": "Email",
                "school_name": "School", "gp_practice_name": "GP practice", "date_of_death": "Date of death"}


def _optional(max_length: int):
    return fields.String(allow_none=True, validate=validate.Length(
        max=max_length, error=f"Keep this under {max_length} characters"))


class CorrectionSchema(Strict):
    """Only the fields sent are changed; an empty string clears an optional one."""
    given_name = fields.String(validate=[validate.Length(max=100, error="First name must be 100 characters or fewer"),
                                         not_blank("Enter a first name")])
    family_name = fields.String(validate=[validate.Length(max=100, error="Last name must be 100 characters or fewer"),
                                          not_blank("Enter a last name")])
    date_of_birth = fields.Date(allow_none=True, metadata={"window": DateWindow.BIRTH},
                                error_messages={"invalid": "Date of birth must be a real date, like 2014-03-27"})
    sex = fields.String(validate=validate.OneOf([s.value for s in Sex],
                                                error="Sex must be one of: female, male, other, unknown"))
    gender = _optional(60)
    nhs_number = _optional(20)
    upn = _optional(13)
    address = _optional(500)
    postcode = _optional(10)
    phone = fields.String(allow_none=True, validate=validate.Regexp(
        r"^([0-9 +()-]{7,20})?$", error="Enter a telephone number, like 01632 960 001 or 07700 900 982"))
    email = fields.String(allow_none=True, validate=[validate.Length(max=254), validate.Regexp(
        r"^([^@\s]+@[^@\s]+\.[^@\s]+)?$", error="Enter an email address in the correct format, like name@example.com")])
    school_name = _optional(200)
    gp_practice_name = _optional(200)
    reason = free_text("Say why this is being corrected", max_length=2000)

    @validates("nhs_number")
    def _nhs(self, value, **kwargs):
        if value and (problem := nhs_number_problem(value)):
            raise ValidationError(problem)

    @validates("upn")
    def _upn(self, value, **kwargs):
        if value and (problem := upn_problem(value)):
            raise ValidationError(problem)

    @validates("postcode")
    def _postcode(self, value, **kwargs):
        if value and format_postcode(value) is None:
            raise ValidationError("Enter a real postcode, like NE1 4ST")

    @validates_schema
    def _something(self, data, **kwargs):
        if not set(data) - {"reason"}:
            raise ValidationError("Change at least one detail", "given_name")


def get_person(person_id: str) -> Person:
    person = db.session.get(Person, person_id) if isinstance(person_id, str) and len(person_id) <= 32 else None
    if person is None:
        raise NotFound("No person with that id.")
    return person


def family_ids_of(person_id: str) -> list[str]:
    return list(db.session.scalars(select(FamilyMember.family_id).where(FamilyMember.person_id == person_id)
                                   .order_by(FamilyMember.created_at)))


def require_on_person(actor, action: str, person: Person, purpose: str):
    """Ask the policy about a person through the families they belong to: allowed when any of
    their families allows it (a child who moved to their father's is worked with from there)."""
    family_ids = family_ids_of(person.id)
    if not family_ids:
        raise NotFound("That person is not in a family record.")
    families = [db.session.get(Family, f) for f in family_ids]
    chosen = next((f for f in families if can(actor, action, f)), families[0])
    return require(actor, action, chosen, object_type="person", object_id=person.id, family_id=chosen.id,
                   purpose=purpose), chosen


def _as_json(value):
    return value.isoformat() if isinstance(value, date) else (None if value is None else str(value))


def record_change(actor, person: Person, kind: ChangeKind, changes: dict, reason: str | None,
                  family_id: str | None = None) -> PersonChange:
    entry = PersonChange(person_id=person.id, family_id=family_id, kind=kind, changes=changes, reason=reason,
                         changed_by_id=actor.id, changed_at=utcnow())
    db.session.add(entry)
    return entry


def keep_previous_name(person: Person) -> PersonName:
    previous = PersonName(person_id=person.id, given_name=person.given_name, family_name=person.family_name,
                          replaced_at=utcnow())
    normalise_previous_name(previous)
    db.session.add(previous)
    return previous


def correct_person(actor, person_id: str, raw: dict) -> Person:
    person = get_person(person_id)
    if person.merged_into_id:
        raise ServiceValidationError("This record was merged into another: correct that one.",
                                     {"given_name": ["This record was merged: correct the record it was merged into"]})
    _, family = require_on_person(actor, "person.correct", person, "correct a person's details")
    data = load(CorrectionSchema, raw)
    reason = data.pop("reason").strip()
    if "nhs_number" in data and data["nhs_number"]:
        data["nhs_number"] = clean_nhs_number(data["nhs_number"])
    if data.get("upn"):
        data["upn"] = data["upn"].strip().upper()
    if data.get("postcode"):
        data["postcode"] = format_postcode(data["postcode"])
    for name in ("given_name", "family_name"):
        if name in data:
            data[name] = data[name].strip()
    changes = {}
    for name in CORRECTABLE:
        if name not in data:
            continue
        new = data[name] if data[name] not in ("",) else None
        if name == "sex" and new is None:
            new = Sex.UNKNOWN
        old = getattr(person, name)
        if _as_json(old) != _as_json(new):
            changes[name] = [_as_json(old), _as_json(new)]
    if not changes:
        raise ServiceValidationError("Nothing was changed.", {"given_name": ["Change at least one detail"]})
    if "given_name" in changes or "family_name" in changes:
        keep_previous_name(person)
    for name in changes:
        value = data[name] if data[name] != "" else None
        setattr(person, name, Sex.UNKNOWN if name == "sex" and value is None else value)
    normalise(person)
    record_change(actor, person, ChangeKind.CORRECTION, changes, reason, family.id)
    db.session.flush()
    for family_id in family_ids_of(person.id):
        audit.record(actor, "person.correct", "person", person.id, family_id=family_id, categories=["identity"],
                     purpose="correct a person's details")
    return person


def previous_names(person_id: str) -> list[PersonName]:
    return list(db.session.scalars(select(PersonName).where(PersonName.person_id == person_id)
                                   .order_by(PersonName.replaced_at.desc())))


def history(actor, person_id: str) -> tuple[Person, list[PersonChange], list[PersonName]]:
    """A person's history, newest first: their own changes and those of any record merged into
    them (both histories stay intact; a merged record's entries show under its survivor)."""
    person = get_person(person_id)
    require_on_person(actor, "person.history", person, "a person's history")
    ids = [person.id, *absorbed_person_ids(person.id)]
    entries = list(db.session.scalars(select(PersonChange).where(PersonChange.person_id.in_(ids))
                                      .order_by(PersonChange.changed_at.desc(), PersonChange.id)))
    return person, entries, previous_names(person.id)


def absorbed_person_ids(person_id: str) -> list[str]:
    """The people merged (and not unmerged) into this one, at any depth."""
    found, frontier = [], [person_id]
    while frontier:
        rows = list(db.session.scalars(select(RecordMerge.merged_id).where(
            RecordMerge.kind == "person", RecordMerge.status == "merged", RecordMerge.survivor_id.in_(frontier))))
        frontier = [r for r in rows if r not in found]
        found.extend(frontier)
    return found
