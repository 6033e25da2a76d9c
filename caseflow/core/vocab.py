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
HEADLINE_PROBLEMS = {
    "crime_asb": "Crime or anti-social behaviour",
    "education": "Not attending school regularly, or excluded",
    "children_need_help": "Children who need help (including early years)",
    "worklessness": "Out of work, or money worries",
    "domestic_abuse": "Domestic abuse",
    "health": "Health, including mental health and drug or alcohol use",
}
