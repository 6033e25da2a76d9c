"""Closed sets of outcomes and payment by results (DOMAIN.md, "Outcomes and payment by results")."""
from __future__ import annotations

from enum import StrEnum


class Framework(StrEnum):
    """The shipped frameworks an area starts its Outcomes Plan from (it then edits it)."""
    SIX_HEADLINE_PROBLEMS = "six_headline_problems"
    SUPPORTING_FAMILIES_2022 = "supporting_families_2022"


FRAMEWORKS = {
    Framework.SIX_HEADLINE_PROBLEMS: "Troubled Families: the six headline problems",
    Framework.SUPPORTING_FAMILIES_2022: "Supporting Families 2022-25: the ten headline outcomes",
}


class Measure(StrEnum):
    """How an outcome is measured: each has one function in caseflow.outcomes.rules."""
    ATTENDANCE = "attendance"                        # attendance at or above a threshold for N consecutive terms
    INCIDENT_REDUCTION = "incident_reduction"        # incidents down by a percentage, held for N months
    CONTINUOUS_EMPLOYMENT = "continuous_employment"  # N of M weeks in work, off out-of-work benefits
    KEYWORKER_CONFIRMED = "keyworker_confirmed"      # the keyworker records it met, held for N months


MEASURES = {
    Measure.ATTENDANCE: "School attendance at or above a threshold for consecutive terms, no exclusions",
    Measure.INCIDENT_REDUCTION: "Fewer incidents than in the same period before the plan, held for months",
    Measure.CONTINUOUS_EMPLOYMENT: "Off out-of-work benefits into continuous employment",
    Measure.KEYWORKER_CONFIRMED: "The keyworker records the outcome met, with evidence, and it holds",
}


class EvidenceKind(StrEnum):
    ATTENDANCE = "attendance"                  # per term: value = attendance %
    EXCLUSION = "exclusion"                    # on a date: code = fixed_term / permanent
    OFFENCE = "offence"                        # a proven offence, on a date
    ASB = "asb"                                # an anti-social behaviour incident, on a date
    DOMESTIC_ABUSE_INCIDENT = "domestic_abuse_incident"
    EMPLOYMENT = "employment"                  # a spell in work: period_start .. period_end (open: still in work)
    BENEFIT_CLAIM = "benefit_claim"            # an out-of-work benefit claim: code = the benefit
    KEYWORKER_OUTCOME = "keyworker_outcome"    # code = the problem; value 1 met, 0 slipped
    HOUSING = "housing"                        # a housing event on a date: code = eviction_notice, rent_arrears, homeless ...
    HEALTH_FLAG = "health_flag"                # a health flag from a date: code = the flag (mental_health, substance_misuse ...)


EVIDENCE_KINDS = {
    EvidenceKind.ATTENDANCE: "School attendance for a term",
    EvidenceKind.EXCLUSION: "Exclusion from school",
    EvidenceKind.OFFENCE: "Proven offence",
    EvidenceKind.ASB: "Anti-social behaviour incident",
    EvidenceKind.DOMESTIC_ABUSE_INCIDENT: "Domestic abuse incident",
    EvidenceKind.EMPLOYMENT: "Employment",
    EvidenceKind.BENEFIT_CLAIM: "Out-of-work benefit claim",
    EvidenceKind.KEYWORKER_OUTCOME: "Keyworker's record of an outcome",
    EvidenceKind.HOUSING: "Housing event",
    EvidenceKind.HEALTH_FLAG: "Health flag",
}

# The category of personal data each kind of evidence is (the access policy gates on it).
EVIDENCE_CATEGORY = {
    EvidenceKind.ATTENDANCE: "education",
    EvidenceKind.EXCLUSION: "education",
    EvidenceKind.OFFENCE: "police",
    EvidenceKind.ASB: "police",
    EvidenceKind.DOMESTIC_ABUSE_INCIDENT: "police",
    EvidenceKind.EMPLOYMENT: "finances_employment",
    EvidenceKind.BENEFIT_CLAIM: "finances_employment",
    EvidenceKind.KEYWORKER_OUTCOME: "plan",
    # A housing event (an eviction notice, rent arrears, homelessness) is about the household's
    # money and home: the finances category is the nearest the policy knows.
    EvidenceKind.HOUSING: "finances_employment",
    EvidenceKind.HEALTH_FLAG: "health",
}

INCIDENT_KINDS = frozenset({EvidenceKind.OFFENCE, EvidenceKind.ASB, EvidenceKind.DOMESTIC_ABUSE_INCIDENT})


class EvidenceSource(StrEnum):
    KEYWORKER = "keyworker"
    PARTNER_SYSTEM = "partner_system"
    IMPORTED_FILE = "imported_file"


EVIDENCE_SOURCES = {
    EvidenceSource.KEYWORKER: "Recorded by a keyworker",
    EvidenceSource.PARTNER_SYSTEM: "Sent by a partner system",
    EvidenceSource.IMPORTED_FILE: "Imported from a partner's file",
}


class OutcomeStatus(StrEnum):
    NOT_MET = "not_met"
    MET = "met"
    SUSTAINED = "sustained"  # met and sustained


OUTCOME_STATUSES = {
    OutcomeStatus.NOT_MET: "Not met",
    OutcomeStatus.MET: "Met, not yet sustained",
    OutcomeStatus.SUSTAINED: "Met and sustained",
}


class ClaimResult(StrEnum):
    """What a family can be claimed for, once each (DOMAIN.md)."""
    SUSTAINED_PROGRESS = "sustained_progress"
    CONTINUOUS_EMPLOYMENT = "continuous_employment"


CLAIM_RESULTS = {
    ClaimResult.SUSTAINED_PROGRESS: "Significant and sustained progress",
    ClaimResult.CONTINUOUS_EMPLOYMENT: "Continuous employment",
}


class ClaimState(StrEnum):
    PROPOSED = "proposed"
    IN_REVIEW = "in_review"    # validated by an analyst, waiting for a team manager
    APPROVED = "approved"
    SUBMITTED = "submitted"
    PAID = "paid"
    REJECTED = "rejected"


CLAIM_STATES = {
    ClaimState.PROPOSED: "Proposed",
    ClaimState.IN_REVIEW: "Validated, waiting for approval",
    ClaimState.APPROVED: "Approved",
    ClaimState.SUBMITTED: "Submitted",
    ClaimState.PAID: "Paid",
    ClaimState.REJECTED: "Rejected",
}


class RunKind(StrEnum):
    CLAIMS_PROPOSAL = "claims_proposal"
    PROGRESS_DATA = "progress_data"        # Family Progress Data extract
    COST_SAVINGS = "cost_savings"


RUN_KINDS = {
    RunKind.CLAIMS_PROPOSAL: "Claims run: compute progress and propose claims",
    RunKind.PROGRESS_DATA: "Family Progress Data extract",
    RunKind.COST_SAVINGS: "Cost-saving calculation",
}


class RunState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
