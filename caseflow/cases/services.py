"""Reading cases. Stage changes go through caseflow.flow, called by each capability's services."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from caseflow.core import stages as flow
from caseflow.cases.models import Case
from caseflow.core.access import Decision, can, require, shown_stage
from caseflow.core.errors import NotFound
from caseflow.core.extensions import db
from caseflow.core.vocab import Category


def load_case(actor, case_id: str, action: str = "case.view", purpose: str = "case view", *,
              lock: bool = False, history: bool = False) -> tuple[Case, Decision]:
    """The one way to open a case for someone: the row (locked for a write, so two people
    changing the same case queue rather than interleave), then the policy's answer for this
    action, audited against the family. NotFound for an unknown id; AccessDenied (403) when the
    policy says no. `history` loads the stage transitions with it (the case page shows them)."""
    query = select(Case).where(Case.id == case_id)
    if history:
        query = query.options(selectinload(Case.transitions))
    if not lock:
        # Every case page names the family (its heading or caption): in the same statement,
        # not a second one when the template first asks. (A write locks the case row alone.)
        query = query.options(joinedload(Case.family))
    if lock:
        query = query.with_for_update(of=Case).execution_options(populate_existing=True)
    case = db.session.scalar(query)
    if case is None:
        raise NotFound("No case with that id.")
    decision = require(actor, action, case, object_type="case", family_id=case.family_id, purpose=purpose)
    return case, decision


def get_case(case_id: str) -> Case:
    """The case, or NotFound, with no policy question: only for code that already asked it (an
    API handler showing the case its service just changed, a panel deciding on its agenda)."""
    case = db.session.get(Case, case_id)
    if case is None:
        raise NotFound("No case with that id.")
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
    case, decision = load_case(actor, case_id, history=True)
    return describe(actor, case, decision)
