"""The words of casework: assessment domains, contact types, statuses and closure reasons.

Codes are stored and sent over the API; labels are what people read. Headline problem codes are
the programme's six (caseflow.frontdoor.schemas.HEADLINE_PROBLEMS).
"""
from __future__ import annotations

from caseflow.core.vocab import HEADLINE_PROBLEMS

# The whole-family assessment looks at each headline problem and the four areas that most often
# sit underneath them (DOMAIN.md; Family Star Plus covers similar ground).
DOMAINS = {
    **HEADLINE_PROBLEMS,
    "housing": "Housing",
    "substance_misuse": "Drug or alcohol use",
    "parenting": "Parenting and family relationships",
    "finances": "Money and debt",
}

SCORE_MIN, SCORE_MAX = 1, 10
SCORE_HINT = "1 means things are very difficult; 10 means this is no longer a worry for the family."

CONTACT_TYPES = {
    "home_visit": "Home visit",
    "phone_call": "Phone call",
    "video_call": "Video call",
    "school_meeting": "Meeting at school",
    "office_visit": "Office or centre visit",
    "missed_visit": "Missed visit (family not in or declined)",
    "text_or_email": "Text message or email",
}

ACTION_STATUSES = {
    "not_started": "Not started",
    "in_progress": "In progress",
    "done": "Done",
    "cancelled": "No longer needed",
}

# What happened to an outcome by the time the case closes (closure needs every one marked).
OUTCOME_STATUSES = {
    "in_progress": "In progress",
    "achieved": "Achieved",
    "partly_achieved": "Partly achieved",
    "not_achieved": "Not achieved",
}
FINAL_OUTCOME_STATUSES = {k: v for k, v in OUTCOME_STATUSES.items() if k != "in_progress"}

REVIEW_DECISIONS = {
    "continue": "Continue with the plan",
    "close": "Close: the plan's outcomes are met or support should end",
    "step_up": "Step up to children's social care",
}

# API.md lists outcomes_achieved, family_disengaged, moved_away, stepped_up and other;
# universal_services is the step-down to universal services the service also records.
CLOSURE_REASONS = {
    "outcomes_achieved": "Outcomes achieved",
    "universal_services": "Stepped down to universal services",
    "family_disengaged": "Family disengaged",
    "moved_away": "Moved out of the area",
    "stepped_up": "Stepped up to children's social care",
    "other": "Other",
}
