"""Front door JSON API (API.md): requests for help in, the front-door queue out."""
from __future__ import annotations

from flask import request as http_request

from caseflow.api.errors import ApiError
from caseflow.api.kit import api_blueprint, endpoint, json_object
from caseflow.core.roles import Role
from caseflow.core.access import can
from caseflow.frontdoor import review, services
from caseflow.frontdoor.models import Source
from caseflow.frontdoor.schemas import (
    MatchDecisionSchema,
    RequestCreatedSchema,
    RequestInSchema,
    RequestListSchema,
    RequestQuerySchema,
)

bp = api_blueprint("frontdoor_api", __name__)


def created_body(user, sub: services.Submission) -> dict:
    req = sub.request
    match = {"status": req.match_status}
    # Candidates are other families' records: only for callers who may decide matches.
    candidates = [c for p in req.people for c in p.candidates if p.match_status == "needs_review"]
    if candidates and can(user, "request.resolve_match", req):
        match["candidates"] = candidates
    return {"id": req.id, "reference": req.reference, "case_id": sub.case.id,
            "family_id": sub.family.id, "stage": sub.case.stage, "status": req.status,
            "is_re_referral": req.is_re_referral, "match": match}


@endpoint(bp, "/requests", "POST", summary="Make a request for help", status=201,
          response=RequestCreatedSchema, documented_body=RequestInSchema)
def create_request(user, data):
    # The body is validated by the service (the same rules as the web forms), not here.
    raw = http_request.get_json(silent=True)
    if not isinstance(raw, dict):
        raise ApiError(400, "malformed", "The request body must be a JSON object "
                                         "(Content-Type: application/json).")
    source = Source.PARTNER_SYSTEM if user.role == Role.PARTNER_SYSTEM else Source.PROFESSIONAL
    sub = services.submit_request(user, raw, source)
    return created_body(user, sub), 201


def summary(row: services.QueueRow) -> dict:
    req = row.request
    return {"id": req.id, "reference": req.reference, "status": req.status,
            "match_status": req.match_status, "source": req.source, "urgency": req.urgency,
            "received_at": req.received_at.isoformat(), "family_id": req.family_id,
            "family_name": row.family.display_name, "case_id": req.case_id,
            "is_re_referral": req.is_re_referral, "triage_due_at": row.triage_due_at.isoformat(),
            "triage_overdue": row.overdue,
            "working_hours_waiting": round(row.working_hours_waiting, 1)}


@endpoint(bp, "/requests", "GET", summary="The front-door queue", query=RequestQuerySchema,
          response=RequestListSchema)
def list_requests(user, data):
    rows, total = services.front_door_queue(user, status=data["status"], urgency=data["urgency"],
                                            page=data["page"], per_page=data["per_page"],
                                            sort=data["sort"])
    return {"items": [summary(r) for r in rows], "page": data["page"],
            "per_page": data["per_page"], "total": total}


@endpoint(bp, "/requests/<request_id>", "GET", summary="One request for help")
def get_request(user, data, request_id):
    req, decision = services.view_request(user, request_id)
    body = {"id": req.id, "reference": req.reference, "status": req.status,
            "match_status": req.match_status, "source": req.source, "urgency": req.urgency,
            "received_at": req.received_at.isoformat(), "family_id": req.family_id,
            "case_id": req.case_id, "is_re_referral": req.is_re_referral,
            "concerns": req.concerns, "consent_given": req.consent_given,
            "referrer": {"name": req.referrer_name, "organisation": req.referrer_organisation,
                         "role": req.referrer_role}}
    if "referral" in decision.categories:
        body["details"] = req.details
    show_candidates = can(user, "request.resolve_match", req)
    body["people"] = [{"id": p.id, "given_name": p.given_name, "family_name": p.family_name,
                       "date_of_birth": p.date_of_birth.isoformat() if p.date_of_birth else None,
                       "relationship": p.relationship_to_family, "person_id": p.person_id,
                       "match_status": p.match_status,
                       **({"candidates": p.candidates} if show_candidates else {})}
                      for p in req.people]
    return body


@endpoint(bp, "/requests/<request_id>/people/<person_id>/match", "POST",
          summary="Confirm or reject a possible match", documented_body=MatchDecisionSchema)
def decide_match(user, data, request_id, person_id):
    raw = json_object()  # checked by the service after the policy, so a refusal is a refusal
    req = review.resolve_match(user, person_id, raw.get("decision"), raw.get("person_id"),
                                 request_id=request_id)
    return {"id": req.id, "status": req.status, "match_status": req.match_status,
            "family_id": req.family_id, "case_id": req.case_id,
            "is_re_referral": req.is_re_referral}
