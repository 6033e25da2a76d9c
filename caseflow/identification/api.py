"""/api/v1 for the data identification route: start and list runs, the identified families, and
the front door's two decisions (start a request for help, dismiss)."""
from __future__ import annotations

from caseflow.api.kit import api_blueprint, endpoint, json_object
from caseflow.core.access import can, require
from caseflow.identification import schemas, services

bp = api_blueprint("identification_api", __name__)


def run_out(run, plan_number: int | None = None) -> dict:
    return {"id": run.id, "as_of": run.as_of, "state": run.state, "min_problems": run.min_problems,
            "plan_version": plan_number if plan_number is not None else services.plan_number(run),
            "identified": run.identified, "summary": run.summary or {},
            "created_at": run.created_at, "finished_at": run.finished_at}


def identified_out(shown) -> dict:
    row = shown.identified
    return {"run_id": row.run_id, "family_id": row.family_id, "family_reference": shown.family.reference,
            "family_name": shown.family.display_name, "state": row.state, "problem_count": row.problem_count,
            "problems": shown.problems, "decided_at": row.decided_at, "request_id": row.request_id}


@endpoint(bp, "/identification/runs", "POST", status=202, documented_body=schemas.RunStartSchema,
          summary="Queue a data identification run over the evidence store", response=schemas.IdentificationRunSchema,
          errors=(409,))
def start_run(user, data):
    # The policy before the body: a refused caller gets 403 (audited) whatever it sent.
    if not can(user, "identification.run"):
        require(user, "identification.run", object_type="identification_run", purpose="data identification")
    return schemas.IdentificationRunSchema().dump(run_out(services.start(user, json_object()))), 202


@endpoint(bp, "/identification/runs", "GET", query=schemas.RunListQuerySchema,
          summary="Identification runs, newest first",
          response=schemas.IdentificationRunListSchema)
def list_runs(user, data):
    listed = services.list_runs(user, data["page"], data["per_page"])
    numbers = services.plan_numbers(listed["items"])
    listed["items"] = [run_out(r, numbers[r.plan_version_id]) for r in listed["items"]]
    return schemas.IdentificationRunListSchema().dump(listed)


@endpoint(bp, "/identification/runs/<run_id>", "GET", summary="One identification run and its progress",
          response=schemas.IdentificationRunSchema)
def get_run(user, data, run_id):
    return schemas.IdentificationRunSchema().dump(run_out(services.get_run(user, run_id)))


@endpoint(bp, "/identification/families", "GET", query=schemas.IdentifiedListQuerySchema,
          summary="The families a run identified (the latest finished run unless run_id is given)",
          response=schemas.IdentifiedFamilyListSchema)
def list_identified(user, data):
    listed = services.list_identified(user, data.get("run_id"), data.get("state"), data["page"], data["per_page"])
    listed.pop("run", None)
    listed["items"] = [identified_out(s) for s in listed["items"]]
    return schemas.IdentifiedFamilyListSchema().dump(listed)


@endpoint(bp, "/identification/runs/<run_id>/families/<family_id>/dismiss", "POST",
          documented_body=schemas.DismissSchema, summary="Dismiss an identified family, with the reason",
          response=schemas.IdentifiedFamilySchema, errors=(409,))
def dismiss(user, data, run_id, family_id):
    _may_decide(user, run_id, family_id)
    row = services.dismiss(user, run_id, family_id, json_object())
    return schemas.IdentifiedFamilySchema().dump(identified_out(services.shown_row(row)))


@endpoint(bp, "/identification/runs/<run_id>/families/<family_id>/request", "POST", status=201,
          documented_body=schemas.StartRequestSchema,
          summary="Start a request for help from an identified family (the front door's request rules apply)",
          response=schemas.RequestStartedSchema, errors=(409,))
def start_request(user, data, run_id, family_id):
    _may_decide(user, run_id, family_id)
    row, submission = services.start_request(user, run_id, family_id, json_object())
    return schemas.RequestStartedSchema().dump({
        "identified": identified_out(services.shown_row(row)), "request_id": submission.request.id,
        "request_reference": submission.request.reference, "case_id": submission.case.id,
        "match_status": submission.request.match_status}), 201


def _may_decide(user, run_id: str, family_id: str) -> None:
    """The policy before the body: a refusal is audited here; a grant by the service, which asks again."""
    if not can(user, "identification.decide", {"family_id": family_id}):
        require(user, "identification.decide", {"family_id": family_id}, object_type="identified_family",
                object_id=run_id, family_id=family_id, purpose="data identification")
