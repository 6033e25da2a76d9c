"""The directory under /api/v1: the same listing the signposting pickers use."""
from __future__ import annotations

from caseflow.api.kit import api_blueprint, endpoint
from caseflow.directory import schemas, services

bp = api_blueprint("directory_api", __name__)


@endpoint(bp, "/directory", "GET", query=schemas.DirectoryQuerySchema,
          summary="Active local services, by name (filter by headline problem or area)",
          response=schemas.LocalServiceListSchema)
def list_services(user, data):
    rows, total = services.listing(user, problem=data["problem"], area=data["area"], page=data["page"],
                                   per_page=data["per_page"])
    return schemas.LocalServiceListSchema().dump({"items": rows, "page": data["page"], "per_page": data["per_page"],
                                                  "total": total})
