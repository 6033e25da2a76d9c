"""What an information sharing agreement accepts."""
from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from caseflow.core.schemas import CATEGORY, Strict, free_text


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
