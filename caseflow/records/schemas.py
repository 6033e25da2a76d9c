"""What the records API returns (its inputs are the services' own schemas: people.CorrectionSchema,
household.JoinSchema / LeaveSchema / RelationshipSchema, merging.MergeSchema / UnmergeSchema /
SplitSchema), for the OpenAPI document."""
from __future__ import annotations

from marshmallow import fields, validate

from caseflow.api.schemas import (PageQuerySchema, ResponseSchema, day, derived, flag, many, moment, number, one,
                                  page_fields, text, texts)
from caseflow.families.models import (DuplicateSource, DuplicateStatus, LeaveReason, RecordKind, Relationship, Sex)
from caseflow.records.models import ChangeKind, MergeStatus, RelationshipKind


class PreviousNameSchema(ResponseSchema):
    given_name = text()
    family_name = text()
    replaced_at = moment("When this name stopped being the person's current one.")


class ChangeSchema(ResponseSchema):
    id = text()
    person_id = text("The person the entry is about (a record merged into this one keeps its own entries).")
    kind = text(choices=list(ChangeKind))
    family_id = text(nullable=True)
    changes = fields.Dict(keys=fields.String(), values=fields.List(fields.String(allow_none=True)), required=True,
                          metadata={"description": "Field name -> [before, after]."})
    reason = text(nullable=True)
    changed_by_id = text()
    changed_at = moment()


class PersonRecordSchema(ResponseSchema):
    id = text()
    given_name = text()
    family_name = text()
    date_of_birth = day(nullable=True)
    date_of_death = day(nullable=True)
    sex = text(choices=list(Sex))
    gender = text(nullable=True)
    nhs_number = text(nullable=True)
    upn = text(nullable=True)
    address = text(nullable=True)
    postcode = text(nullable=True)
    phone = text(nullable=True)
    email = text(nullable=True)
    school_name = text(nullable=True)
    gp_practice_name = text(nullable=True)
    merged_into_id = text("Set when this record was merged into another.", nullable=True)
    family_ids = texts("The family records the person belongs to.")
    previous_names = many(PreviousNameSchema, "Names the person was known by before; still searched.")
    history = many(ChangeSchema, "Every change, newest first.")


class HouseholdMemberSchema(ResponseSchema):
    person_id = text()
    given_name = text(attribute="person.given_name")
    family_name = text(attribute="person.family_name")
    date_of_birth = day(attribute="person.date_of_birth", nullable=True)
    relationship = text(attribute="relationship_to_family", choices=list(Relationship))
    joined_on = day("Null: since the record began.", nullable=True)
    left_on = day(nullable=True)
    leave_reason = text(choices=list(LeaveReason), nullable=True)
    moved_to_family_id = text(nullable=True)


class RelationshipOutSchema(ResponseSchema):
    id = text()
    person_id = text("Who is the <kind> ...")
    related_person_id = text("... of whom.")
    kind = text(choices=list(RelationshipKind))
    parental_responsibility = flag()
    starts_on = day(nullable=True)
    ends_on = day(nullable=True)


class HouseholdSchema(ResponseSchema):
    family_id = text()
    as_of = day("The day the household is shown as it was.")
    members = many(HouseholdMemberSchema, "Who lived there on that day.")
    not_living_there = many(HouseholdMemberSchema, "On the family record, but not living there on that day.")
    relationships = many(RelationshipOutSchema)


class HouseholdQuerySchema(PageQuerySchema):
    as_of = fields.Date(load_default=None, metadata={"description": "YYYY-MM-DD; default today."})


class MergeOutSchema(ResponseSchema):
    id = text()
    kind = text(choices=list(RecordKind))
    survivor_id = text()
    merged_id = text()
    status = text(choices=list(MergeStatus))
    merged_at = moment()
    undo_until = moment("An unmerge is possible until then.")
    unmerged_at = moment(nullable=True)
    moved = derived(fields.Integer(required=True, metadata={"description": "References moved to the survivor."}),
                    lambda m: getattr(m, "moved_count", 0))


class SideSchema(ResponseSchema):
    id = text(attribute="record.id")
    label = derived(text(), lambda s: getattr(s.record, "full_name", None) or s.record.display_name)
    fields_ = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True), required=True,
                          data_key="fields", attribute="values")
    family_ids = derived(texts(), lambda s: [f.id for f in s.families])
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                         metadata={"description": "Table -> rows that reference this record (what would move)."})


class CompareSchema(ResponseSchema):
    kind = text(choices=list(RecordKind))
    this = one(SideSchema)
    other = one(SideSchema)
    differing = texts("The fields on which the two records differ.")


class CompareQuerySchema(PageQuerySchema):
    other_id = fields.String(load_default="", metadata={"description": "The record to compare with."})


class DuplicateRecordSchema(ResponseSchema):
    id = text()
    label = text()
    date_of_birth = day(nullable=True)
    postcode = text(nullable=True)


class DuplicateSchema(ResponseSchema):
    id = text(attribute="candidate.id")
    kind = text(attribute="candidate.kind", choices=list(RecordKind))
    source = text(attribute="candidate.source", choices=list(DuplicateSource))
    status = text(attribute="candidate.status", choices=list(DuplicateStatus))
    score = number(attribute="candidate.score", places=3, nullable=True)
    reasons = texts(attribute="candidate.reasons")
    found_at = moment(attribute="candidate.found_at")
    first = derived(one(DuplicateRecordSchema), lambda p: _record(p.first))
    second = derived(one(DuplicateRecordSchema), lambda p: _record(p.second))


def _record(record) -> dict:
    return {"id": record.id, "label": getattr(record, "full_name", None) or record.display_name,
            "date_of_birth": getattr(record, "date_of_birth", None), "postcode": getattr(record, "postcode", None)}


class DuplicatesSchema(ResponseSchema):
    items = many(DuplicateSchema)
    page, per_page, total, total_capped = page_fields().values()


class DuplicatesQuerySchema(PageQuerySchema):
    per_page = fields.Integer(load_default=25, validate=validate.Range(min=1, max=100))
    status = fields.String(load_default="open", validate=validate.OneOf([s.value for s in DuplicateStatus]))
