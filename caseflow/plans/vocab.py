"""The words of casework: assessment domains, contact types, statuses and closure reasons.

Codes are stored and sent over the API; labels are what people read. Headline problem codes are
the programme's six (caseflow.frontdoor.schemas.HEADLINE_PROBLEMS).
"""
from __future__ import annotations

from enum import StrEnum

from caseflow.core.vocab import HEADLINE_PROBLEMS, ClosureReason

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

class ContactType(StrEnum):
    HOME_VISIT = "home_visit"
    PHONE_CALL = "phone_call"
    VIDEO_CALL = "video_call"
    SCHOOL_MEETING = "school_meeting"
    OFFICE_VISIT = "office_visit"
    MISSED_VISIT = "missed_visit"
    TEXT_OR_EMAIL = "text_or_email"


CONTACT_TYPES = {
    ContactType.HOME_VISIT: "Home visit",
    ContactType.PHONE_CALL: "Phone call",
    ContactType.VIDEO_CALL: "Video call",
    ContactType.SCHOOL_MEETING: "Meeting at school",
    ContactType.OFFICE_VISIT: "Office or centre visit",
    ContactType.MISSED_VISIT: "Missed visit (family not in or declined)",
    ContactType.TEXT_OR_EMAIL: "Text message or email",
}


class AssessmentStatus(StrEnum):
    DRAFT = "draft"        # autosaves, still being written
    COMPLETE = "complete"  # locked: later changes are dated addenda


class PlanStatus(StrEnum):
    DRAFT = "draft"
    AGREED = "agreed"      # agreed with the family; changes from here are recorded


class ActionStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


ACTION_STATUSES = {
    ActionStatus.NOT_STARTED: "Not started",
    ActionStatus.IN_PROGRESS: "In progress",
    ActionStatus.DONE: "Done",
    ActionStatus.CANCELLED: "No longer needed",
}


class OutcomeStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    ACHIEVED = "achieved"
    PARTLY_ACHIEVED = "partly_achieved"
    NOT_ACHIEVED = "not_achieved"


# What happened to an outcome by the time the case closes (closure needs every one marked).
OUTCOME_STATUSES = {
    OutcomeStatus.IN_PROGRESS: "In progress",
    OutcomeStatus.ACHIEVED: "Achieved",
    OutcomeStatus.PARTLY_ACHIEVED: "Partly achieved",
    OutcomeStatus.NOT_ACHIEVED: "Not achieved",
}
FINAL_OUTCOME_STATUSES = {k: v for k, v in OUTCOME_STATUSES.items() if k != OutcomeStatus.IN_PROGRESS}


class ReviewDecision(StrEnum):
    CONTINUE = "continue"
    CLOSE = "close"
    STEP_UP = "step_up"


REVIEW_DECISIONS = {
    ReviewDecision.CONTINUE: "Continue with the plan",
    ReviewDecision.CLOSE: "Close: the plan's outcomes are met or support should end",
    ReviewDecision.STEP_UP: "Step up to children's social care",
}

# API.md lists outcomes_achieved, family_disengaged, moved_away, stepped_up and other;
# universal_services is the step-down to universal services the service also records.
# (ClosureReason.SIGNPOSTED is set by triage and panel, never chosen at closure.)
CLOSURE_REASONS = {
    ClosureReason.OUTCOMES_ACHIEVED: "Outcomes achieved",
    ClosureReason.UNIVERSAL_SERVICES: "Stepped down to universal services",
    ClosureReason.FAMILY_DISENGAGED: "Family disengaged",
    ClosureReason.MOVED_AWAY: "Moved out of the area",
    ClosureReason.STEPPED_UP: "Stepped up to children's social care",
    ClosureReason.OTHER: "Other",
}


# --- after closure (caseflow.plans.monitoring) -------------------------------------------------------

class CheckInOutcome(StrEnum):
    """What a light-touch check-in found."""
    GOING_WELL = "going_well"
    SOME_CONCERNS = "some_concerns"
    NEEDS_HELP_AGAIN = "needs_help_again"
    NO_CONTACT = "no_contact"


CHECK_IN_OUTCOMES = {
    CheckInOutcome.GOING_WELL: "Going well",
    CheckInOutcome.SOME_CONCERNS: "Some concerns, no need for more help yet",
    CheckInOutcome.NEEDS_HELP_AGAIN: "The family needs help again",
    CheckInOutcome.NO_CONTACT: "Could not reach the family",
}


class SustainedOutcome(StrEnum):
    """The outcome review at the end of monitoring: did the change last?"""
    SUSTAINED = "sustained"
    PARTLY_SUSTAINED = "partly_sustained"
    NOT_SUSTAINED = "not_sustained"


SUSTAINED_OUTCOMES = {
    SustainedOutcome.SUSTAINED: "Sustained: the family is managing without early help",
    SustainedOutcome.PARTLY_SUSTAINED: "Partly sustained",
    SustainedOutcome.NOT_SUSTAINED: "Not sustained",
}
