"""The API's description of itself: GET /api/v1/openapi.json (public, like docs/api.md)."""
from __future__ import annotations

from flask import current_app

from caseflow.api.kit import api_blueprint, endpoint, spec_document
from caseflow.api.schemas import OpenApiDocumentSchema

bp = api_blueprint("api_meta", __name__)


@endpoint(bp, "/openapi.json", summary="This OpenAPI 3 document", public=True, response=OpenApiDocumentSchema)
def openapi(user, data):
    return OpenApiDocumentSchema().dump(spec_document(current_app))
