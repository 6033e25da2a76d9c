"""Panels and their decisions as JSON (API.md)."""
from __future__ import annotations

from caseflow.api.kit import api_blueprint, endpoint, json_object
from caseflow.api.schemas import PageQuerySchema
from caseflow.cases.services import get_case
from caseflow.panels import amendments, contributions, escalation, services
from caseflow.panels.schemas import (AgendaRow, ContributionListSchema, ContributionOutSchema, ContributionSchema,
                                     DiscussionSchema, FollowUpSchema, NominationOutSchema, NominationSchema,
                                     PanelActionOutSchema, PanelActionSchema, PanelAmendedSchema, PanelAmendmentSchema,
                                     PanelDecidedSchema, PanelDecisionSchema, PanelOutSchema, PanelSchema)
from caseflow.triage.services import timeliness_many

bp = api_blueprint("panels_api", __name__)


def panel_body(agenda) -> dict:
    times = timeliness_many([i.case for i in agenda.items])
    show_reasons = "referral" in agenda.decision.categories
    return PanelOutSchema().dump({"panel": agenda.panel,
                                  "agenda": [AgendaRow(i, times, show_reasons) for i in agenda.items],
                                  "page": agenda.page, "per_page": agenda.per_page,
                                  "waiting_total": agenda.waiting_total})


@endpoint(bp, "/panels", "POST", summary="Create a panel meeting", status=201, documented_body=PanelSchema,
          response=PanelOutSchema)
def create_panel(user, data):
    panel = services.create_panel(user, json_object())
    return panel_body(services.agenda(user, panel.id)), 201


@endpoint(bp, "/panels/<panel_id>", "GET", summary="A panel and its agenda (paginated)", query=PageQuerySchema,
          response=PanelOutSchema)
def get_panel(user, data, panel_id):
    return panel_body(services.agenda(user, panel_id, data["page"], min(data["per_page"], 100)))


@endpoint(bp, "/panels/<panel_id>/decisions", "POST", summary="The panel's decision about a case",
          status=201, documented_body=PanelDecisionSchema, response=PanelDecidedSchema)
def panel_decision(user, data, panel_id):
    item = services.decide(user, panel_id, json_object())
    return PanelDecidedSchema().dump({"item": item, "case": get_case(item.case_id)}), 201


@endpoint(bp, "/panels/<panel_id>/decisions/<case_id>/amendments", "POST", status=201,
          documented_body=PanelAmendmentSchema,
          summary="Amend the panel's decision about a case (the chair or a manager, with a reason)",
          response=PanelAmendedSchema)
def amend_panel_decision(user, data, panel_id, case_id):
    item, amendment = amendments.amend_panel_decision(user, panel_id, case_id, json_object())
    return PanelAmendedSchema().dump({"item": item, "case": get_case(case_id), "amendment": amendment}), 201


# --- Action & Impact (escalation) panels ----------------------------------------------------------

@endpoint(bp, "/cases/<case_id>/action-and-impact", "POST", status=201, documented_body=NominationSchema,
          summary="Bring a stuck case to an Action and Impact panel (its keyworker or a manager)",
          response=NominationOutSchema)
def nominate(user, data, case_id):
    return NominationOutSchema().dump(escalation.nominate(user, case_id, json_object())), 201


@endpoint(bp, "/panel-nominations/<nomination_id>/discussion", "POST", documented_body=DiscussionSchema,
          summary="Record what the Action and Impact panel discussed about a case", response=NominationOutSchema)
def nomination_discussion(user, data, nomination_id):
    return NominationOutSchema().dump(escalation.record_discussion(user, nomination_id, json_object()))


@endpoint(bp, "/panel-nominations/<nomination_id>/actions", "POST", status=201, documented_body=PanelActionSchema,
          summary="An action the Action and Impact panel agreed (added to the family plan)",
          response=PanelActionOutSchema)
def nomination_action(user, data, nomination_id):
    return PanelActionOutSchema().dump(escalation.add_action(user, nomination_id, json_object())), 201


@endpoint(bp, "/panel-actions/<panel_action_id>/follow-up", "POST", documented_body=FollowUpSchema,
          summary="Follow up an earlier Action and Impact action at a later meeting", response=PanelActionOutSchema)
def action_follow_up(user, data, panel_action_id):
    return PanelActionOutSchema().dump(escalation.follow_up(user, panel_action_id, json_object()))


# --- partners' contributions ------------------------------------------------------------------------

@endpoint(bp, "/panels/<panel_id>/contributions", "GET", query=PageQuerySchema,
          summary="Families on a panel's agenda with partners' contributions (a partner: the families its "
                  "organisation may see, and its own notes)", response=ContributionListSchema)
def list_contributions(user, data, panel_id):
    per_page = min(data["per_page"], 100)
    found = contributions.page(user, panel_id, data["page"], per_page)
    return ContributionListSchema().dump({"panel_id": found.panel.id, "items": found.rows, "page": found.page,
                                          "per_page": found.per_page})


@endpoint(bp, "/panels/<panel_id>/contributions/<case_id>", "PUT", documented_body=ContributionSchema,
          summary="Add or replace your organisation's contribution about a family on the agenda, "
                  "before the meeting", response=ContributionOutSchema)
def put_contribution(user, data, panel_id, case_id):
    return ContributionOutSchema().dump(contributions.contribute(user, panel_id, case_id, json_object()))
