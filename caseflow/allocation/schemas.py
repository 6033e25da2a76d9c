"""Input rules for allocation and the unallocated list, shared by the web forms and the API."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from caseflow.api.schemas import PageQuerySchema


class AllocationSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    keyworker_id = fields.String(required=True, error_messages={"required": "Choose a keyworker"})
    team_id = fields.String(load_default=None)
    lead_professional_id = fields.String(load_default=None)
    reason = fields.String(load_default=None, validate=validate.Length(max=2000))
    confirm_over_capacity = fields.Boolean(load_default=False)


class UnallocatedQuery(PageQuerySchema):
    stage = fields.String(load_default=None, validate=validate.OneOf(["triaged", "awaiting_panel", "stepped_down"]))
    rag = fields.String(load_default=None, validate=validate.OneOf(["red", "amber", "green"]))
