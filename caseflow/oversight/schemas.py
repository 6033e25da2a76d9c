"""What the oversight API and forms accept and answer (validated in the services)."""
from __future__ import annotations

from marshmallow import fields, validate

from caseflow.api.schemas import (ResponseSchema, cursor_field, day, many, moment, page_fields, text, whole)
from caseflow.core.schemas import DateWindow, Strict, free_text
from caseflow.oversight.vocab import AUDIT_STATUSES, GRADES

GRADE = validate.OneOf(list(GRADES), error="Choose outstanding, good, requires improvement or inadequate")


# --- supervision ---------------------------------------------------------------------------------

class SupervisionSchema(Strict):
    date = fields.Date(required=True, metadata={"window": DateWindow.HAPPENED}, error_messages={
        "required": "Enter the date of the supervision", "invalid": "Date must be a real date"})
    discussion = free_text("Write what was discussed")
    decisions = free_text("Write what was decided")
    actions = free_text(max_length=5000)
    next_due_on = fields.Date(load_default=None, allow_none=True, metadata={"window": DateWindow.PLANNED},
                              error_messages={"invalid": "Date must be a real date"})


class SupervisionOutSchema(ResponseSchema):
    id = text()
    case_id = text()
    date = day(attribute="held_on")
    supervisor_id = text()
    keyworker_id = text(nullable=True)
    discussion = text()
    decisions = text()
    actions = text(nullable=True)
    next_due_on = day()
    recorded_at = moment()


class SupervisionListSchema(ResponseSchema):
    items = many(SupervisionOutSchema, "Newest first.")
    page, per_page, total, total_capped = page_fields().values()
    next_cursor = cursor_field()


class OverdueSupervisionOutSchema(ResponseSchema):
    case_id = text(attribute="case.id")
    reference = text(attribute="case.reference")
    family = text(attribute="family.display_name")
    keyworker_id = text(attribute="case.keyworker_id", nullable=True)
    due_on = day("When supervision was due: the last one's next date, or a period after allocation.")
    last_held_on = day(nullable=True)


class OverdueSupervisionListSchema(ResponseSchema):
    items = many(OverdueSupervisionOutSchema, "Longest overdue first.")
    page, per_page, total, total_capped = page_fields().values()


# --- case file audit -----------------------------------------------------------------------------

class SampleSchema(Strict):
    team_id = fields.String(required=True, error_messages={"required": "Choose a team", "null": "Choose a team"})
    period_start = fields.Date(required=True, metadata={"window": DateWindow.HAPPENED}, error_messages={
        "required": "Enter the start of the period", "invalid": "Date must be a real date"})
    period_end = fields.Date(required=True, metadata={"window": DateWindow.HAPPENED}, error_messages={
        "required": "Enter the end of the period", "invalid": "Date must be a real date"})
    size = fields.Integer(load_default=5, validate=validate.Range(1, 50, error="Sample from 1 to 50 cases"),
                          error_messages={"invalid": "Enter the sample size as a whole number"})


class GradingSchema(Strict):
    answers = fields.Dict(keys=fields.String(), values=fields.String(validate=GRADE), load_default=dict)
    grade = fields.String(required=True, validate=GRADE, error_messages={"required": "Choose the overall grade"})
    findings = free_text("Write what the audit found")
    actions = free_text(max_length=5000)


class ChecklistItemSchema(Strict):
    question = free_text("Write the question", 300)


class CaseFileAuditOutSchema(ResponseSchema):
    id = text()
    case_id = text()
    status = text(choices=list(AUDIT_STATUSES))
    grade = text(nullable=True, choices=list(GRADES))
    answers = fields.List(fields.Dict(), metadata={"description": "Each question's words and its grade."})
    findings = text(nullable=True)
    actions = text(nullable=True)
    graded_at = moment(nullable=True)


class SampleOutSchema(ResponseSchema):
    id = text()
    team_id = text()
    period_start = day()
    period_end = day()
    drawn_at = moment()
    eligible = whole("How many cases the sample was drawn from.")
    audits = many(CaseFileAuditOutSchema, "The sampled case files, in the order drawn.")


class GradesOverTimeOutSchema(ResponseSchema):
    month = text("YYYY-MM")
    label = text("The month in words, e.g. January 2026.")
    outstanding = whole()
    good = whole()
    requires_improvement = whole()
    inadequate = whole()


class GradesOverTimeSchema(ResponseSchema):
    items = many(GradesOverTimeOutSchema, "Oldest month first.")
