"""/api/v1 for outcomes: partner systems send evidence (attendance, employment, incidents); the
Outcomes Plan; a family's progress; the claims workflow; the queued runs and their files."""
from __future__ import annotations

from marshmallow import fields, validate

from caseflow.api.kit import api_blueprint, endpoint, json_object
from caseflow.core.schemas import Strict
from caseflow.outcomes import claims, evidence, outcomes_plan, progress, runs, schemas
from caseflow.outcomes.vocab import ClaimResult

bp = api_blueprint("outcomes_api", __name__)


class ClaimFamilySchema(Strict):
    family_id = fields.String(required=True, validate=validate.Length(min=1, max=32))
    result = fields.String(required=True, validate=validate.OneOf([r.value for r in ClaimResult]))


@endpoint(bp, "/outcomes/evidence", "POST", status=201, documented_body=schemas.EvidenceSchema,
          summary="Record outcomes evidence about a person (attendance, exclusion, offence, employment...)",
          response=schemas.EvidenceRecordedSchema, also={200: "when source_row_key matched an earlier row: updated"})
def record_evidence(user, data):
    row, created, families = evidence.record(user, json_object())
    return schemas.EvidenceRecordedSchema().dump({"id": row.id, "created": created, "families": families}), \
        (201 if created else 200)


@endpoint(bp, "/outcomes/plan", "GET", summary="The Outcomes Plan version in force now",
          response=schemas.PlanVersionOutSchema)
def current_plan(user, data):
    from caseflow.core.access import require

    require(user, "outcomes.plan.view", object_type="outcomes_plan", audit=False)
    return schemas.PlanVersionOutSchema().dump(outcomes_plan.current())


@endpoint(bp, "/outcomes/plan/versions", "POST", status=201, documented_body=schemas.PlanVersionInSchema,
          summary="Save a new Outcomes Plan version (a shipped framework, or an edited definition)",
          response=schemas.PlanVersionOutSchema)
def new_plan_version(user, data):
    return schemas.PlanVersionOutSchema().dump(outcomes_plan.save_version(user, json_object())), 201


@endpoint(bp, "/families/<family_id>/outcomes", "GET", summary="A family's progress against the Outcomes Plan",
          response=schemas.FamilyOutcomesSchema)
def family_outcomes(user, data, family_id):
    return schemas.FamilyOutcomesSchema().dump(progress.family_outcomes(user, family_id))


@endpoint(bp, "/outcomes/claims", "GET", query=schemas.ClaimListQuerySchema, summary="Payment-by-results claims",
          response=schemas.ClaimListSchema)
def list_claims(user, data):
    listed = claims.list_claims(user, data.get("state"), data["page"], data["per_page"])
    listed["items"] = [_claim(c) for c in listed["items"]]
    return schemas.ClaimListSchema().dump(listed)


def _claim(claim) -> dict:
    return {**{c.key: getattr(claim, c.key) for c in claim.__table__.columns},
            "plan_version": outcomes_plan.get(claim.plan_version_id).number}


@endpoint(bp, "/outcomes/claims", "POST", status=201, documented_body=ClaimFamilySchema,
          summary="Propose a claim for one family and result (refused if not achieved or already claimed)",
          response=schemas.ClaimSchema, errors=(409,))
def claim_family(user, data):
    from caseflow.core.access import require
    from caseflow.core.errors import load

    # The policy before the body (the endpoint's schema would answer a 422 to anyone).
    require(user, "outcomes.claims.run", object_type="outcome_claims", audit=False)
    data = load(ClaimFamilySchema, json_object())
    return schemas.ClaimSchema().dump(_claim(claims.claim_family(user, data["family_id"], data["result"]))), 201


@endpoint(bp, "/outcomes/claims/<claim_id>", "GET", summary="A claim with the snapshot it rests on",
          response=schemas.ClaimDetailSchema)
def claim_detail(user, data, claim_id):
    return schemas.ClaimDetailSchema().dump(_claim(claims.load_claim(user, claim_id)))


@endpoint(bp, "/outcomes/claims/<claim_id>/validate", "POST", documented_body=schemas.ClaimActionSchema,
          summary="An analyst validates a proposed claim against its evidence", response=schemas.ClaimSchema)
def validate_claim(user, data, claim_id):
    return schemas.ClaimSchema().dump(_claim(claims.validate_claim(user, claim_id, json_object())))


@endpoint(bp, "/outcomes/claims/<claim_id>/reject", "POST", documented_body=schemas.RejectSchema,
          summary="Reject a claim, with the reason", response=schemas.ClaimSchema)
def reject_claim(user, data, claim_id):
    return schemas.ClaimSchema().dump(_claim(claims.reject_claim(user, claim_id, json_object())))


@endpoint(bp, "/outcomes/claims/<claim_id>/approve", "POST", documented_body=schemas.ClaimActionSchema,
          summary="A team manager approves a validated claim", response=schemas.ClaimSchema)
def approve_claim(user, data, claim_id):
    return schemas.ClaimSchema().dump(_claim(claims.approve_claim(user, claim_id, json_object())))


@endpoint(bp, "/outcomes/claims/<claim_id>/paid", "POST", documented_body=schemas.PaidSchema,
          summary="Record that the funder paid a submitted claim", response=schemas.ClaimSchema)
def claim_paid(user, data, claim_id):
    return schemas.ClaimSchema().dump(_claim(claims.mark_paid(user, claim_id, json_object())))


@endpoint(bp, "/outcomes/claims/submissions", "POST", status=201, documented_body=schemas.SubmitSchema,
          summary="Submit the month's approved claims, with the funder's CSV", response=schemas.BatchSchema)
def submit_claims(user, data):
    batch = claims.submit_month(user, json_object())
    _, csv_text = claims.batch_csv(user, batch.id)
    return schemas.BatchSchema().dump({"id": batch.id, "month": batch.month, "submitted_at": batch.submitted_at,
                                       "claims": batch.claims, "csv": csv_text}), 201


def _run(run) -> dict:
    return {"id": run.id, "kind": run.kind, "state": run.state, "total": run.total, "done": run.done,
            "summary": run.summary or {}, "created_at": run.created_at, "finished_at": run.finished_at,
            "has_output": bool(run.output)}


@endpoint(bp, "/outcomes/runs", "POST", status=202, documented_body=schemas.RunStartSchema,
          summary="Queue a claims run, a Family Progress Data extract or a cost-saving calculation",
          response=schemas.RunSchema)
def start_run(user, data):
    return schemas.RunSchema().dump(_run(runs.start(user, json_object()))), 202


@endpoint(bp, "/outcomes/runs/<run_id>", "GET", summary="A run's progress", response=schemas.RunSchema)
def run_progress(user, data, run_id):
    return schemas.RunSchema().dump(_run(runs.get(user, run_id)))


@endpoint(bp, "/outcomes/runs/<run_id>/output", "GET", summary="The CSV a run produced",
          response=schemas.RunOutputSchema)
def run_output(user, data, run_id):
    _, csv_text = runs.output(user, run_id)
    return schemas.RunOutputSchema().dump({"csv": csv_text})
