"""Reading cases. Stage changes go through caseflow.flow, called by each capability's services."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from caseflow.cases.models import Case
from caseflow.core.access import require
from caseflow.core.extensions import db
from caseflow.core.errors import NotFound


def get_case(case_id: str) -> Case:
    """The case, or NotFound. No policy check: the caller asks the policy about its own action."""
    case = db.session.get(Case, case_id)
    if case is None:
        raise NotFound("No case with that id.")
    return case


def view_case(actor, case_id: str, action: str = "case.view", purpose: str = "case view") -> Case:
    case = db.session.scalar(select(Case).where(Case.id == case_id)
                             .options(selectinload(Case.transitions)))
    if case is None:
        raise NotFound("No case with that id.")
    require(actor, action, case, object_type="case", family_id=case.family_id, purpose=purpose)
    return case
