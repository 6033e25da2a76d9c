"""A case and the actions the caller may take now (API.md `GET /api/v1/cases/{id}`)."""
from __future__ import annotations

from caseflow.api.kit import api_blueprint, endpoint
from caseflow.cases import services

bp = api_blueprint("cases_api", __name__)


def case_body(view: services.CaseView) -> dict:
    case = view.case
    return {"id": case.id, "reference": case.reference, "family_id": case.family_id,
            "stage": view.stage, "stage_label": view.stage_label,
            "urgency": case.urgency, "opened_at": case.opened_at.isoformat(),
            "closed_at": case.closed_at.isoformat() if case.closed_at else None,
            "is_re_referral": case.is_re_referral, "previous_case_id": case.previous_case_id,
            "keyworker_id": case.keyworker_id, "team_id": case.team_id,
            "actions": [{"action": t.action, "label": t.label, "requires": list(t.requires)}
                        for t in view.actions]}


@endpoint(bp, "/cases/<case_id>", "GET", summary="A case, its stage and the actions you may take")
def get_case(user, data, case_id):
    return case_body(services.read_case(user, case_id))
