"""Triage, panels, allocation and caseloads as JSON (API.md)."""
from __future__ import annotations

from marshmallow import fields, validate

from caseflow.api.kit import api_blueprint, endpoint, json_object
from caseflow.api.schemas import PageQuerySchema
from caseflow.triage import amendments, services
from caseflow.triage.schemas import (AllocationSchema, PanelAmendmentSchema, PanelDecisionSchema, PanelSchema,
                                     TriageAmendmentSchema, TriageSchema)

bp = api_blueprint("triage_api", __name__)


def case_summary(case, family, timeliness: dict | None = None) -> dict:
    return {"id": case.id, "reference": case.reference, "family_id": family.id,
            "family_name": family.display_name, "stage": case.stage, "rag": case.rag,
            "level_of_need": case.level_of_need, "eligible": case.eligible,
            "opened_at": case.opened_at.isoformat(), "keyworker_id": case.keyworker_id,
            "team_id": case.team_id,
            "timeliness": (timeliness or services.timeliness_many([case]))[case.id]}


@endpoint(bp, "/cases/<case_id>/triage", "POST", summary="Record the triage decision", status=201,
          documented_body=TriageSchema)
def triage_case(user, data, case_id):
    decision = services.triage(user, case_id, json_object())
    case = services._case(case_id)
    return {"id": decision.id, "case_id": case_id, "stage": case.stage, "eligible": decision.eligible,
            "level_of_need": decision.level_of_need, "rag": decision.rag, "decision": decision.decision}, 201


@endpoint(bp, "/cases/<case_id>/triage/amendments", "POST", status=201, documented_body=TriageAmendmentSchema,
          summary="Amend the triage decision (managers, with a reason; the original stays on record)")
def amend_triage(user, data, case_id):
    decision, amendment = amendments.amend_triage(user, case_id, json_object())
    case = services._case(case_id)
    return {"id": decision.id, "case_id": case_id, "stage": case.stage, "eligible": decision.eligible,
            "level_of_need": decision.level_of_need, "rag": decision.rag, "decision": decision.decision,
            "amendment_id": amendment.id, "reason": amendment.reason,
            "previous": {k: amendment.previous.get(k) for k in ("decision", "level_of_need", "rag")}}, 201


def panel_body(agenda) -> dict:
    panel, items, decision = agenda.panel, agenda.items, agenda.decision
    times = services.timeliness_many([i.case for i in items])
    return {"id": panel.id, "name": panel.name, "date": panel.meets_on.isoformat(),
            "members": [{"organisation_id": m.organisation_id, "organisation": m.organisation.name,
                         "attended": m.attended} for m in panel.members],
            "agenda": [{**case_summary(i.case, i.family, times), "waiting_working_days": i.waiting_working_days,
                        "previous_deferrals": [{"panel_id": d.panel_id, "reason": d.rationale
                                                if "referral" in decision.categories else None}
                                               for d in i.previous_deferrals],
                        "decision": None if i.decided is None else {
                            "decision": i.decided.decision, "keyworker_id": i.decided.keyworker_id,
                            "rationale": i.decided.rationale if "referral" in decision.categories else None}}
                       for i in items],
            "page": agenda.page, "per_page": agenda.per_page, "waiting_total": agenda.waiting_total}


@endpoint(bp, "/panels", "POST", summary="Create a panel meeting", status=201, documented_body=PanelSchema)
def create_panel(user, data):
    panel = services.create_panel(user, json_object())
    return panel_body(services.agenda(user, panel.id)), 201


@endpoint(bp, "/panels/<panel_id>", "GET", summary="A panel and its agenda (paginated)", query=PageQuerySchema)
def get_panel(user, data, panel_id):
    return panel_body(services.agenda(user, panel_id, data["page"], min(data["per_page"], 100)))


@endpoint(bp, "/panels/<panel_id>/decisions", "POST", summary="The panel's decision about a case",
          status=201, documented_body=PanelDecisionSchema)
def panel_decision(user, data, panel_id):
    item = services.decide(user, panel_id, json_object())
    case = services._case(item.case_id)
    return {"id": item.id, "case_id": item.case_id, "decision": item.decision, "stage": case.stage,
            "keyworker_id": case.keyworker_id}, 201


@endpoint(bp, "/panels/<panel_id>/decisions/<case_id>/amendments", "POST", status=201,
          documented_body=PanelAmendmentSchema,
          summary="Amend the panel's decision about a case (the chair or a manager, with a reason)")
def amend_panel_decision(user, data, panel_id, case_id):
    item, amendment = amendments.amend_panel_decision(user, panel_id, case_id, json_object())
    case = services._case(case_id)
    return {"id": item.id, "case_id": case_id, "decision": item.decision, "stage": case.stage,
            "keyworker_id": case.keyworker_id, "amendment_id": amendment.id, "reason": amendment.reason,
            "previous": {"decision": amendment.previous.get("decision")}}, 201


@endpoint(bp, "/cases/<case_id>/allocation", "POST", summary="Allocate or re-allocate a keyworker",
          status=201, documented_body=AllocationSchema)
def allocate_case(user, data, case_id):
    allocation = services.allocate(user, case_id, json_object())
    case = services._case(case_id)
    return {"id": allocation.id, "case_id": case_id, "stage": case.stage,
            "keyworker_id": allocation.keyworker_id, "team_id": allocation.team_id}, 201


class UnallocatedQuery(PageQuerySchema):
    stage = fields.String(load_default=None, validate=validate.OneOf(["triaged", "awaiting_panel", "stepped_down"]))
    rag = fields.String(load_default=None, validate=validate.OneOf(["red", "amber", "green"]))


@endpoint(bp, "/cases/unallocated", "GET", summary="Cases waiting for a keyworker", query=UnallocatedQuery)
def unallocated_cases(user, data):
    rows, total = services.unallocated(user, data["page"], data["per_page"], data["stage"], data["rag"])
    times = services.timeliness_many([c for c, _ in rows])
    return {"items": [case_summary(c, f, times) for c, f in rows], "page": data["page"],
            "per_page": data["per_page"], "total": total}


@endpoint(bp, "/caseloads", "GET", summary="Keyworkers' caseloads against capacity")
def caseloads(user, data):
    return {"items": [{"keyworker_id": r.keyworker.id, "name": r.keyworker.name, "team_id": r.keyworker.team_id,
                       "held": r.held, "capacity": r.keyworker.caseload_capacity, "at_capacity": r.over}
                      for r in services.caseloads(user)]}


@endpoint(bp, "/caseloads/<keyworker_id>", "GET", summary="One keyworker's caseload", query=PageQuerySchema)
def caseload(user, data, keyworker_id):
    keyworker, rows, total = services.caseload(user, keyworker_id, data["page"], data["per_page"])
    times = services.timeliness_many([c for c, _ in rows])
    return {"keyworker_id": keyworker.id, "capacity": keyworker.caseload_capacity,
            "items": [case_summary(c, f, times) for c, f in rows], "page": data["page"],
            "per_page": data["per_page"], "total": total}
