"""Allocation, the unallocated list and caseloads as JSON (API.md)."""
from __future__ import annotations

from caseflow.allocation import services
from caseflow.allocation.schemas import AllocationSchema, UnallocatedQuery
from caseflow.api.kit import api_blueprint, endpoint, json_object
from caseflow.api.schemas import PageQuerySchema
from caseflow.cases.services import get_case
from caseflow.triage.api import case_summary
from caseflow.triage.services import timeliness_many

bp = api_blueprint("allocation_api", __name__)


@endpoint(bp, "/cases/<case_id>/allocation", "POST", summary="Allocate or re-allocate a keyworker",
          status=201, documented_body=AllocationSchema)
def allocate_case(user, data, case_id):
    allocation = services.allocate_case(user, case_id, json_object())
    case = get_case(case_id)
    return {"id": allocation.id, "case_id": case_id, "stage": case.stage,
            "keyworker_id": allocation.keyworker_id, "team_id": allocation.team_id}, 201


@endpoint(bp, "/cases/unallocated", "GET", summary="Cases waiting for a keyworker", query=UnallocatedQuery)
def unallocated_cases(user, data):
    rows, total = services.unallocated(user, data["page"], data["per_page"], data["stage"], data["rag"])
    times = timeliness_many([c for c, _ in rows])
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
    times = timeliness_many([c for c, _ in rows])
    return {"keyworker_id": keyworker.id, "capacity": keyworker.caseload_capacity,
            "items": [case_summary(c, f, times) for c, f in rows], "page": data["page"],
            "per_page": data["per_page"], "total": total}
