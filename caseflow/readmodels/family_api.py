"""Family search, the single family view and the access log as JSON (API.md)."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from caseflow.api.kit import api_blueprint, endpoint
from caseflow.api.schemas import PageQuerySchema, cursor_query
from caseflow.readmodels import family_view as services
from caseflow.readmodels.schemas import AccessLogSchema, FamilySearchSchema, FamilyViewSchema

bp = api_blueprint("families_api", __name__)


class SearchQuerySchema(PageQuerySchema):
    q = fields.String(load_default="")
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


@endpoint(bp, "/families", "GET", summary="Search families you may see", query=SearchQuerySchema,
          response=FamilySearchSchema)
def search_families(user, data):
    results, total = services.search_families(user, data["q"], data["page"], data["per_page"])
    return FamilySearchSchema().dump({"items": results, "page": data["page"], "per_page": data["per_page"],
                                      "total": total})


class FamilyViewQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    as_of = fields.Date(load_default=None, metadata={
        "description": "YYYY-MM-DD: the household as it was on that day (default today)."})


@endpoint(bp, "/families/<family_id>", "GET", summary="The single family view", query=FamilyViewQuerySchema,
          response=FamilyViewSchema)
def get_family(user, data, family_id):
    view = services.view_family(user, family_id, as_of=data.get("as_of"))
    withheld = [s for s in ("members", "cases", "requests") if not view.shows(s)]
    if not view.shows("members"):
        withheld.append("other_members_withheld")  # it would say something about the members
    return FamilyViewSchema(exclude=withheld).dump(view)


class AccessLogQuerySchema(PageQuerySchema):
    before = cursor_query(services.ACCESS_LOG_KEYS)


@endpoint(bp, "/families/<family_id>/access-log", "GET",
          summary="Who read or changed this family's records", query=AccessLogQuerySchema, response=AccessLogSchema)
def get_access_log(user, data, family_id):
    family, events, total, next_cursor = services.access_log(user, family_id, data["page"], data["per_page"],
                                                             data["before"])
    return AccessLogSchema().dump({"items": events, "page": data["page"], "per_page": data["per_page"],
                                   "total": total, "next_cursor": next_cursor})
