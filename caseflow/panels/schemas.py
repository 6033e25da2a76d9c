"""Input rules for panels and their decisions, shared by the web forms and the API."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from caseflow.cases.amendments import amend_reason


class PanelSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    name = fields.String(load_default="Early help allocation panel", validate=validate.Length(min=1, max=120))
    date = fields.Date(required=True, error_messages={"required": "Enter the date of the panel",
                                                       "invalid": "Enter a real date, like 2026-12-01"})
    members = fields.List(fields.String(), load_default=list)


class PanelDecisionSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    case_id = fields.String(required=True)
    decision = fields.String(required=True, validate=validate.OneOf(["allocate", "signpost", "step_up", "defer"],
                             error="Choose allocate, signpost, step up or defer"),
                             error_messages={"required": "Choose a decision"})
    rationale = fields.String(required=True, validate=validate.Length(min=3, max=5000, error="Give the panel's reasons"),
                              error_messages={"required": "Give the panel's reasons"})
    team_id = fields.String(load_default=None)
    keyworker_id = fields.String(load_default=None)
    lead_professional_id = fields.String(load_default=None)
    signposted_to = fields.String(load_default=None)
    confirm_over_capacity = fields.Boolean(load_default=False)

    @validates_schema
    def _needs(self, data, **kwargs):
        if data.get("decision") == "allocate" and not data.get("keyworker_id"):
            raise ValidationError("Choose a keyworker", "keyworker_id")
        if data.get("decision") == "signpost" and not (data.get("signposted_to") or "").strip():
            raise ValidationError("Say where the family has been signposted to", "signposted_to")


class PanelAmendmentSchema(PanelDecisionSchema):
    """A panel decision changed after it was made (the case is named by the URL), and why."""
    case_id = fields.String(load_default=None)
    reason = amend_reason()
