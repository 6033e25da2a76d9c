"""A case and the actions the caller may take now (API.md `GET /api/v1/cases/{id}`)."""
from __future__ import annotations

from caseflow.api.kit import api_blueprint, endpoint
from caseflow.cases import services
from caseflow.readmodels.schemas import CaseForCaller, CaseSchema

bp = api_blueprint("cases_api", __name__)


def case_body(case, user) -> dict:
    return CaseSchema().dump(CaseForCaller(case, user))


@endpoint(bp, "/cases/<case_id>", "GET", summary="A case, its stage and the actions you may take",
          response=CaseSchema)
def get_case(user, data, case_id):
    return case_body(services.view_case(user, case_id), user)
