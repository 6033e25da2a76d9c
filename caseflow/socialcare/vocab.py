"""Words for step-up, step-down and the statutory status of a social care episode."""
from __future__ import annotations

from enum import StrEnum

from caseflow.core.vocab import KeyworkerRole


class StepUpUrgency(StrEnum):
    """How soon social care must respond to a step-up (it sets the respond-by time)."""
    IMMEDIATE = "immediate"
    STRATEGY_DISCUSSION = "strategy_discussion"
    WITHIN_1_WORKING_DAY = "within_1_working_day"


URGENCIES = {
    StepUpUrgency.IMMEDIATE: "Immediate: a child is at risk of significant harm now (strategy discussion today)",
    StepUpUrgency.STRATEGY_DISCUSSION: "Strategy discussion needed (Children Act 1989 s47)",
    StepUpUrgency.WITHIN_1_WORKING_DAY: "Within 1 working day",
}


# Working hours (09:00-17:00, working days) social care has to decide on a step-up.
RESPONSE_WORKING_HOURS = {
    StepUpUrgency.IMMEDIATE: 2,
    StepUpUrgency.STRATEGY_DISCUSSION: 4,
    StepUpUrgency.WITHIN_1_WORKING_DAY: 8,
}


class StatutoryStatusKind(StrEnum):
    """A child's statutory status while social care works with the family."""
    CHILD_IN_NEED = "child_in_need"
    CHILD_PROTECTION_ENQUIRY = "child_protection_enquiry"
    CHILD_PROTECTION_PLAN = "child_protection_plan"
    LOOKED_AFTER = "looked_after"


STATUTORY_STATUSES = {
    StatutoryStatusKind.CHILD_IN_NEED: "Child in need (section 17)",
    StatutoryStatusKind.CHILD_PROTECTION_ENQUIRY: "Child protection enquiry (section 47)",
    StatutoryStatusKind.CHILD_PROTECTION_PLAN: "Child protection plan",
    StatutoryStatusKind.LOOKED_AFTER: "Looked after child",
}

KEYWORKER_ROLES = {
    KeyworkerRole.JOINT: "Stays involved as a supporting worker alongside the social worker (joint working)",
    KeyworkerRole.STEPPED_BACK: "Steps back while social care leads",
}


class StepDownRoute(StrEnum):
    PANEL = "panel"
    DIRECT = "direct"


STEP_DOWN_ROUTES = {
    StepDownRoute.PANEL: "To the next early help panel (step-downs go first on the agenda)",
    StepDownRoute.DIRECT: "Straight to an early help team for allocation",
}


class StepUpResponse(StrEnum):
    ACCEPTED_FOR_ASSESSMENT = "accepted_for_assessment"
    STRATEGY_DISCUSSION = "strategy_discussion"
    NOT_ACCEPTED = "not_accepted"


# Social care's answer to a step-up (DOMAIN.md: a step-up is a request, decided within a time set
# by its urgency). Recorded once; changing it is an amendment with a reason.
STEP_UP_RESPONSES = {
    StepUpResponse.ACCEPTED_FOR_ASSESSMENT: "Accepted for assessment",
    StepUpResponse.STRATEGY_DISCUSSION: "Strategy discussion (Children Act 1989 s47)",
    StepUpResponse.NOT_ACCEPTED: "Not accepted: advice back to early help",
}
