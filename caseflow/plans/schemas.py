"""What the casework API and forms accept (validated in the services, so both share the rules)."""
from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from caseflow.api.schemas import (ResponseSchema, cursor_field, day, derived, flag, iso_text, many, moment, number, one,
                                  page_fields, text, texts, whole)
from caseflow.core.schemas import DateWindow, Strict, free_text
from caseflow.core.stages import Stage
from caseflow.core.vocab import HEADLINE_PROBLEMS
from caseflow.families.models import Relationship
from caseflow.plans.vocab import (ACTION_STATUSES, CHECK_IN_OUTCOMES, CLOSURE_REASONS, SUSTAINED_OUTCOMES, CONTACT_TYPES, DOMAINS,
                                  FINAL_OUTCOME_STATUSES, OUTCOME_STATUSES, REVIEW_DECISIONS,
                                  SCORE_MAX, SCORE_MIN, ActionStatus, AssessmentStatus, OutcomeStatus,
                                  PlanStatus)

# What the API says of an assessment or plan not begun yet (no row: not a stored status).
NOT_STARTED = "not_started"

PROBLEM = validate.OneOf(list(HEADLINE_PROBLEMS), error="Choose one of the six headline problems")
SCORE = validate.Range(SCORE_MIN, SCORE_MAX, error=f"Score from {SCORE_MIN} to {SCORE_MAX}")


# --- assessment ----------------------------------------------------------------------------------

class AssessmentMemberSchema(Strict):
    person_id = fields.String(required=True, error_messages={"required": "Say which family member"})
    worked_with = fields.Boolean(load_default=True)
    voice = free_text()


class DomainSchema(Strict):
    strengths = free_text()
    needs = free_text()


class AssessmentSchema(Strict):
    """A draft may be partial: completeness is checked when the assessment is completed."""
    version = fields.Integer(load_default=None, allow_none=True)
    members = fields.List(fields.Nested(AssessmentMemberSchema), load_default=None)
    domains = fields.Dict(keys=fields.String(validate=validate.OneOf(
        list(DOMAINS), error="Not an assessment area")), values=fields.Nested(DomainSchema), load_default=None)
    family_views = free_text()
    summary = free_text()
    confirmed_problems = fields.List(fields.String(validate=PROBLEM), load_default=None)
    baseline = fields.Dict(keys=fields.String(validate=PROBLEM), values=fields.Integer(
        validate=SCORE, error_messages={"invalid": "Score must be a whole number"}), load_default=None)


class AddendumSchema(Strict):
    text = free_text("Write the addendum")


# --- plan ----------------------------------------------------------------------------------------

class OutcomeSchema(Strict):
    id = fields.String(load_default=None, allow_none=True)
    headline_problem = fields.String(required=True, validate=PROBLEM, error_messages={
        "required": "Choose the headline problem this outcome is for"})
    description = free_text("Describe the outcome the family wants", 2000)
    measure = free_text("Say how you will know it has been achieved", 2000)
    target_date = fields.Date(required=True, metadata={"window": DateWindow.PLANNED}, error_messages={
        "required": "Enter a target date", "invalid": "Target date must be a real date"})
    status = fields.String(load_default=OutcomeStatus.IN_PROGRESS, validate=validate.OneOf(list(OUTCOME_STATUSES)))


class ActionSchema(Strict):
    id = fields.String(load_default=None, allow_none=True)
    description = free_text("Describe the action", 2000)
    owner_user_id = fields.String(load_default=None, allow_none=True)
    owner_organisation_id = fields.String(load_default=None, allow_none=True)
    # The outcome this action serves: its position in this request's `outcomes` (0 = first).
    outcome_index = fields.Integer(load_default=None, allow_none=True)
    due_date = fields.Date(required=True, metadata={"window": DateWindow.PLANNED}, error_messages={
        "required": "Enter a due date", "invalid": "Due date must be a real date"})
    status = fields.String(load_default=ActionStatus.NOT_STARTED, validate=validate.OneOf(
        list(ACTION_STATUSES), error="Status must be not_started, in_progress, done or cancelled"))

    @validates_schema(skip_on_field_errors=False)  # report it with the other problems
    def _owned(self, data, **kwargs):
        if not data.get("owner_user_id") and not data.get("owner_organisation_id"):
            raise ValidationError("Choose who owns this action: a person or an organisation", "owner")


class PlanSchema(Strict):
    version = fields.Integer(load_default=None, allow_none=True)
    outcomes = fields.List(fields.Nested(OutcomeSchema), required=True, error_messages={
        "required": "Add the plan's outcomes"})
    actions = fields.List(fields.Nested(ActionSchema), load_default=list)


class AgreePlanSchema(Strict):
    version = fields.Integer(load_default=None, allow_none=True)
    family_agreed = fields.Boolean(required=True, error_messages={
        "required": "Confirm that the family has agreed the plan"})


# --- contacts, reviews, TAF, closure ---------------------------------------------------------------

class ContactSchema(Strict):
    date = fields.Date(required=True, metadata={"window": DateWindow.HAPPENED}, error_messages={
        "required": "Enter the date of the contact", "invalid": "Date must be a real date"})
    type = fields.String(required=True, validate=validate.OneOf(
        list(CONTACT_TYPES), error="Choose the type of contact"), error_messages={"required": "Choose the type of contact"})
    people_seen = fields.List(fields.String(), load_default=list)
    notes = free_text("Write what happened")
    next_steps = free_text(max_length=5000)
    next_visit_on = fields.Date(load_default=None, allow_none=True, metadata={"window": DateWindow.PLANNED},
                                error_messages={"invalid": "Date must be a real date"})
    joint_with = fields.List(fields.String(), load_default=list, metadata={
        "description": "A joint visit: the user ids of the other practitioners who went."})


class AttendeeSchema(Strict):
    name = free_text("Enter the attendee's name", 200)
    organisation = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    user_id = fields.String(load_default=None, allow_none=True)


class ProgressSchema(Strict):
    outcome_id = fields.String(required=True)
    score = fields.Integer(required=True, validate=SCORE, error_messages={
        "required": "Score the progress", "invalid": "Score must be a whole number"})


class ActionUpdateSchema(Strict):
    action_id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(list(ACTION_STATUSES)))


class ActionProgressSchema(Strict):
    """An action's owner (or the keyworker) says how it is going, between reviews."""
    status = fields.String(required=True, validate=validate.OneOf(
        list(ACTION_STATUSES), error="Status must be " + ", ".join(ACTION_STATUSES)),
        error_messages={"required": "Say how the action is going"})
    note = free_text(max_length=2000)


class ReviewSchema(Strict):
    date = fields.Date(required=True, metadata={"window": DateWindow.HAPPENED}, error_messages={
        "required": "Enter the date of the review", "invalid": "Date must be a real date"})
    attendees = fields.List(fields.Nested(AttendeeSchema), required=True, validate=validate.Length(
        min=1, error="Record who attended"), error_messages={"required": "Record who attended"})
    progress = fields.List(fields.Nested(ProgressSchema), load_default=list)
    action_updates = fields.List(fields.Nested(ActionUpdateSchema), load_default=list)
    decision = fields.String(required=True, validate=validate.OneOf(
        list(REVIEW_DECISIONS), error="Decision must be continue, close or step_up"),
        error_messages={"required": "Record the review's decision"})
    notes = free_text()
    next_review_date = fields.Date(load_default=None, allow_none=True, metadata={"window": DateWindow.PLANNED}, error_messages={
        "invalid": "Next review date must be a real date"})
    step_up_reason = free_text(max_length=5000)

    @validates_schema(skip_on_field_errors=False)  # report it with the other problems
    def _step_up_needs_reason(self, data, **kwargs):
        if data.get("decision") == "step_up" and not (data.get("step_up_reason") or "").strip():
            raise ValidationError("Say why the case is stepping up to children's social care",
                                  "step_up_reason")


class TafMemberSchema(Strict):
    user_id = fields.String(required=True, error_messages={"required": "Choose a practitioner"})
    role = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=120))


class OutcomeMarkSchema(Strict):
    outcome_id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(
        list(FINAL_OUTCOME_STATUSES), error="Mark the outcome achieved, partly_achieved or not_achieved"))


class StepDownContactSchema(Strict):
    """Step-down to universal services: the named person the family can go to now."""
    person_name = free_text("Enter the name of the person the family can go to", 200)
    organisation = free_text("Enter their organisation", 200)
    how_to_reach = free_text("Say how the family can reach them (phone, email or where to find them)", 300)
    service_id = fields.String(load_default=None, allow_none=True)


class CloseSchema(Strict):
    reason = fields.String(required=True, validate=validate.OneOf(
        list(CLOSURE_REASONS), error="Choose why the case is closing"),
        error_messages={"required": "Choose why the case is closing"})
    summary = free_text("Write a closing summary")
    family_feedback = free_text(max_length=5000)
    outcomes = fields.List(fields.Nested(OutcomeMarkSchema), load_default=list)
    # Optional, so a closure as before still closes the case fully: with `monitoring` the case
    # goes into its monitoring period (Settings.monitoring_months) instead.
    monitoring = fields.Boolean(load_default=False, metadata={
        "description": "Close with a monitoring period: light-touch check-ins, then an outcome review closes it fully."})
    step_down_contact = fields.Nested(StepDownContactSchema, load_default=None, allow_none=True)
    service_ids = fields.List(fields.String(), load_default=list, metadata={
        "description": "Services from the directory the family is pointed to (GET /directory)."})


# --- after closure -------------------------------------------------------------------------------

class CheckInSchema(Strict):
    date = fields.Date(required=True, metadata={"window": DateWindow.HAPPENED}, error_messages={
        "required": "Enter the date of the check-in", "invalid": "Date must be a real date"})
    outcome = fields.String(required=True, validate=validate.OneOf(
        list(CHECK_IN_OUTCOMES), error="Choose what the check-in found"),
        error_messages={"required": "Choose what the check-in found"})
    note = free_text(max_length=5000)


class OutcomeReviewSchema(Strict):
    outcome = fields.String(required=True, validate=validate.OneOf(
        list(SUSTAINED_OUTCOMES), error="Choose whether the change lasted"),
        error_messages={"required": "Choose whether the change lasted"})
    summary = free_text("Write what the outcome review found")


class EngagementSchema(Strict):
    until = fields.Date(required=True, metadata={"window": DateWindow.PLANNED}, error_messages={
        "required": "Enter the date to keep trying until", "invalid": "Date must be a real date"})
    reason = free_text("Say why the service should keep trying", 2000)


# --- responses -----------------------------------------------------------------------------------

class AssessmentMemberOutSchema(ResponseSchema):
    person_id = text()
    name = text()
    relationship = text(choices=list(Relationship))
    date_of_birth = iso_text("date", nullable=True)
    worked_with = flag("The keyworker worked with them directly.")
    voice = text("Their own words (each child's voice is needed to complete); null when withheld from you.",
                 nullable=True)
    redacted = texts("Present only when their words are withheld from you: your consent or lawful basis "
                     "names them but does not cover their case notes.", choices=["voice"], optional=True)


class DomainOutSchema(ResponseSchema):
    strengths = text(nullable=True)
    needs = text(nullable=True)


class AddendumOutSchema(ResponseSchema):
    id = text()
    written_at = moment()
    author_id = text()
    text = text()


class AddendumCreatedSchema(ResponseSchema):
    id = text()
    written_at = moment()
    text = text()


class AssessmentOutSchema(ResponseSchema):
    case_id = text()
    status = text("not_started: nothing saved yet (the body is pre-filled from what the service holds).",
                  choices=[NOT_STARTED, *AssessmentStatus])
    due_on = day(nullable=True)
    completed_at = moment(nullable=True)
    version = whole("Send it back when saving, so a colleague's save is not overwritten; null until started.",
                    nullable=True)
    members = many(AssessmentMemberOutSchema, "The people you may name (a partner: those its consent or lawful "
                                              "basis covers).")
    domains = fields.Dict(keys=fields.String(validate=validate.OneOf(list(DOMAINS))),
                          values=fields.Nested(DomainOutSchema), required=True,
                          metadata={"description": "Strengths and needs by assessment area."})
    family_views = text("The family's own words.", nullable=True)
    summary = text("The keyworker's analysis.", nullable=True)
    confirmed_problems = texts(choices=list(HEADLINE_PROBLEMS))
    baseline = fields.Dict(keys=fields.String(validate=PROBLEM), values=fields.Integer(), required=True,
                           metadata={"description": f"Score ({SCORE_MIN}-{SCORE_MAX}) by confirmed headline problem."})
    addenda = many(AddendumOutSchema, "Dated additions after completion, oldest first.")


class OutcomeOutSchema(ResponseSchema):
    id = text()
    headline_problem = text(choices=list(HEADLINE_PROBLEMS))
    description = text()
    measure = text()
    target_date = day()
    status = text(choices=list(OUTCOME_STATUSES))


class PlanActionOutSchema(ResponseSchema):
    id = text()
    description = text()
    owner_user_id = text(nullable=True)
    owner_organisation_id = text(nullable=True)
    outcome_id = text(nullable=True)
    due_date = day()
    status = text(choices=list(ACTION_STATUSES))
    progress_note = text("The owner's latest word on how it is going.", nullable=True)
    progress_at = moment(nullable=True)
    progress_by_id = text(nullable=True)


class DistanceSchema(ResponseSchema):
    headline_problem = text(choices=list(HEADLINE_PROBLEMS))
    label = text()
    baseline = whole("The assessment's score.", nullable=True)
    latest = number("The latest review's mean score for its outcomes.", nullable=True)
    change = number("latest - baseline.", nullable=True)
    as_of = day("The latest review's date.", nullable=True)


class PlanOutSchema(ResponseSchema):
    case_id = text()
    id = text("Absent until the plan is started.", optional=True)
    status = text(choices=[NOT_STARTED, *PlanStatus])
    version = whole("Send it back when saving; null until started.", nullable=True)
    agreed_at = moment("Absent until the plan is started.", nullable=True, optional=True)
    family_agreed = flag("Absent until the plan is started.", optional=True)
    outcomes = many(OutcomeOutSchema, "Empty unless you may see the plan.")
    actions = many(PlanActionOutSchema, "Empty unless you may see the plan.")
    distance_travelled = many(DistanceSchema, "Per confirmed headline problem; empty unless you may see case notes.")


class ContactForReader:
    """A contact as one reader may see it: `people_seen` names only the people the reader's
    decision lets them name (everyone, when there is no decision to cut by)."""

    def __init__(self, contact, decision=None):
        self.contact = contact
        self.people_seen = [p for p in contact.people_seen or [] if decision is None or decision.shows_person(p)]

    def __getattr__(self, name):
        return getattr(self.contact, name)


class ContactOutSchema(ResponseSchema):
    id = text()
    date = day(attribute="occurred_on")
    type = text(attribute="contact_type", choices=list(CONTACT_TYPES))
    people_seen = texts("Person ids of the people seen whom you may name.")
    notes = text()
    next_steps = text(nullable=True)
    next_visit_on = day("The next visit booked, if one was.", nullable=True)
    joint_with = texts("A joint visit: the user ids of the other practitioners who went.")
    recorded_by_id = text()
    recorded_at = moment()


class ContactListSchema(ResponseSchema):
    items = many(ContactOutSchema, "Newest first.")
    page, per_page, total, total_capped = page_fields().values()
    next_cursor = cursor_field()


class AttendeeOutSchema(ResponseSchema):
    name = text()
    organisation = text(nullable=True)
    user_id = text(nullable=True)


class ProgressOutSchema(ResponseSchema):
    outcome_id = text()
    score = whole()


class ActionUpdateOutSchema(ResponseSchema):
    action_id = text()
    status = text(choices=list(ACTION_STATUSES))


class ReviewOutSchema(ResponseSchema):
    id = text()
    date = day(attribute="held_on")
    attendees = many(AttendeeOutSchema)
    progress = derived(many(ProgressOutSchema, "Score per outcome."),
                       lambda r: [{"outcome_id": k, "score": v} for k, v in r.progress.items()])
    action_updates = derived(many(ActionUpdateOutSchema),
                             lambda r: [{"action_id": k, "status": v} for k, v in r.action_updates.items()])
    decision = text(choices=list(REVIEW_DECISIONS))
    notes = text(nullable=True)
    next_review_date = day(attribute="next_review_on", nullable=True)


class ReviewListSchema(ResponseSchema):
    items = many(ReviewOutSchema, "Newest first (all of them: page is 1).")
    page, per_page, total, total_capped = page_fields().values()


class TafMemberOutSchema(ResponseSchema):
    id = text()
    user_id = text()
    role = text(nullable=True)


class ClosedSchema(ResponseSchema):
    id = text()
    stage = text(choices=list(Stage))
    closure_reason = text(choices=list(CLOSURE_REASONS))
    closed_at = moment("When the case closed fully; null while it is in its monitoring period.", nullable=True)


class CheckInOutSchema(ResponseSchema):
    id = text()
    due_on = day()
    done_on = day(nullable=True)
    outcome = text(choices=list(CHECK_IN_OUTCOMES), nullable=True)
    note = text(nullable=True)
    recorded_by_id = text(nullable=True)


class StepDownContactOutSchema(ResponseSchema):
    person_name = text()
    organisation = text()
    how_to_reach = text()
    service_id = text(nullable=True)


class MonitoringOutSchema(ResponseSchema):
    case_id = text()
    stage = text(choices=list(Stage))
    started_on = day()
    ends_on = day("The outcome review is due.")
    check_ins = many(CheckInOutSchema, "In due order.")
    review_outcome = text(choices=list(SUSTAINED_OUTCOMES), nullable=True)
    review_summary = text(nullable=True)
    reviewed_on = day(nullable=True)
    step_down_contact = one(StepDownContactOutSchema, nullable=True)


class ExtensionOutSchema(ResponseSchema):
    id = text()
    until = day()


class ChronologyEntrySchema(ResponseSchema):
    date = day(attribute="day")
    at = moment("The moment, when it has one (contacts and reviews have a date only).", nullable=True)
    kind = text("request, triage, panel, transition, addendum, contact, review, engagement, notification...")
    title = text()
    detail = text("Null when withheld from you or when there is none.", nullable=True)
    by = text("Who, when known.", nullable=True)


class ChronologySchema(ResponseSchema):
    items = many(ChronologyEntrySchema, "Oldest first (all of them: page is 1).")
    page, per_page, total, total_capped = page_fields().values()


class OverdueCaseSchema(ResponseSchema):
    case_id = text(attribute="case.id")
    reference = text(attribute="case.reference")
    family_name = text(attribute="family.display_name")
    keyworker_id = text(attribute="case.keyworker_id", nullable=True)
    keyworker = derived(text("The keyworker's name.", nullable=True), lambda row: row["keyworker"].name if row["keyworker"] else None)
    stage = text(attribute="case.stage", choices=list(Stage))
    assessment_due_on = day(attribute="case.assessment_due_on", nullable=True)
    review_due_on = day(attribute="case.review_due_on", nullable=True)
    assessment_overdue = derived(flag(), lambda row: bool(row["case"].assessment_due_on and row["case"].assessment_due_on < row["today"]))
    review_overdue = derived(flag(), lambda row: bool(row["case"].review_due_on and row["case"].review_due_on < row["today"]))


class OverdueListSchema(ResponseSchema):
    items = many(OverdueCaseSchema)
    page, per_page, total, total_capped = page_fields().values()
