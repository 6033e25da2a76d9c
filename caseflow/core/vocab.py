"""Shared vocabularies: closed sets every package speaks (DESIGN.md §2, core)."""
from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    IDENTITY = "identity"            # names, dates of birth, addresses, identifiers
    REFERRAL = "referral"            # what a request for help said
    EDUCATION = "education"
    HEALTH = "health"
    POLICE = "police"
    SOCIAL_CARE = "social_care"
    FINANCES = "finances_employment"
    CASE_NOTES = "case_notes"
    PLAN = "plan"                    # the family plan's outcomes and actions

CATEGORY_LABELS = {
    Category.IDENTITY: "Identity and contact details",
    Category.REFERRAL: "What the request for help said",
    Category.EDUCATION: "Education",
    Category.HEALTH: "Health",
    Category.POLICE: "Police and crime",
    Category.SOCIAL_CARE: "Social care",
    Category.FINANCES: "Finances and employment",
    Category.CASE_NOTES: "Case notes, assessment and chronology",
    Category.PLAN: "The family plan",
}


# The six headline problems of the Supporting Families outcomes framework (DOMAIN.md).
class HeadlineProblem(StrEnum):
    CRIME_ASB = "crime_asb"
    EDUCATION = "education"
    CHILDREN_NEED_HELP = "children_need_help"
    WORKLESSNESS = "worklessness"
    DOMESTIC_ABUSE = "domestic_abuse"
    HEALTH = "health"


HEADLINE_PROBLEMS = {
    HeadlineProblem.CRIME_ASB: "Crime or anti-social behaviour",
    HeadlineProblem.EDUCATION: "Not attending school regularly, or excluded",
    HeadlineProblem.CHILDREN_NEED_HELP: "Children who need help (including early years)",
    HeadlineProblem.WORKLESSNESS: "Out of work, or money worries",
    HeadlineProblem.DOMESTIC_ABUSE: "Domestic abuse",
    HeadlineProblem.HEALTH: "Health, including mental health and drug or alcohol use",
}


class Urgency(StrEnum):
    """How soon a request for help needs triage; the case opened from it keeps it."""
    ROUTINE = "routine"
    URGENT = "urgent"
    IMMEDIATE = "immediate"  # safeguarding: triage now


class Rag(StrEnum):
    """The risk rating triage gives a case (red, amber, green)."""
    RED = "red"
    AMBER = "amber"
    GREEN = "green"


class KeyworkerRole(StrEnum):
    """What the early help keyworker does while children's social care leads a case."""
    JOINT = "joint"                # stays involved alongside the social worker
    STEPPED_BACK = "stepped_back"  # steps back while social care leads


class ClosureReason(StrEnum):
    """Why a case closed: the reasons a keyworker chooses (plans.vocab.CLOSURE_REASONS labels
    them) and `signposted`, set when triage or panel signposts the family at the door."""
    OUTCOMES_ACHIEVED = "outcomes_achieved"
    UNIVERSAL_SERVICES = "universal_services"
    FAMILY_DISENGAGED = "family_disengaged"
    MOVED_AWAY = "moved_away"
    STEPPED_UP = "stepped_up"
    OTHER = "other"
    SIGNPOSTED = "signposted"
