"""The potential-duplicates list's way in: any package that notices two records which may be
one person or one family (the front door's matcher, an import, the periodic scan) adds the pair
here, and it waits for an officer (caseflow.records.merging lists, merges or dismisses it).

No access question is asked here: nothing is shown, only a pair of ids put on a list that only
the people allowed to merge records can read."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from caseflow.core.database import utcnow
from caseflow.core.extensions import db
from caseflow.families.models import DuplicateCandidate, DuplicateSource, DuplicateStatus, RecordKind


def suggest_duplicate(kind: str, first_id: str, second_id: str, *, source: str = DuplicateSource.OFFICER,
                      score: float | None = None, reasons=()) -> DuplicateCandidate | None:
    """Put a pair on the list once (in id order, so A/B and B/A are one row). A pair an officer
    dismissed stays dismissed; an open one keeps its best score. Flushes only."""
    if not first_id or not second_id or first_id == second_id:
        return None
    kind, source = RecordKind(kind), DuplicateSource(source)
    a, b = sorted((first_id, second_id))
    existing = db.session.scalar(select(DuplicateCandidate).where(
        DuplicateCandidate.kind == kind, DuplicateCandidate.record_a_id == a, DuplicateCandidate.record_b_id == b))
    if existing is not None:
        if existing.status == DuplicateStatus.OPEN and score is not None and (existing.score or 0) < score:
            existing.score, existing.reasons = score, list(reasons)
        return existing
    candidate = DuplicateCandidate(kind=kind, record_a_id=a, record_b_id=b, score=score, reasons=list(reasons),
                                   source=source, status=DuplicateStatus.OPEN, found_at=utcnow())
    try:
        with db.session.begin_nested():  # two workers noticing the same pair: one row, no failed transaction
            db.session.add(candidate)
            db.session.flush()
    except IntegrityError:
        return db.session.scalar(select(DuplicateCandidate).where(
            DuplicateCandidate.kind == kind, DuplicateCandidate.record_a_id == a, DuplicateCandidate.record_b_id == b))
    return candidate
