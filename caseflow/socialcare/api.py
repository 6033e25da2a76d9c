"""Step-up, step-down, the social care episode, the handover pack and the transition figures."""
from __future__ import annotations

from caseflow.api.kit import api_blueprint, endpoint, json_object
from caseflow.cases.services import describe
from caseflow.readmodels import handover
from caseflow.readmodels.case_api import case_body
from caseflow.readmodels.schemas import CaseSchema
from caseflow.socialcare import oscillation, responses, schemas, services

bp = api_blueprint("socialcare_api", __name__)


@endpoint(bp, "/cases/<case_id>/step-up", "POST", status=201, documented_body=schemas.StepUpSchema,
          summary="Step a case up to children's social care", response=schemas.StepUpOutSchema)
def step_up(user, data, case_id):
    record = services.step_up(user, case_id, json_object())
    return schemas.StepUpOutSchema().dump({"record": record, "case_id": case_id, "stage": "social_care"}), 201


@endpoint(bp, "/cases/<case_id>/step-up/response", "POST", status=201, documented_body=schemas.StepUpResponseSchema,
          summary="Social care's response to a step-up (recorded once)", response=schemas.StepUpResponseOutSchema)
def step_up_response(user, data, case_id):
    record = responses.respond(user, case_id, json_object())
    return schemas.StepUpResponseOutSchema().dump({"record": record, "case_id": case_id}), 201


@endpoint(bp, "/cases/<case_id>/step-up/response/amendments", "POST", status=201,
          documented_body=schemas.StepUpResponseAmendmentSchema,
          summary="Amend social care's response to a step-up, with a reason",
          response=schemas.StepUpResponseAmendedSchema)
def amend_step_up_response(user, data, case_id):
    record, amendment = responses.amend(user, case_id, json_object())
    return schemas.StepUpResponseAmendedSchema().dump({"record": record, "case_id": case_id,
                                                      "amendment": amendment}), 201


@endpoint(bp, "/cases/<case_id>/step-down", "POST", status=201, documented_body=schemas.StepDownSchema,
          summary="Step a case down from children's social care to early help", response=schemas.StepDownOutSchema)
def step_down(user, data, case_id):
    record = services.step_down(user, case_id, json_object())
    return schemas.StepDownOutSchema().dump({"record": record, "case_id": case_id, "stage": "stepped_down"}), 201


@endpoint(bp, "/cases/<case_id>/statutory-status", "POST", status=201, documented_body=schemas.StatusSchema,
          summary="Record the statutory status (s17, s47, child protection plan, looked after)",
          response=schemas.StatusOutSchema)
def statutory_status(user, data, case_id):
    return schemas.StatusOutSchema().dump(services.record_status(user, case_id, json_object())), 201


@endpoint(bp, "/cases/<case_id>/social-worker", "POST", documented_body=schemas.SocialWorkerSchema,
          summary="Allocate the social worker who leads the case", response=CaseSchema)
def social_worker(user, data, case_id):
    return case_body(describe(user, services.assign_social_worker(user, case_id, json_object())))


@endpoint(bp, "/cases/<case_id>/keyworker-role", "POST", documented_body=schemas.KeyworkerRoleSchema,
          summary="Record whether the early help keyworker stays on jointly or steps back", response=CaseSchema)
def keyworker_role(user, data, case_id):
    return case_body(describe(user, services.set_keyworker_role(user, case_id, json_object())))


@endpoint(bp, "/cases/<case_id>/handover-pack", "GET", summary="The handover pack, cut to what you may see",
          response=schemas.HandoverPackSchema)
def handover_pack(user, data, case_id):
    return schemas.HandoverPackSchema().dump(handover.build(user, case_id))


@endpoint(bp, "/reports/transitions", "GET", summary="Step-ups, step-downs and re-referrals per month (12 months)",
          response=schemas.TransitionsSchema)
def transitions(user, data):
    items = oscillation.monthly_transitions(user)
    return schemas.TransitionsSchema().dump({"items": items, "page": 1, "per_page": len(items), "total": len(items)})


@endpoint(bp, "/reports/oscillating-families", "GET",
          summary="Families stepping up and down repeatedly (default 3+ moves in 12 months)",
          response=schemas.OscillatingListSchema)
def oscillating(user, data):
    items = oscillation.oscillating(user)
    return schemas.OscillatingListSchema().dump({"items": items, "page": 1, "per_page": len(items),
                                                 "total": len(items)})
