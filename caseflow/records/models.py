"""What CaseFlow keeps about changes to people and households over the years: each person's
history of corrections, the relationships between people (and who has parental
responsibility), merges of duplicate records with what each moved (so an unmerge can put it
back), and the list of potential duplicates waiting for an officer."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from caseflow.core.crypto import EncryptedJSON, EncryptedText
from caseflow.core.database import Base, UTCDateTime, closed_set, new_id, utcnow
from caseflow.families.models import RecordKind


class RelationshipKind(StrEnum):
    """`person` is the <kind> of `related_person` (a parent of a child, a partner of an adult)."""
    PARENT = "parent"
    STEP_PARENT = "step_parent"
    FOSTER_CARER = "foster_carer"
    GRANDPARENT = "grandparent"
    SIBLING = "sibling"
    HALF_SIBLING = "half_sibling"
    PARTNER = "partner"
    OTHER_RELATIVE = "other_relative"


RELATIONSHIP_KIND_LABELS = {
    RelationshipKind.PARENT: "Parent", RelationshipKind.STEP_PARENT: "Step-parent",
    RelationshipKind.FOSTER_CARER: "Foster carer", RelationshipKind.GRANDPARENT: "Grandparent",
    RelationshipKind.SIBLING: "Sibling", RelationshipKind.HALF_SIBLING: "Half-sibling",
    RelationshipKind.PARTNER: "Partner", RelationshipKind.OTHER_RELATIVE: "Other relative",
}
# Kinds that can carry parental responsibility for the related person (Children Act 1989 s3).
CAN_HOLD_PARENTAL_RESPONSIBILITY = frozenset({RelationshipKind.PARENT, RelationshipKind.STEP_PARENT,
                                              RelationshipKind.FOSTER_CARER, RelationshipKind.GRANDPARENT,
                                              RelationshipKind.OTHER_RELATIVE})


class PersonRelationship(Base):
    __tablename__ = "person_relationships"
    __table_args__ = (Index("ix_person_relationships_related", "related_person_id", "person_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    related_person_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[RelationshipKind] = mapped_column(closed_set(RelationshipKind, "kind", 24))
    parental_responsibility: Mapped[bool] = mapped_column(Boolean, default=False)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    recorded_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def current_on(self, day: date) -> bool:
        return (self.starts_on is None or self.starts_on <= day) and (self.ends_on is None or self.ends_on > day)


class ChangeKind(StrEnum):
    CORRECTION = "correction"
    JOINED = "joined"
    LEFT = "left"
    RELATIONSHIP = "relationship"
    MERGED = "merged"
    UNMERGED = "unmerged"
    SPLIT = "split"


CHANGE_KIND_LABELS = {
    ChangeKind.CORRECTION: "Details corrected", ChangeKind.JOINED: "Joined a household",
    ChangeKind.LEFT: "Left a household", ChangeKind.RELATIONSHIP: "Relationship recorded",
    ChangeKind.MERGED: "Duplicate records merged", ChangeKind.UNMERGED: "Merge undone",
    ChangeKind.SPLIT: "Wrong link split",
}


class PersonChange(Base):
    """One entry in a person's history: what changed (field -> [before, after]), why, by whom.
    The audit trail records that it happened; this keeps the values, encrypted."""

    __tablename__ = "person_changes"
    __table_args__ = (Index("ix_person_changes_person_newest", "person_id", "changed_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    family_id: Mapped[str | None] = mapped_column(ForeignKey("families.id"))
    kind: Mapped[ChangeKind] = mapped_column(closed_set(ChangeKind, "kind", 20))
    changes: Mapped[dict] = mapped_column(EncryptedJSON, default=dict)
    reason: Mapped[str | None] = mapped_column(EncryptedText)
    changed_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MergeStatus(StrEnum):
    MERGED = "merged"
    UNMERGED = "unmerged"


class RecordMerge(Base):
    """Two records found to be one: `merged_id` now lives on as `survivor_id`. `snapshot` holds
    what the merge changed on the survivor (so an unmerge restores it exactly); the rows it
    repointed are its `MergeMove`s. Audit rows are never rewritten: the access log reads them
    through this mapping."""

    __tablename__ = "record_merges"
    __table_args__ = (Index("ix_record_merges_survivor", "survivor_id", "status"),
                      Index("ix_record_merges_merged", "merged_id", "status"))

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    kind: Mapped[RecordKind] = mapped_column(closed_set(RecordKind, "kind", 10))
    survivor_id: Mapped[str] = mapped_column(String(32))
    merged_id: Mapped[str] = mapped_column(String(32))
    status: Mapped[MergeStatus] = mapped_column(closed_set(MergeStatus, "status", 10), default=MergeStatus.MERGED)
    snapshot: Mapped[dict] = mapped_column(EncryptedJSON, default=dict)
    reason: Mapped[str] = mapped_column(EncryptedText)
    merged_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    undo_until: Mapped[datetime] = mapped_column(UTCDateTime)
    unmerged_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    unmerged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unmerge_reason: Mapped[str | None] = mapped_column(EncryptedText)


class MergeMove(Base):
    """One reference a merge repointed from the merged record to the survivor: the row (its
    primary key as it is after the move), the column, and the value it had."""

    __tablename__ = "merge_moves"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    merge_id: Mapped[str] = mapped_column(ForeignKey("record_merges.id"), index=True)
    table_name: Mapped[str] = mapped_column(String(64))
    column_name: Mapped[str] = mapped_column(String(64))
    row_key: Mapped[dict] = mapped_column(JSON)
    old_value: Mapped[dict] = mapped_column(JSON)  # {"value": ...}: an id, or a JSON list of ids


