"""The DASH risk identification checklist, completed with an adult victim of domestic abuse on a
case: 27 questions answered yes, no or not known. Fourteen or more "yes" (visible high risk), the
practitioner's professional judgement, or potential escalation meets the MARAC referral criteria,
and the checklist then prompts a referral to the MARAC (multi-agency risk assessment conference)
and records when it was made. Answers and notes are encrypted; every read and write is audited
against the family. Policy: risk.view (the people doing the casework) and risk.record."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from caseflow.cases.models import Case
from caseflow.cases.services import load_case
from caseflow.core import audit, timescales
from caseflow.core.errors import Conflict, NotFound, ServiceValidationError, load
from caseflow.core.extensions import db
from caseflow.families.models import FamilyMember, Person, Relationship
from caseflow.practice.models import DashChecklist
from caseflow.practice.schemas import DashSchema, MaracReferralSchema

PURPOSE = "DASH risk checklist"
CATEGORIES = ["case_notes", "police"]  # what a victim says about abuse, and the police call-outs
ADULT_RELATIONSHIPS = (Relationship.PARENT_CARER, Relationship.SIGNIFICANT_ADULT)


def adults(case: Case) -> list[Person]:
    """The adults on the case's family a checklist can be completed with (18 or over, or a
    parent, carer or significant adult whose age is not recorded)."""
    today = timescales.today_london()
    rows = db.session.execute(select(Person, FamilyMember.relationship_to_family)
                              .join(FamilyMember, FamilyMember.person_id == Person.id)
                              .where(FamilyMember.family_id == case.family_id, Person.merged_into_id.is_(None))
                              .order_by(Person.given_name, Person.family_name)).all()
    return [p for p, relationship in rows if _adult(p.date_of_birth, relationship, today)]


def _adult(dob: date | None, relationship: str, today: date) -> bool:
    if dob is None:
        return relationship in ADULT_RELATIONSHIPS
    return today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day)) >= 18


def record(actor, case_id: str, raw: dict) -> DashChecklist:
    case, _ = load_case(actor, case_id, "risk.record", PURPOSE, lock=True)
    if not case.is_open:
        raise Conflict("A DASH checklist is completed on an open case.")
    data = load(DashSchema, raw)
    if data["victim_id"] not in {p.id for p in adults(case)}:
        raise ServiceValidationError("Some answers need changing.", {
            "victim_id": ["Choose an adult in this family"]})
    checklist = DashChecklist(case_id=case.id, victim_id=data["victim_id"], completed_on=data["completed_on"],
                              answers=dict(data["answers"]),
                              notes={k: v.strip() for k, v in data["notes"].items() if v and v.strip()} or None,
                              professional_judgement=data["professional_judgement"],
                              judgement_reason=(data.get("judgement_reason") or "").strip() or None,
                              escalation=data["escalation"], completed_by_id=actor.id)
    db.session.add(checklist)
    db.session.flush()
    audit.record(actor, "risk.dash.record", "dash_checklist", checklist.id, family_id=case.family_id,
                 categories=CATEGORIES, purpose=PURPOSE)
    return checklist


def listing(actor, case_id: str) -> tuple[Case, list[tuple[DashChecklist, Person]]]:
    """The case's checklists, newest first, each with the adult it was completed with (a case
    holds a handful: one per adult victim, repeated when risk changes)."""
    case, _ = load_case(actor, case_id, "risk.view", PURPOSE)
    rows = db.session.execute(select(DashChecklist, Person).join(Person, Person.id == DashChecklist.victim_id)
                              .where(DashChecklist.case_id == case.id)
                              .order_by(DashChecklist.completed_on.desc(), DashChecklist.recorded_at.desc())
                              .limit(200)).all()
    return case, [(c, p) for c, p in rows]


def get(actor, case_id: str, checklist_id: str, action: str = "risk.view") -> tuple[Case, DashChecklist, Person]:
    case, _ = load_case(actor, case_id, action, PURPOSE)
    checklist = db.session.get(DashChecklist, checklist_id)
    if checklist is None or checklist.case_id != case.id:
        raise NotFound("No DASH checklist with that id on this case.")
    if action == "risk.view":  # the checklist itself was read (load_case audited opening the case)
        audit.record(actor, "risk.dash.view", "dash_checklist", checklist.id, family_id=case.family_id,
                     categories=CATEGORIES, purpose=PURPOSE)
    return case, checklist, db.session.get(Person, checklist.victim_id)


def record_referral(actor, case_id: str, checklist_id: str, raw: dict) -> DashChecklist:
    """The MARAC referral the checklist prompted has been made."""
    case, checklist, _ = get(actor, case_id, checklist_id, "risk.record")
    data = load(MaracReferralSchema, raw)
    if not checklist.marac_reasons:
        raise Conflict("This checklist does not meet the MARAC referral criteria.")
    if data["referred_on"] < checklist.completed_on:
        raise ServiceValidationError("Some answers need changing.", {
            "referred_on": ["The referral cannot be before the checklist was completed"]})
    checklist.marac_referred_on = data["referred_on"]
    audit.record(actor, "risk.marac_referral", "dash_checklist", checklist.id, family_id=case.family_id,
                 categories=["case_notes"], purpose=PURPOSE)
    return checklist
