"""What the practice tools' forms accept (validated in the services)."""
from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from caseflow.core.schemas import DateWindow, Strict, free_text
from caseflow.practice.vocab import DASH_CODES, DASH_ANSWERS, SCORE_MAX, SCORE_MIN, WHEEL_OCCASIONS

ANSWER = validate.OneOf(list(DASH_ANSWERS), error="Choose yes, no or not known")


class DashSchema(Strict):
    victim_id = fields.String(required=True, error_messages={"required": "Choose who the checklist was completed with"})
    completed_on = fields.Date(required=True, metadata={"window": DateWindow.HAPPENED}, error_messages={
        "required": "Enter the date the checklist was completed", "invalid": "Date must be a real date"})
    answers = fields.Dict(keys=fields.String(validate=validate.OneOf(DASH_CODES)),
                          values=fields.String(validate=ANSWER), required=True)
    notes = fields.Dict(keys=fields.String(validate=validate.OneOf(DASH_CODES)),
                        values=fields.String(validate=validate.Length(max=2000)), load_default=dict)
    professional_judgement = fields.Boolean(load_default=False)
    judgement_reason = free_text(max_length=5000)
    escalation = fields.Boolean(load_default=False)

    @validates_schema(skip_on_field_errors=False)
    def _every_question_and_the_reason(self, data, **kwargs):
        errors = {}
        missing = [code for code in DASH_CODES if code not in (data.get("answers") or {})]
        if missing:
            errors.update({f"answers.{code}": ["Answer yes, no or not known"] for code in missing})
        if data.get("professional_judgement") and not (data.get("judgement_reason") or "").strip():
            errors["judgement_reason"] = ["Say why your professional judgement is that this needs MARAC"]
        if errors:
            raise ValidationError(errors)


class MaracReferralSchema(Strict):
    referred_on = fields.Date(required=True, metadata={"window": DateWindow.HAPPENED}, error_messages={
        "required": "Enter the date of the MARAC referral", "invalid": "Date must be a real date"})


def _score(who: str):
    message = f"Give {who} score from {SCORE_MIN} to {SCORE_MAX}"
    return fields.Integer(required=True, strict=False, validate=validate.Range(min=SCORE_MIN, max=SCORE_MAX, error=message),
                          error_messages={"required": message, "invalid": message, "null": message})


class AreaScoreSchema(Strict):
    family = _score("the family's")
    worker = _score("your")


class WheelScoringSchema(Strict):
    occasion = fields.String(required=True, validate=validate.OneOf(list(WHEEL_OCCASIONS), error="Choose when this was scored"),
                             error_messages={"required": "Choose when this was scored"})
    scored_on = fields.Date(required=True, metadata={"window": DateWindow.HAPPENED}, error_messages={
        "required": "Enter the date of the scoring", "invalid": "Date must be a real date"})
    scores = fields.Dict(keys=fields.String(), values=fields.Nested(AreaScoreSchema), required=True)
    comment = free_text(max_length=5000)


class WheelAreaSchema(Strict):
    label = fields.String(required=True, validate=[validate.Length(min=1, max=100, error="Name the area in 100 characters or fewer")],
                          error_messages={"required": "Name the area"})
    description = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))
    position = fields.Integer(load_default=None, allow_none=True, strict=False,
                              validate=validate.Range(min=1, max=99, error="A position from 1 to 99"))
    active = fields.Boolean(load_default=True)
