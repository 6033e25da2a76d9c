"""Input rules for allocation and the unallocated list, shared by the web forms and the API, and
what the API answers with them."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from caseflow.api.schemas import PageQuerySchema, ResponseSchema, flag, many, page_fields, text, whole
from caseflow.core.stages import Stage
from caseflow.core.vocab import Rag
from caseflow.triage.schemas import CaseSummarySchema

# The stages a case waits for allocation in (the unallocated list's filter).
WAITING_STAGES = [Stage.TRIAGED, Stage.AWAITING_PANEL, Stage.STEPPED_DOWN]


class AllocationSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    keyworker_id = fields.String(required=True, error_messages={"required": "Choose a keyworker"})
    team_id = fields.String(load_default=None)
    lead_professional_id = fields.String(load_default=None)
    reason = fields.String(load_default=None, validate=validate.Length(max=2000))
    confirm_over_capacity = fields.Boolean(load_default=False)


class CaseloadsQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    team_id = fields.String(load_default=None, validate=validate.Length(min=1, max=32),
                            metadata={"description": "Only this team's keyworkers (all teams when left out)."})


class UnallocatedQuery(PageQuerySchema):
    stage = fields.String(load_default=None, validate=validate.OneOf(WAITING_STAGES))
    rag = fields.String(load_default=None, validate=validate.OneOf(list(Rag)))


# --- responses -----------------------------------------------------------------------------------

class CaseListSchema(ResponseSchema):
    items = many(CaseSummarySchema)
    page, per_page, total, total_capped = page_fields().values()


class CaseloadSchema(CaseListSchema):
    keyworker_id = text(attribute="keyworker.id")
    capacity = whole("Families they can hold.", attribute="keyworker.caseload_capacity")


class AllocatedSchema(ResponseSchema):
    id = text(attribute="allocation.id")
    case_id = text(attribute="case.id")
    stage = text(attribute="case.stage", choices=list(Stage))
    keyworker_id = text(attribute="allocation.keyworker_id")
    team_id = text(attribute="allocation.team_id", nullable=True)


class KeyworkerLoadSchema(ResponseSchema):
    keyworker_id = text(attribute="keyworker.id")
    name = text(attribute="keyworker.name")
    team_id = text(attribute="keyworker.team_id", nullable=True)
    held = whole("Families they hold now.")
    capacity = whole(attribute="keyworker.caseload_capacity")
    at_capacity = flag(attribute="over")


class CaseloadsSchema(ResponseSchema):
    items = many(KeyworkerLoadSchema)
