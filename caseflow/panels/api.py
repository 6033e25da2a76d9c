"""Panels and their decisions as JSON (API.md)."""
from __future__ import annotations

from caseflow.api.kit import api_blueprint, endpoint, json_object
from caseflow.api.schemas import PageQuerySchema
from caseflow.cases.services import get_case
from caseflow.panels import amendments, services
from caseflow.panels.schemas import PanelAmendmentSchema, PanelDecisionSchema, PanelSchema
from caseflow.triage.api import case_summary
from caseflow.triage.services import timeliness_many

bp = api_blueprint("panels_api", __name__)


def panel_body(agenda) -> dict:
    panel, items, decision = agenda.panel, agenda.items, agenda.decision
    times = timeliness_many([i.case for i in items])
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
    case = get_case(item.case_id)
    return {"id": item.id, "case_id": item.case_id, "decision": item.decision, "stage": case.stage,
            "keyworker_id": case.keyworker_id}, 201


@endpoint(bp, "/panels/<panel_id>/decisions/<case_id>/amendments", "POST", status=201,
          documented_body=PanelAmendmentSchema,
          summary="Amend the panel's decision about a case (the chair or a manager, with a reason)")
def amend_panel_decision(user, data, panel_id, case_id):
    item, amendment = amendments.amend_panel_decision(user, panel_id, case_id, json_object())
    case = get_case(case_id)
    return {"id": item.id, "case_id": case_id, "decision": item.decision, "stage": case.stage,
            "keyworker_id": case.keyworker_id, "amendment_id": amendment.id, "reason": amendment.reason,
            "previous": {"decision": amendment.previous.get("decision")}}, 201
