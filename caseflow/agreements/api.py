"""The register of information sharing agreements as JSON."""
from __future__ import annotations

from caseflow.core import timescales
from caseflow.agreements import services
from caseflow.api.kit import api_blueprint, endpoint
from caseflow.api.schemas import PageQuerySchema

bp = api_blueprint("agreements_api", __name__)


def agreement_body(a, today) -> dict:
    return {"id": a.id, "name": a.name, "party_organisation_ids": a.party_ids, "purposes": a.purposes,
            "categories": a.categories, "starts_on": a.starts_on.isoformat(), "review_on": a.review_on.isoformat(),
            "ends_on": a.ends_on.isoformat(), "status": a.status(today).value, "in_force": a.in_force(today)}


@endpoint(bp, "/agreements", "GET", summary="The register of information sharing agreements", query=PageQuerySchema)
def list_agreements(user, data):
    rows, total = services.listing(user, data["page"], data["per_page"])
    today = timescales.today_london()
    return {"items": [agreement_body(a, today) for a in rows], "page": data["page"], "per_page": data["per_page"],
            "total": total}
