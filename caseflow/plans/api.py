"""Casework as JSON (API.md): assessment, plan, contacts, TAF reviews, closure, chronology."""
from __future__ import annotations

from flask import request as http_request

from caseflow.api.kit import DomainErrorTypes, api_blueprint, endpoint, json_object, refusal
from caseflow.api.schemas import PageQuerySchema
from caseflow.core.unit_of_work import savepoint
from caseflow.plans import assessments, closure, contacts, family_plan, overdue, reviews, taf
from caseflow.readmodels import chronology
from caseflow.plans import schemas

bp = api_blueprint("plans_api", __name__)


def _iso(value):
    return value.isoformat() if value is not None else None


# --- assessment ----------------------------------------------------------------------------------

def assessment_body(view) -> dict:
    a = view.assessment
    return {"case_id": view.case.id, "status": a.status if a else "not_started",
            "due_on": _iso(a.due_on if a else view.case.assessment_due_on),
            "completed_at": _iso(a.completed_at if a else None),
            "version": a.version if a else None, **{k: v for k, v in view.content.items() if k != "version"},
            "addenda": [{"id": x.id, "written_at": x.written_at.isoformat(), "author_id": x.author_id,
                         "text": x.text} for x in (a.addenda if a else [])]}


@endpoint(bp, "/cases/<case_id>/assessment", "GET", summary="The whole-family assessment (pre-filled when not started)")
def get_assessment(user, data, case_id):
    return assessment_body(assessments.view(user, case_id))


@endpoint(bp, "/cases/<case_id>/assessment", "PUT", summary="Save the assessment draft (starts it if need be)",
          documented_body=schemas.AssessmentSchema)
def put_assessment(user, data, case_id):
    assessments.save_draft(user, case_id, json_object())
    return assessment_body(assessments.view(user, case_id))


@endpoint(bp, "/cases/<case_id>/assessment/complete", "POST", summary="Complete and lock the assessment")
def complete_assessment(user, data, case_id):
    # What is sent is saved as the draft first, and kept when completing is refused (as on the
    # assessment page): the answer lists what is still missing from the saved draft.
    raw = http_request.get_json(silent=True)
    if isinstance(raw, dict) and raw:
        assessments.save_draft(user, case_id, raw)
    try:
        with savepoint():
            assessments.complete(user, case_id)
    except DomainErrorTypes() as exc:
        return refusal(exc)
    return assessment_body(assessments.view(user, case_id))


@endpoint(bp, "/cases/<case_id>/assessment/addenda", "POST", summary="Add a dated addendum to a completed assessment",
          status=201, documented_body=schemas.AddendumSchema)
def add_addendum(user, data, case_id):
    addendum = assessments.add_addendum(user, case_id, json_object())
    return {"id": addendum.id, "written_at": addendum.written_at.isoformat(), "text": addendum.text}, 201


# --- plan ----------------------------------------------------------------------------------------

def plan_body(case, plan, decision) -> dict:
    if plan is None:
        return {"case_id": case.id, "status": "not_started", "version": None, "outcomes": [], "actions": [],
                "distance_travelled": []}
    full = "plan" in decision.categories
    return {"case_id": case.id, "id": plan.id, "status": plan.status, "version": plan.version,
            "agreed_at": _iso(plan.agreed_at), "family_agreed": plan.family_agreed,
            "outcomes": [{"id": o.id, "headline_problem": o.headline_problem, "description": o.description,
                          "measure": o.measure, "target_date": o.target_date.isoformat(), "status": o.status}
                         for o in plan.outcomes] if full else [],
            "actions": [{"id": a.id, "description": a.description, "owner_user_id": a.owner_user_id,
                         "owner_organisation_id": a.owner_organisation_id, "outcome_id": a.outcome_id,
                         "due_date": a.due_date.isoformat(), "status": a.status} for a in plan.actions] if full else [],
            "distance_travelled": [{**row, "as_of": _iso(row["as_of"])}
                                   for row in family_plan.distance_travelled(case.id, plan=plan)]
            if "case_notes" in decision.categories else []}


@endpoint(bp, "/cases/<case_id>/plan", "GET", summary="The family plan and distance travelled")
def get_plan(user, data, case_id):
    return plan_body(*family_plan.view(user, case_id))


@endpoint(bp, "/cases/<case_id>/plan", "PUT", summary="Save the whole plan (send the version you read)",
          documented_body=schemas.PlanSchema)
def put_plan(user, data, case_id):
    family_plan.save(user, case_id, json_object())
    return plan_body(*family_plan.view(user, case_id))


@endpoint(bp, "/cases/<case_id>/plan/agree", "POST", summary="Record that the family agreed the plan",
          documented_body=schemas.AgreePlanSchema)
def agree_plan(user, data, case_id):
    family_plan.agree(user, case_id, json_object())
    return plan_body(*family_plan.view(user, case_id))


# --- contacts, reviews, TAF, closure ---------------------------------------------------------------

def contact_body(c, decision=None) -> dict:
    """A contact; `people_seen` lists only the people the reader may name."""
    seen = [p for p in c.people_seen or [] if decision is None or decision.shows_person(p)]
    return {"id": c.id, "date": c.occurred_on.isoformat(), "type": c.contact_type, "people_seen": seen,
            "notes": c.notes, "next_steps": c.next_steps, "recorded_by_id": c.recorded_by_id,
            "recorded_at": c.recorded_at.isoformat()}


@endpoint(bp, "/cases/<case_id>/contacts", "POST", summary="Record a visit or contact", status=201,
          documented_body=schemas.ContactSchema)
def post_contact(user, data, case_id):
    return contact_body(contacts.record(user, case_id, json_object())), 201


@endpoint(bp, "/cases/<case_id>/contacts", "GET", summary="Visits and contacts, newest first", query=PageQuerySchema)
def list_contacts(user, data, case_id):
    rows, total, decision = contacts.listing(user, case_id, data["page"], data["per_page"])
    return {"items": [contact_body(c, decision) for c in rows], "page": data["page"], "per_page": data["per_page"], "total": total}


def review_body(r) -> dict:
    return {"id": r.id, "date": r.held_on.isoformat(), "attendees": r.attendees,
            "progress": [{"outcome_id": k, "score": v} for k, v in r.progress.items()],
            "action_updates": [{"action_id": k, "status": v} for k, v in r.action_updates.items()],
            "decision": r.decision, "notes": r.notes, "next_review_date": _iso(r.next_review_on)}


@endpoint(bp, "/cases/<case_id>/reviews", "POST", summary="Record a TAF review", status=201,
          documented_body=schemas.ReviewSchema)
def post_review(user, data, case_id):
    return review_body(reviews.record(user, case_id, json_object())), 201


@endpoint(bp, "/cases/<case_id>/reviews", "GET", summary="TAF reviews, newest first")
def list_reviews(user, data, case_id):
    items = [review_body(r) for r in reviews.listing(user, case_id)]
    return {"items": items, "page": 1, "per_page": len(items), "total": len(items)}


@endpoint(bp, "/cases/<case_id>/taf", "POST", summary="Add a practitioner to the Team Around the Family",
          status=201, documented_body=schemas.TafMemberSchema)
def add_taf_member(user, data, case_id):
    member = taf.add(user, case_id, json_object())
    return {"id": member.id, "user_id": member.user_id, "role": member.role}, 201


@endpoint(bp, "/cases/<case_id>/close", "POST", summary="Close the case", documented_body=schemas.CloseSchema)
def close_case(user, data, case_id):
    case = closure.close(user, case_id, json_object())
    return {"id": case.id, "stage": case.stage, "closure_reason": case.closure_reason,
            "closed_at": case.closed_at.isoformat()}


@endpoint(bp, "/cases/<case_id>/engagement-extension", "POST", status=201,
          summary="A manager extends the time to engage a family", documented_body=schemas.EngagementSchema)
def extend_engagement(user, data, case_id):
    extension = closure.extend_engagement(user, case_id, json_object())
    return {"id": extension.id, "until": extension.until.isoformat()}, 201


@endpoint(bp, "/cases/<case_id>/chronology", "GET", summary="Everything that happened on the case, in date order")
def get_chronology(user, data, case_id):
    _, entries = chronology.chronology(user, case_id)
    items = [{"date": e.day.isoformat(), "at": _iso(e.at), "kind": e.kind, "title": e.title,
              "detail": e.detail, "by": e.by} for e in entries]
    return {"items": items, "page": 1, "per_page": len(items), "total": len(items)}


@endpoint(bp, "/cases/overdue", "GET", summary="Cases with an overdue assessment or TAF review", query=PageQuerySchema)
def list_overdue(user, data):
    rows, total, today = overdue.overdue(user, data["page"], data["per_page"])
    return {"items": [{"case_id": c.id, "reference": c.reference, "family_name": f.display_name,
                       "keyworker_id": c.keyworker_id, "keyworker": k.name if k else None, "stage": c.stage,
                       "assessment_due_on": _iso(c.assessment_due_on), "review_due_on": _iso(c.review_due_on),
                       "assessment_overdue": bool(c.assessment_due_on and c.assessment_due_on < today),
                       "review_overdue": bool(c.review_due_on and c.review_due_on < today)}
                      for c, f, k in rows], "page": data["page"], "per_page": data["per_page"], "total": total}
