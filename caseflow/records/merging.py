"""Merging two records found to be one (two people, or two families), undoing a merge within a
set period, and splitting a person wrongly linked at the front door.

A merge repoints every reference to the merged record (cases, requests, consents and the
people they cover, lawful bases, break-glass grants, partner events, notifications,
memberships, previous names, relationships) at the survivor, and records each row it moved, so
an unmerge moves back exactly those rows, and only while they still point at the survivor:
whatever was written since stays where it was written. The references are found from the
schema's foreign keys, so a table added later follows the survivor without a change here.

Audit rows are never rewritten (the trail is append-only and hash-chained): the survivor's
access log reads the merged record's events through the merge (`absorbed_ids`), and a person's
history shows the entries of anyone merged into them. The merged record itself is kept, marked
`merged_into_id`, so that nothing pointing at it by id is lost and an unmerge can bring it back.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from marshmallow import fields, validate
from sqlalchemy import Index, PrimaryKeyConstraint, String, UniqueConstraint, cast, func, literal, select

from caseflow.core import audit
from caseflow.core.access import require, require_list
from caseflow.core.database import Base, utcnow
from caseflow.core.errors import Conflict, NotFound, ServiceValidationError, load
from caseflow.core.extensions import db
from caseflow.core.keyset import bounded_count
from caseflow.core.schemas import Strict, free_text
from caseflow.families.duplicates import suggest_duplicate
from caseflow.families.matching import normalise, similar_people
from caseflow.families.models import (DuplicateCandidate, DuplicateSource, DuplicateStatus, Family, FamilyMember,
                                      Person, PersonName, RecordKind)
from caseflow.records.models import ChangeKind, MergeMove, MergeStatus, RecordMerge
from caseflow.records.people import CORRECTABLE, family_ids_of, get_person, keep_previous_name, record_change

DEFAULT_UNMERGE_DAYS = 30

# References that never follow a merge: the merge records themselves, a record's own "merged
# into" pointer, and a person's history (each history stays with its own person: both intact).
NOT_MOVED = {("people", "merged_into_id"), ("families", "merged_into_id"), ("person_changes", "person_id"),
             ("person_changes", "family_id")}
# References kept without a foreign key (so a notification outlives its family's record).
EXTRA_REFERENCES = {"families": [("notifications", "family_id")], "people": []}
# Lists of ids inside a JSON column: the people a partner event or a notification is about.
JSON_REFERENCES = {"people": [("partner_events", "person_ids"), ("notifications", "person_ids")], "families": []}
TABLE_OF = {RecordKind.PERSON: "people", RecordKind.FAMILY: "families"}


class MergeSchema(Strict):
    other_id = fields.String(required=True, validate=validate.Length(min=1, max=32),
                             error_messages={"required": "Choose the record to compare with"})
    keep = fields.String(load_default="this", validate=validate.OneOf(
        ["this", "other"], error="Say which record to keep: this or other"))
    reason = free_text("Say why these records are the same", max_length=2000)


class UnmergeSchema(Strict):
    reason = free_text("Say why the merge is being undone", max_length=2000)


class SplitSchema(Strict):
    request_person_ids = fields.List(fields.String(validate=validate.Length(max=32)), required=True,
                                     validate=validate.Length(min=1, max=50, error="Choose what belongs to the other person"),
                                     error_messages={"required": "Choose what belongs to the other person"})
    family_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32))
    reason = free_text("Say why this link was wrong", max_length=2000)


def unmerge_period() -> timedelta:
    """CASEFLOW_UNMERGE_DAYS (core.settings): after it, a wrong merge is put right by a split."""
    settings = current_app.extensions.get("caseflow.settings")
    return timedelta(days=getattr(settings, "unmerge_days", DEFAULT_UNMERGE_DAYS))


# --- which columns point at a record -----------------------------------------------------------

def references(kind: RecordKind):
    """(table, column) for every reference to a person or a family, from the schema itself."""
    target = TABLE_OF[RecordKind(kind)]
    found = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if (table.name, column.name) in NOT_MOVED:
                continue
            if any(fk.column.table.name == target for fk in column.foreign_keys):
                found.append((table, column))
    tables = Base.metadata.tables
    found += [(tables[t], tables[t].c[c]) for t, c in EXTRA_REFERENCES[target]]
    return found


def _unique_sets(table, column) -> list[list]:
    sets = [list(c.columns) for c in table.constraints
            if isinstance(c, (UniqueConstraint, PrimaryKeyConstraint)) and column in c.columns.values()]
    sets += [list(i.columns) for i in table.indexes if isinstance(i, Index) and i.unique and column in i.columns.values()]
    return sets


def _clashes(table, column, row, value) -> bool:
    """Would pointing this row at `value` break a unique constraint (the survivor is already on
    the same consent, in the same family)? Then the row stays with the merged record."""
    for columns in _unique_sets(table, column):
        conditions = [(c == value) if c is column else (c == row[c.name]) for c in columns]
        if db.session.execute(select(literal(1)).select_from(table).where(*conditions).limit(1)).first():
            return True
    return False


def _key(table, row) -> dict:
    return {c.name: row[c.name] for c in table.primary_key.columns}


def _where_key(table, key: dict):
    return [table.c[name] == value for name, value in key.items()]


def _repoint_all(merge: RecordMerge, kind: RecordKind, old_id: str, new_id: str) -> int:
    db.session.flush()
    moved = 0
    for table, column in references(kind):
        rows = [r._mapping for r in db.session.execute(select(table).where(column == old_id))]
        for row in rows:
            if _clashes(table, column, row, new_id):
                continue
            key = _key(table, row)
            db.session.execute(table.update().where(*_where_key(table, key)).values({column.name: new_id}))
            key = {k: (new_id if k == column.name else v) for k, v in key.items()}
            db.session.add(MergeMove(merge_id=merge.id, table_name=table.name, column_name=column.name,
                                     row_key=key, old_value={"value": old_id}))
            moved += 1
    for table_name, column_name in JSON_REFERENCES[TABLE_OF[kind]]:
        table = Base.metadata.tables[table_name]
        column = table.c[column_name]
        for row in db.session.execute(select(table).where(cast(column, String).like(f"%{old_id}%"))):
            row = row._mapping
            ids = list(row[column_name] or [])
            if old_id not in ids:
                continue
            new_ids = list(dict.fromkeys(new_id if i == old_id else i for i in ids))
            key = _key(table, row)
            db.session.execute(table.update().where(*_where_key(table, key)).values({column_name: new_ids}))
            db.session.add(MergeMove(merge_id=merge.id, table_name=table_name, column_name=column_name,
                                     row_key=key, old_value={"value": ids, "list": True, "set": new_ids}))
            moved += 1
    db.session.flush()
    db.session.expire_all()  # the rows changed under the ORM's feet
    return moved


def _move_back(merge: RecordMerge) -> int:
    """Put back each row the merge moved, if it still points at the survivor."""
    restored = 0
    moves = list(db.session.scalars(select(MergeMove).where(MergeMove.merge_id == merge.id)))
    db.session.flush()
    for move in moves:
        table = Base.metadata.tables[move.table_name]
        column = table.c[move.column_name]
        row = db.session.execute(select(table).where(*_where_key(table, move.row_key))).first()
        if row is None:
            continue  # deleted since: nothing to put back
        row = row._mapping
        old = move.old_value["value"]
        if move.old_value.get("list"):
            current = list(row[move.column_name] or [])
            if merge.survivor_id not in current:
                continue
            if current == move.old_value.get("set"):
                value = old  # untouched since the merge: exactly as it was
            else:  # changed since: the merged person back in the survivor's place, the rest kept
                keep_survivor = merge.survivor_id in old
                value = list(dict.fromkeys(merge.merged_id if i == merge.survivor_id and not keep_survivor else i
                                           for i in current))
                if keep_survivor and merge.merged_id not in value:
                    value.append(merge.merged_id)
        else:
            if row[move.column_name] != merge.survivor_id or _clashes(table, column, row, old):
                continue
            value = old
        db.session.execute(table.update().where(*_where_key(table, move.row_key)).values({move.column_name: value}))
        restored += 1
    db.session.flush()
    db.session.expire_all()
    return restored


def absorbed_ids(kind: str, record_id: str) -> list[str]:
    """The records merged (and not unmerged) into this one, at any depth."""
    found, frontier = [], [record_id]
    while frontier:
        rows = list(db.session.scalars(select(RecordMerge.merged_id).where(
            RecordMerge.kind == kind, RecordMerge.status == MergeStatus.MERGED,
            RecordMerge.survivor_id.in_(frontier))))
        frontier = [r for r in rows if r not in found and r != record_id]
        found.extend(frontier)
    return found


# --- comparing side by side --------------------------------------------------------------------

@dataclass
class Side:
    record: object
    families: list
    counts: dict
    values: dict


def _values(kind: RecordKind, record, families: list) -> dict:
    if kind == RecordKind.PERSON:
        return {name: (None if getattr(record, name) is None else str(getattr(record, name)))
                for name in COMPARED_FIELDS}
    members = [m.person.full_name for m in record.memberships if m.person.merged_into_id is None]
    return {"name": record.name, "reference": record.reference, "members": ", ".join(members) or None}


def differing(this: Side, other: Side) -> list[str]:
    return [k for k, v in this.values.items() if v != other.values.get(k)]


COMPARED_FIELDS = CORRECTABLE


def _counts(kind: RecordKind, record_id: str) -> dict:
    counts = {}
    for table, column in references(kind):
        n = db.session.scalar(select(func.count()).select_from(table).where(column == record_id))
        if n:
            counts[table.name] = counts.get(table.name, 0) + n
    return counts


def _load(kind: RecordKind, record_id: str):
    model = Person if kind == RecordKind.PERSON else Family
    record = db.session.get(model, record_id) if isinstance(record_id, str) and len(record_id) <= 32 else None
    if record is None:
        raise NotFound(f"No {kind.value} with that id.")
    return record


def _family_ids(kind: RecordKind, record) -> list[str]:
    return family_ids_of(record.id) if kind == RecordKind.PERSON else [record.id]


def compare(actor, kind: str, this_id: str, other_id: str) -> tuple[Side, Side]:
    """Both records side by side, as the front door's match review shows a possible match."""
    kind = RecordKind(kind)
    this = _load(kind, this_id)
    require(actor, "records.merge", this, object_type=kind.value, object_id=this.id,
            family_id=next(iter(_family_ids(kind, this)), None), purpose="compare possible duplicates")
    if not other_id:
        raise ServiceValidationError("Choose the record to compare with.", {"other_id": ["Choose a record"]})
    other = _load(kind, other_id)
    for family_id in _family_ids(kind, other) or [None]:  # each family's access log shows the look
        audit.record(actor, "records.merge", kind.value, other.id, family_id=family_id, categories=["identity"],
                     purpose="compare possible duplicates")
    sides = []
    for record in (this, other):
        families = [db.session.get(Family, f) for f in _family_ids(kind, record)]
        sides.append(Side(record, families, _counts(kind, record.id), _values(kind, record, families)))
    return sides[0], sides[1]


# --- merge, unmerge ------------------------------------------------------------------------------

def _person_snapshot(person: Person) -> dict:
    return {name: (v.isoformat() if hasattr(v, "isoformat") else (None if v is None else str(v)))
            for name in (*CORRECTABLE, "date_of_death") for v in [getattr(person, name)]}


def merge(actor, kind: str, this_id: str, raw: dict) -> RecordMerge:
    kind = RecordKind(kind)
    this = _load(kind, this_id)
    require(actor, "records.merge", this, object_type=kind.value, object_id=this.id,
            family_id=_family_ids(kind, this)[0] if _family_ids(kind, this) else None, purpose="merge duplicates")
    data = load(MergeSchema, raw)
    other = _load(kind, data["other_id"])
    if other.id == this.id:
        raise ServiceValidationError("Choose two different records.", {"other_id": ["Choose a different record"]})
    if this.merged_into_id or other.merged_into_id:
        raise Conflict("One of these records was already merged: use the record it was merged into.")
    survivor, merged = (this, other) if data["keep"] == "this" else (other, this)
    families_touched = list(dict.fromkeys([*_family_ids(kind, survivor), *_family_ids(kind, merged)]))
    now = utcnow()
    record = RecordMerge(kind=kind, survivor_id=survivor.id, merged_id=merged.id, status=MergeStatus.MERGED,
                         reason=data["reason"].strip(), merged_by_id=actor.id, merged_at=now,
                         undo_until=now + unmerge_period(), snapshot={})
    db.session.add(record)
    db.session.flush()
    snapshot: dict = {}
    if kind == RecordKind.PERSON:
        snapshot = {"survivor": _person_snapshot(survivor), "merged": _person_snapshot(merged), "filled": {}}
        for name in CORRECTABLE:  # what only the merged record knew, the survivor now knows
            if getattr(survivor, name) in (None, "", "unknown") and getattr(merged, name) not in (None, "", "unknown"):
                setattr(survivor, name, getattr(merged, name))
                snapshot["filled"][name] = snapshot["merged"][name]
        if (merged.given_name_norm, merged.family_name_norm) != (survivor.given_name_norm, survivor.family_name_norm):
            name = keep_previous_name(merged)
            name.person_id = survivor.id  # the matcher now finds the survivor under this name too
            db.session.flush()
            snapshot["added_name_id"] = name.id
        normalise(survivor)
    else:
        snapshot = {"survivor": {"name": survivor.name}, "merged": {"name": merged.name}}
    record.snapshot = snapshot
    moved = _repoint_all(record, kind, merged.id, survivor.id)
    record.moved_count = moved
    survivor, merged = _load(kind, survivor.id), _load(kind, merged.id)
    merged.merged_into_id = survivor.id
    _close_candidates(actor, kind, survivor.id, merged.id, DuplicateStatus.MERGED)
    _history(actor, kind, survivor, merged, ChangeKind.MERGED, record.reason, {"moved": [None, str(moved)]})
    db.session.flush()
    for family_id in families_touched:
        audit.record(actor, f"{kind.value}.merge", "record_merge", record.id, family_id=family_id,
                     categories=["identity"], purpose="merge duplicates")
    return record


def _history(actor, kind, survivor, merged, change: ChangeKind, reason: str, extra: dict) -> None:
    if kind == RecordKind.PERSON:
        record_change(actor, survivor, change, {"record": [merged.id, survivor.id], **extra}, reason)
        record_change(actor, merged, change, {"record": [merged.id, survivor.id], **extra}, reason)


def _close_candidates(actor, kind, a, b, status) -> None:
    first, second = sorted((a, b))
    for candidate in db.session.scalars(select(DuplicateCandidate).where(
            DuplicateCandidate.kind == kind, DuplicateCandidate.record_a_id == first,
            DuplicateCandidate.record_b_id == second, DuplicateCandidate.status == DuplicateStatus.OPEN)):
        candidate.status, candidate.decided_by_id, candidate.decided_at = status, actor.id, utcnow()


def merge_of(kind: str, record_id: str) -> RecordMerge | None:
    """The merge that took this record (the merged one, or its survivor) most recently, still in force."""
    return db.session.scalar(select(RecordMerge).where(
        RecordMerge.kind == kind, RecordMerge.status == MergeStatus.MERGED,
        (RecordMerge.merged_id == record_id) | (RecordMerge.survivor_id == record_id))
        .order_by(RecordMerge.merged_at.desc()).limit(1))


def merges_for(kind: str, record_id: str) -> list[RecordMerge]:
    return list(db.session.scalars(select(RecordMerge).where(
        RecordMerge.kind == kind, (RecordMerge.merged_id == record_id) | (RecordMerge.survivor_id == record_id))
        .order_by(RecordMerge.merged_at.desc())))


def unmerge(actor, kind: str, record_id: str, raw: dict, merge_id: str | None = None) -> RecordMerge:
    """Undo the merge that took `record_id` (either side), within the set period."""
    kind = RecordKind(kind)
    record = _load(kind, record_id)
    family_ids = _family_ids(kind, record)
    require(actor, "records.merge", record, object_type=kind.value, object_id=record.id,
            family_id=family_ids[0] if family_ids else None, purpose="undo a merge")
    data = load(UnmergeSchema, raw)
    done = db.session.get(RecordMerge, merge_id) if merge_id else merge_of(kind, record.id)
    if done is None or done.status != MergeStatus.MERGED or record.id not in (done.survivor_id, done.merged_id):
        raise NotFound("This record has no merge to undo.")
    if utcnow() > done.undo_until:
        raise Conflict("The time to undo this merge has passed: split the records instead.")
    survivor, merged = _load(kind, done.survivor_id), _load(kind, done.merged_id)
    if survivor.merged_into_id:
        raise Conflict("The surviving record was merged again since: undo that merge first.")
    _move_back(done)
    survivor, merged = _load(kind, done.survivor_id), _load(kind, done.merged_id)
    if kind == RecordKind.PERSON:
        before = done.snapshot.get("survivor", {})
        for name, value in done.snapshot.get("filled", {}).items():
            current = getattr(survivor, name)
            current = current.isoformat() if hasattr(current, "isoformat") else (None if current is None else str(current))
            if current == value:  # not corrected since: back to what the survivor had
                _set_from_snapshot(survivor, name, before.get(name))
        added = done.snapshot.get("added_name_id")
        if added and (name_row := db.session.get(PersonName, added)) is not None:
            db.session.delete(name_row)
        normalise(survivor)
        normalise(merged)
    merged.merged_into_id = None
    done.status, done.unmerged_by_id, done.unmerged_at = MergeStatus.UNMERGED, actor.id, utcnow()
    done.unmerge_reason = data["reason"].strip()
    _history(actor, kind, survivor, merged, ChangeKind.UNMERGED, done.unmerge_reason, {})
    db.session.flush()
    for family_id in dict.fromkeys([*_family_ids(kind, survivor), *_family_ids(kind, merged)]):
        audit.record(actor, f"{kind.value}.unmerge", "record_merge", done.id, family_id=family_id,
                     categories=["identity"], purpose="undo a merge")
    return done


def _set_from_snapshot(person: Person, name: str, value) -> None:
    from datetime import date

    if value is not None and name in ("date_of_birth", "date_of_death"):
        value = date.fromisoformat(value)
    setattr(person, name, value)


# --- split a wrong link ---------------------------------------------------------------------------

def split(actor, person_id: str, raw: dict) -> Person:
    """The front door linked someone on a request to a known person who is not them: make the
    person they are (from what the request said), move back what came with those requests, and
    keep both histories."""
    from caseflow.frontdoor.models import RequestPerson

    person = get_person(person_id)
    family_ids = family_ids_of(person.id)
    require(actor, "records.merge", person, object_type="person", object_id=person.id,
            family_id=family_ids[0] if family_ids else None, purpose="split a wrong link")
    data = load(SplitSchema, raw)
    rows = list(db.session.scalars(select(RequestPerson).where(RequestPerson.id.in_(data["request_person_ids"]))))
    if len(rows) != len(set(data["request_person_ids"])) or any(r.person_id != person.id for r in rows):
        raise ServiceValidationError("Choose requests that name this person.",
                                     {"request_person_ids": ["Choose requests that name this person"]})
    first = rows[0]
    said = first.submitted or {}
    from caseflow.families import services as families

    other = families.create_person(
        given_name=first.given_name, family_name=first.family_name, date_of_birth=first.date_of_birth,
        sex=said.get("sex") or "unknown", postcode=said.get("postcode"), address=said.get("address"),
        nhs_number=said.get("nhs_number"), upn=said.get("upn"), phone=said.get("phone"), email=said.get("email"),
        school_name=said.get("school"), gp_practice_name=said.get("gp_practice"))
    db.session.flush()
    for row in rows:
        row.person_id = other.id
    moved_to = None
    if data.get("family_id"):
        member = db.session.scalar(select(FamilyMember).where(FamilyMember.family_id == data["family_id"],
                                                              FamilyMember.person_id == person.id))
        if member is None:
            raise ServiceValidationError("Choose a family this person belongs to.",
                                         {"family_id": ["Choose a family this person belongs to"]})
        member.person_id = other.id  # that household's membership was the other person's all along
        moved_to = data["family_id"]
    else:
        request_families = {r.request.family_id for r in rows}
        for family_id in request_families:
            families.add_member(db.session.get(Family, family_id), other, first.relationship_to_family)
    reason = data["reason"].strip()
    change = {"split": [person.id, other.id], "requests": [None, str(len(rows))]}
    record_change(actor, person, ChangeKind.SPLIT, change, reason, moved_to)
    record_change(actor, other, ChangeKind.SPLIT, change, reason, moved_to)
    suggest_off = db.session.scalar(select(DuplicateCandidate).where(
        DuplicateCandidate.kind == RecordKind.PERSON,
        DuplicateCandidate.record_a_id == min(person.id, other.id),
        DuplicateCandidate.record_b_id == max(person.id, other.id)))
    if suggest_off is None:  # the matcher would pair them again: say an officer decided they differ
        dismissed = suggest_duplicate(RecordKind.PERSON, person.id, other.id, source=DuplicateSource.OFFICER)
        dismissed.status, dismissed.decided_by_id, dismissed.decided_at = DuplicateStatus.DISMISSED, actor.id, utcnow()
    db.session.flush()
    for family_id in dict.fromkeys([*family_ids, *family_ids_of(other.id)]):
        audit.record(actor, "person.split", "person", person.id, family_id=family_id, categories=["identity"],
                     purpose="split a wrong link")
    return other


# --- the potential-duplicates list ------------------------------------------------------------

@dataclass
class Pair:
    candidate: DuplicateCandidate
    first: object
    second: object


def duplicates(actor, page: int = 1, per_page: int = 25, status: str = DuplicateStatus.OPEN):
    """The pairs waiting for an officer, newest first."""
    require_list(actor, "records.duplicates", object_type="duplicate_candidates", purpose="potential duplicates")
    status = DuplicateStatus(status)
    query = select(DuplicateCandidate).where(DuplicateCandidate.status == status)
    total = bounded_count(query)
    rows = list(db.session.scalars(query.order_by(DuplicateCandidate.found_at.desc(), DuplicateCandidate.id.desc())
                                   .limit(per_page).offset((page - 1) * per_page)))
    ids = {i for r in rows for i in (r.record_a_id, r.record_b_id)}
    people = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(ids)))} if ids else {}
    fams = {f.id: f for f in db.session.scalars(select(Family).where(Family.id.in_(ids)))} if ids else {}
    member_families = {}
    if people:
        for person_id, family_id in db.session.execute(select(FamilyMember.person_id, FamilyMember.family_id)
                                                       .where(FamilyMember.person_id.in_(list(people)))):
            member_families.setdefault(person_id, family_id)
    pairs, touched = [], []
    for r in rows:
        source = people if r.kind == RecordKind.PERSON else fams
        first, second = source.get(r.record_a_id), source.get(r.record_b_id)
        if first is None or second is None:
            continue
        pairs.append(Pair(r, first, second))
        for record in (first, second):
            touched.append(member_families.get(record.id) if r.kind == RecordKind.PERSON else record.id)
    audit.record_reads(actor, "records.duplicates", "duplicate_candidates", touched, categories=["identity"],
                       purpose="potential duplicates")
    return pairs, total


def dismiss(actor, candidate_id: str) -> DuplicateCandidate:
    candidate = db.session.get(DuplicateCandidate, candidate_id) if len(candidate_id or "") <= 32 else None
    require(actor, "records.duplicates", candidate, object_type="duplicate_candidate", object_id=candidate_id,
            purpose="dismiss a potential duplicate")
    if candidate is None:
        raise NotFound("No such potential duplicate.")
    if candidate.status != DuplicateStatus.OPEN:
        raise Conflict("This pair was already decided.")
    candidate.status, candidate.decided_by_id, candidate.decided_at = DuplicateStatus.DISMISSED, actor.id, utcnow()
    db.session.flush()
    return candidate


def scan_for_duplicates(limit: int | None = None, min_score: float = 0.0, created_since=None) -> int:
    """Ask the front door's matcher about every person already held, as if they were named on a
    new request: any other known person it finds is a likely duplicate for the list. Returns
    how many pairs were added or refreshed. Run by `caseflow records scan-duplicates`."""
    query = select(Person).where(Person.merged_into_id.is_(None)).order_by(Person.created_at, Person.id)
    if created_since is not None:  # the nightly run: only records made since the last one
        query = query.where(Person.created_at >= created_since)
    if limit:
        query = query.limit(limit)
    dismissed = {(r.record_a_id, r.record_b_id) for r in db.session.scalars(select(DuplicateCandidate).where(
        DuplicateCandidate.kind == RecordKind.PERSON, DuplicateCandidate.status != DuplicateStatus.OPEN))}
    found: set[tuple[str, str]] = set()
    for person in db.session.scalars(query).all():
        for candidate in similar_people(db.session, person):
            if candidate.score < min_score or tuple(sorted((person.id, candidate.person_id))) in dismissed:
                continue
            suggest_duplicate(RecordKind.PERSON, person.id, candidate.person_id, source=DuplicateSource.SCAN,
                              score=candidate.score, reasons=candidate.reasons)
            found.add(tuple(sorted((person.id, candidate.person_id))))
    db.session.flush()
    return len(found)


def pair_records(candidate: DuplicateCandidate) -> tuple:
    kind = RecordKind(candidate.kind)
    return _load(kind, candidate.record_a_id), _load(kind, candidate.record_b_id)


def unmerge_preview(actor, kind: str, record_id: str) -> RecordMerge | None:
    """The merge an unmerge of this record would undo (None when there is none), for the page."""
    kind = RecordKind(kind)
    record = _load(kind, record_id)
    require(actor, "records.merge", record, object_type=kind.value, object_id=record.id,
            family_id=next(iter(_family_ids(kind, record)), None), purpose="undo a merge")
    return merge_of(kind, record.id)


def split_options(actor, person_id: str):
    """The person, and each request that names them (what a split can move to someone new)."""
    from caseflow.frontdoor.models import RequestPerson

    person = get_person(person_id)
    require(actor, "records.merge", person, object_type="person", object_id=person.id,
            family_id=next(iter(family_ids_of(person.id)), None), purpose="split a wrong link")
    links = list(db.session.scalars(select(RequestPerson).where(RequestPerson.person_id == person.id)
                                    .order_by(RequestPerson.id)))
    return person, links
