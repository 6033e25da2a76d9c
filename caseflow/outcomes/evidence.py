"""Evidence on people over time: recorded by keyworkers, sent by partner systems, imported from
partners' files. Every recording asks the access policy about each family the person belongs to
(the category the evidence is in) and is audited against each; the families' progress is
recomputed in the same unit of work, so the outcomes tab is never behind its evidence.

`record()` is also the writer a bulk import uses (issue 18): it passes the file as
`source_reference` and each row's own key as `source_row_key`; a second import of the same file
updates the rows the first one made instead of adding them again.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import bindparam, select, update

from caseflow.core import audit
from caseflow.core.access import require
from caseflow.core.errors import NotFound, load
from caseflow.core.database import bulk_insert, new_id, utcnow
from caseflow.core.extensions import db
from caseflow.families.models import FamilyMember, Person
from caseflow.outcomes import progress
from caseflow.outcomes.models import Evidence
from caseflow.outcomes.schemas import EvidenceSchema
from caseflow.outcomes.vocab import EVIDENCE_CATEGORY, EvidenceKind, EvidenceSource

FIELDS = ("kind", "period_start", "period_end", "value", "code", "note", "source_reference")


def record(actor, raw: dict, source: EvidenceSource | str | None = None) -> tuple[Evidence, bool, int]:
    """Record one measurement: (the row, whether it is new, families recomputed)."""
    # The policy before the body: only those who may record some evidence get their body checked.
    require(actor, "outcomes.evidence.send", object_type="person", purpose="outcomes evidence", audit=False)
    data = load(EvidenceSchema, raw)
    source = EvidenceSource(source) if source else (
        EvidenceSource.PARTNER_SYSTEM if actor.role == "partner_system" else EvidenceSource.KEYWORKER)
    person = db.session.get(Person, data["person_id"])
    if person is None:
        raise NotFound("No person with that id.")
    families = list(db.session.scalars(select(FamilyMember.family_id).where(FamilyMember.person_id == person.id)))
    category = EVIDENCE_CATEGORY[data["kind"]]
    for family_id in families or [None]:
        require(actor, "outcomes.evidence.record", {"family_id": family_id, "person_id": person.id,
                                                   "category": category},
                object_type="person", object_id=person.id, family_id=family_id, purpose="outcomes evidence")
    organisation_id = getattr(actor, "organisation_id", None) if source != EvidenceSource.KEYWORKER else None
    row, created = None, True
    if data.get("source_row_key") and organisation_id:
        row = db.session.scalar(select(Evidence).where(Evidence.source_organisation_id == organisation_id,
                                                       Evidence.source_row_key == data["source_row_key"]))
        created = row is None
    if row is None:
        row = Evidence(person_id=person.id, source=source, source_organisation_id=organisation_id,
                       source_row_key=data.get("source_row_key") if organisation_id else None,
                       recorded_by_id=actor.id)
        db.session.add(row)
    elif row.person_id != person.id:
        # A partner's key names one fact about one person: a resend about someone else is a new key.
        from caseflow.core.errors import Conflict
        raise Conflict("That source_row_key was sent before about someone else: send a new key.")
    for name in FIELDS:
        setattr(row, name, data.get(name))
    row.recorded_by_id = actor.id
    db.session.flush()
    for family_id in families:
        audit.record(actor, "outcomes.evidence.record" if created else "outcomes.evidence.update", "outcome_evidence",
                     row.id, family_id=family_id, categories=["identity", category], purpose="outcomes evidence")
    recomputed = progress.recompute(families) if families else 0
    return row, created, recomputed


# --- the bulk writer (partner data feeds) -------------------------------------------------------

BULK_FIELDS = ("kind", "period_start", "period_end", "value", "code", "source_reference")


@dataclass
class BulkResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: list[int] = field(default_factory=list)  # lines whose key was sent before about someone else


def held_rows(organisation_id: str, keys: list[str]) -> dict:
    """The evidence rows already held under these row keys from this organisation, by key
    (read once per batch: the feed writer needs them to keep earlier links, record_bulk to
    update rather than add)."""
    table = Evidence.__table__
    held = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        for row in db.session.execute(select(table.c.id, table.c.source_row_key, table.c.person_id,
                                             *[table.c[name] for name in BULK_FIELDS])
                                      .where(table.c.source_organisation_id == organisation_id,
                                             table.c.source_row_key.in_(chunk))):
            held[row.source_row_key] = row
    return held


def record_bulk(actor, rows: list[dict], *, organisation_id: str, source_reference: str,
                purpose: str = "partner data feed", matched_by_officer: bool = False,
                held: dict | None = None) -> BulkResult:
    """Many measurements from one partner file, written set-wise with the rules of `record()`:
    the policy is asked (for each kind of evidence in the batch) before anything is written
    (`matched_by_officer`: a front-door officer confirmed which person a held row is about);
    a row's key is unique per sending organisation, so a row sent before is updated (or left
    alone when nothing changed) rather than added again, and a key that named someone else is
    refused; every family touched gets an audit event and its progress recomputed.

    Each row: person_id, kind, period_start, period_end, value, code, source_row_key, line.
    `held`: what held_rows() returned for these rows' keys, when the caller has read it already."""
    result = BulkResult()
    if not rows:
        return result
    for kind in {r["kind"] for r in rows}:
        require(actor, "outcomes.evidence.import", {"category": EVIDENCE_CATEGORY[EvidenceKind(kind)],
                                                    "matched_by_officer": matched_by_officer},
                object_type="person", purpose=purpose, audit=False)
    table = Evidence.__table__
    existing = dict(held) if held is not None else held_rows(organisation_id, [r["source_row_key"] for r in rows])
    inserts, updates = [], []
    now = utcnow()
    for r in rows:
        values = {"kind": r["kind"], "period_start": r["period_start"], "period_end": r.get("period_end"),
                  "value": r.get("value"), "code": r.get("code"), "source_reference": source_reference}
        before = existing.get(r["source_row_key"])
        if before is None:
            inserts.append(values | {"id": new_id(), "person_id": r["person_id"], "source": EvidenceSource.IMPORTED_FILE,
                                     "source_organisation_id": organisation_id, "source_row_key": r["source_row_key"],
                                     "recorded_by_id": actor.id, "recorded_at": now})
            existing[r["source_row_key"]] = None  # a key repeated in one batch is written once
        elif before.person_id != r["person_id"]:
            result.conflicts.append(r.get("line"))
        elif any(getattr(before, name) != values[name] for name in BULK_FIELDS if name != "source_reference"):
            updates.append(values | {"evidence_id": before.id, "recorded_by_id": actor.id, "recorded_at": now})
        else:
            result.unchanged += 1
    if inserts:
        bulk_insert(db.session, table, inserts)
        result.created = len(inserts)
    if updates:
        db.session.execute(update(table).where(table.c.id == bindparam("evidence_id")).values(
            {name: bindparam(name) for name in (*BULK_FIELDS, "recorded_by_id", "recorded_at")}), updates)
        result.updated = len(updates)
    written = {r["person_id"] for r in rows if r.get("line") not in result.conflicts}
    if inserts or updates:
        families = _families_of(written)
        categories = sorted({"identity", *(EVIDENCE_CATEGORY[EvidenceKind(r["kind"])] for r in rows)})
        for family_id in families:
            audit.record(actor, "outcomes.evidence.import", "family", family_id, family_id=family_id,
                         categories=categories, purpose=f"{purpose}: {source_reference}")
        if families:
            progress.recompute(list(families))
    db.session.flush()
    return result


def _families_of(person_ids) -> list[str]:
    """The families of these people: each gets one audit event for the batch."""
    out: set[str] = set()
    ids = list(person_ids)
    for start in range(0, len(ids), 500):
        out.update(db.session.scalars(select(FamilyMember.family_id)
                                      .where(FamilyMember.person_id.in_(ids[start:start + 500]))))
    return sorted(out)
