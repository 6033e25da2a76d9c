"""Reading cases. Stage changes go through caseflow.flow, called by each capability's services."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from caseflow.core import stages as flow
from caseflow.cases.models import Case
from caseflow.core.access import Decision, can, require, shown_stage
from caseflow.core.errors import NotFound
from caseflow.core.extensions import db
from caseflow.core.vocab import Category


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


@dataclass
class CaseView:
    """A case as this reader may see it (its stage is social care data when it says the family
    is with children's social care) and the moves they may make now."""
    case: Case
    decision: Decision
    stage: str
    actions: list

    @property
    def stage_label(self) -> str:
        return flow.STAGE_LABELS.get(self.stage, "Open")

    @property
    def shows_working(self) -> bool:
        """A case's working (level of need, risk, how and why it closed) is case notes data,
        as in the family view: a partner whose grants do not cover case notes sees the household
        facts only."""
        return Category.CASE_NOTES in self.decision.categories


def describe(actor, case: Case, decision: Decision | None = None) -> CaseView:
    decision = decision if decision is not None else can(actor, "case.view", case)
    return CaseView(case, decision, shown_stage(decision, case.stage), flow.available_actions(case, actor))


def read_case(actor, case_id: str) -> CaseView:
    """The case page and GET /cases/{id}: the audited read, then what it shows."""
    case = view_case(actor, case_id)
    return describe(actor, case)
