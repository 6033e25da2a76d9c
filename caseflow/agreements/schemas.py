"""What an information sharing agreement accepts, and what the register's API returns."""
from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from caseflow.agreements.models import AgreementStatus
from caseflow.api.schemas import ResponseSchema, day, flag, many, page_fields, text, texts
from caseflow.core.schemas import CATEGORY, Strict, free_text
from caseflow.core.vocab import Category


class AgreementSchema(Strict):
    name = free_text("Enter the agreement's name", 200)
    party_ids = fields.List(fields.String(), load_default=list)
    purposes = fields.List(fields.String(validate=validate.Length(max=500, error="Keep each purpose under 500 characters")),
                           load_default=list)
    categories = fields.List(fields.String(validate=CATEGORY), load_default=list)
    starts_on = fields.Date(required=True, error_messages={"required": "Enter the date the agreement starts",
                                                           "invalid": "Date must be a real date"})
    review_on = fields.Date(required=True, error_messages={"required": "Enter the date it is to be reviewed",
                                                           "invalid": "Date must be a real date"})
    ends_on = fields.Date(required=True, error_messages={"required": "Enter the date it ends",
                                                         "invalid": "Date must be a real date"})

    @validates_schema(skip_on_field_errors=False)
    def _whole(self, data, **kwargs):
        errors = {}
        if len(set(data.get("party_ids") or [])) < 2:
            errors["party_ids"] = ["Choose at least two organisations that signed it"]
        if not [p for p in data.get("purposes") or [] if p.strip()]:
            errors["purposes"] = ["Say what the agreement is for"]
        if not data.get("categories"):
            errors["categories"] = ["Choose at least one kind of information it lets the parties share"]
        starts, review, ends = data.get("starts_on"), data.get("review_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            errors["ends_on"] = ["The end date must be on or after the start date"]
        if starts and review and ends and not starts <= review <= ends:
            errors["review_on"] = ["The review date must fall between the start and end dates"]
        if errors:
            raise ValidationError(errors)


# --- responses -----------------------------------------------------------------------------------

class AgreementOnDay:
    """An agreement as it stands on one day (its status and whether it is in force change with
    the date, not the record)."""

    def __init__(self, agreement, today):
        self.agreement = agreement
        self.status, self.in_force = agreement.status(today), agreement.in_force(today)

    def __getattr__(self, name):
        return getattr(self.agreement, name)


class AgreementOutSchema(ResponseSchema):
    id = text()
    name = text()
    party_organisation_ids = texts("The organisations that signed it.", attribute="party_ids")
    purposes = texts("What it is for, in plain English.")
    categories = texts("The kinds of information it lets the parties share.", choices=list(Category))
    starts_on = day()
    review_on = day()
    ends_on = day("Grants and routing rules relying on it stop counting the day after.")
    status = text("Today (London).", choices=list(AgreementStatus))
    in_force = flag("It has started and not ended, today (London).")


class AgreementListSchema(ResponseSchema):
    items = many(AgreementOutSchema)
    page, per_page, total, total_capped = page_fields().values()
