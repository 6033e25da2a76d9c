"""The register of information sharing agreements as JSON."""
from __future__ import annotations

from caseflow.core import timescales
from caseflow.agreements import services
from caseflow.agreements.schemas import AgreementListSchema, AgreementOnDay
from caseflow.api.kit import api_blueprint, endpoint
from caseflow.api.schemas import PageQuerySchema

bp = api_blueprint("agreements_api", __name__)


@endpoint(bp, "/agreements", "GET", summary="The register of information sharing agreements", query=PageQuerySchema,
          response=AgreementListSchema)
def list_agreements(user, data):
    rows, total = services.listing(user, data["page"], data["per_page"])
    today = timescales.today_london()
    return AgreementListSchema().dump({"items": [AgreementOnDay(a, today) for a in rows], "page": data["page"],
                                       "per_page": data["per_page"], "total": total})
