"""Who lives in a household, and when: joining, leaving (moved out, moved to another household
that may be another family record, died), relationships between people and who has parental
responsibility for a child, which the consent rules ask (`parental_responsibility`)."""
from __future__ import annotations

from datetime import date

from marshmallow import ValidationError, fields, validate, validates_schema
from sqlalchemy import or_, select

from caseflow.core import audit
from caseflow.core.access import require
from caseflow.core.errors import NotFound, ServiceValidationError, load
from caseflow.core.extensions import db
from caseflow.core.schemas import DateWindow, Strict, free_text
from caseflow.core.timescales import today_london
from caseflow.families import services as families
from caseflow.families.matching import SubmittedPerson, match_person
from caseflow.families.models import Family, FamilyMember, LeaveReason, Person, Relationship
from caseflow.frontdoor.schemas import PersonSchema
from caseflow.records.models import (CAN_HOLD_PARENTAL_RESPONSIBILITY, ChangeKind, PersonRelationship,
                                     RelationshipKind)
from caseflow.records.people import get_person, record_change

_ID = fields.String(validate=validate.Length(max=32))


class JoinSchema(Strict):
    person_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32))
    person = fields.Nested(PersonSchema, load_default=None, allow_none=True)  # someone new
    relationship = fields.String(required=True, validate=validate.OneOf(
        [r.value for r in Relationship], error="Relationship must be one of: parent_carer, child, significant_adult"),
        error_messages={"required": "Say how they belong to the family"})
    joined_on = fields.Date(required=True, metadata={"window": DateWindow.HAPPENED},
                            error_messages={"required": "Enter the date they joined the household",
                                            "invalid": "Enter a real date, like 2026-03-27"})
    reason = free_text(max_length=2000)

    @validates_schema
    def _who(self, data, **kwargs):
        if not data.get("person_id") and not data.get("person"):
            raise ValidationError("Choose someone known, or give the new person's details", "person_id")


class LeaveSchema(Strict):
    left_on = fields.Date(required=True, metadata={"window": DateWindow.HAPPENED},
                          error_messages={"required": "Enter the date they left",
                                          "invalid": "Enter a real date, like 2026-03-27"})
    reason = fields.String(required=True, validate=validate.OneOf(
        [r.value for r in LeaveReason], error="Say why they left: moved_out, moved_to_household or died"),
        error_messages={"required": "Say why they left"})
    moved_to_family_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32))
    moved_to_family_reference = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=20),
                                              metadata={"description": "Instead of the id: the family's reference"})
    relationship_there = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(
        [r.value for r in Relationship], error="Relationship must be one of: parent_carer, child, significant_adult"))
    note = free_text(max_length=2000)

    @validates_schema
    def _where(self, data, **kwargs):
        if data.get("reason") == LeaveReason.MOVED_TO_HOUSEHOLD and not (
                data.get("moved_to_family_id") or data.get("moved_to_family_reference")):
            raise ValidationError("Enter the reference of the family record they moved to", "moved_to_family_id")


class RelationshipSchema(Strict):
    person_id = fields.String(required=True, validate=validate.Length(max=32),
                              error_messages={"required": "Choose who the relationship is from"})
    related_person_id = fields.String(required=True, validate=validate.Length(max=32),
                                      error_messages={"required": "Choose who they are related to"})
    kind = fields.String(required=True, validate=validate.OneOf(
        [k.value for k in RelationshipKind], error="Choose the relationship"),
        error_messages={"required": "Choose the relationship"})
    parental_responsibility = fields.Boolean(load_default=False)
    starts_on = fields.Date(load_default=None, allow_none=True, metadata={"window": DateWindow.BIRTH})
    ends_on = fields.Date(load_default=None, allow_none=True, metadata={"window": DateWindow.DEFAULT})

    @validates_schema
    def _sense(self, data, **kwargs):
        if data.get("person_id") and data.get("person_id") == data.get("related_person_id"):
            raise ValidationError("Choose two different people", "related_person_id")
        if data.get("parental_responsibility") and data.get("kind") not in CAN_HOLD_PARENTAL_RESPONSIBILITY:
            raise ValidationError("Only a parent, step-parent, carer or relative can hold parental responsibility",
                                  "parental_responsibility")
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] <= data["starts_on"]:
            raise ValidationError("The end date must be after the start date", "ends_on")


def get_family(family_id: str) -> Family:
    family = db.session.get(Family, family_id) if isinstance(family_id, str) and len(family_id) <= 32 else None
    if family is None:
        raise NotFound("No family with that id.")
    return family


def require_change(actor, family_id: str, purpose: str = "change the household"):
    """For a page that checks its form before calling a service: ask first, so a refusal is a
    refusal whatever the form says."""
    return _require_change(actor, get_family(family_id), purpose)


def _require_change(actor, family: Family, purpose: str):
    return require(actor, "household.change", family, object_type="family", family_id=family.id, purpose=purpose)


def _membership(family_id: str, person_id: str) -> FamilyMember | None:
    return db.session.scalar(select(FamilyMember).where(FamilyMember.family_id == family_id,
                                                        FamilyMember.person_id == person_id))


def candidates_for(actor, family_id: str, raw: dict):
    """Who the matcher thinks a person about to be added may already be (to add them, not a copy)."""
    family = get_family(family_id)
    _require_change(actor, family, "find a person to add to the household")
    data = load(PersonSchema, raw)
    return match_person(db.session, SubmittedPerson(
        data["given_name"], data["family_name"], data.get("date_of_birth"), data.get("sex"), data.get("postcode"),
        data.get("nhs_number"), data.get("upn")))


def join(actor, family_id: str, raw: dict) -> FamilyMember:
    family = get_family(family_id)
    _require_change(actor, family, "add someone to the household")
    if family.merged_into_id:
        raise ServiceValidationError("This record was merged into another.", {"person_id": ["Use the merged record"]})
    data = load(JoinSchema, raw)
    if data.get("person_id"):
        person = get_person(data["person_id"])
        if person.merged_into_id:
            raise ServiceValidationError("That record was merged.", {"person_id": ["Choose the record it was merged into"]})
    else:
        details = data["person"]
        person = families.create_person(
            given_name=details["given_name"].strip(), family_name=details["family_name"].strip(),
            date_of_birth=details.get("date_of_birth"), sex=details.get("sex") or "unknown",
            postcode=details.get("postcode"), address=details.get("address"), nhs_number=details.get("nhs_number"),
            upn=details.get("upn"), school_name=details.get("school"), gp_practice_name=details.get("gp_practice"),
            phone=details.get("phone"), email=details.get("email"))
        db.session.flush()
    member = _add(family, person, data["relationship"], data["joined_on"])
    record_change(actor, person, ChangeKind.JOINED, {"household": [None, family.reference],
                                                     "joined_on": [None, data["joined_on"].isoformat()]},
                  data.get("reason"), family.id)
    db.session.flush()
    audit.record(actor, "household.join", "person", person.id, family_id=family.id, categories=["identity"],
                 purpose="household change")
    return member


def _add(family: Family, person: Person, relationship: str, joined_on: date) -> FamilyMember:
    member = _membership(family.id, person.id)
    if member is not None and member.left_on is None and member.in_household:
        raise ServiceValidationError(f"{person.full_name} already lives in this household.",
                                     {"person_id": ["Already in this household"]})
    if member is None:
        member = families.add_member(family, person, relationship)
    # Coming back to a household they had left: the membership's dates start again.
    member.relationship_to_family, member.in_household = relationship, True
    member.joined_on, member.left_on, member.leave_reason, member.moved_to_family_id = joined_on, None, None, None
    return member


def leave(actor, family_id: str, person_id: str, raw: dict) -> FamilyMember:
    family = get_family(family_id)
    _require_change(actor, family, "record someone leaving the household")
    data = load(LeaveSchema, raw)
    member = _membership(family.id, person_id)
    if member is None or member.left_on is not None:
        raise NotFound("That person does not live in this household.")
    if member.joined_on and data["left_on"] < member.joined_on:
        raise ServiceValidationError("They cannot leave before they joined.",
                                     {"left_on": ["The date they left must be after the date they joined"]})
    person = member.person
    changes = {"household": [family.reference, None], "left_on": [None, data["left_on"].isoformat()],
               "leave_reason": [None, data["reason"]]}
    target = None
    if data["reason"] == LeaveReason.MOVED_TO_HOUSEHOLD:
        target = _target_family(data)
        if target.id == family.id:
            raise ServiceValidationError("Choose another household.", {"moved_to_family_id": ["Choose another household"]})
        _require_change(actor, target, "record someone joining the household")
    member.left_on, member.leave_reason = data["left_on"], data["reason"]
    member.moved_to_family_id = target.id if target else None
    if data["reason"] == LeaveReason.DIED:
        changes["date_of_death"] = [None, data["left_on"].isoformat()]
        person.date_of_death = data["left_on"]
        for other in db.session.scalars(select(FamilyMember).where(FamilyMember.person_id == person.id,
                                                                   FamilyMember.left_on.is_(None))):
            other.left_on, other.leave_reason = data["left_on"], LeaveReason.DIED
    record_change(actor, person, ChangeKind.LEFT, changes, data.get("note"), family.id)
    if target is not None:
        _add(target, person, data.get("relationship_there") or member.relationship_to_family, data["left_on"])
        record_change(actor, person, ChangeKind.JOINED, {"household": [family.reference, target.reference],
                                                         "joined_on": [None, data["left_on"].isoformat()]},
                      data.get("note"), target.id)
        audit.record(actor, "household.join", "person", person.id, family_id=target.id, categories=["identity"],
                     purpose="household change")
    db.session.flush()
    audit.record(actor, "household.leave", "person", person.id, family_id=family.id, categories=["identity"],
                 purpose="household change")
    return member


def _target_family(data: dict) -> Family:
    if data.get("moved_to_family_id"):
        return get_family(data["moved_to_family_id"])
    reference = data["moved_to_family_reference"].strip().upper()
    family = db.session.scalar(select(Family).where(Family.reference == reference))
    if family is None:
        raise ServiceValidationError("No family record has that reference.",
                                     {"moved_to_family_id": ["No family record has that reference, like FAM-BCD-234"]})
    return family


def household_on(family: Family, day: date) -> list[FamilyMember]:
    return [m for m in family.memberships if m.person.merged_into_id is None and m.lived_there_on(day)]


def add_relationship(actor, family_id: str, raw: dict) -> PersonRelationship:
    family = get_family(family_id)
    _require_change(actor, family, "record a relationship")
    data = load(RelationshipSchema, raw)
    members = {m.person_id for m in family.memberships}
    errors = {key: ["Choose someone in this family"] for key in ("person_id", "related_person_id")
              if data[key] not in members}
    if errors:
        raise ServiceValidationError("Choose people in this family.", errors)
    rel = PersonRelationship(person_id=data["person_id"], related_person_id=data["related_person_id"],
                             kind=data["kind"], parental_responsibility=data["parental_responsibility"],
                             starts_on=data.get("starts_on"), ends_on=data.get("ends_on"), recorded_by_id=actor.id)
    db.session.add(rel)
    person, related = get_person(data["person_id"]), get_person(data["related_person_id"])
    summary = {"relationship": [None, f"{data['kind']} of {related.full_name}"],
               "parental_responsibility": [None, "yes" if data["parental_responsibility"] else "no"]}
    record_change(actor, person, ChangeKind.RELATIONSHIP, summary, None, family.id)
    db.session.flush()
    audit.record(actor, "household.relationship", "person", person.id, family_id=family.id, categories=["identity"],
                 purpose="household change")
    return rel


def relationships_in(person_ids) -> list[PersonRelationship]:
    ids = list(person_ids)
    if not ids:
        return []
    return list(db.session.scalars(select(PersonRelationship).where(or_(
        PersonRelationship.person_id.in_(ids), PersonRelationship.related_person_id.in_(ids)))
        .order_by(PersonRelationship.recorded_at)))


def parental_responsibility(giver_id: str, child_id: str, on: date | None = None) -> bool | None:
    """Does `giver_id` hold parental responsibility for `child_id` on that day? True or False
    when the household's relationships say so; None when nothing is recorded about who holds it
    for this child (records made before relationships were kept), so the caller falls back to
    how the giver belongs to the family."""
    day = on or today_london()
    rows = [r for r in db.session.scalars(select(PersonRelationship).where(
        PersonRelationship.related_person_id == child_id)) if r.current_on(day)]
    mine = [r for r in rows if r.person_id == giver_id]
    if any(r.parental_responsibility for r in mine):
        return True
    if mine or any(r.parental_responsibility for r in rows):
        return False  # related to the child without it, or others hold it and they are not among them
    return None
