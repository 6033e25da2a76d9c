"""Input rules for triage, panels and allocation, shared by the web forms and the API."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from caseflow.api.schemas import ResponseSchema, day, flag, many, moment, one, page_fields, text, whole
from caseflow.flow import Stage
from caseflow.frontdoor.schemas import HEADLINE_PROBLEMS

LEVELS = {1: "Universal", 2: "Targeted early help", 3: "Intensive or complex early help",
          4: "Statutory: children's social care"}
RAG = {"red": "Red: high risk", "amber": "Amber: some risk", "green": "Green: low risk"}
PANEL_DECISIONS = ["allocate", "signpost", "step_up", "defer"]


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
    decision = fields.String(required=True, validate=validate.OneOf(["signpost", "panel", "step_up"],
                             error="Choose signpost, panel or step up"),
                             error_messages={"required": "Choose what happens next"})
    rationale = fields.String(required=True, validate=validate.Length(min=3, max=5000,
                              error="Explain the decision"),
                              error_messages={"required": "Explain the decision"})
    signposted_to = fields.String(load_default=None, validate=validate.Length(max=300))

    @validates_schema
    def _consistent(self, data, **kwargs):
        if data.get("decision") == "signpost" and not (data.get("signposted_to") or "").strip():
            raise ValidationError("Say where the family has been signposted to", "signposted_to")
        if data.get("decision") == "step_up" and data.get("level_of_need") != 4:
            raise ValidationError("Stepping up to children's social care means level 4", "level_of_need")
        if data.get("level_of_need") == 4 and data.get("decision") != "step_up":
            raise ValidationError("Level 4 needs are met by children's social care: choose step up", "decision")
        codes = [p["code"] for p in data.get("headline_problems", [])]
        if len(codes) != len(set(codes)):
            raise ValidationError("Each headline problem once only", "headline_problems")


class PanelSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    name = fields.String(load_default="Early help allocation panel", validate=validate.Length(min=1, max=120))
    date = fields.Date(required=True, error_messages={"required": "Enter the date of the panel",
                                                       "invalid": "Enter a real date, like 2026-12-01"})
    members = fields.List(fields.String(), load_default=list)


class PanelDecisionSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    case_id = fields.String(required=True)
    decision = fields.String(required=True, validate=validate.OneOf(PANEL_DECISIONS,
                             error="Choose allocate, signpost, step up or defer"),
                             error_messages={"required": "Choose a decision"})
    rationale = fields.String(required=True, validate=validate.Length(min=3, max=5000, error="Give the panel's reasons"),
                              error_messages={"required": "Give the panel's reasons"})
    team_id = fields.String(load_default=None)
    keyworker_id = fields.String(load_default=None)
    lead_professional_id = fields.String(load_default=None)
    signposted_to = fields.String(load_default=None)
    confirm_over_capacity = fields.Boolean(load_default=False)

    @validates_schema
    def _needs(self, data, **kwargs):
        if data.get("decision") == "allocate" and not data.get("keyworker_id"):
            raise ValidationError("Choose a keyworker", "keyworker_id")
        if data.get("decision") == "signpost" and not (data.get("signposted_to") or "").strip():
            raise ValidationError("Say where the family has been signposted to", "signposted_to")


class AllocationSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    keyworker_id = fields.String(required=True, error_messages={"required": "Choose a keyworker"})
    team_id = fields.String(load_default=None)
    lead_professional_id = fields.String(load_default=None)
    reason = fields.String(load_default=None, validate=validate.Length(max=2000))
    confirm_over_capacity = fields.Boolean(load_default=False)


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


class CaseListSchema(ResponseSchema):
    items = many(CaseSummarySchema)
    page, per_page, total = page_fields().values()


class CaseloadSchema(CaseListSchema):
    keyworker_id = text(attribute="keyworker.id")
    capacity = whole("Families they can hold.", attribute="keyworker.caseload_capacity")


class TriageRecordedSchema(ResponseSchema):
    id = text(attribute="decision.id")
    case_id = text(attribute="case.id")
    stage = text(attribute="case.stage", choices=list(Stage))
    eligible = flag(attribute="decision.eligible")
    level_of_need = whole(attribute="decision.level_of_need")
    rag = text(attribute="decision.rag", choices=list(RAG))
    decision = text(attribute="decision.decision", choices=["signpost", "panel", "step_up"])


class PanelMemberOutSchema(ResponseSchema):
    organisation_id = text()
    organisation = text(attribute="organisation.name")
    attended = flag()


class DeferralSchema(ResponseSchema):
    panel_id = text()
    reason = text("Null unless you may read referral details.", nullable=True)


class AgendaDecisionSchema(ResponseSchema):
    decision = text(choices=PANEL_DECISIONS)
    keyworker_id = text(nullable=True)
    rationale = text("Null unless you may read referral details.", nullable=True)


class AgendaItemSchema(CaseSummarySchema):
    waiting_working_days = whole("Working days since the request.")
    previous_deferrals = many(DeferralSchema, "Earlier panels that deferred the case, oldest first.")
    decision = one(AgendaDecisionSchema, "This panel's decision, once made.", nullable=True)


class AgendaRow(CaseRow):
    """An agenda item; reasons are shown only to those who may read referral details."""

    def __init__(self, item, timeliness: dict, show_reasons: bool):
        super().__init__(item.case, item.family, timeliness)
        self.waiting_working_days = item.waiting_working_days
        self.previous_deferrals = [{"panel_id": d.panel_id, "reason": d.rationale if show_reasons else None}
                                   for d in item.previous_deferrals]
        self.decision = None if item.decided is None else {
            "decision": item.decided.decision, "keyworker_id": item.decided.keyworker_id,
            "rationale": item.decided.rationale if show_reasons else None}


class PanelOutSchema(ResponseSchema):
    id = text(attribute="panel.id")
    name = text(attribute="panel.name")
    date = day(attribute="panel.meets_on")
    members = many(PanelMemberOutSchema, attribute="panel.members")
    agenda = many(AgendaItemSchema, "Cases awaiting panel (step-downs first, then highest risk, then "
                                    "oldest), a page at a time, and the cases this panel has decided.")
    page = whole()
    per_page = whole()
    waiting_total = whole("Cases awaiting panel in all.")


class PanelDecidedSchema(ResponseSchema):
    id = text(attribute="item.id")
    case_id = text(attribute="item.case_id")
    decision = text(attribute="item.decision", choices=PANEL_DECISIONS)
    stage = text(attribute="case.stage", choices=list(Stage))
    keyworker_id = text(attribute="case.keyworker_id", nullable=True)


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
