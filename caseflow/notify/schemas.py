"""Bodies of the notification API: partner events, the front door's review, re-referral decisions."""
from __future__ import annotations

from datetime import timedelta

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates

from caseflow.core.database import utcnow
from caseflow.core.schemas import not_blank
from caseflow.frontdoor.schemas import PersonSchema
from caseflow.notify.vocab import CHANNELS, DEADLINES, EVENT_TYPES, RECIPIENTS


class PartnerEventSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    type = fields.String(required=True, validate=validate.OneOf(
        list(EVENT_TYPES), error="Type must be one of: " + ", ".join(EVENT_TYPES)))
    occurred_at = fields.AwareDateTime(required=True, error_messages={
        "invalid": "occurred_at must be a timestamp with an offset, like 2026-11-20T22:15:00+00:00",
        "invalid_awareness": "occurred_at needs a time zone offset, like +00:00"})
    people = fields.List(fields.Nested(PersonSchema), required=True,
                         validate=validate.Length(min=1, max=20, error="Name between 1 and 20 people"))
    summary = fields.String(load_default=None, validate=validate.Length(max=4000))
    source_reference = fields.String(required=True, validate=[
        validate.Length(max=120, error="source_reference must be 120 characters or fewer"),
        not_blank("Send your own reference for this event, so a repeat is recognised")])

    @validates("occurred_at")
    def _not_future(self, value, **kwargs):
        if value > utcnow() + timedelta(minutes=5):
            raise ValidationError("occurred_at cannot be in the future")


BATCH_MAX = 500


class PartnerEventBatchSchema(Schema):
    """Many events in one call: a partner's system catching up after an outage, or sending a
    night's incidents at once. Each event is exactly what POST /notifications takes."""
    events = fields.List(fields.Nested(PartnerEventSchema), required=True, validate=validate.Length(
        min=1, max=BATCH_MAX, error=f"Send between 1 and {BATCH_MAX} events in one batch"))


class ReviewResolutionSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(
        ["confirm", "not_known"], error="Choose confirm (with a person) or not_known"))
    person_id = fields.String(load_default=None)


class EventDecisionSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(
        ["open_case", "no_further_action"], error="Choose open_case or no_further_action"))
    reason = fields.String(required=True, validate=not_blank("Say why"),
                           error_messages={"required": "Say why", "null": "Say why"})


class RoutingRuleSchema(Schema):
    event_type = fields.String(required=True, validate=validate.OneOf(list(EVENT_TYPES), error="Choose an event type"))
    recipient = fields.String(required=True, validate=validate.OneOf(list(RECIPIENTS), error="Choose who is told"))
    channel = fields.String(required=True, validate=validate.OneOf(list(CHANNELS), error="Choose a channel"))
    deadline = fields.String(load_default="none", validate=validate.OneOf(list(DEADLINES), error="Choose a deadline"))
    deadline_hours = fields.Integer(load_default=None, allow_none=True,
                                    validate=validate.Range(min=1, max=80, error="Between 1 and 80 working hours"))
    active = fields.Boolean(load_default=True)
    # The information sharing agreement the rule relies on (a partner recipient's, above all).
    agreement_id = fields.String(load_default=None, allow_none=True)


class FlagQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    given_name = fields.String(load_default=None)
    family_name = fields.String(load_default=None)
    date_of_birth = fields.Date(load_default=None)
    postcode = fields.String(load_default=None)
    nhs_number = fields.String(load_default=None)
    upn = fields.String(load_default=None)


class FlagAnswerSchema(Schema):
    """GET /flags: whether a person is open to early help. `flagged` is null when the answer is
    not certain (status "possible_match"): a partner then checks with the front door."""
    flagged = fields.Boolean(allow_none=True, metadata={
        "description": "true: open to early help; false: not open; null: not certain (see status)"})
    status = fields.String(validate=validate.OneOf(["flagged", "not_flagged", "possible_match"]),
                           metadata={"description": "possible_match: someone open may be this person; "
                                                    "check with the front door"})
    message = fields.String(metadata={"description": "The answer in words, to show the person asking"})
    since = fields.DateTime(allow_none=True)
    case_reference = fields.String(allow_none=True)
    contact = fields.String(allow_none=True, metadata={"description": "Whom to contact"})
    needs_review = fields.Boolean(metadata={"description": "The matcher could not be sure who was meant"})
