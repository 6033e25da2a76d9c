"""What step-up, step-down and the social care records accept."""
from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from caseflow.cases.amendments import amend_reason
from caseflow.core.schemas import Strict, free_text
from caseflow.socialcare.vocab import (KEYWORKER_ROLES, STATUTORY_STATUSES, STEP_DOWN_ROUTES, STEP_UP_RESPONSES,
                                       URGENCIES)


class StepUpSchema(Strict):
    reason = free_text("Say why the case needs children's social care", 5000)
    concern = free_text("Describe the safeguarding concern", 5000)
    evidence = free_text(max_length=10000)
    informed = fields.List(fields.String(validate=validate.Length(max=200)), load_default=list)
    family_informed = fields.Boolean(required=True, error_messages={
        "required": "Say whether the family has been told"})
    family_not_informed_reason = free_text(max_length=2000)
    urgency = fields.String(required=True, validate=validate.OneOf(
        list(URGENCIES), error="Choose how urgently social care must respond"),
        error_messages={"required": "Choose how urgently social care must respond"})
    keyworker_role = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(
        list(KEYWORKER_ROLES), error="Choose whether the keyworker stays involved or steps back"))
    social_worker_id = fields.String(load_default=None, allow_none=True)

    @validates_schema(skip_on_field_errors=False)  # report it with the other problems
    def _why_not_told(self, data, **kwargs):
        # Telling the family is the default; not telling them (e.g. it would put a child at
        # risk) must be a recorded decision.
        if data.get("family_informed") is False and not (data.get("family_not_informed_reason") or "").strip():
            raise ValidationError("Say why the family has not been told", "family_not_informed_reason")


class StatusSchema(Strict):
    status = fields.String(required=True, validate=validate.OneOf(
        list(STATUTORY_STATUSES), error="Choose the statutory status"),
        error_messages={"required": "Choose the statutory status"})
    started_on = fields.Date(required=True, error_messages={
        "required": "Enter the date it started", "invalid": "Start date must be a real date"})


class SocialWorkerSchema(Strict):
    social_worker_id = fields.String(required=True, error_messages={"required": "Choose a social worker"})


class KeyworkerRoleSchema(Strict):
    keyworker_role = fields.String(required=True, validate=validate.OneOf(
        list(KEYWORKER_ROLES), error="Choose joint or stepped_back"),
        error_messages={"required": "Choose whether the keyworker stays involved or steps back"})


class StepDownSchema(Strict):
    reason = free_text("Say why the case can step down to early help", 5000)
    still_needed = free_text("Say what the family still needs", 5000)
    handover_meeting_on = fields.Date(load_default=None, allow_none=True, error_messages={
        "invalid": "Handover date must be a real date"})
    route = fields.String(load_default="panel", validate=validate.OneOf(
        list(STEP_DOWN_ROUTES), error="Choose the panel or an early help team"))
    receiving_team_id = fields.String(load_default=None, allow_none=True)

    @validates_schema(skip_on_field_errors=False)  # report it with the other problems
    def _team_for_direct(self, data, **kwargs):
        if data.get("route") == "direct" and not data.get("receiving_team_id"):
            raise ValidationError("Choose the early help team taking the case", "receiving_team_id")


class StepUpResponseSchema(Strict):
    decision = fields.String(required=True, validate=validate.OneOf(
        list(STEP_UP_RESPONSES), error="Choose accepted_for_assessment, strategy_discussion or not_accepted"),
        error_messages={"required": "Choose social care's response"})
    advice = free_text(max_length=5000)
    note = free_text(max_length=5000)

    @validates_schema(skip_on_field_errors=False)  # report it with the other problems
    def _advice_when_not_accepted(self, data, **kwargs):
        if data.get("decision") == "not_accepted" and not (data.get("advice") or "").strip():
            raise ValidationError("Give early help your advice: what should happen instead", "advice")


class StepUpResponseAmendmentSchema(StepUpResponseSchema):
    reason = amend_reason()
