"""Triage, panels, allocation and caseloads as JSON (API.md)."""
from __future__ import annotations

from marshmallow import fields, validate

from caseflow.api.kit import api_blueprint, endpoint, json_object
from caseflow.api.schemas import PageQuerySchema
from caseflow.triage import services
from caseflow.triage.schemas import (AgendaRow, AllocatedSchema, AllocationSchema, CaseListSchema, CaseloadSchema,
                                     CaseloadsSchema, CaseRow, PanelDecidedSchema, PanelDecisionSchema,
                                     PanelOutSchema, PanelSchema, TriageRecordedSchema, TriageSchema)

bp = api_blueprint("triage_api", __name__)


@endpoint(bp, "/cases/<case_id>/triage", "POST", summary="Record the triage decision", status=201,
          documented_body=TriageSchema, response=TriageRecordedSchema)
def triage_case(user, data, case_id):
    decision = services.triage(user, case_id, json_object())
    return TriageRecordedSchema().dump({"decision": decision, "case": services._case(case_id)}), 201


def panel_body(agenda) -> dict:
    times = services.timeliness_many([i.case for i in agenda.items])
    show_reasons = "referral" in agenda.decision.categories
    return PanelOutSchema().dump({"panel": agenda.panel, "agenda": [AgendaRow(i, times, show_reasons) for i in agenda.items],
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
    return PanelDecidedSchema().dump({"item": item, "case": services._case(item.case_id)}), 201


@endpoint(bp, "/cases/<case_id>/allocation", "POST", summary="Allocate or re-allocate a keyworker",
          status=201, documented_body=AllocationSchema, response=AllocatedSchema)
def allocate_case(user, data, case_id):
    allocation = services.allocate(user, case_id, json_object())
    return AllocatedSchema().dump({"allocation": allocation, "case": services._case(case_id)}), 201


class UnallocatedQuery(PageQuerySchema):
    stage = fields.String(load_default=None, validate=validate.OneOf(["triaged", "awaiting_panel", "stepped_down"]))
    rag = fields.String(load_default=None, validate=validate.OneOf(["red", "amber", "green"]))


def case_rows(rows) -> list[CaseRow]:
    times = services.timeliness_many([c for c, _ in rows])
    return [CaseRow(c, f, times) for c, f in rows]


@endpoint(bp, "/cases/unallocated", "GET", summary="Cases waiting for a keyworker", query=UnallocatedQuery,
          response=CaseListSchema)
def unallocated_cases(user, data):
    rows, total = services.unallocated(user, data["page"], data["per_page"], data["stage"], data["rag"])
    return CaseListSchema().dump({"items": case_rows(rows), "page": data["page"], "per_page": data["per_page"],
                                  "total": total})


@endpoint(bp, "/caseloads", "GET", summary="Keyworkers' caseloads against capacity", response=CaseloadsSchema)
def caseloads(user, data):
    return CaseloadsSchema().dump({"items": services.caseloads(user)})


@endpoint(bp, "/caseloads/<keyworker_id>", "GET", summary="One keyworker's caseload", query=PageQuerySchema,
          response=CaseloadSchema)
def caseload(user, data, keyworker_id):
    keyworker, rows, total = services.caseload(user, keyworker_id, data["page"], data["per_page"])
    return CaseloadSchema().dump({"keyworker": keyworker, "items": case_rows(rows), "page": data["page"],
                                  "per_page": data["per_page"], "total": total})
