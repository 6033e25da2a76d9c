"""Input rules for panels and their decisions, shared by the web forms and the API, and what the
API answers with them."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from caseflow.api.schemas import ResponseSchema, day, derived, flag, many, moment, one, text, whole
from caseflow.cases.amendments import amend_reason
from caseflow.core.schemas import DateWindow, free_text
from caseflow.core.stages import Stage
from caseflow.panels.models import PanelActionStatus, PanelCadence, PanelKind, PanelOutcome
from caseflow.triage.schemas import CaseRow, CaseSummarySchema

PANEL_DECISIONS = list(PanelOutcome)


class PanelSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    name = fields.String(load_default="Early help allocation panel", validate=validate.Length(min=1, max=120))
    date = fields.Date(required=True, metadata={"window": DateWindow.PLANNED},
                       error_messages={"required": "Enter the date of the panel",
                                                       "invalid": "Enter a real date, like 2026-12-01"})
    members = fields.List(fields.String(), load_default=list)
    kind = fields.String(load_default=PanelKind.ALLOCATION.value, validate=validate.OneOf(
        list(PanelKind), error="Choose an allocation panel or an Action and Impact panel"))
    locality_id = fields.String(load_default=None, allow_none=True)


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
    signposted_to = fields.String(load_default=None, validate=validate.Length(
        max=300, error="Where the family was signposted to must be 300 characters or fewer"))
    confirm_over_capacity = fields.Boolean(load_default=False)
    service_ids = fields.List(fields.String(), load_default=list, metadata={
        "description": "Services from the directory the family is pointed to (GET /directory)."})

    @validates_schema
    def _needs(self, data, **kwargs):
        if data.get("decision") == "allocate" and not data.get("keyworker_id"):
            raise ValidationError("Choose a keyworker", "keyworker_id")
        if data.get("decision") == "signpost" and not (data.get("signposted_to") or "").strip() \
                and not data.get("service_ids"):
            raise ValidationError("Say where the family has been signposted to", "signposted_to")


class PanelAmendmentSchema(PanelDecisionSchema):
    """A panel decision changed after it was made (the case is named by the URL), and why."""
    case_id = fields.String(load_default=None)
    reason = amend_reason()


# --- responses -----------------------------------------------------------------------------------

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
    kind = text("An allocation panel, or Action and Impact (stuck cases: its agenda is its nominations).",
                attribute="panel.kind", choices=list(PanelKind))
    locality_id = text("The locality whose agenda it hears; null for the whole service.",
                       attribute="panel.locality_id", nullable=True)
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


class PreviousPanelDecisionSchema(ResponseSchema):
    decision = text(choices=PANEL_DECISIONS, nullable=True)


class PanelAmendedSchema(PanelDecidedSchema):
    amendment_id = text(attribute="amendment.id")
    reason = text("Why it was amended.", attribute="amendment.reason")
    previous = derived(one(PreviousPanelDecisionSchema, "The decision as it stood before."),
                       lambda body: {"decision": body["amendment"].previous.get("decision")})


# --- Action & Impact (escalation) panels, localities and partners' contributions ------------------

CONTRIBUTION_MAX = 2000  # a short note per family: what the partner's own system holds


class NominationSchema(Schema):
    """A stuck case put to an Action & Impact panel: what is stuck, and what partners are asked."""
    class Meta:
        unknown = EXCLUDE

    panel_id = fields.String(required=True, error_messages={"required": "Choose the Action and Impact panel"})
    stuck = free_text("Say what is stuck", max_length=3000)
    ask = free_text("Say what the panel's partners are asked to do", max_length=3000)


class DiscussionSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    discussion = free_text("Record what the panel discussed", max_length=5000)


class PanelActionSchema(Schema):
    """An action the panel agreed: who owns it (a person, a partner organisation or both) and when
    it is due. It is added to the family plan."""
    class Meta:
        unknown = EXCLUDE

    description = free_text("Describe the action", max_length=1000)
    owner_user_id = fields.String(load_default=None, allow_none=True)
    owner_organisation_id = fields.String(load_default=None, allow_none=True)
    due_on = fields.Date(required=True, metadata={"window": DateWindow.PLANNED},
                         error_messages={"required": "Enter the date the action is due",
                                         "invalid": "Enter a real date, like 2026-12-01"})

    @validates_schema
    def _owned(self, data, **kwargs):
        if not data.get("owner_user_id") and not data.get("owner_organisation_id"):
            raise ValidationError("Choose who owns the action", "owner_organisation_id")


class FollowUpSchema(Schema):
    """An earlier action followed up at a later meeting."""
    class Meta:
        unknown = EXCLUDE

    panel_id = fields.String(required=True, error_messages={"required": "Say which meeting followed it up"})
    status = fields.String(required=True, validate=validate.OneOf(
        list(PanelActionStatus), error="Choose done, still open or dropped"),
        error_messages={"required": "Choose done, still open or dropped"})
    note = free_text("Say what has happened since", max_length=2000)


class ContributionSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    body = free_text("Write what your organisation's records hold", max_length=CONTRIBUTION_MAX)


class LocalitySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    name = fields.String(required=True,
                         validate=validate.Length(min=1, max=120, error="Enter a name of up to 120 characters"),
                         error_messages={"required": "Enter the locality's name"})
    cadence = fields.String(load_default=PanelCadence.WEEKLY.value, validate=validate.OneOf(
        list(PanelCadence), error="Choose daily, weekly, fortnightly or monthly"))
    team_ids = fields.List(fields.String(), load_default=list)


class PlaceFamilySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    family_reference = fields.String(required=True,
                                     validate=validate.Length(min=1, max=20, error="Enter a family reference"),
                                     error_messages={"required": "Enter the family's reference"})


# responses

class NominationOutSchema(ResponseSchema):
    id = text()
    panel_id = text()
    case_id = text()
    status = text(choices=["waiting", "discussed"])
    stuck = text()
    ask = text()
    discussion = text(nullable=True)


class PanelActionOutSchema(ResponseSchema):
    id = text()
    nomination_id = text()
    panel_id = text()
    case_id = text()
    description = text()
    owner_user_id = text(nullable=True)
    owner_organisation_id = text(nullable=True)
    due_on = day()
    status = text(choices=list(PanelActionStatus))
    plan_action_id = text("The same action in the family plan.", nullable=True)
    follow_up_note = text(nullable=True)
    followed_up_panel_id = text(nullable=True)


class ContributionOutSchema(ResponseSchema):
    id = text()
    panel_id = text()
    case_id = text()
    organisation_id = text()
    organisation = text(attribute="organisation.name")
    body = text()
    updated_at = moment()


class ContributionItemSchema(ResponseSchema):
    case_id = text(attribute="case.id")
    case_reference = text(attribute="case.reference")
    family_id = text(attribute="family.id")
    family_name = text(attribute="family.name")
    contributions = many(ContributionOutSchema, "Your organisation's contribution (partners), or every "
                                               "organisation's (the panel's staff).")


class ContributionListSchema(ResponseSchema):
    panel_id = text()
    items = many(ContributionItemSchema, "The families on the agenda you may contribute about or read: "
                                        "a partner sees only families whose consent or lawful basis covers "
                                        "their organisation.")
    page = whole()
    per_page = whole()
