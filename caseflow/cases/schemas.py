"""What the case API returns: a case, its stage and the actions the caller may take now."""
from __future__ import annotations

from caseflow import flow
from caseflow.api.schemas import ResponseSchema, derived, flag, many, moment, text, texts
from caseflow.frontdoor.models import Urgency


class CaseForCaller:
    """A case with the actions one caller may take on it now (they depend on the caller's role)."""

    def __init__(self, case, user):
        self.case, self.actions = case, flow.available_actions(case, user)

    def __getattr__(self, name):
        return getattr(self.case, name)


class CaseActionSchema(ResponseSchema):
    action = text("Name it when making the move, e.g. POST /cases/{case_id}/step-up for step_up.")
    label = text()
    requires = texts("What the move needs, e.g. reason.")


class CaseSchema(ResponseSchema):
    id = text()
    reference = text()
    family_id = text()
    stage = text(choices=list(flow.Stage))
    stage_label = derived(text("The stage in words."), lambda case: flow.STAGE_LABELS[flow.Stage(case.stage)])
    urgency = text(choices=list(Urgency))
    opened_at = moment()
    closed_at = moment(nullable=True)
    is_re_referral = flag("The family had a case closed within the look-back period.")
    previous_case_id = text(nullable=True)
    keyworker_id = text(nullable=True)
    team_id = text(nullable=True)
    actions = many(CaseActionSchema, "What you may do to the case now.")
