"""Bodies of the notification API: partner events, the front door's review, re-referral decisions."""
from __future__ import annotations

from datetime import timedelta

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates, validates_schema

from caseflow.api.schemas import ResponseSchema, flag, iso_text, many, moment, cursor_field, page_fields, text, whole
from caseflow.core.database import utcnow
from caseflow.core.schemas import DateWindow, not_blank
from caseflow.frontdoor.schemas import CandidateOutSchema, PersonSchema
from caseflow.families.models import MatchStatus
from caseflow.notify.vocab import (CHANNELS, DEADLINES, EVENT_STATUSES, EVENT_TYPES, RECIPIENTS, DeliveryKind,
                                   DeliveryStatus, FlagStatus)


class EncompassChildSchema(Schema):
    """What one child named on the event saw and did (Operation Encompass)."""
    person = fields.Integer(required=True, validate=validate.Range(min=0, max=19), metadata={
        "description": "The child's position in `people` (0 for the first person named)."})
    present = fields.Boolean(required=True, metadata={"description": "Whether the child was present."})
    said_or_did = fields.String(load_default=None, validate=validate.Length(max=2000), metadata={
        "description": "What the child said or did."})


class EncompassSchema(Schema):
    """The Operation Encompass minimum data of a domestic abuse incident, beyond what the event
    already carries (the police reference is source_reference; date and time are occurred_at).
    A school's key adult receives this and the child's name and date of birth, nothing else."""
    place = fields.String(load_default=None, validate=validate.Length(max=300), metadata={
        "description": "Where the incident happened."})
    circumstances = fields.String(load_default=None, validate=validate.Length(max=4000), metadata={
        "description": "The circumstances of the incident, as a school may be told them."})
    children = fields.List(fields.Nested(EncompassChildSchema), load_default=list,
                           validate=validate.Length(max=20))


class PartnerEventSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    type = fields.String(required=True, validate=validate.OneOf(
        list(EVENT_TYPES), error="Type must be one of: " + ", ".join(EVENT_TYPES)))
    occurred_at = fields.AwareDateTime(required=True, metadata={"window": DateWindow.HAPPENED}, error_messages={
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

    encompass = fields.Nested(EncompassSchema, load_default=None, allow_none=True, metadata={
        "description": "Operation Encompass minimum data (domestic_abuse events only)."})

    @validates_schema(skip_on_field_errors=True)
    def _encompass_fits(self, data, **kwargs):
        encompass = data.get("encompass")
        if not encompass:
            return
        if data["type"] != "domestic_abuse":
            raise ValidationError("encompass is sent only with a domestic_abuse event", "encompass")
        positions = [c["person"] for c in encompass["children"]]
        if any(p >= len(data["people"]) for p in positions) or len(set(positions)) < len(positions):
            raise ValidationError("Each child's person is the position of a different entry in people",
                                  "encompass")


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
    date_of_birth = fields.Date(load_default=None, metadata={"window": DateWindow.BIRTH})
    postcode = fields.String(load_default=None)
    nhs_number = fields.String(load_default=None)
    upn = fields.String(load_default=None)


# --- responses -----------------------------------------------------------------------------------

class NotificationOutSchema(ResponseSchema):
    id = text()
    type = text("What it is about, e.g. partner_event, step_up, event_review.")
    title = text()
    body = text()
    case_id = text(nullable=True)
    family_id = text(nullable=True)
    created_at = moment()
    read_at = moment(nullable=True)
    acknowledged_at = moment(nullable=True)
    event_id = text("The partner event it tells of.", nullable=True)
    deadline_at = moment("Acknowledge by then (or it is escalated to the duty contact).", nullable=True)


class InboxSchema(ResponseSchema):
    items = many(NotificationOutSchema, "Newest first.")
    page, per_page, total, total_capped = page_fields().values()
    next_cursor = cursor_field()


class EventOutSchema(ResponseSchema):
    id = text()
    reference = text()
    type = text(choices=list(EVENT_TYPES))
    status = text(choices=list(EVENT_STATUSES))
    source_reference = text("Your own reference for it.")
    occurred_at = moment()
    received_at = moment()
    routed_at = moment(nullable=True)
    family_id = text("The family it was matched to, once routed.", nullable=True)
    case_id = text(nullable=True)
    new_case_id = text("The case opened from it, if one was.", nullable=True)


class EventAcceptedSchema(EventOutSchema):
    duplicate = flag("true: you sent this source_reference before; this is that event.")


class EventBatchAcceptedSchema(ResponseSchema):
    items = many(EventAcceptedSchema, "One per event sent, in order.")
    accepted = whole("New events.")
    duplicates = whole("Events sent before.")


class FlagOutSchema(ResponseSchema):
    """GET /flags: whether a person is open to early help. `flagged` is null when the answer is
    not certain (status "possible_match"): a partner then checks with the front door."""
    flagged = flag("true: open to early help; false: not open; null: not certain (see status).", nullable=True)
    status = text("possible_match: someone open may be this person; check with the front door.",
                  choices=list(FlagStatus))
    message = text("The answer in words, to show the person asking.")
    since = moment(nullable=True)
    case_reference = text(nullable=True)
    contact = text("Whom to contact (the keyworker, or the front door).", nullable=True)
    needs_review = flag("The matcher could not be sure who was meant.")


class EventPersonSchema(ResponseSchema):
    """A person as the partner named them (empty details left out)."""
    given_name = text()
    family_name = text()
    date_of_birth = iso_text("date", optional=True)
    sex = text(optional=True)
    relationship = text(optional=True)
    in_household = flag(optional=True)
    postcode = text(optional=True)
    address = text(optional=True)
    nhs_number = text(optional=True)
    upn = text(optional=True)
    school = text(optional=True)
    gp_practice = text(optional=True)
    phone = text(optional=True)
    email = text(optional=True)


class PersonMatchOutSchema(ResponseSchema):
    status = text(choices=[MatchStatus.LINKED, MatchStatus.NEEDS_REVIEW, MatchStatus.NEW])
    person_id = text(nullable=True)
    candidates = many(CandidateOutSchema)


class EventToReviewSchema(EventOutSchema):
    people = many(EventPersonSchema, nullable=True)
    candidates = many(PersonMatchOutSchema, "Per person named: the known people they may be.", nullable=True)


class ReviewQueueSchema(ResponseSchema):
    items = many(EventToReviewSchema, "Oldest first (all of them).")
    total = whole()


class DeliveryOutSchema(ResponseSchema):
    id = text()
    kind = text(choices=list(DeliveryKind))
    status = text(choices=list(DeliveryStatus))
    attempts = whole()
    last_error = text(nullable=True)
    event_id = text(nullable=True)
    notification_id = text(nullable=True)
    created_at = moment()
    delivered_at = moment(nullable=True)


class DeliveryListSchema(ResponseSchema):
    items = many(DeliveryOutSchema, "Newest first.")
    page, per_page, total, total_capped = page_fields().values()
    next_cursor = cursor_field()


class RoutingRuleOutSchema(ResponseSchema):
    id = text()
    event_type = text(choices=list(EVENT_TYPES))
    recipient = text(choices=list(RECIPIENTS))
    channel = text(choices=list(CHANNELS))
    deadline = text(choices=list(DEADLINES))
    deadline_hours = whole(nullable=True)
    active = flag()
    agreement_id = text("The information sharing agreement the rule relies on; the rule stops counting the day "
                        "after it ends.", nullable=True)


class RoutingRulesSchema(ResponseSchema):
    items = many(RoutingRuleOutSchema)


class OrganisationSettingsInSchema(Schema):
    """What PUT /organisations/{org_id}/notification-settings takes: only the keys sent change
    (null clears one). The service checks it (the settings page shares the rules)."""

    class Meta:
        unknown = EXCLUDE

    duty_contact_id = fields.String(allow_none=True, metadata={"description": "A user of this organisation."})
    duty_email = fields.String(allow_none=True)
    key_adult_id = fields.String(allow_none=True, metadata={"description": "A user of this organisation (schools)."})
    encompass_lead_id = fields.String(allow_none=True, metadata={
        "description": "A user of this organisation (the council): the named Operation Encompass lead, told "
                       "about children home-educated or not on a school roll."})
    webhook_url = fields.String(allow_none=True, metadata={
        "description": "https:// (http:// only on this machine); setting a new one generates a signing secret."})
    new_secret = fields.Boolean(metadata={"description": "true: generate a new webhook signing secret."})


class OrganisationSettingsSchema(ResponseSchema):
    id = text(attribute="org.id")
    name = text(attribute="org.name")
    duty_contact_id = text(attribute="org.duty_contact_id", nullable=True)
    duty_email = text(attribute="org.duty_email", nullable=True)
    key_adult_id = text(attribute="org.key_adult_id", nullable=True)
    encompass_lead_id = text(attribute="org.encompass_lead_id", nullable=True)
    webhook_url = text(attribute="org.webhook_url", nullable=True)
    webhook_secret = text("The webhook signing secret: shown once, when the webhook address is set.",
                          optional=True)
