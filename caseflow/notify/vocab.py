"""The words of the notification queue: event types partners report, who can be told, how,
and by when. The default routing rules are what an area starts with; administrators edit them."""
from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    """What a partner reports (POST /api/v1/notifications)."""
    POLICE_CONTACT = "police_contact"
    DOMESTIC_ABUSE = "domestic_abuse"
    MISSING_EPISODE = "missing_episode"
    AE_ATTENDANCE = "ae_attendance"
    SCHOOL_EXCLUSION = "school_exclusion"
    ANTI_SOCIAL_BEHAVIOUR = "anti_social_behaviour"
    ARREST = "arrest"


EVENT_TYPES = {
    EventType.POLICE_CONTACT: "Police contact with a family member",
    EventType.DOMESTIC_ABUSE: "Police attended a domestic abuse incident",
    EventType.MISSING_EPISODE: "Missing episode",
    EventType.AE_ATTENDANCE: "A&E attendance",
    EventType.SCHOOL_EXCLUSION: "School exclusion",
    EventType.ANTI_SOCIAL_BEHAVIOUR: "Anti-social behaviour",
    EventType.ARREST: "Arrest or charge",
}

# Headline problems an event speaks to: a re-referral from it starts with these concerns.
EVENT_CONCERNS = {
    "police_contact": ["crime_asb"], "domestic_abuse": ["domestic_abuse"],
    "missing_episode": ["children_need_help"], "ae_attendance": ["health"],
    "school_exclusion": ["education"], "anti_social_behaviour": ["crime_asb"], "arrest": ["crime_asb"],
}

class Recipient(StrEnum):
    """Who a routing rule tells, found for each event from the family's case."""
    KEYWORKER = "keyworker"
    TEAM_MANAGER = "team_manager"
    SCHOOL_KEY_ADULT = "school_key_adult"
    HEALTH_VISITOR = "health_visitor"
    SOCIAL_WORKER = "social_worker"


RECIPIENTS = {
    Recipient.KEYWORKER: "Allocated keyworker",
    Recipient.TEAM_MANAGER: "Keyworker's team manager",
    Recipient.SCHOOL_KEY_ADULT: "The child's school key adult",
    Recipient.HEALTH_VISITOR: "Health visitor in the Team Around the Family",
    Recipient.SOCIAL_WORKER: "Allocated social worker",
}


class Channel(StrEnum):
    INBOX = "inbox"
    EMAIL = "email"
    WEBHOOK = "webhook"


CHANNELS = {Channel.INBOX: "In-app inbox", Channel.EMAIL: "Email",
            Channel.WEBHOOK: "Signed webhook to the organisation's system"}


class Deadline(StrEnum):
    """The kind of deadline a routing rule sets for acknowledging (hours are a separate column)."""
    NONE = "none"
    NEXT_SCHOOL_DAY = "next_school_day"
    WORKING_HOURS = "working_hours"


DEADLINES = {
    Deadline.NONE: "No deadline",
    Deadline.NEXT_SCHOOL_DAY: "Before 09:00 on the next school day",
    Deadline.WORKING_HOURS: "Within a number of working hours",
}

# (event type, recipient, channel, deadline, hours). Operation Encompass: after a domestic abuse
# incident the child's school key adult hears before the next school day starts.
DEFAULT_RULES = [
    *[(t, "keyworker", "inbox", "working_hours", 8) for t in EVENT_TYPES],
    *[(t, "team_manager", "inbox", "none", None) for t in ("domestic_abuse", "missing_episode", "arrest")],
    *[(t, "social_worker", "inbox", "working_hours", 4) for t in EVENT_TYPES],
    ("domestic_abuse", "school_key_adult", "inbox", "next_school_day", None),
    ("domestic_abuse", "school_key_adult", "email", "next_school_day", None),
    ("missing_episode", "school_key_adult", "inbox", "next_school_day", None),
    ("domestic_abuse", "health_visitor", "inbox", "working_hours", 8),
    ("ae_attendance", "health_visitor", "inbox", "working_hours", 8),
]

class FlagStatus(StrEnum):
    """A partner's flag check: never the record itself, and never a "no" that is not certain."""
    FLAGGED = "flagged"
    NOT_FLAGGED = "not_flagged"
    POSSIBLE_MATCH = "possible_match"


class EventStatus(StrEnum):
    RECEIVED = "received"
    ROUTED = "routed"
    NEEDS_REVIEW = "needs_review"
    CLOSED_RECENTLY = "closed_recently"
    NOT_OPEN = "not_open"
    REOPENED = "reopened"
    NO_FURTHER_ACTION = "no_further_action"
    PURGED = "purged"


EVENT_STATUSES = {
    EventStatus.RECEIVED: "Received, being routed",
    EventStatus.ROUTED: "Sent to the people working with the family",
    EventStatus.NEEDS_REVIEW: "Waiting for the front door to confirm who it is about",
    EventStatus.CLOSED_RECENTLY: "Family's case closed recently: sent to the last keyworker and manager",
    EventStatus.NOT_OPEN: "Not open to early help: kept for the retention period only",
    EventStatus.REOPENED: "A new case was opened from it",
    EventStatus.NO_FURTHER_ACTION: "Seen; no new case (reason recorded)",
    EventStatus.PURGED: "Erased at the end of its retention period",
}


class NotificationType(StrEnum):
    """What an inbox notification is about (each sender names its own)."""
    PARTNER_EVENT = "partner_event"        # a partner's event, routed by a rule
    EVENT_REVIEW = "event_review"          # the front door must confirm who an event is about
    RE_REFERRAL = "re_referral"            # an event about a family whose case closed recently
    ESCALATION = "escalation"              # a deadline passed: to the duty contact
    TRIAGE_OUTCOME = "triage_outcome"      # to the referrer
    ALLOCATION = "allocation"
    TAF = "taf"                            # joined a Team Around the Family
    PLAN = "plan"                          # the family plan or an action on it changed
    REVIEW_OVERDUE = "review_overdue"
    STEP_UP = "step_up"
    STEP_UP_RESPONSE = "step_up_response"
    STEP_DOWN = "step_down"
    CASE_MOVED = "case_moved"
    JOINT_WORKING = "joint_working"        # the keyworker's role while social care leads
    OSCILLATION = "oscillation"            # a family moving back and forth between services
    BREAK_GLASS = "break_glass"
    CONCERN_PATTERN = "concern_pattern"    # two or more concerns about a child within seven days


# Notifications answered by doing something rather than by reading them: a step-up is answered
# by social care's decision. Acknowledging one from the inbox would stop its deadline escalating
# while nothing was decided, so the action settles it (services.answer) and the inbox says where.
ANSWERED_BY_ACTION = {
    NotificationType.STEP_UP: "Record social care's decision on the case page: that answers this step-up.",
}


class DeliveryKind(StrEnum):
    """The job an outbox row stands for."""
    ROUTE = "route"      # match and route a partner event
    EMAIL = "email"
    WEBHOOK = "webhook"


class DeliveryStatus(StrEnum):
    PENDING = "pending"      # waiting for the dispatcher (or a retry's time)
    QUEUED = "queued"        # on the queue
    DELIVERED = "delivered"
    DEAD = "dead"            # gave up after retries: an administrator may replay it

# The data category an event's account of what happened belongs to: a reader sees the summary
# only with that category (a school with education consent does not read a police incident).
EVENT_CATEGORIES = {
    "police_contact": "police", "domestic_abuse": "police", "missing_episode": "police",
    "anti_social_behaviour": "police", "arrest": "police",
    "ae_attendance": "health", "school_exclusion": "education",
}


def event_category(event_type: str) -> str:
    return EVENT_CATEGORIES.get(event_type, "police")
