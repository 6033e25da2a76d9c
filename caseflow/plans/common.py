"""What casework services share: the stages in which the keyworker works with the family.

Cases are opened for someone through caseflow.cases.services.load_case, the one case loader."""
from __future__ import annotations


from caseflow.core import stages as flow
from caseflow.cases.models import Case
from caseflow.core.errors import Conflict

# Stages in which the keyworker is working with the family (contacts and plan edits allowed).
WORKING_STAGES = frozenset({flow.Stage.ALLOCATED, flow.Stage.ASSESSING, flow.Stage.PLANNING,
                            flow.Stage.REVIEWING, flow.Stage.SOCIAL_CARE, flow.Stage.STEPPED_DOWN})


def must_be_open(case: Case, doing: str) -> None:
    if case.stage not in WORKING_STAGES:
        label = flow.STAGE_LABELS[flow.Stage(case.stage)].lower()
        raise Conflict(f"This case is {label}: you cannot {doing}.")
