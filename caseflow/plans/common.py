"""What every casework service starts with: the case, checked against the policy."""
from __future__ import annotations

from sqlalchemy import select

from caseflow.core import stages as flow
from caseflow.cases.models import Case
from caseflow.core.access import Decision, require
from caseflow.core.extensions import db
from caseflow.core.errors import Conflict, NotFound

# Stages in which the keyworker is working with the family (contacts and plan edits allowed).
WORKING_STAGES = frozenset({flow.Stage.ALLOCATED, flow.Stage.ASSESSING, flow.Stage.PLANNING,
                            flow.Stage.REVIEWING, flow.Stage.SOCIAL_CARE, flow.Stage.STEPPED_DOWN})


def case_for(actor, case_id: str, action: str, purpose: str, *, lock: bool = False) -> tuple[Case, Decision]:
    """Load the case, ask the policy (audited) and, for writes, lock the row so two people
    changing the same case queue rather than interleave."""
    query = select(Case).where(Case.id == case_id)
    if lock:
        query = query.with_for_update(of=Case).execution_options(populate_existing=True)
    case = db.session.scalar(query)
    if case is None:
        raise NotFound("No case with that id.")
    decision = require(actor, action, case, object_type="case", family_id=case.family_id, purpose=purpose)
    return case, decision


def must_be_open(case: Case, doing: str) -> None:
    if case.stage not in WORKING_STAGES:
        label = flow.STAGE_LABELS[flow.Stage(case.stage)].lower()
        raise Conflict(f"This case is {label}: you cannot {doing}.")
