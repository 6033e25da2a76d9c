"""Closing a case: why, a closing summary, the family's feedback, and a mark on every outcome.

A closed case stays readable. The family's record lives on, so a later request for help finds it
and opens a new case (a re-referral) with this one's history (caseflow.frontdoor)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from caseflow.core import stages as flow, timescales
from caseflow.core import audit
from caseflow.core.database import utcnow
from caseflow.core.extensions import db
from caseflow.directory import services as directory
from caseflow.directory.vocab import SignpostContext
from caseflow.plans import monitoring
from caseflow.plans.assessments import _flush
from caseflow.cases.services import load_case
from caseflow.plans.family_plan import _tell_taf, get_plan
from caseflow.cases.models import Case
from caseflow.families.models import Family
from caseflow.plans.models import EngagementExtension, StepDownContact
from caseflow.plans.schemas import CloseSchema, EngagementSchema
from caseflow.plans.vocab import CLOSURE_REASONS, OutcomeStatus
from caseflow.core.errors import Conflict, ServiceValidationError, load


def close(actor, case_id: str, raw: dict):
    case, _ = load_case(actor, case_id, "casework.record", "case closure", lock=True)
    data = load(CloseSchema, raw)
    if not case.is_open:
        raise Conflict("This case is already closed.")
    if data["reason"] == "family_disengaged":
        extension = current_extension(case.id)
        if extension is not None:
            raise Conflict(f"A manager has extended the time to engage this family until "
                           f"{timescales.format_uk_date(extension.until)}: keep trying until then, or ask them.")
    plan = get_plan(case.id)
    errors: dict[str, list[str]] = {}
    outcomes = {o.id: o for o in (plan.outcomes if plan else [])}
    marks = {}
    for i, item in enumerate(data["outcomes"]):
        if item["outcome_id"] not in outcomes:
            errors[f"outcomes.{i}.outcome_id"] = ["Not an outcome of this family's plan"]
        marks[item["outcome_id"]] = item["status"]
    for outcome in outcomes.values():
        if marks.get(outcome.id, outcome.status) == OutcomeStatus.IN_PROGRESS:
            errors[f"outcomes.{outcome.id}"] = [f"Say whether '{outcome.description}' was achieved"]
    contact = data.get("step_down_contact")
    if contact and contact.get("service_id") and contact["service_id"] not in data["service_ids"]:
        data["service_ids"].append(contact["service_id"])  # the contact's service is one the family is pointed to
    if errors:
        raise ServiceValidationError("Mark every outcome before closing the case.", errors)
    for outcome_id, status in marks.items():
        outcomes[outcome_id].status = status
    if plan is not None and marks:
        plan.updated_at = utcnow()
    flow.transition(db.session, case, "close_to_monitoring" if data["monitoring"] else "close", actor,
                    reason=CLOSURE_REASONS[data["reason"]])
    case.closure_reason, case.closure_summary = data["reason"], data["summary"].strip()
    case.family_feedback = (data.get("family_feedback") or "").strip() or None
    case.closed_by_id, case.assessment_due_on, case.review_due_on = actor.id, None, None
    directory.signpost(actor, case, data["service_ids"], SignpostContext.CLOSURE)
    monitoring.record_step_down_contact(actor, case, contact)
    if data["monitoring"]:
        monitoring.start(actor, case)
    _flush()
    _tell_taf(case, plan, f"closed:{case.id}", "The family's case has closed",
              f"The case has closed ({CLOSURE_REASONS[data['reason']].lower()}). Thank you for your part in it.")
    audit.record(actor, "case.close", "case", case.id, family_id=case.family_id,
                 categories=["case_notes", "plan"], purpose="case closure")
    db.session.flush()
    return case


def current_extension(case_id: str) -> EngagementExtension | None:
    return db.session.scalar(select(EngagementExtension).where(
        EngagementExtension.case_id == case_id, EngagementExtension.until >= timescales.today_london())
        .order_by(EngagementExtension.until.desc()).limit(1))


def extensions(case_id: str) -> list[EngagementExtension]:
    """Every extension of the case's engagement period (a handful at most), oldest first."""
    return list(db.session.scalars(select(EngagementExtension).where(EngagementExtension.case_id == case_id)
                                   .order_by(EngagementExtension.granted_at)))


def current_of(extensions: list[EngagementExtension]) -> EngagementExtension | None:
    """current_extension, from the case's extensions already read: the latest still running."""
    today = timescales.today_london()
    running = [e for e in extensions if e.until >= today]
    return max(running, key=lambda e: e.until) if running else None


def extend_engagement(actor, case_id: str, raw: dict) -> EngagementExtension:
    """A manager keeps the case open for a family who has not engaged yet, with a reason."""
    case, _ = load_case(actor, case_id, "engagement.extend", "engagement period", lock=True)
    data = load(EngagementSchema, raw)
    if not case.is_open:
        raise Conflict("This case is closed.")
    if data["until"] <= timescales.today_london():
        raise ServiceValidationError("Choose a date in the future.", {"until": ["The date must be in the future"]})
    extension = EngagementExtension(case_id=case.id, until=data["until"], reason=data["reason"].strip(),
                                    granted_by_id=actor.id)
    db.session.add(extension)
    db.session.flush()
    audit.record(actor, "case.extend_engagement", "case", case.id, family_id=case.family_id,
                 categories=["case_notes"], purpose="engagement period")
    return extension


@dataclass
class ClosingLetter:
    case: Case
    addressee: object  # the Person the letter is addressed to
    contact: StepDownContact | None
    services: list


def closing_letter(actor, case_id: str) -> ClosingLetter:
    """The letter to the family when their case closes: who they can go to now (the step-down
    contact) and the services picked from the directory, with how to reach each."""
    case, _ = load_case(actor, case_id, "casework.view", "closing letter")
    if case.stage not in (flow.Stage.CLOSED, flow.Stage.MONITORING) or case.closure_reason == "signposted":
        raise Conflict("Only a case closed by its keyworker has a closing letter.")
    family = db.session.get(Family, case.family_id)
    parents = [m.person for m in family.memberships if m.relationship_to_family == "parent_carer"]
    addressee = (parents or [m.person for m in family.memberships])[0]
    contact = db.session.scalar(select(StepDownContact).where(StepDownContact.case_id == case.id))
    services = [s.service for s in directory.signposts_for(case.id) if s.context == SignpostContext.CLOSURE]
    return ClosingLetter(case, addressee, contact, services)
