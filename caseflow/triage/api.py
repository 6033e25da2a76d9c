"""The triage decision as JSON (API.md), and the case summary the panel and allocation lists share."""
from __future__ import annotations

from caseflow.api.kit import api_blueprint, endpoint, json_object
from caseflow.cases.services import get_case
from caseflow.triage import amendments, services
from caseflow.triage.schemas import TriageAmendmentSchema, TriageSchema

bp = api_blueprint("triage_api", __name__)


def case_summary(case, family, timeliness: dict | None = None) -> dict:
    """A case in a list (panel agenda, unallocated, caseload): what triage decided and how long it waited."""
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
    case = get_case(case_id)
    return {"id": decision.id, "case_id": case_id, "stage": case.stage, "eligible": decision.eligible,
            "level_of_need": decision.level_of_need, "rag": decision.rag, "decision": decision.decision}, 201


@endpoint(bp, "/cases/<case_id>/triage/amendments", "POST", status=201, documented_body=TriageAmendmentSchema,
          summary="Amend the triage decision (managers, with a reason; the original stays on record)")
def amend_triage(user, data, case_id):
    decision, amendment = amendments.amend_triage(user, case_id, json_object())
    case = get_case(case_id)
    return {"id": decision.id, "case_id": case_id, "stage": case.stage, "eligible": decision.eligible,
            "level_of_need": decision.level_of_need, "rag": decision.rag, "decision": decision.decision,
            "amendment_id": amendment.id, "reason": amendment.reason,
            "previous": {k: amendment.previous.get(k) for k in ("decision", "level_of_need", "rag")}}, 201
