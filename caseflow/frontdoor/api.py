"""Front door JSON API (API.md): requests for help in, the front-door queue out."""
from __future__ import annotations


from caseflow.api.errors import ApiError
from caseflow.api.kit import api_blueprint, endpoint, json_body, json_object
from caseflow.core.roles import Role
from caseflow.core.access import can
from caseflow.frontdoor import review, services
from caseflow.frontdoor.models import MatchStatus, Source
from caseflow.frontdoor.schemas import (
    MatchDecidedSchema,
    MatchDecisionSchema,
    RequestCreatedSchema,
    RequestDetailSchema,
    RequestInSchema,
    RequestListSchema,
    RequestQuerySchema,
)

bp = api_blueprint("frontdoor_api", __name__)


def created_body(user, sub: services.Submission) -> dict:
    req = sub.request
    match = {"status": req.match_status}
    # Candidates are other families' records: only for callers who may decide matches.
    candidates = [c for p in req.people for c in p.candidates if p.match_status == MatchStatus.NEEDS_REVIEW]
    if candidates and can(user, "request.resolve_match", req):
        match["candidates"] = candidates
    return RequestCreatedSchema().dump({"request": req, "case": sub.case, "family": sub.family, "match": match})


@endpoint(bp, "/requests", "POST", summary="Make a request for help", status=201,
          response=RequestCreatedSchema, documented_body=RequestInSchema)
def create_request(user, data):
    # The body is validated by the service (the same rules as the web forms), not here.
    raw = json_body()
    if not isinstance(raw, dict):
        raise ApiError(400, "malformed", "The request body must be a JSON object "
                                         "(Content-Type: application/json).")
    source = Source.PARTNER_SYSTEM if user.role == Role.PARTNER_SYSTEM else Source.PROFESSIONAL
    sub = services.submit_request(user, raw, source)
    return created_body(user, sub), 201


@endpoint(bp, "/requests", "GET", summary="The front-door queue", query=RequestQuerySchema,
          response=RequestListSchema)
def list_requests(user, data):
    rows, total = services.front_door_queue(user, status=data["status"], urgency=data["urgency"],
                                            page=data["page"], per_page=data["per_page"],
                                            sort=data["sort"])
    return RequestListSchema().dump({"items": rows, "page": data["page"], "per_page": data["per_page"],
                                     "total": total})


@endpoint(bp, "/requests/<request_id>", "GET", summary="One request for help", response=RequestDetailSchema)
def get_request(user, data, request_id):
    req, decision = services.view_request(user, request_id)
    hidden = []
    if "referral" not in decision.categories:
        hidden.append("details")
    if not can(user, "request.resolve_match", req):
        hidden.append("people.candidates")
    body = RequestDetailSchema(exclude=hidden).dump(req)
    shown = {rp.id for rp in services.shown_people(req, decision)}
    body["people"] = [p for p in body["people"] if p["id"] in shown]  # person by person
    return body


@endpoint(bp, "/requests/<request_id>/people/<person_id>/match", "POST",
          summary="Confirm or reject a possible match", documented_body=MatchDecisionSchema,
          response=MatchDecidedSchema)
def decide_match(user, data, request_id, person_id):
    raw = json_object()  # checked by the service after the policy, so a refusal is a refusal
    req = review.resolve_match(user, person_id, raw.get("decision"), raw.get("person_id"),
                                 request_id=request_id)
    return MatchDecidedSchema().dump(req)
