"""Input rules for the triage decision, shared by the web form and the API, what the API answers
with it, and the case summary the panel agenda and the allocation lists share."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from caseflow.api.schemas import ResponseSchema, derived, flag, moment, one, text, whole
from caseflow.cases.amendments import amend_reason
from caseflow.core.stages import Stage
from caseflow.core.vocab import HEADLINE_PROBLEMS, Rag
from caseflow.triage.models import TriageOutcome

LEVELS = {1: "Universal", 2: "Targeted early help", 3: "Intensive or complex early help",
          4: "Statutory: children's social care"}
RAG = {Rag.RED: "Red: high risk", Rag.AMBER: "Amber: some risk", Rag.GREEN: "Green: low risk"}


class ProblemSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    code = fields.String(required=True, validate=validate.OneOf(list(HEADLINE_PROBLEMS),
                         error="Not one of the six headline problems"))
    evidence = fields.String(required=True, validate=validate.Length(min=2, max=300,
                             error="Say who says so, for example 'school attendance data'"),
                             error_messages={"required": "Say who says so, for example 'school attendance data'"})


class TriageSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    level_of_need = fields.Integer(required=True, validate=validate.Range(min=1, max=4,
                                   error="Choose a level of need from 1 to 4"),
                                   error_messages={"required": "Choose a level of need"})
    headline_problems = fields.List(fields.Nested(ProblemSchema), load_default=list)
    local_criteria = fields.List(fields.String(), load_default=list)
    rag = fields.String(required=True, validate=validate.OneOf(list(RAG), error="Choose red, amber or green"),
                        error_messages={"required": "Choose a RAG risk rating"})
    decision = fields.String(required=True, validate=validate.OneOf(list(TriageOutcome),
                             error="Choose signpost, panel or step up"),
                             error_messages={"required": "Choose what happens next"})
    rationale = fields.String(required=True, validate=validate.Length(min=3, max=5000,
                              error="Explain the decision"),
                              error_messages={"required": "Explain the decision"})
    signposted_to = fields.String(load_default=None, validate=validate.Length(max=300))
    service_ids = fields.List(fields.String(), load_default=list, metadata={
        "description": "Services from the directory the family is pointed to (GET /directory)."})

    @validates_schema
    def _consistent(self, data, **kwargs):
        if data.get("decision") == TriageOutcome.SIGNPOST and not (data.get("signposted_to") or "").strip() \
                and not data.get("service_ids"):
            raise ValidationError("Say where the family has been signposted to", "signposted_to")
        if data.get("decision") == TriageOutcome.STEP_UP and data.get("level_of_need") != 4:
            raise ValidationError("Stepping up to children's social care means level 4", "level_of_need")
        if data.get("level_of_need") == 4 and data.get("decision") != TriageOutcome.STEP_UP:
            raise ValidationError("Level 4 needs are met by children's social care: choose step up", "decision")
        codes = [p["code"] for p in data.get("headline_problems", [])]
        if len(codes) != len(set(codes)):
            raise ValidationError("Each headline problem once only", "headline_problems")


class TriageAmendmentSchema(TriageSchema):
    """A triage decision changed after it was made: the decision as it should now stand, and why."""
    reason = amend_reason()


# --- responses -----------------------------------------------------------------------------------

class CaseRow:
    """A case in a list, with its family and its timeliness (working days to each step)."""

    def __init__(self, case, family, timeliness: dict):
        self.case, self.family, self.timeliness = case, family, timeliness[case.id]

    def __getattr__(self, name):
        return getattr(self.case, name)


class TimelinessSchema(ResponseSchema):
    to_triage = whole("Working days from the request to triage; null until then.", nullable=True)
    to_panel = whole("Working days from the request to panel; null until then.", nullable=True)
    to_allocation = whole("Working days from the request to allocation; null until then.", nullable=True)


class CaseSummarySchema(ResponseSchema):
    id = text()
    reference = text()
    family_id = text(attribute="family.id")
    family_name = text(attribute="family.display_name")
    stage = text(choices=list(Stage))
    rag = text(choices=list(RAG), nullable=True)
    level_of_need = whole("1 to 4, once triaged.", nullable=True)
    eligible = flag("Meets the programme's criteria, once triaged.", nullable=True)
    opened_at = moment()
    keyworker_id = text(nullable=True)
    team_id = text(nullable=True)
    timeliness = one(TimelinessSchema)


class TriageRecordedSchema(ResponseSchema):
    id = text(attribute="decision.id")
    case_id = text(attribute="case.id")
    stage = text(attribute="case.stage", choices=list(Stage))
    eligible = flag(attribute="decision.eligible")
    level_of_need = whole(attribute="decision.level_of_need")
    rag = text(attribute="decision.rag", choices=list(RAG))
    decision = text(attribute="decision.decision", choices=list(TriageOutcome))


class PreviousTriageSchema(ResponseSchema):
    decision = text(choices=list(TriageOutcome), nullable=True)
    level_of_need = whole(nullable=True)
    rag = text(choices=list(RAG), nullable=True)


class TriageAmendedSchema(TriageRecordedSchema):
    amendment_id = text(attribute="amendment.id")
    reason = text("Why it was amended.", attribute="amendment.reason")
    previous = derived(one(PreviousTriageSchema, "The decision as it stood before."),
                       lambda body: {k: body["amendment"].previous.get(k) for k in ("decision", "level_of_need", "rag")})
