"""What outcomes evidence, the Outcomes Plan editor and claims accept, and what the API returns."""
from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from caseflow.api.schemas import ResponseSchema, day, flag, iso_text, many, moment, number, page_fields, text, whole
from caseflow.core.schemas import DateWindow, Strict, free_text
from caseflow.core.vocab import HeadlineProblem
from caseflow.outcomes.vocab import ClaimResult, ClaimState, EvidenceKind, Framework, Measure, OutcomeStatus, RunKind

KIND = validate.OneOf([k.value for k in EvidenceKind], error="Choose a kind of evidence")
CODE = validate.Regexp(r"^[a-z0-9_]{1,40}$", error="Use lower-case letters, digits and underscores (up to 40)")


# --- evidence -----------------------------------------------------------------------------------

class EvidenceSchema(Strict):
    """One measurement about one person. Attendance is per term (value: the percentage); a spell
    in work or a benefit claim is a period (period_end empty while it continues); an exclusion,
    offence or incident is a day; a keyworker's record names the problem (code) and says met (1)
    or slipped (0). source_row_key makes a resend idempotent: the same key from the same
    organisation updates the row it made."""

    person_id = fields.String(required=True, validate=validate.Length(min=1, max=32),
                              error_messages={"required": "Choose the person"})
    kind = fields.String(required=True, validate=KIND, error_messages={"required": "Choose a kind of evidence"})
    period_start = fields.Date(required=True, metadata={"window": DateWindow.HAPPENED},
                               error_messages={"required": "Enter the date", "invalid": "Date must be a real date"})
    period_end = fields.Date(load_default=None, allow_none=True, metadata={"window": DateWindow.DEFAULT},
                             error_messages={"invalid": "Date must be a real date"})
    value = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0, max=100, error="Enter a number from 0 to 100"),
                         error_messages={"invalid": "Enter a number"})
    code = fields.String(load_default=None, allow_none=True, validate=CODE)
    note = free_text(max_length=2000)
    source_reference = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    source_row_key = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=200))

    @validates_schema(skip_on_field_errors=True)
    def _shape(self, data, **kwargs):
        kind, errors = data.get("kind"), {}
        if data.get("period_end") and data.get("period_start") and data["period_end"] < data["period_start"]:
            errors["period_end"] = ["The end date must be on or after the start date"]
        if kind == EvidenceKind.ATTENDANCE and data.get("value") is None:
            errors["value"] = ["Enter the attendance percentage for the term"]
        if kind == EvidenceKind.ATTENDANCE and not data.get("period_end"):
            errors["period_end"] = ["Enter the last day of the term"]
        if kind == EvidenceKind.KEYWORKER_OUTCOME:
            if not data.get("code"):
                errors["code"] = ["Say which problem's outcome this records"]
            if data.get("value") not in (0, 1):
                errors["value"] = ["Say whether the outcome is met (1) or has slipped (0)"]
        if kind == EvidenceKind.BENEFIT_CLAIM and not data.get("code"):
            errors["code"] = ["Say which benefit (for example jsa, esa, universal_credit)"]
        if errors:
            raise ValidationError(errors)


class EvidenceOutSchema(ResponseSchema):
    id = text()
    person_id = text()
    kind = text(choices=list(EvidenceKind))
    period_start = day()
    period_end = day(nullable=True)
    value = number(nullable=True)
    code = text(nullable=True)
    source = text(choices=["keyworker", "partner_system", "imported_file"])
    source_reference = text(nullable=True)
    source_row_key = text(nullable=True)
    recorded_at = moment()


class EvidenceRecordedSchema(ResponseSchema):
    id = text("The evidence row (the same one again when source_row_key repeats).")
    created = flag("False when source_row_key matched a row this organisation sent before: it was updated.")
    families = whole("How many families' progress was recomputed.")


# --- the Outcomes Plan ---------------------------------------------------------------------------

class OutcomeRuleSchema(Strict):
    description = fields.String(required=True, validate=validate.Length(min=1, max=500),
                                error_messages={"required": "Describe the outcome"})
    measure = fields.String(required=True, validate=validate.OneOf([m.value for m in Measure],
                                                                    error="Choose how it is measured"))
    threshold_pct = fields.Float(load_default=None, allow_none=True, validate=validate.Range(
        min=1, max=100, error="Enter a percentage from 1 to 100"))
    terms = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(
        min=1, max=9, error="Enter a number of terms from 1 to 9"))
    months = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(
        min=1, max=36, error="Enter a number of months from 1 to 36"))
    reductions = fields.Dict(keys=fields.String(validate=validate.OneOf(
        ["offence", "asb", "domestic_abuse_incident"], error="Not an incident kind")),
        values=fields.Float(validate=validate.Range(min=1, max=100, error="Enter a percentage from 1 to 100")),
        load_default=None, allow_none=True)

    @validates_schema(skip_on_field_errors=True)
    def _thresholds(self, data, **kwargs):
        needs = {Measure.ATTENDANCE: ("threshold_pct", "terms"), Measure.INCIDENT_REDUCTION: ("reductions", "months"),
                 Measure.KEYWORKER_CONFIRMED: ("months",)}.get(data.get("measure"), ())
        missing = {name: ["Enter this for the measure chosen"] for name in needs if not data.get(name)}
        if missing:
            raise ValidationError(missing)


class ProblemSchema(Strict):
    code = fields.String(required=True, validate=CODE)
    label = fields.String(required=True, validate=validate.Length(min=1, max=200),
                          error_messages={"required": "Enter the problem's name"})
    indicators = fields.List(fields.String(validate=validate.Length(min=1, max=500)),
                             validate=validate.Length(max=20), load_default=list)
    assessment_problems = fields.List(fields.String(validate=validate.OneOf(
        [p.value for p in HeadlineProblem], error="Not a headline problem")), load_default=list)
    outcome = fields.Nested(OutcomeRuleSchema, required=True)


class EmploymentRuleSchema(Strict):
    weeks = fields.Integer(required=True, validate=validate.Range(min=1, max=104))
    window_weeks = fields.Integer(required=True, validate=validate.Range(min=1, max=104))
    short_weeks = fields.Integer(required=True, validate=validate.Range(min=1, max=104))
    short_window_weeks = fields.Integer(required=True, validate=validate.Range(min=1, max=104))
    short_benefits = fields.List(fields.String(validate=CODE), load_default=list)

    @validates_schema(skip_on_field_errors=True)
    def _windows(self, data, **kwargs):
        if data.get("weeks", 0) > data.get("window_weeks", 104):
            raise ValidationError({"weeks": ["The weeks in work cannot be more than the window"]})
        if data.get("short_weeks", 0) > data.get("short_window_weeks", 104):
            raise ValidationError({"short_weeks": ["The weeks in work cannot be more than the window"]})


class DefinitionSchema(Strict):
    problems = fields.List(fields.Nested(ProblemSchema), required=True,
                           validate=validate.Length(min=1, max=20, error="The plan needs 1 to 20 problems"))
    continuous_employment = fields.Nested(EmploymentRuleSchema, required=True)

    @validates_schema(skip_on_field_errors=True)
    def _unique(self, data, **kwargs):
        codes = [p["code"] for p in data.get("problems", [])]
        if len(codes) != len(set(codes)):
            raise ValidationError({"problems": ["Each problem needs its own code"]})


class PlanVersionInSchema(Strict):
    framework = fields.String(required=True, validate=validate.OneOf([f.value for f in Framework],
                                                                      error="Choose a framework"))
    definition = fields.Nested(DefinitionSchema, load_default=None, allow_none=True)
    change_note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class PlanVersionOutSchema(ResponseSchema):
    id = text()
    number = whole("Versions count up from 1; a family is judged by the version in force when its plan started.")
    framework = text(choices=list(Framework))
    in_force_from = moment()
    change_note = text(nullable=True)
    definition = fields.Dict(required=True, metadata={"description": "The problems, their indicators and "
                                                                      "outcomes, and the continuous employment rule."})


# --- progress ------------------------------------------------------------------------------------

class ProblemStatusSchema(ResponseSchema):
    code = text()
    label = text()
    measure = text(choices=list(Measure))
    status = text(choices=list(OutcomeStatus))
    met_since = iso_text("date", nullable=True)
    sustained_on = iso_text("date", "When it was, or will be if nothing slips, sustained.", nullable=True)
    reason = text()


class FamilyOutcomesSchema(ResponseSchema):
    family_id = text()
    computed = flag("False when the family has no agreed plan, so nothing is measured yet.")
    plan_version = whole(nullable=True)
    plan_started_on = day(nullable=True)
    problems = many(ProblemStatusSchema)
    progress_sustained_on = day("Every problem met and sustained as of this date.", nullable=True)
    employment_status = text(choices=list(OutcomeStatus), nullable=True)
    employment_sustained_on = day(nullable=True)
    evidence = many(EvidenceOutSchema)


# --- claims --------------------------------------------------------------------------------------

class ClaimSchema(ResponseSchema):
    id = text()
    reference = text()
    family_id = text()
    result = text(choices=list(ClaimResult))
    state = text(choices=list(ClaimState))
    achieved_on = day()
    plan_version = whole()
    proposed_at = moment()
    validated_at = moment(nullable=True)
    approved_at = moment(nullable=True)
    submitted_at = moment(nullable=True)
    paid_on = day(nullable=True)
    rejection_reason = text(nullable=True)
    version = whole("Send it back when acting on the claim: a claim changed since is a 409.")


class ClaimDetailSchema(ClaimSchema):
    snapshot = fields.Dict(required=True, metadata={"description": "What the claim rests on, frozen at "
                                                                   "submission: the plan version, each problem's status and the evidence."})


class ClaimListSchema(ResponseSchema):
    items = many(ClaimSchema)
    locals().update(page_fields())


class ClaimListQuerySchema(Strict):
    state = fields.String(load_default=None, validate=validate.OneOf([s.value for s in ClaimState]))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class ClaimActionSchema(Strict):
    version = fields.Integer(required=True, error_messages={"required": "Send the claim's version"})


class RejectSchema(ClaimActionSchema):
    reason = free_text("Say why the claim is rejected", max_length=2000)


class PaidSchema(ClaimActionSchema):
    paid_on = fields.Date(required=True, metadata={"window": DateWindow.HAPPENED},
                          error_messages={"required": "Enter the date it was paid", "invalid": "Date must be a real date"})


class SubmitSchema(Strict):
    month = fields.String(required=True, validate=validate.Regexp(r"^20\d\d-(0[1-9]|1[0-2])$",
                                                                  error="Enter the month as YYYY-MM"))


class BatchSchema(ResponseSchema):
    id = text()
    month = text()
    submitted_at = moment()
    claims = whole()
    csv = text("The funder's CSV: one row per claim (docs/outcomes.md gives the layout).")


# --- runs ----------------------------------------------------------------------------------------

class RunStartSchema(Strict):
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in RunKind], error="Choose a run"))
    sample_percent = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(
        min=10, max=100, error="The national return needs a sample of at least 10%"))


class RunSchema(ResponseSchema):
    id = text()
    kind = text(choices=list(RunKind))
    state = text(choices=["queued", "running", "done", "failed"])
    total = whole()
    done = whole()
    summary = fields.Dict(required=True)
    created_at = moment()
    finished_at = moment(nullable=True)
    has_output = flag("A CSV is ready to download (GET .../output).")


class RunOutputSchema(ResponseSchema):
    csv = text()
