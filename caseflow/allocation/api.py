"""Allocation, the unallocated list and caseloads as JSON (API.md)."""
from __future__ import annotations

from caseflow.allocation import services
from caseflow.allocation.schemas import (AllocatedSchema, AllocationSchema, CaseListSchema, CaseloadSchema,
                                         CaseloadsQuery, CaseloadsSchema, UnallocatedQuery)
from caseflow.api.kit import api_blueprint, endpoint, json_object
from caseflow.api.schemas import PageQuerySchema
from caseflow.cases.services import get_case
from caseflow.triage.schemas import CaseRow
from caseflow.triage.services import timeliness_many

bp = api_blueprint("allocation_api", __name__)


@endpoint(bp, "/cases/<case_id>/allocation", "POST", summary="Allocate or re-allocate a keyworker",
          status=201, documented_body=AllocationSchema, response=AllocatedSchema)
def allocate_case(user, data, case_id):
    allocation = services.allocate_case(user, case_id, json_object())
    return AllocatedSchema().dump({"allocation": allocation, "case": get_case(case_id)}), 201


def case_rows(rows) -> list[CaseRow]:
    times = timeliness_many([c for c, _ in rows])
    return [CaseRow(c, f, times) for c, f in rows]


@endpoint(bp, "/cases/unallocated", "GET", summary="Cases waiting for a keyworker", query=UnallocatedQuery,
          response=CaseListSchema)
def unallocated_cases(user, data):
    rows, total = services.unallocated(user, data["page"], data["per_page"], data["stage"], data["rag"])
    return CaseListSchema().dump({"items": case_rows(rows), "page": data["page"], "per_page": data["per_page"],
                                  "total": total})


@endpoint(bp, "/caseloads", "GET", summary="Keyworkers' caseloads against capacity", query=CaseloadsQuery,
          response=CaseloadsSchema)
def caseloads(user, data):
    return CaseloadsSchema().dump({"items": services.caseloads(user, data["team_id"])})


@endpoint(bp, "/caseloads/<keyworker_id>", "GET", summary="One keyworker's caseload", query=PageQuerySchema,
          response=CaseloadSchema)
def caseload(user, data, keyworker_id):
    keyworker, rows, total = services.caseload(user, keyworker_id, data["page"], data["per_page"])
    return CaseloadSchema().dump({"keyworker": keyworker, "items": case_rows(rows), "page": data["page"],
                                  "per_page": data["per_page"], "total": total})
