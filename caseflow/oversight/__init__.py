"""Oversight (issue 20): a manager's supervision of each case, and case file audits (dip samples
graded against the area's checklist)."""
