"""Casework as JSON (API.md): assessment, plan, contacts, TAF reviews, closure, chronology."""
from __future__ import annotations


from caseflow.api.kit import DomainErrorTypes, api_blueprint, endpoint, json_body, json_object, refusal
from caseflow.api.schemas import PageQuerySchema, cursor_query
from caseflow.core.unit_of_work import savepoint
from caseflow.plans import assessments, closure, contacts, family_plan, monitoring, overdue, reviews, taf
from caseflow.readmodels import chronology
from caseflow.plans import schemas

bp = api_blueprint("plans_api", __name__)


# --- assessment ----------------------------------------------------------------------------------

def assessment_body(view) -> dict:
    a = view.assessment
    return schemas.AssessmentOutSchema().dump({
        **view.content, "case_id": view.case.id, "status": a.status if a else schemas.NOT_STARTED,
        "due_on": a.due_on if a else view.case.assessment_due_on, "completed_at": a.completed_at if a else None,
        "version": a.version if a else None, "addenda": a.addenda if a else []})


@endpoint(bp, "/cases/<case_id>/assessment", "GET", summary="The whole-family assessment (pre-filled when not started)",
          response=schemas.AssessmentOutSchema)
def get_assessment(user, data, case_id):
    return assessment_body(assessments.view(user, case_id))


@endpoint(bp, "/cases/<case_id>/assessment", "PUT", summary="Save the assessment draft (starts it if need be)",
          documented_body=schemas.AssessmentSchema, response=schemas.AssessmentOutSchema)
def put_assessment(user, data, case_id):
    assessments.save_draft(user, case_id, json_object())
    return assessment_body(assessments.view(user, case_id))


@endpoint(bp, "/cases/<case_id>/assessment/complete", "POST", summary="Complete and lock the assessment",
          response=schemas.AssessmentOutSchema, errors=(422,))
def complete_assessment(user, data, case_id):
    # What is sent is saved as the draft first, and kept when completing is refused (as on the
    # assessment page): the answer lists what is still missing from the saved draft.
    raw = json_body()
    if isinstance(raw, dict) and raw:
        assessments.save_draft(user, case_id, raw)
    try:
        with savepoint():
            assessments.complete(user, case_id)
    except DomainErrorTypes() as exc:
        return refusal(exc)
    return assessment_body(assessments.view(user, case_id))


@endpoint(bp, "/cases/<case_id>/assessment/addenda", "POST", summary="Add a dated addendum to a completed assessment",
          status=201, documented_body=schemas.AddendumSchema, response=schemas.AddendumCreatedSchema)
def add_addendum(user, data, case_id):
    return schemas.AddendumCreatedSchema().dump(assessments.add_addendum(user, case_id, json_object())), 201


# --- plan ----------------------------------------------------------------------------------------

def plan_body(case, plan, decision) -> dict:
    if plan is None:
        return schemas.PlanOutSchema(exclude=("id", "agreed_at", "family_agreed")).dump({
            "case_id": case.id, "status": schemas.NOT_STARTED, "version": None, "outcomes": [], "actions": [],
            "distance_travelled": []})
    full = "plan" in decision.categories
    return schemas.PlanOutSchema().dump({
        "case_id": case.id, "id": plan.id, "status": plan.status, "version": plan.version,
        "agreed_at": plan.agreed_at, "family_agreed": plan.family_agreed,
        "outcomes": plan.outcomes if full else [], "actions": plan.actions if full else [],
        "distance_travelled": family_plan.distance_travelled(case.id, plan=plan)
        if "case_notes" in decision.categories else []})


@endpoint(bp, "/cases/<case_id>/plan/actions/<action_id>/progress", "POST", documented_body=schemas.ActionProgressSchema,
          summary="Record progress on an action (its owner in the TAF, or the keyworker)",
          response=schemas.PlanActionOutSchema)
def action_progress(user, data, case_id, action_id):
    return schemas.PlanActionOutSchema().dump(family_plan.record_progress(user, case_id, action_id, json_object()))


@endpoint(bp, "/cases/<case_id>/plan", "GET", summary="The family plan and distance travelled",
          response=schemas.PlanOutSchema)
def get_plan(user, data, case_id):
    return plan_body(*family_plan.view(user, case_id))


@endpoint(bp, "/cases/<case_id>/plan", "PUT", summary="Save the whole plan (send the version you read)",
          documented_body=schemas.PlanSchema, response=schemas.PlanOutSchema)
def put_plan(user, data, case_id):
    family_plan.save(user, case_id, json_object())
    return plan_body(*family_plan.view(user, case_id))


@endpoint(bp, "/cases/<case_id>/plan/agree", "POST", summary="Record that the family agreed the plan",
          documented_body=schemas.AgreePlanSchema, response=schemas.PlanOutSchema)
def agree_plan(user, data, case_id):
    family_plan.agree(user, case_id, json_object())
    return plan_body(*family_plan.view(user, case_id))


# --- contacts, reviews, TAF, closure ---------------------------------------------------------------

@endpoint(bp, "/cases/<case_id>/contacts", "POST", summary="Record a visit or contact", status=201,
          documented_body=schemas.ContactSchema, response=schemas.ContactOutSchema)
def post_contact(user, data, case_id):
    return schemas.ContactOutSchema().dump(schemas.ContactForReader(contacts.record(user, case_id, json_object()))), 201


class ContactQuery(PageQuerySchema):
    before = cursor_query(contacts.CONTACT_KEYS)


@endpoint(bp, "/cases/<case_id>/contacts", "GET", summary="Visits and contacts, newest first", query=ContactQuery,
          response=schemas.ContactListSchema)
def list_contacts(user, data, case_id):
    rows, total, decision, next_cursor = contacts.listing(user, case_id, data["page"], data["per_page"],
                                                          data["before"])
    return schemas.ContactListSchema().dump({"items": [schemas.ContactForReader(c, decision) for c in rows],
                                             "page": data["page"], "per_page": data["per_page"], "total": total,
                                             "next_cursor": next_cursor})


@endpoint(bp, "/cases/<case_id>/reviews", "POST", summary="Record a TAF review", status=201,
          documented_body=schemas.ReviewSchema, response=schemas.ReviewOutSchema)
def post_review(user, data, case_id):
    return schemas.ReviewOutSchema().dump(reviews.record(user, case_id, json_object())), 201


@endpoint(bp, "/cases/<case_id>/reviews", "GET", summary="TAF reviews, newest first", response=schemas.ReviewListSchema)
def list_reviews(user, data, case_id):
    items = reviews.listing(user, case_id)
    return schemas.ReviewListSchema().dump({"items": items, "page": 1, "per_page": len(items), "total": len(items)})


@endpoint(bp, "/cases/<case_id>/taf", "POST", summary="Add a practitioner to the Team Around the Family",
          status=201, documented_body=schemas.TafMemberSchema, response=schemas.TafMemberOutSchema)
def add_taf_member(user, data, case_id):
    return schemas.TafMemberOutSchema().dump(taf.add(user, case_id, json_object())), 201


@endpoint(bp, "/cases/<case_id>/close", "POST", summary="Close the case", documented_body=schemas.CloseSchema,
          response=schemas.ClosedSchema)
def close_case(user, data, case_id):
    return schemas.ClosedSchema().dump(closure.close(user, case_id, json_object()))


@endpoint(bp, "/cases/<case_id>/monitoring", "GET", summary="After closure: the monitoring period, its check-ins, "
          "the outcome review and the step-down contact", response=schemas.MonitoringOutSchema)
def get_monitoring(user, data, case_id):
    return schemas.MonitoringOutSchema().dump(monitoring.read(user, case_id))


@endpoint(bp, "/cases/<case_id>/monitoring/check-ins/<check_in_id>", "POST", summary="Record a check-in's outcome",
          documented_body=schemas.CheckInSchema, response=schemas.CheckInOutSchema)
def post_check_in(user, data, case_id, check_in_id):
    return schemas.CheckInOutSchema().dump(monitoring.record_check_in(user, case_id, check_in_id, json_object()))


@endpoint(bp, "/cases/<case_id>/monitoring/review", "POST", summary="Record the outcome review: the case closes fully",
          documented_body=schemas.OutcomeReviewSchema, response=schemas.MonitoringOutSchema)
def post_outcome_review(user, data, case_id):
    monitoring.record_review(user, case_id, json_object())
    return schemas.MonitoringOutSchema().dump(monitoring.read(user, case_id))


@endpoint(bp, "/cases/<case_id>/engagement-extension", "POST", status=201,
          summary="A manager extends the time to engage a family", documented_body=schemas.EngagementSchema,
          response=schemas.ExtensionOutSchema)
def extend_engagement(user, data, case_id):
    return schemas.ExtensionOutSchema().dump(closure.extend_engagement(user, case_id, json_object())), 201


@endpoint(bp, "/cases/<case_id>/chronology", "GET", summary="Everything that happened on the case, in date order",
          response=schemas.ChronologySchema)
def get_chronology(user, data, case_id):
    _, entries = chronology.chronology(user, case_id)
    return schemas.ChronologySchema().dump({"items": entries, "page": 1, "per_page": len(entries),
                                            "total": len(entries)})


@endpoint(bp, "/cases/overdue", "GET", summary="Cases with an overdue assessment or TAF review", query=PageQuerySchema,
          response=schemas.OverdueListSchema)
def list_overdue(user, data):
    rows, total, today = overdue.overdue(user, data["page"], data["per_page"])
    return schemas.OverdueListSchema().dump({
        "items": [{"case": c, "family": f, "keyworker": k, "today": today} for c, f, k in rows],
        "page": data["page"], "per_page": data["per_page"], "total": total})
