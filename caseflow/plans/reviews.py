"""Team Around the Family reviews: every six weeks (by default) the TAF meets, scores progress on
each outcome, updates the actions and decides: continue, close or step up."""
from __future__ import annotations

from sqlalchemy import select

from caseflow.core import stages as flow, timescales
from caseflow.core import audit
from caseflow.core.database import utcnow
from caseflow.core.extensions import db
from caseflow.plans import deadlines
from caseflow.plans.assessments import _flush
from caseflow.cases.services import load_case
from caseflow.plans.family_plan import _tell_taf, get_plan
from caseflow.plans.models import Assessment, Review
from caseflow.plans.schemas import ReviewSchema
from caseflow.core.errors import Conflict, ServiceValidationError, load
from caseflow.plans.vocab import OutcomeStatus


def record(actor, case_id: str, raw: dict) -> Review:
    case, _ = load_case(actor, case_id, "casework.record", "TAF review", lock=True)
    if case.stage != flow.Stage.REVIEWING:
        raise Conflict("TAF reviews start once the family has agreed the plan.")
    data = load(ReviewSchema, raw)
    plan = get_plan(case.id)
    assessment = db.session.scalar(select(Assessment).where(Assessment.case_id == case.id))
    errors: dict[str, list[str]] = {}
    assessed_on = timescales.to_london(assessment.completed_at).date()
    if data["date"] > timescales.today_london():
        errors["date"] = ["A review cannot be dated in the future"]
    elif data["date"] < assessed_on:
        errors["date"] = [f"A review cannot be dated before the assessment was completed "
                          f"({timescales.format_uk_date(assessed_on)})"]
    outcomes = {o.id: o for o in plan.outcomes}
    actions = {a.id: a for a in plan.actions}
    scores = {}
    for i, item in enumerate(data["progress"]):
        if item["outcome_id"] not in outcomes:
            errors[f"progress.{i}.outcome_id"] = ["Not an outcome of this family's plan"]
        scores[item["outcome_id"]] = item["score"]
    for outcome in plan.outcomes:
        if outcome.status == OutcomeStatus.IN_PROGRESS and outcome.id not in scores:
            errors[f"progress.{outcome.id}"] = [f"Score progress on '{outcome.description}'"]
    for i, item in enumerate(data["action_updates"]):
        if item["action_id"] not in actions:
            errors[f"action_updates.{i}.action_id"] = ["Not an action of this family's plan"]
    next_review = data.get("next_review_date") or deadlines.next_review_on(data["date"])
    if data["decision"] == "continue" and next_review <= data["date"]:
        errors["next_review_date"] = ["The next review must be after this one"]
    if errors:
        raise ServiceValidationError("Some answers need changing.", errors)
    updates = {item["action_id"]: item["status"] for item in data["action_updates"]}
    for action_id, status in updates.items():
        actions[action_id].status = status
    if updates:
        plan.updated_at = utcnow()  # the plan changed: anyone editing it must reload
    review = Review(case_id=case.id, held_on=data["date"], attendees=[
        {k: a.get(k) for k in ("name", "organisation", "user_id")} for a in data["attendees"]],
        progress=scores, action_updates=updates, decision=data["decision"],
        notes=(data.get("notes") or "").strip() or None, recorded_by_id=actor.id,
        next_review_on=next_review if data["decision"] == "continue" else None)
    db.session.add(review)
    if data["decision"] == "continue":
        case.review_due_on = next_review
    # "step_up": the review records the TAF's decision and its reason; the keyworker then
    # makes the step-up itself (caseflow.socialcare) with the concern, evidence and urgency.
    _flush()
    _tell_taf(case, plan, f"review:{review.id}", "A TAF review has been recorded",
              f"The Team Around the Family review on {timescales.format_uk_date(review.held_on)} has been "
              "recorded, with any updates to your actions.")
    audit.record(actor, "review.record", "review", review.id, family_id=case.family_id,
                 categories=["plan", "case_notes"], purpose="TAF review")
    db.session.flush()
    return review


def listing(actor, case_id: str) -> list[Review]:
    case, _ = load_case(actor, case_id, "casework.view", "TAF reviews")
    rows = db.session.scalars(select(Review).where(Review.case_id == case.id)
                              .order_by(Review.held_on.desc(), Review.recorded_at.desc())).all()
    return list(rows)


def latest_scores(case_id: str) -> dict[str, int]:
    """The last review's score per outcome (the review form shows it beside each outcome)."""
    latest = db.session.scalar(select(Review).where(Review.case_id == case_id)
                               .order_by(Review.held_on.desc(), Review.recorded_at.desc()).limit(1))
    return dict(latest.progress or {}) if latest else {}
