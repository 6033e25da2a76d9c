"""The one family plan: outcomes for the headline problems the assessment confirmed, each with a
measure and a target date, and actions each with an owner, a due date and a status.

The plan is saved whole (PUT semantics) with the version the editor last read: if someone else
saved in between, the save is refused with 409 rather than silently overwriting their changes.
It can be edited after it is agreed (plans live), but it must always cover every confirmed
problem once agreed. Agreeing it (with the family) starts the six-weekly TAF review cycle.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from caseflow.core import stages as flow
from caseflow.auth.models import Organisation, User
from caseflow.cases.models import Case
from caseflow.core import audit
from caseflow.core.roles import OrgType, Role
from caseflow.core.access import Decision, require
from caseflow.core.database import utcnow
from caseflow.core.extensions import db
from caseflow.notify.services import notify
from caseflow.plans import deadlines
from caseflow.plans.assessments import _flush
from caseflow.cases.services import load_case
from caseflow.plans.common import must_be_open
from caseflow.plans.models import Assessment, Plan, PlanAction, PlanOutcome, Review, TafMember
from caseflow.plans.schemas import ActionProgressSchema, AgreePlanSchema, PlanSchema
from caseflow.plans.vocab import ACTION_STATUSES, DOMAINS, AssessmentStatus, PlanStatus
from caseflow.core.errors import Conflict, NotFound, ServiceValidationError, StaleVersion, load
from caseflow.notify.vocab import NotificationType


def get_plan(case_id: str) -> Plan | None:
    return db.session.scalar(select(Plan).where(Plan.case_id == case_id).options(
        selectinload(Plan.outcomes), selectinload(Plan.actions)))


def confirmed_problems(case_id: str) -> list[str]:
    assessment = db.session.scalar(select(Assessment).where(Assessment.case_id == case_id))
    if assessment is None or assessment.status != AssessmentStatus.COMPLETE:
        return []
    return list(assessment.confirmed_problems or [])


def view(actor, case_id: str) -> tuple[Case, Plan | None, Decision]:
    case, decision = load_case(actor, case_id, "plan.view", "family plan")
    plan = get_plan(case.id)
    return case, plan, decision


# County-wide services are offered as action owners on every plan; a school or a GP practice
# only where it is already part of this family's work (a county has hundreds of each).
LOCAL_ORGANISATION_TYPES = (OrgType.SCHOOL, OrgType.GP)
ACTION_OWNER_ROLES = (Role.KEYWORKER, Role.PARTNER, Role.SOCIAL_WORKER, Role.TEAM_MANAGER)


def owner_choices(case: Case, plan: Plan | None, actor=None) -> tuple[list[User], list[Organisation]]:
    """Who may be offered as an action's owner on this family's plan: the keyworker, the Team
    Around the Family, whoever already owns an action (and the person editing, when they could
    own one); and the county-wide services, the referrers' organisations and the TAF's own. Not
    every member of staff in the county: at county scale that list was over a thousand names
    long in every action's list, and an owner who is not in the TAF is added to it first (the
    TAF then hears of reviews). A fixed number of statements.

    Not the children's own schools: which school a child attends is education data, per person,
    which the plan's readers need not hold (the case page already names the referrer and the
    TAF's organisations to them); the school's lead joins the TAF, and the school is offered."""
    from caseflow.frontdoor.models import RequestForHelp

    owners = {a.owner_user_id for a in plan.actions if a.owner_user_id} if plan else set()
    user_ids = owners | set(db.session.scalars(select(TafMember.user_id).where(
        TafMember.case_id == case.id, TafMember.left_at.is_(None))))
    if case.keyworker_id:
        user_ids.add(case.keyworker_id)
    if actor is not None and actor.role in ACTION_OWNER_ROLES:
        user_ids.add(actor.id)
    users = list(db.session.scalars(select(User).where(User.id.in_(user_ids), User.active | User.id.in_(owners))
                                    .order_by(User.name))) if user_ids else []
    org_ids = {a.owner_organisation_id for a in plan.actions if a.owner_organisation_id} if plan else set()
    org_ids |= {u.organisation_id for u in users}
    org_ids |= set(db.session.scalars(select(RequestForHelp.referrer_organisation_id).where(
        RequestForHelp.case_id == case.id, RequestForHelp.referrer_organisation_id.is_not(None))))
    orgs = list(db.session.scalars(select(Organisation).where(
        Organisation.type.not_in(LOCAL_ORGANISATION_TYPES) | Organisation.id.in_(org_ids)).order_by(Organisation.name)))
    return users, orgs


def save(actor, case_id: str, raw: dict) -> Plan:
    case, _ = load_case(actor, case_id, "casework.record", "family plan", lock=True)
    must_be_open(case, "change the plan")
    problems = confirmed_problems(case.id)
    if not problems:
        raise Conflict("Complete the whole-family assessment first: the plan's outcomes come from "
                       "the headline problems it confirms.")
    errors = _unconfirmed(raw.get("outcomes"), problems)
    try:
        data = load(PlanSchema, raw)
    except ServiceValidationError as exc:  # report every problem at once, not the schema's first
        raise ServiceValidationError(str(exc), {**errors, **exc.fields}) from None
    plan = get_plan(case.id)
    if plan is None:
        plan = Plan(case_id=case.id, updated_by_id=actor.id, outcomes=[], actions=[])
        db.session.add(plan)
    else:
        if data.get("version") is None:
            raise ServiceValidationError("Send the plan's version.", {"version": [
                "Send the version of the plan you last read, so changes made since are not overwritten"]})
        if data["version"] != plan.version:
            raise StaleVersion("Someone else has changed this plan since you opened it. "
                               "Reload it to see their changes, then make yours again.")
    errors.update(_check(data, plan))
    if plan.status == PlanStatus.AGREED:
        errors.update(_coverage(problems, [o["headline_problem"] for o in data["outcomes"]]))
    if errors:
        raise ServiceValidationError("Some parts of the plan need changing.", errors)
    _replace(plan, data)
    plan.updated_at, plan.updated_by_id = utcnow(), actor.id  # bumps the version even if only rows changed
    _flush()
    audit.record(actor, "plan.save", "plan", plan.id, family_id=case.family_id,
                 categories=["plan"], purpose="family plan")
    return plan


def _unconfirmed(outcomes, problems: list[str]) -> dict[str, list[str]]:
    """Outcomes for a headline problem the assessment did not confirm (checked on the raw input,
    so the message comes with any other problems in the same answer)."""
    errors = {}
    for i, outcome in enumerate(outcomes if isinstance(outcomes, list) else []):
        code = outcome.get("headline_problem") if isinstance(outcome, dict) else None
        if code in DOMAINS and code not in problems:
            errors[f"outcomes.{i}.headline_problem"] = [
                f"{DOMAINS[code]} was not confirmed in the assessment: outcomes must be for a confirmed problem"]
    return errors


def _check(data: dict, plan: Plan) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for i, outcome in enumerate(data["outcomes"]):
        if outcome.get("id") and outcome["id"] not in {o.id for o in plan.outcomes}:
            errors[f"outcomes.{i}.id"] = ["Not an outcome of this plan"]
    kept = {o["id"] for o in data["outcomes"] if o.get("id")}
    scored = _scored_outcome_ids(plan)
    for outcome in plan.outcomes:
        if outcome.id not in kept and outcome.id in scored:
            errors["outcomes"] = ["An outcome that reviews have scored stays on the plan: "
                                  "mark it not achieved instead of removing it"]
    users = _existing(User, [a["owner_user_id"] for a in data["actions"]])
    orgs = _existing(Organisation, [a["owner_organisation_id"] for a in data["actions"]])
    for i, action in enumerate(data["actions"]):
        if action.get("owner_user_id") and action["owner_user_id"] not in users:
            errors[f"actions.{i}.owner"] = ["Choose the action's owner from the list"]
        if action.get("owner_organisation_id") and action["owner_organisation_id"] not in orgs:
            errors[f"actions.{i}.owner"] = ["Choose the action's owner from the list"]
        index = action.get("outcome_index")
        if index is not None and not 0 <= index < len(data["outcomes"]):
            errors[f"actions.{i}.outcome_index"] = ["Choose one of the plan's outcomes"]
        if action.get("id") and action["id"] not in {a.id for a in plan.actions}:
            errors[f"actions.{i}.id"] = ["Not an action of this plan"]
    return errors


def _coverage(problems: list[str], covered: list[str]) -> dict[str, list[str]]:
    missing = [p for p in problems if p not in covered]
    if not missing:
        return {}
    return {"outcomes": ["Every confirmed headline problem needs at least one outcome. Missing: "
                         + ", ".join(DOMAINS[p].lower() for p in missing)]}


def _existing(model, ids: list[str | None]) -> set[str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return set()
    return set(db.session.scalars(select(model.id).where(model.id.in_(wanted))))


def _scored_outcome_ids(plan: Plan) -> set[str]:
    if plan.id is None:
        return set()
    scored: set[str] = set()
    for progress in db.session.scalars(select(Review.progress).where(Review.case_id == plan.case_id)):
        scored.update(progress or {})
    return scored


def _replace(plan: Plan, data: dict) -> None:
    """Update rows in place where the caller sent their id (reviews refer to outcome ids)."""
    existing = {o.id: o for o in plan.outcomes}
    outcomes = []
    for position, item in enumerate(data["outcomes"]):
        outcome = existing.get(item.get("id")) or PlanOutcome()
        outcome.position, outcome.headline_problem = position, item["headline_problem"]
        outcome.description, outcome.measure = item["description"].strip(), item["measure"].strip()
        outcome.target_date, outcome.status = item["target_date"], item["status"]
        outcomes.append(outcome)
    plan.outcomes = outcomes
    db.session.flush()  # new outcomes get ids before actions point at them
    existing_actions = {a.id: a for a in plan.actions}
    actions = []
    for position, item in enumerate(data["actions"]):
        action = existing_actions.get(item.get("id")) or PlanAction()
        action.position, action.description = position, item["description"].strip()
        action.owner_user_id, action.owner_organisation_id = item.get("owner_user_id"), item.get("owner_organisation_id")
        action.due_date, action.status = item["due_date"], item["status"]
        index = item.get("outcome_index")
        action.outcome_id = outcomes[index].id if index is not None else None
        actions.append(action)
    plan.actions = actions


def agree(actor, case_id: str, raw: dict) -> Plan:
    """The family agrees the plan: the case moves to reviewing and the first TAF review is due."""
    case, _ = load_case(actor, case_id, "casework.record", "family plan", lock=True)
    data = load(AgreePlanSchema, raw)
    plan = get_plan(case.id)
    if plan is None:
        raise Conflict("Write the plan before asking the family to agree it.")
    if data.get("version") is not None and data["version"] != plan.version:
        raise StaleVersion("The plan has changed since you opened it: read it again with the family.")
    if not data["family_agreed"]:
        raise ServiceValidationError("The family must agree the plan.", {"family_agreed": [
            "Confirm that the family has agreed the plan; it is their plan"]})
    errors = _coverage(confirmed_problems(case.id), [o.headline_problem for o in plan.outcomes])
    if errors:
        raise ServiceValidationError("The plan does not cover every confirmed problem.", errors)
    flow.transition(db.session, case, "agree_plan", actor, reason="Plan agreed with the family")
    now = utcnow()
    plan.status, plan.agreed_at, plan.agreed_by_id, plan.family_agreed = PlanStatus.AGREED, now, actor.id, True
    plan.updated_at = now
    case.review_due_on = deadlines.next_review_on(now)
    _flush()
    _tell_taf(case, plan, f"plan-agreed:{plan.id}", "The family plan has been agreed",
              "The family has agreed their plan. You can read it, including any actions for you.")
    audit.record(actor, "plan.agree", "plan", plan.id, family_id=case.family_id,
                 categories=["plan"], purpose="family plan")
    db.session.flush()
    return plan


def record_progress(actor, case_id: str, action_id: str, raw: dict) -> PlanAction:
    """Progress on one action: its owner in the TAF (on their own actions only) or whoever does
    the casework (policy rule plan.action.progress). The keyworker hears about it."""
    action = db.session.scalar(select(PlanAction).join(Plan, Plan.id == PlanAction.plan_id)
                               .where(PlanAction.id == action_id, Plan.case_id == case_id))
    if action is None:
        raise NotFound("No action with that id in this family's plan.")
    case = db.session.get(Case, case_id)
    require(actor, "plan.action.progress", action, object_type="plan_action", family_id=case.family_id,
            purpose="progress on a plan action")
    must_be_open(case, "record progress on the plan")
    data = load(ActionProgressSchema, raw)
    action.status = data["status"]
    action.progress_note = (data.get("note") or "").strip() or None
    action.progress_at, action.progress_by_id = utcnow(), actor.id
    action.plan.updated_at = utcnow()  # the plan changed: anyone editing it must reload
    _flush()
    if case.keyworker_id and case.keyworker_id != actor.id:
        notify(case.keyworker_id, NotificationType.PLAN, f"action-progress:{action.id}:{action.progress_at.isoformat()}",
               "Progress on an action in the family plan",
               f"Case {case.reference}: {actor.name} marked an action {ACTION_STATUSES[action.status].lower()}.",
               case_id=case.id, family_id=case.family_id)
    audit.record(actor, "plan.action_progress", "plan_action", action.id, family_id=case.family_id,
                 categories=["plan"], purpose="progress on a plan action")
    return action


def _tell_taf(case: Case, plan: Plan | None, key: str, title: str, body: str) -> None:
    """Everyone in the TAF and every named action owner hears about it (no case detail in the
    message: they open the plan, which the policy cuts to what they may see)."""
    recipients = set(db.session.scalars(select(TafMember.user_id).where(
        TafMember.case_id == case.id, TafMember.left_at.is_(None))))
    if plan is not None:
        recipients.update(a.owner_user_id for a in plan.actions if a.owner_user_id)
    recipients.discard(case.keyworker_id)
    for user_id in sorted(recipients):
        notify(user_id, NotificationType.PLAN, key, title, f"Case {case.reference}: {body}", case_id=case.id,
               family_id=case.family_id)


_NOT_READ = object()


def distance_travelled(case_id: str, assessment: Assessment | None | object = _NOT_READ,
                       plan: Plan | None = None) -> list[dict]:
    """Per confirmed headline problem: the baseline score, the latest review's score (the mean
    of its outcomes' scores) and the change. Three queries at most. A caller that has read the
    case's assessment passes it, None included (a case with none is not asked about again)."""
    if assessment is _NOT_READ:
        assessment = db.session.scalar(select(Assessment).where(Assessment.case_id == case_id))
    if assessment is None or assessment.status != AssessmentStatus.COMPLETE:
        return []
    plan = plan or get_plan(case_id)
    latest = db.session.scalar(select(Review).where(Review.case_id == case_id)
                               .order_by(Review.held_on.desc(), Review.recorded_at.desc()).limit(1))
    problem_of = {o.id: o.headline_problem for o in (plan.outcomes if plan else [])}
    scores: dict[str, list[int]] = {}
    for outcome_id, score in ((latest.progress or {}) if latest else {}).items():
        if outcome_id in problem_of:
            scores.setdefault(problem_of[outcome_id], []).append(score)
    rows = []
    for code in assessment.confirmed_problems or []:
        baseline = (assessment.baseline or {}).get(code)
        now = round(sum(scores[code]) / len(scores[code]), 1) if code in scores else None
        rows.append({"headline_problem": code, "label": DOMAINS[code], "baseline": baseline,
                     "latest": now, "change": round(now - baseline, 1) if now is not None and baseline else None,
                     "as_of": latest.held_on if latest and now is not None else None})
    return rows

