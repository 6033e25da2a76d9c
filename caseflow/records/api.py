"""Family records over time as JSON: a person's record and history, corrections, the household
on any date, joining and leaving, relationships, comparing, merging, unmerging and splitting,
and the potential-duplicates list."""
from __future__ import annotations

from caseflow.api.kit import api_blueprint, endpoint, json_object
from caseflow.core.timescales import today_london
from caseflow.families.models import RecordKind
from caseflow.records import household, merging, people, schemas

bp = api_blueprint("records_api", __name__)


def person_record(person, entries, names) -> dict:
    out = {name: getattr(person, name) for name in (*people.CORRECTABLE, "id", "date_of_death", "merged_into_id")}
    out.update(family_ids=people.family_ids_of(person.id), previous_names=names, history=entries)
    return out


@endpoint(bp, "/people/<person_id>", "GET", summary="A person's record, previous names and history",
          response=schemas.PersonRecordSchema)
def get_person(user, data, person_id):
    return schemas.PersonRecordSchema().dump(person_record(*people.history(user, person_id)))


@endpoint(bp, "/people/<person_id>/corrections", "POST", documented_body=people.CorrectionSchema,
          summary="Correct a person's details, with a reason (a changed name is kept as a previous name)",
          response=schemas.PersonRecordSchema)
def correct_person(user, data, person_id):
    people.correct_person(user, person_id, json_object())
    return schemas.PersonRecordSchema().dump(person_record(*people.history(user, person_id)))


def _household(family_id: str, as_of) -> dict:
    family = household.get_family(family_id)
    day = as_of or today_london()
    on_record = [m for m in family.memberships if m.person.merged_into_id is None]
    living = [m for m in on_record if m.lived_there_on(day)]
    return {"family_id": family.id, "as_of": day, "members": living,
            "not_living_there": [m for m in on_record if m not in living],
            "relationships": household.relationships_in([m.person_id for m in on_record])}


@endpoint(bp, "/families/<family_id>/household", "GET", query=schemas.HouseholdQuerySchema,
          summary="Who lived in the household on a date (default today), and their relationships",
          response=schemas.HouseholdSchema)
def get_household(user, data, family_id):
    from caseflow.readmodels import family_view

    family_view.view_family(user, family_id, purpose="household", as_of=data.get("as_of"))  # asks and audits
    return schemas.HouseholdSchema().dump(_household(family_id, data.get("as_of")))


@endpoint(bp, "/families/<family_id>/household/members", "POST", status=201, documented_body=household.JoinSchema,
          summary="Someone joins the household on a date (someone known, or someone new)",
          response=schemas.HouseholdSchema)
def join_household(user, data, family_id):
    household.join(user, family_id, json_object())
    return schemas.HouseholdSchema().dump(_household(family_id, None)), 201


@endpoint(bp, "/families/<family_id>/household/members/<person_id>/leave", "POST",
          documented_body=household.LeaveSchema,
          summary="Someone leaves the household on a date: moved out, moved to another household, or died",
          response=schemas.HouseholdSchema)
def leave_household(user, data, family_id, person_id):
    household.leave(user, family_id, person_id, json_object())
    return schemas.HouseholdSchema().dump(_household(family_id, None))


@endpoint(bp, "/families/<family_id>/relationships", "POST", status=201,
          documented_body=household.RelationshipSchema,
          summary="Record a relationship between two people and whether it carries parental responsibility",
          response=schemas.RelationshipOutSchema)
def add_relationship(user, data, family_id):
    return schemas.RelationshipOutSchema().dump(household.add_relationship(user, family_id, json_object())), 201


def _compare(user, kind, record_id, other_id) -> dict:
    this, other = merging.compare(user, kind, record_id, other_id)
    return {"kind": kind, "this": this, "other": other, "differing": merging.differing(this, other)}


@endpoint(bp, "/people/<person_id>/compare", "GET", query=schemas.CompareQuerySchema,
          summary="Two people side by side, before merging them", response=schemas.CompareSchema)
def compare_people(user, data, person_id):
    return schemas.CompareSchema().dump(_compare(user, RecordKind.PERSON, person_id, data["other_id"]))


@endpoint(bp, "/families/<family_id>/compare", "GET", query=schemas.CompareQuerySchema,
          summary="Two family records side by side, before merging them", response=schemas.CompareSchema)
def compare_families(user, data, family_id):
    return schemas.CompareSchema().dump(_compare(user, RecordKind.FAMILY, family_id, data["other_id"]))


@endpoint(bp, "/people/<person_id>/merge", "POST", status=201, documented_body=merging.MergeSchema,
          summary="Merge a duplicate person: everything that was theirs follows the survivor",
          response=schemas.MergeOutSchema, errors=(409,))
def merge_people(user, data, person_id):
    return schemas.MergeOutSchema().dump(merging.merge(user, RecordKind.PERSON, person_id, json_object())), 201


@endpoint(bp, "/families/<family_id>/merge", "POST", status=201, documented_body=merging.MergeSchema,
          summary="Merge a duplicate family record: its cases, requests, consents and people follow the survivor",
          response=schemas.MergeOutSchema, errors=(409,))
def merge_families(user, data, family_id):
    return schemas.MergeOutSchema().dump(merging.merge(user, RecordKind.FAMILY, family_id, json_object())), 201


@endpoint(bp, "/people/<person_id>/unmerge", "POST", documented_body=merging.UnmergeSchema,
          summary="Undo the merge of this person (either side), within the set period",
          response=schemas.MergeOutSchema, errors=(409,))
def unmerge_people(user, data, person_id):
    return schemas.MergeOutSchema().dump(merging.unmerge(user, RecordKind.PERSON, person_id, json_object()))


@endpoint(bp, "/families/<family_id>/unmerge", "POST", documented_body=merging.UnmergeSchema,
          summary="Undo the merge of this family record (either side), within the set period",
          response=schemas.MergeOutSchema, errors=(409,))
def unmerge_families(user, data, family_id):
    return schemas.MergeOutSchema().dump(merging.unmerge(user, RecordKind.FAMILY, family_id, json_object()))


@endpoint(bp, "/people/<person_id>/split", "POST", status=201, documented_body=merging.SplitSchema,
          summary="Split off a person wrongly linked at the front door, with the requests that were theirs",
          response=schemas.PersonRecordSchema)
def split_person(user, data, person_id):
    other = merging.split(user, person_id, json_object())
    return schemas.PersonRecordSchema().dump(person_record(other, [], [])), 201


@endpoint(bp, "/duplicates", "GET", query=schemas.DuplicatesQuerySchema,
          summary="Potential duplicates waiting for an officer", response=schemas.DuplicatesSchema)
def list_duplicates(user, data):
    pairs, total = merging.duplicates(user, data["page"], data["per_page"], data["status"])
    return schemas.DuplicatesSchema().dump({"items": pairs, "page": data["page"], "per_page": data["per_page"],
                                           "total": total})


@endpoint(bp, "/duplicates/<candidate_id>/dismiss", "POST", summary="These two records are not the same: dismiss",
          response=schemas.DuplicateSchema, errors=(409,))
def dismiss_duplicate(user, data, candidate_id):
    candidate = merging.dismiss(user, candidate_id)
    return schemas.DuplicateSchema().dump(merging.Pair(candidate, *merging.pair_records(candidate)))
