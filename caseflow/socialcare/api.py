"""Step-up, step-down, the social care episode, the handover pack and the transition figures."""
from __future__ import annotations

from caseflow.api.kit import api_blueprint, endpoint, json_object
from caseflow.readmodels.case_api import case_body
from caseflow.cases.services import describe
from caseflow.plans.api import _iso
from caseflow.readmodels import handover
from caseflow.socialcare import oscillation, responses, schemas, services

bp = api_blueprint("socialcare_api", __name__)


@endpoint(bp, "/cases/<case_id>/step-up", "POST", status=201, documented_body=schemas.StepUpSchema,
          summary="Step a case up to children's social care")
def step_up(user, data, case_id):
    record = services.step_up(user, case_id, json_object())
    return {"id": record.id, "case_id": case_id, "stage": "social_care", "urgency": record.urgency,
            "respond_by": record.respond_by.isoformat(), "keyworker_role": record.keyworker_role}, 201


def response_body(case_id, record, amendment=None) -> dict:
    body = {"step_up_id": record.id, "case_id": case_id, "decision": record.response, "note": record.response_note,
            "responded_at": _iso(record.responded_at), "responded_by_id": record.responded_by_id}
    if amendment is not None:
        body.update(amendment_id=amendment.id, reason=amendment.reason,
                    previous={"decision": amendment.previous.get("decision")})
    return body


@endpoint(bp, "/cases/<case_id>/step-up/response", "POST", status=201, documented_body=schemas.StepUpResponseSchema,
          summary="Social care's response to a step-up (recorded once)")
def step_up_response(user, data, case_id):
    return response_body(case_id, responses.respond(user, case_id, json_object())), 201


@endpoint(bp, "/cases/<case_id>/step-up/response/amendments", "POST", status=201,
          documented_body=schemas.StepUpResponseAmendmentSchema,
          summary="Amend social care's response to a step-up, with a reason")
def amend_step_up_response(user, data, case_id):
    record, amendment = responses.amend(user, case_id, json_object())
    return response_body(case_id, record, amendment), 201


@endpoint(bp, "/cases/<case_id>/step-down", "POST", status=201, documented_body=schemas.StepDownSchema,
          summary="Step a case down from children's social care to early help")
def step_down(user, data, case_id):
    record = services.step_down(user, case_id, json_object())
    return {"id": record.id, "case_id": case_id, "stage": "stepped_down", "route": record.route,
            "handover_due_on": record.handover_due_on.isoformat(),
            "handover_meeting_on": _iso(record.handover_meeting_on)}, 201


@endpoint(bp, "/cases/<case_id>/statutory-status", "POST", status=201, documented_body=schemas.StatusSchema,
          summary="Record the statutory status (s17, s47, child protection plan, looked after)")
def statutory_status(user, data, case_id):
    status = services.record_status(user, case_id, json_object())
    return {"id": status.id, "status": status.status, "started_on": status.started_on.isoformat()}, 201


@endpoint(bp, "/cases/<case_id>/social-worker", "POST", documented_body=schemas.SocialWorkerSchema,
          summary="Allocate the social worker who leads the case")
def social_worker(user, data, case_id):
    return case_body(describe(user, services.assign_social_worker(user, case_id, json_object())))


@endpoint(bp, "/cases/<case_id>/keyworker-role", "POST", documented_body=schemas.KeyworkerRoleSchema,
          summary="Record whether the early help keyworker stays on jointly or steps back")
def keyworker_role(user, data, case_id):
    return case_body(describe(user, services.set_keyworker_role(user, case_id, json_object())))


@endpoint(bp, "/cases/<case_id>/handover-pack", "GET", summary="The handover pack, cut to what you may see")
def handover_pack(user, data, case_id):
    pack = handover.build(user, case_id)
    return {
        "case_id": case_id, "reference": pack.case.reference, "withheld": pack.withheld,
        "members": [{"name": f"{m.person.given_name} {m.person.family_name}", "relationship": m.relationship_to_family,
                     "date_of_birth": _iso(m.person.date_of_birth)} for m in pack.members],
        "other_members_withheld": pack.others_withheld,
        "step_ups": [{"at": s.requested_at.isoformat(), "reason": s.reason, "concern": s.concern, "evidence": s.evidence,
                      "urgency": s.urgency, "family_informed": s.family_informed,
                      "family_not_informed_reason": s.family_not_informed_reason, "informed": s.informed,
                      "keyworker_role": s.keyworker_role} for s in pack.step_ups],
        "statuses": [{"status": s.status, "started_on": s.started_on.isoformat(), "ended_on": _iso(s.ended_on)}
                     for s in pack.statuses],
        "step_downs": [{"at": s.requested_at.isoformat(), "reason": s.reason, "still_needed": s.still_needed,
                        "handover_due_on": s.handover_due_on.isoformat(), "handover_meeting_on": _iso(s.handover_meeting_on)}
                       for s in pack.step_downs],
        "assessment": None if pack.assessment is None else {
            "status": pack.assessment.status, "family_views": pack.assessment.family_views,
            "voices": [{"name": name, "voice": voice} for name, voice in pack.voices()],
            "confirmed_problems": pack.assessment.confirmed_problems, "baseline": pack.assessment.baseline},
        "plan": None if pack.plan is None else {
            "status": pack.plan.status, "outcomes": [{"headline_problem": o.headline_problem, "description": o.description,
                                                      "status": o.status} for o in pack.plan.outcomes],
            "actions": [{"description": a.description, "status": a.status} for a in pack.plan.actions]},
        "chronology": [{"date": e.day.isoformat(), "kind": e.kind, "title": e.title, "detail": e.detail}
                       for e in pack.chronology],
    }


@endpoint(bp, "/reports/transitions", "GET", summary="Step-ups, step-downs and re-referrals per month (12 months)")
def transitions(user, data):
    items = oscillation.monthly_transitions(user)
    return {"items": items, "page": 1, "per_page": len(items), "total": len(items)}


@endpoint(bp, "/reports/oscillating-families", "GET",
          summary="Families stepping up and down repeatedly (default 3+ moves in 12 months)")
def oscillating(user, data):
    items = [{"family_id": o.family_id, "family_name": o.family_name, "moves": o.moves,
              "last_move": o.last_move.isoformat(), "case_id": o.case_id} for o in oscillation.oscillating(user)]
    return {"items": items, "page": 1, "per_page": len(items), "total": len(items)}
