"""Words for step-up, step-down and the statutory status of a social care episode."""
from __future__ import annotations

URGENCIES = {
    "immediate": "Immediate: a child is at risk of significant harm now (strategy discussion today)",
    "strategy_discussion": "Strategy discussion needed (Children Act 1989 s47)",
    "within_1_working_day": "Within 1 working day",
}

STATUTORY_STATUSES = {
    "child_in_need": "Child in need (section 17)",
    "child_protection_enquiry": "Child protection enquiry (section 47)",
    "child_protection_plan": "Child protection plan",
    "looked_after": "Looked after child",
}

KEYWORKER_ROLES = {
    "joint": "Stays involved as a supporting worker alongside the social worker (joint working)",
    "stepped_back": "Steps back while social care leads",
}

STEP_DOWN_ROUTES = {
    "panel": "To the next early help panel (step-downs go first on the agenda)",
    "direct": "Straight to an early help team for allocation",
}

# Social care's answer to a step-up (DOMAIN.md: a step-up is a request, decided within a time set
# by its urgency). Recorded once; changing it is an amendment with a reason.
STEP_UP_RESPONSES = {
    "accepted_for_assessment": "Accepted for assessment",
    "strategy_discussion": "Strategy discussion (Children Act 1989 s47)",
    "not_accepted": "Not accepted: advice back to early help",
}
