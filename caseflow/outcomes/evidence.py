"""Evidence on people over time: recorded by keyworkers, sent by partner systems, imported from
partners' files. Every recording asks the access policy about each family the person belongs to
(the category the evidence is in) and is audited against each; the families' progress is
recomputed in the same unit of work, so the outcomes tab is never behind its evidence.

`record()` is also the writer a bulk import uses (issue 18): it passes the file as
`source_reference` and each row's own key as `source_row_key`; a second import of the same file
updates the rows the first one made instead of adding them again.
"""
from __future__ import annotations

from sqlalchemy import select

from caseflow.core import audit
from caseflow.core.access import require
from caseflow.core.errors import NotFound, load
from caseflow.core.extensions import db
from caseflow.families.models import FamilyMember, Person
from caseflow.outcomes import progress
from caseflow.outcomes.models import Evidence
from caseflow.outcomes.schemas import EvidenceSchema
from caseflow.outcomes.vocab import EVIDENCE_CATEGORY, EvidenceSource

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
