"""What the identification pages and /api/v1 take in and send out."""
from __future__ import annotations

from marshmallow import fields, validate

from caseflow.api.schemas import ResponseSchema, day, many, moment, one, page_fields, text, whole
from caseflow.core.schemas import Strict, free_text
from caseflow.core.vocab import Urgency
from caseflow.identification.vocab import IdentifiedState
from caseflow.outcomes.vocab import RunState


class RunStartSchema(Strict):
    min_problems = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(
        min=1, max=10, error="A family needs between 1 and 10 problems to be identified"))


class DismissSchema(Strict):
    reason = free_text("Say why this family is dismissed", max_length=2000)


class StartRequestSchema(Strict):
    """What the front door adds when it starts a request from an identified family: the people
    and the concerns come from the family's record and the evidence; the request's own rules
    (consent, or a safeguarding concern) are the front door's (caseflow.frontdoor.schemas)."""
    consent_given = fields.Boolean(required=True, error_messages={
        "required": "Say whether the family agreed to this request",
        "invalid": "Say whether the family agreed to this request"})
    safeguarding_concern = fields.Boolean(load_default=False)
    urgency = fields.String(load_default=Urgency.ROUTINE, validate=validate.OneOf(
        [u.value for u in Urgency], error="Urgency must be routine, urgent or immediate"))
    details = free_text(max_length=20000)


class IdentifiedListQuerySchema(Strict):
    run_id = fields.String(load_default=None, validate=validate.Length(max=32))
    state = fields.String(load_default=None, validate=validate.OneOf([s.value for s in IdentifiedState]))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class RunListQuerySchema(Strict):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class IdentificationRunSchema(ResponseSchema):
    id = text()
    as_of = day("The day the run counted the evidence to.")
    state = text(choices=list(RunState))
    min_problems = whole("The eligibility rule: problems a family needs.")
    plan_version = whole("The Outcomes Plan version whose problems were counted.")
    identified = whole("Families proposed.")
    summary = fields.Dict(required=True, metadata={"description": "Families with each problem (before the rule), "
                                                                  "and the plan's problems no partner data counts."})
    created_at = moment()
    finished_at = moment(nullable=True)


class IdentificationRunListSchema(ResponseSchema):
    items = many(IdentificationRunSchema)
    locals().update(page_fields())


class IdentifiedProblemSchema(ResponseSchema):
    code = text("The Outcomes Plan's code for the problem.")
    label = text()
    evidence_count = whole("Evidence records that show it.")
    latest_on = day("The date of the latest of them.")


class IdentifiedFamilySchema(ResponseSchema):
    run_id = text()
    family_id = text()
    family_reference = text()
    family_name = text()
    state = text(choices=list(IdentifiedState))
    problem_count = whole()
    problems = many(IdentifiedProblemSchema)
    decided_at = moment(nullable=True)
    request_id = text(nullable=True)


class IdentifiedFamilyListSchema(ResponseSchema):
    items = many(IdentifiedFamilySchema)
    locals().update(page_fields())


class RequestStartedSchema(ResponseSchema):
    identified = one(IdentifiedFamilySchema)
    request_id = text()
    request_reference = text()
    case_id = text()
    match_status = text("linked: the request joined the family's record; needs_review: the front door checks a "
                        "possible match.")
