"""A case and the actions the caller may take now (API.md `GET /api/v1/cases/{id}`)."""
from __future__ import annotations

from caseflow.api.kit import api_blueprint, endpoint
from caseflow.cases import services
from caseflow.readmodels.schemas import CaseSchema

bp = api_blueprint("cases_api", __name__)


def case_body(view: services.CaseView) -> dict:
    return CaseSchema().dump(view)


@endpoint(bp, "/cases/<case_id>", "GET", summary="A case, its stage and the actions you may take",
          response=CaseSchema)
def get_case(user, data, case_id):
    return case_body(services.read_case(user, case_id))
