"""The words of oversight: audit grades and the checklist an area starts with."""
from __future__ import annotations

from enum import StrEnum


class Grade(StrEnum):
    """Ofsted's four-point scale, as local authorities grade their own case files."""
    OUTSTANDING = "outstanding"
    GOOD = "good"
    REQUIRES_IMPROVEMENT = "requires_improvement"
    INADEQUATE = "inadequate"


GRADES = {
    Grade.OUTSTANDING: "Outstanding",
    Grade.GOOD: "Good",
    Grade.REQUIRES_IMPROVEMENT: "Requires improvement",
    Grade.INADEQUATE: "Inadequate",
}
# Worst first: a file's overall grade is never better than its worst answer... unless the auditor
# says why (the overall grade is the auditor's judgement, recorded separately).
GRADE_ORDER = [Grade.INADEQUATE, Grade.REQUIRES_IMPROVEMENT, Grade.GOOD, Grade.OUTSTANDING]


class AuditStatus(StrEnum):
    TO_GRADE = "to_grade"
    GRADED = "graded"


AUDIT_STATUSES = {AuditStatus.TO_GRADE: "To grade", AuditStatus.GRADED: "Graded"}

# What an area's first checklist asks of a case file; managers change it (oversight.audits).
DEFAULT_CHECKLIST = [
    ("assessment", "The whole-family assessment is complete, timely and includes the child's voice"),
    ("plan", "The plan's outcomes are specific, measurable and agreed with the family"),
    ("reviews", "TAF reviews are held on time and record progress against each outcome"),
    ("contacts", "Visits are regular and the records say what changed for the child"),
    ("risk", "Risk is identified, reviewed and escalated when it rises"),
    ("supervision", "Supervision is recorded, reflective and its actions are followed up"),
]
