"""Step-up to children's social care, the social care episode, and step-down back to early help.

The case is the same case throughout: its family record, assessment, plan and chronology travel
with it, so the receiving worker reads the whole story rather than asking the family again.
Every move goes through caseflow.flow, is audited and tells the people who need to know, in
words the policy lets each of them see.
"""
from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select

from caseflow.core import stages as flow, timescales
from caseflow.auth.models import Team, User
from caseflow.core.roles import Role
from caseflow.core import audit
from caseflow.core.access import can
from caseflow.core import signals
from caseflow.core.database import utcnow
from caseflow.core.extensions import db
from caseflow.notify.deadlines import add_working_hours
from caseflow.notify.services import notify
from caseflow.plans import deadlines
from caseflow.cases.models import CaseTransition
from caseflow.cases.services import load_case
from caseflow.plans.models import Assessment, Plan, Review, TafMember
from caseflow.core.errors import Conflict, ServiceValidationError, load
from caseflow.socialcare.models import StatutoryStatus, StepDown, StepUp
from caseflow.socialcare.oscillation import check_oscillation
from caseflow.socialcare.schemas import (KeyworkerRoleSchema, SocialWorkerSchema, StatusSchema, StepDownSchema,
                                         StepUpSchema)
from caseflow.socialcare import vocab as socialcare_vocab
from caseflow.socialcare.vocab import (KEYWORKER_ROLES, RESPONSE_WORKING_HOURS, STATUTORY_STATUSES, STEP_UP_RESPONSES,
                                      URGENCIES, StepUpUrgency)
from caseflow.notify.vocab import NotificationType
from caseflow.core.vocab import KeyworkerRole, Urgency
from caseflow.plans.vocab import AssessmentStatus, PlanStatus, ReviewDecision

CATEGORIES = ["identity", "social_care", "case_notes"]


def _settings():
    return current_app.extensions["caseflow.settings"]


def respond_by(urgency: str, now):
    """When social care must decide, in working time (09:00-17:00, English bank holidays
    skipped): an immediate step-up within 2 working hours, one asking for a strategy discussion
    within 4, the rest within a working day (socialcare.vocab.RESPONSE_WORKING_HOURS). Unanswered
    by then, the step-up escalates to social care's duty contact (caseflow.notify.escalation)."""
    return add_working_hours(now, RESPONSE_WORKING_HOURS[StepUpUrgency(urgency)])


def _social_worker(user_id: str | None, field: str) -> User | None:
    if not user_id:
        return None
    user = db.session.get(User, user_id)
    if user is None or user.role != Role.SOCIAL_WORKER or not user.active:
        raise ServiceValidationError("Choose a social worker.", {field: ["Choose a social worker from the list"]})
    return user


# --- step-up -----------------------------------------------------------------------------------------

def step_up(actor, case_id: str, raw: dict) -> StepUp:
    """Step a case up to children's social care, from any open stage: the keyworker's or a
    manager's form (with the concern, evidence and urgency), or a triage or panel decision
    (`triage_step_up` says what such a decision knows). The same record and messages either way."""
    case, _ = load_case(actor, case_id, "case.step_up", "step-up to children's social care", lock=True)
    # Joint working or stepping back is recorded explicitly, never assumed.
    errors = {"keyworker_role": ["Choose whether the keyworker stays involved or steps back"]} \
        if case.keyworker_id and not raw.get("keyworker_role") else {}
    try:
        data = load(StepUpSchema, raw)
    except ServiceValidationError as exc:
        raise ServiceValidationError(str(exc), {**errors, **exc.fields}) from None
    if errors:
        raise ServiceValidationError("Say what the keyworker will do.", errors)
    worker = _social_worker(data.get("social_worker_id"), "social_worker_id")
    from_stage = case.stage
    flow.transition(db.session, case, "step_up", actor, reason=data["reason"].strip())
    now = utcnow()
    record = StepUp(case_id=case.id, from_stage=from_stage, requested_by_id=actor.id, requested_at=now,
                    reason=data["reason"].strip(), concern=data["concern"].strip(),
                    evidence=(data.get("evidence") or "").strip() or None,
                    informed=[i.strip() for i in data["informed"] if i.strip()],
                    family_informed=data["family_informed"],
                    family_not_informed_reason=(data.get("family_not_informed_reason") or "").strip() or None,
                    urgency=data["urgency"], respond_by=respond_by(data["urgency"], now),
                    keyworker_role=data.get("keyworker_role") if case.keyworker_id else None)
    db.session.add(record)
    _into_social_care(actor, case, record, worker)
    audit.record(actor, "case.step_up", "case", case.id, family_id=case.family_id, categories=CATEGORIES,
                 purpose="step-up to children's social care", basis="safeguarding")
    return record


def triage_step_up(case, rationale: str) -> dict:
    """A triage or panel decision to step up, as a step-up request: the decision's rationale, the
    request's urgency, a keyworker (on a stepped-down case) staying on jointly, and no record of
    whether the family was told (the front door does not ask)."""
    urgency = StepUpUrgency.IMMEDIATE if case.urgency == Urgency.IMMEDIATE else StepUpUrgency.WITHIN_1_WORKING_DAY
    return {"reason": rationale, "concern": rationale, "informed": [], "family_informed": False,
            "family_not_informed_reason": "Not recorded: stepped up at triage or panel",
            "urgency": urgency, "keyworker_role": KeyworkerRole.JOINT if case.keyworker_id else None}


def _into_social_care(actor, case, record: StepUp, worker: User | None) -> None:
    case.keyworker_role = record.keyworker_role
    case.assessment_due_on = case.review_due_on = None
    if worker is not None:
        case.social_worker_id = worker.id
    db.session.flush()
    family = case.family
    when = timescales.format_uk_datetime(record.respond_by)
    recipients = [case.social_worker_id] if case.social_worker_id else list(db.session.scalars(
        select(User.id).where(User.role == Role.SOCIAL_WORKER, User.active)))
    for user_id in recipients:
        # The decision is due by `respond_by`: recording it answers this notification
        # (responses.respond); unanswered by then, the sweeper escalates it to the duty contact.
        notify(user_id, NotificationType.STEP_UP, f"step-up:{record.id}", f"Step-up: {family.display_name} ({case.reference})",
               f"{URGENCIES[record.urgency].split(':')[0]}: decide by {when} (accept for assessment, strategy "
               f"discussion, or not accepted with advice back to early help). Reason: {record.reason}. "
               "The handover pack has the assessment, plan and chronology.", case_id=case.id, family_id=case.family_id,
               deadline_at=record.respond_by)
    if case.keyworker_id and case.keyworker_id != actor.id:
        notify(case.keyworker_id, NotificationType.STEP_UP, f"step-up:{record.id}",
               f"{family.display_name} has been stepped up to children's social care",
               f"Case {case.reference}: you are recorded as: {KEYWORKER_ROLES.get(record.keyworker_role, 'not involved')}.",
               case_id=case.id, family_id=case.family_id)
    _tell_taf(case, f"step-up:{record.id}", "The family is now supported by children's social care",
              "Children's social care is now leading the work with this family. Your part in the plan "
              "continues unless you hear otherwise.")
    check_oscillation(case)


def _tell_taf(case, key: str, title: str, body: str) -> None:
    """TAF partners hear that the case moved, never why: the reasons are social care data."""
    for user_id in db.session.scalars(select(TafMember.user_id).where(
            TafMember.case_id == case.id, TafMember.left_at.is_(None))):
        if user_id != case.keyworker_id:
            notify(user_id, NotificationType.CASE_MOVED, key, title, f"Case {case.reference}: {body}", case_id=case.id,
                   family_id=case.family_id)


# --- the social care episode --------------------------------------------------------------------------

def _in_social_care(actor, case_id: str, purpose: str):
    case, _ = load_case(actor, case_id, "socialcare.record", purpose, lock=True)
    if case.stage != flow.Stage.SOCIAL_CARE:
        raise Conflict("This case is not with children's social care.")
    return case


def assign_social_worker(actor, case_id: str, raw: dict):
    case = _in_social_care(actor, case_id, "social worker allocation")
    worker = _social_worker(load(SocialWorkerSchema, raw)["social_worker_id"], "social_worker_id")
    case.social_worker_id = worker.id
    notify(worker.id, NotificationType.ALLOCATION, f"social-worker:{case.id}:{utcnow().isoformat()}",
           f"{case.family.display_name} has been allocated to you", f"Case {case.reference}: you lead this case "
           "for children's social care. The handover pack has its history.", case_id=case.id, family_id=case.family_id)
    audit.record(actor, "case.assign_social_worker", "case", case.id, family_id=case.family_id,
                 categories=["identity"], purpose="social worker allocation")
    return case


def record_status(actor, case_id: str, raw: dict) -> StatutoryStatus:
    """A new statutory status (e.g. child in need becomes a child protection plan) ends the last."""
    case = _in_social_care(actor, case_id, "statutory status")
    data = load(StatusSchema, raw)
    if data["started_on"] > timescales.today_london():
        raise ServiceValidationError("The start date is in the future.", {"started_on": ["The date cannot be in the future"]})
    current = current_status(case.id)
    if current is not None:
        if data["started_on"] < current.started_on:
            raise ServiceValidationError("Dates overlap.", {"started_on": [
                f"The {STATUTORY_STATUSES[current.status].lower()} started on "
                f"{timescales.format_uk_date(current.started_on)}: the new status cannot start before it"]})
        current.ended_on = data["started_on"]
    status = StatutoryStatus(case_id=case.id, status=data["status"], started_on=data["started_on"],
                             recorded_by_id=actor.id)
    db.session.add(status)
    db.session.flush()
    audit.record(actor, "case.statutory_status", "case", case.id, family_id=case.family_id,
                 categories=["social_care"], purpose="statutory status", basis="statutory: Children Act 1989")
    return status


def current_status(case_id: str) -> StatutoryStatus | None:
    return db.session.scalar(select(StatutoryStatus).where(StatutoryStatus.case_id == case_id,
                                                           StatutoryStatus.ended_on.is_(None)))


def set_keyworker_role(actor, case_id: str, raw: dict):
    case = _in_social_care(actor, case_id, "joint working")
    if not case.keyworker_id:
        raise Conflict("There is no early help keyworker on this case.")
    role = load(KeyworkerRoleSchema, raw)["keyworker_role"]
    case.keyworker_role = role
    notify(case.keyworker_id, NotificationType.JOINT_WORKING, f"keyworker-role:{case.id}:{utcnow().isoformat()}",
           f"Your part in {case.family.display_name}'s case has changed",
           f"Case {case.reference}: {KEYWORKER_ROLES[role]}.", case_id=case.id, family_id=case.family_id)
    audit.record(actor, "case.keyworker_role", "case", case.id, family_id=case.family_id,
                 categories=["identity"], purpose="joint working")
    return case


# --- step-down ---------------------------------------------------------------------------------------

def step_down(actor, case_id: str, raw: dict) -> StepDown:
    case, _ = load_case(actor, case_id, "case.step_down", "step-down to early help", lock=True)
    data = load(StepDownSchema, raw)
    today = timescales.today_london()
    due = timescales.add_working_days(today, _settings().step_down_handover_working_days)
    meeting = data.get("handover_meeting_on")
    if meeting is not None and not today <= meeting <= due:
        raise ServiceValidationError("The handover must be soon.", {"handover_meeting_on": [
            f"Book the joint handover within {_settings().step_down_handover_working_days} working days: "
            f"between today and {timescales.format_uk_date(due)}"]})
    team = None
    if data["route"] == "direct":
        team = db.session.get(Team, data["receiving_team_id"])
        if team is None:
            raise ServiceValidationError("Unknown team.", {"receiving_team_id": ["Choose a team from the list"]})
    flow.transition(db.session, case, "step_down", actor, reason=data["reason"].strip())
    record = StepDown(case_id=case.id, requested_by_id=actor.id, reason=data["reason"].strip(),
                      still_needed=data["still_needed"].strip(), handover_due_on=due, handover_meeting_on=meeting,
                      route=data["route"], receiving_team_id=team.id if team else None)
    db.session.add(record)
    current = current_status(case.id)
    if current is not None:
        current.ended_on = today
    if team is not None:
        case.team_id = team.id
    db.session.flush()
    _tell_receivers(case, record, team)
    _tell_taf(case, f"step-down:{record.id}", "The family is back with early help",
              "Children's social care has stepped the case down to early help. The family plan carries on.")
    check_oscillation(case)
    audit.record(actor, "case.step_down", "case", case.id, family_id=case.family_id, categories=CATEGORIES,
                 purpose="step-down to early help")
    return record


def _tell_receivers(case, record: StepDown, team: Team | None) -> None:
    """The team (or panel) taking the case, and a keyworker who stayed on jointly."""
    roles = [Role.TEAM_MANAGER] if team else [Role.TEAM_MANAGER, Role.PANEL_CHAIR]
    query = select(User.id).where(User.role.in_(roles), User.active)
    if team is not None:
        query = query.where(User.team_id == team.id)
    recipients = set(db.session.scalars(query))
    if case.keyworker_id and case.keyworker_role == KeyworkerRole.JOINT:
        recipients.add(case.keyworker_id)
    meeting = (f" Joint handover booked for {timescales.format_uk_date(record.handover_meeting_on)}."
               if record.handover_meeting_on else
               f" Book the joint handover by {timescales.format_uk_date(record.handover_due_on)}.")
    where = f"to {team.name} for allocation" if team else "to the next early help panel"
    for user_id in sorted(recipients):
        notify(user_id, NotificationType.STEP_DOWN, f"step-down:{record.id}", f"Step-down: {case.family.display_name} ({case.reference})",
               f"Stepped down {where}. Still needed: {record.still_needed}.{meeting}", case_id=case.id,
               family_id=case.family_id)


def resume_after_step_down(actor, case) -> None:
    """Allocation of a stepped-down case: carry on with the same assessment and plan."""
    plan = db.session.scalar(select(Plan).where(Plan.case_id == case.id))
    assessment = db.session.scalar(select(Assessment).where(Assessment.case_id == case.id))
    case.keyworker_role = None
    if plan is not None and plan.status == PlanStatus.AGREED:
        flow.transition(db.session, case, "resume_reviews", actor, reason="The agreed plan carries on")
        case.review_due_on = deadlines.next_review_on(utcnow())
    elif assessment is not None and assessment.status == AssessmentStatus.COMPLETE:
        flow.transition(db.session, case, "resume_planning", actor, reason="The assessment carries on into the plan")
    case.assessment_due_on = None if assessment is not None and assessment.status == AssessmentStatus.COMPLETE \
        else case.assessment_due_on


def returned_to_early_help(case, record: StepUp | None) -> bool:
    """Social care did not accept the step-up and the case is still where that sent it: the
    response may yet be amended (and the case stepped up after all)."""
    return (record is not None and record.response == socialcare_vocab.StepUpResponse.NOT_ACCEPTED
            and case.stage == flow.step_up_return_stage(record.from_stage))


def back_to_early_help(case) -> None:
    """A step-up social care did not accept: the keyworker leads again and the casework
    deadlines stepping up cleared run again from where the work stood."""
    case.keyworker_role = None
    if case.stage == flow.Stage.REVIEWING:
        last = db.session.scalar(select(Review).where(Review.case_id == case.id)
                                 .order_by(Review.held_on.desc()).limit(1))
        plan = db.session.scalar(select(Plan).where(Plan.case_id == case.id))
        since = last.held_on if last is not None else (plan.agreed_at if plan is not None and plan.agreed_at else utcnow())
        case.review_due_on = deadlines.next_review_on(since)
    elif case.stage in (flow.Stage.ALLOCATED, flow.Stage.ASSESSING):
        assessment = db.session.scalar(select(Assessment).where(Assessment.case_id == case.id))
        allocated = db.session.scalar(select(func.max(CaseTransition.at)).where(
            CaseTransition.case_id == case.id, CaseTransition.action == "allocate"))
        case.assessment_due_on = assessment.due_on if assessment is not None and assessment.due_on else (
            deadlines.assessment_due_on(allocated) if allocated else None)


def latest(model, case_id: str):
    return db.session.scalar(select(model).where(model.case_id == case_id)
                             .order_by(model.requested_at.desc()).limit(1))


@signals.step_up_at_triage.connect
def _step_up_at_triage(actor, *, case, rationale):
    # Triage and panels sit below social care, so they ask through the signal; the step-up is
    # the same one the keyworker's form makes (same record, messages and audit event).
    return step_up(actor, case.id, triage_step_up(case, rationale))


# --- what pages show ---------------------------------------------------------------------------

def social_workers() -> list[User]:
    return list(db.session.scalars(select(User).where(User.role == Role.SOCIAL_WORKER, User.active)
                                   .order_by(User.name)))


def review_that_decided_step_up(case) -> Review | None:
    """The latest TAF review that decided to step up: the step-up form starts from its words."""
    return db.session.scalar(select(Review).where(Review.case_id == case.id, Review.decision == ReviewDecision.STEP_UP)
                             .order_by(Review.recorded_at.desc()).limit(1))


def case_panel(actor, case, decision) -> dict:
    """What the case page shows of social care (the case view was already allowed, with
    `decision`): nothing at all to a reader without the social care category."""
    if "social_care" not in decision.categories:
        return {"shown": False}
    step_up = db.session.scalar(select(StepUp).where(StepUp.case_id == case.id)
                                .order_by(StepUp.requested_at.desc()).limit(1))
    in_social_care = case.stage == flow.Stage.SOCIAL_CARE
    if step_up is None and not in_social_care:
        # Most early help cases were never stepped up: the panel is not shown, so nothing
        # else it would show is read (a statement and several policy questions a case page).
        return {"shown": False}
    worker = db.session.get(User, case.social_worker_id) if case.social_worker_id else None
    can_record = bool(can(actor, "socialcare.record", case)) and in_social_care
    return {"shown": True, "worker": worker, "step_up": step_up,
            "can_respond": in_social_care and step_up is not None and step_up.response is None
            and bool(can(actor, "socialcare.respond", case)),
            "can_amend_response": (in_social_care or returned_to_early_help(case, step_up)) and step_up is not None
            and step_up.response is not None and bool(can(actor, "socialcare.response.amend", case)),
            "responses": STEP_UP_RESPONSES,
            "status": current_status(case.id), "can_record": can_record,
            # The allocation form's list of every social worker: read only for those shown the form.
            "workers": social_workers() if can_record else [], "vocab": socialcare_vocab,
            "can_pack": bool(can(actor, "case.handover_pack", case))}
