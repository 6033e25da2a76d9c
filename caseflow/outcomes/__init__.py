"""Outcomes and payment by results (issue 17): the area's Outcomes Plan, evidence on people over
time, progress against the plan, claims and the national returns."""
