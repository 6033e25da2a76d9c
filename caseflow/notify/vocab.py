"""The words of the notification queue: event types partners report, who can be told, how,
and by when. The default routing rules are what an area starts with; administrators edit them."""
from __future__ import annotations

EVENT_TYPES = {
    "police_contact": "Police contact with a family member",
    "domestic_abuse": "Police attended a domestic abuse incident",
    "missing_episode": "Missing episode",
    "ae_attendance": "A&E attendance",
    "school_exclusion": "School exclusion",
    "anti_social_behaviour": "Anti-social behaviour",
    "arrest": "Arrest or charge",
}

# Headline problems an event speaks to: a re-referral from it starts with these concerns.
EVENT_CONCERNS = {
    "police_contact": ["crime_asb"], "domestic_abuse": ["domestic_abuse"],
    "missing_episode": ["children_need_help"], "ae_attendance": ["health"],
    "school_exclusion": ["education"], "anti_social_behaviour": ["crime_asb"], "arrest": ["crime_asb"],
}

RECIPIENTS = {
    "keyworker": "Allocated keyworker",
    "team_manager": "Keyworker's team manager",
    "school_key_adult": "The child's school key adult",
    "health_visitor": "Health visitor in the Team Around the Family",
    "social_worker": "Allocated social worker",
}

CHANNELS = {"inbox": "In-app inbox", "email": "Email", "webhook": "Signed webhook to the organisation's system"}

DEADLINES = {
    "none": "No deadline",
    "next_school_day": "Before 09:00 on the next school day",
    "working_hours": "Within a number of working hours",
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

EVENT_STATUSES = {
    "received": "Received, being routed",
    "routed": "Sent to the people working with the family",
    "needs_review": "Waiting for the front door to confirm who it is about",
    "closed_recently": "Family's case closed recently: sent to the last keyworker and manager",
    "not_open": "Not open to early help: kept for the retention period only",
    "reopened": "A new case was opened from it",
    "no_further_action": "Seen; no new case (reason recorded)",
    "purged": "Erased at the end of its retention period",
}

# The data category an event's account of what happened belongs to: a reader sees the summary
# only with that category (a school with education consent does not read a police incident).
EVENT_CATEGORIES = {
    "police_contact": "police", "domestic_abuse": "police", "missing_episode": "police",
    "anti_social_behaviour": "police", "arrest": "police",
    "ae_attendance": "health", "school_exclusion": "education",
}


def event_category(event_type: str) -> str:
    return EVENT_CATEGORIES.get(event_type, "police")
