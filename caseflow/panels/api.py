"""Panels and their decisions as JSON (API.md)."""
from __future__ import annotations

from caseflow.api.kit import api_blueprint, endpoint, json_object
from caseflow.api.schemas import PageQuerySchema
from caseflow.cases.services import get_case
from caseflow.panels import amendments, services
from caseflow.panels.schemas import (AgendaRow, PanelAmendedSchema, PanelAmendmentSchema, PanelDecidedSchema,
                                     PanelDecisionSchema, PanelOutSchema, PanelSchema)
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
