"""What step-up, step-down and the social care records accept."""
from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from caseflow.api.schemas import ResponseSchema, day, derived, flag, many, moment, one, page_fields, text, texts, whole
from caseflow.cases.amendments import amend_reason
from caseflow.core.schemas import DateWindow, Strict, free_text
from caseflow.core.vocab import HEADLINE_PROBLEMS
from caseflow.families.models import Relationship
from caseflow.plans.vocab import ACTION_STATUSES, OUTCOME_STATUSES, AssessmentStatus, PlanStatus
from caseflow.socialcare.vocab import (KEYWORKER_ROLES, STATUTORY_STATUSES, STEP_DOWN_ROUTES, STEP_UP_RESPONSES,
                                       URGENCIES)
from caseflow.core.stages import Stage


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
    started_on = fields.Date(required=True, metadata={"window": DateWindow.HAPPENED}, error_messages={
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
    handover_meeting_on = fields.Date(load_default=None, allow_none=True, metadata={"window": DateWindow.PLANNED}, error_messages={
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


# --- responses -----------------------------------------------------------------------------------

class StepUpOutSchema(ResponseSchema):
    id = text(attribute="record.id")
    case_id = text()
    stage = text("Always social_care.", choices=[Stage.SOCIAL_CARE])
    urgency = text(attribute="record.urgency", choices=list(URGENCIES))
    respond_by = moment("When social care must respond by.", attribute="record.respond_by")
    keyworker_role = text(attribute="record.keyworker_role", choices=list(KEYWORKER_ROLES), nullable=True)


class StepUpResponseOutSchema(ResponseSchema):
    step_up_id = text(attribute="record.id")
    case_id = text()
    decision = text(attribute="record.response", choices=list(STEP_UP_RESPONSES))
    note = text(attribute="record.response_note", nullable=True)
    responded_at = moment(attribute="record.responded_at")
    responded_by_id = text(attribute="record.responded_by_id")


class PreviousResponseSchema(ResponseSchema):
    decision = text("The response before this amendment.", choices=list(STEP_UP_RESPONSES), nullable=True)


class StepUpResponseAmendedSchema(StepUpResponseOutSchema):
    amendment_id = text(attribute="amendment.id")
    reason = text("Why it was amended.", attribute="amendment.reason")
    previous = derived(one(PreviousResponseSchema), lambda body: {"decision": body["amendment"].previous.get("decision")})


class StepDownOutSchema(ResponseSchema):
    id = text(attribute="record.id")
    case_id = text()
    stage = text("Always stepped_down.", choices=[Stage.STEPPED_DOWN])
    route = text(attribute="record.route", choices=list(STEP_DOWN_ROUTES))
    handover_due_on = day("The joint handover is due by then.", attribute="record.handover_due_on")
    handover_meeting_on = day(attribute="record.handover_meeting_on", nullable=True)


class StatusOutSchema(ResponseSchema):
    id = text()
    status = text(choices=list(STATUTORY_STATUSES))
    started_on = day()


class HandoverMemberSchema(ResponseSchema):
    name = derived(text(), lambda m: f"{m.person.given_name} {m.person.family_name}")
    relationship = text(attribute="relationship_to_family", choices=list(Relationship))
    date_of_birth = day(attribute="person.date_of_birth", nullable=True)


class HandoverStepUpSchema(ResponseSchema):
    at = moment(attribute="requested_at")
    reason = text()
    concern = text()
    evidence = text(nullable=True)
    urgency = text(choices=list(URGENCIES))
    family_informed = flag()
    family_not_informed_reason = text(nullable=True)
    informed = texts("Who else was told (names, roles).")
    keyworker_role = text(choices=list(KEYWORKER_ROLES), nullable=True)


class HandoverStatusSchema(ResponseSchema):
    status = text(choices=list(STATUTORY_STATUSES))
    started_on = day()
    ended_on = day(nullable=True)


class HandoverStepDownSchema(ResponseSchema):
    at = moment(attribute="requested_at")
    reason = text()
    still_needed = text()
    handover_due_on = day()
    handover_meeting_on = day(nullable=True)


class HandoverVoiceSchema(ResponseSchema):
    name = text()
    voice = text("Their own words.")


class HandoverAssessmentSchema(ResponseSchema):
    status = text(choices=list(AssessmentStatus))
    family_views = text(nullable=True)
    voices = many(HandoverVoiceSchema, "The words of the people whose case notes you may see (a partner's "
                                       "consent for a mother does not open her children's words).")
    confirmed_problems = texts(choices=list(HEADLINE_PROBLEMS))
    baseline = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                           metadata={"description": "Score by confirmed headline problem."})


class HandoverOutcomeSchema(ResponseSchema):
    headline_problem = text(choices=list(HEADLINE_PROBLEMS))
    description = text()
    status = text(choices=list(OUTCOME_STATUSES))


class HandoverActionSchema(ResponseSchema):
    description = text()
    status = text(choices=list(ACTION_STATUSES))


class HandoverPlanSchema(ResponseSchema):
    status = text(choices=list(PlanStatus))
    outcomes = many(HandoverOutcomeSchema)
    actions = many(HandoverActionSchema)


class HandoverEventSchema(ResponseSchema):
    date = day(attribute="day")
    kind = text()
    title = text()
    detail = text(nullable=True)


def _assessment_in(pack) -> dict | None:
    """The pack's assessment, with only the voices the reader may hear (pack.voices())."""
    a = pack.assessment
    if a is None:
        return None
    return {"status": a.status, "family_views": a.family_views, "confirmed_problems": a.confirmed_problems,
            "baseline": a.baseline, "voices": [{"name": name, "voice": voice} for name, voice in pack.voices()]}


class HandoverPackSchema(ResponseSchema):
    case_id = text(attribute="case.id")
    reference = text(attribute="case.reference")
    withheld = texts("The parts withheld from you, by name.")
    members = many(HandoverMemberSchema, "The people you may name (a partner: those its consent or lawful basis "
                                         "covers).")
    other_members_withheld = flag("Someone else lives in the household whom your grants do not cover (never "
                                  "who, or how many).", attribute="others_withheld")
    step_ups = many(HandoverStepUpSchema, "Empty when withheld.")
    statuses = many(HandoverStatusSchema)
    step_downs = many(HandoverStepDownSchema)
    assessment = derived(one(HandoverAssessmentSchema, "Null when there is none or it is withheld.", nullable=True),
                         _assessment_in)
    plan = one(HandoverPlanSchema, "Null when there is none or it is withheld.", nullable=True)
    chronology = many(HandoverEventSchema, "Empty when withheld.")


class MonthSchema(ResponseSchema):
    month = text("YYYY-MM (London).")
    step_ups = whole()
    step_downs = whole()
    re_referrals = whole()


class TransitionsSchema(ResponseSchema):
    items = many(MonthSchema, "The last 12 months, oldest first (all of them: page is 1).")
    page, per_page, total, total_capped = page_fields().values()


class OscillatingSchema(ResponseSchema):
    family_id = text()
    family_name = text()
    moves = whole("Moves between early help and social care in the window.")
    last_move = moment()
    case_id = text()


class OscillatingListSchema(ResponseSchema):
    items = many(OscillatingSchema)
    page, per_page, total, total_capped = page_fields().values()
