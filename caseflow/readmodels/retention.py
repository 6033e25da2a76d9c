"""The retention schedule: `caseflow retention run` erases the personal data of families whose
last case closed more than N years ago (Settings.retention_years, default 6).

What stays is anonymous: the cases' stages, dates and closure reasons, so the service's figures
still add up, and the audit trail (which holds ids, not content) stays intact and verifiable.
Everything that says who someone is or what happened to them goes: names, dates of birth,
identifiers, addresses, requests, assessments, plans, notes, reviews, consents, notifications.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select, update

from caseflow.cases.models import Case, CaseTransition
from caseflow.core import audit
from caseflow.consent.models import BreakGlass, Consent, LawfulBasis
from caseflow.core.database import utcnow
from caseflow.core.extensions import db
from caseflow.families.models import Family, FamilyMember, Person
from caseflow.frontdoor.models import RequestForHelp, RequestPerson
from caseflow.notify.models import Delivery, Notification, PartnerEvent
from caseflow.plans.models import (Assessment, AssessmentAddendum, Contact, EngagementExtension, Plan, PlanAction,
                                   PlanOutcome, Review, TafMember)
from caseflow.panels.models import PanelItem
from caseflow.socialcare.models import StatutoryStatus, StepDown, StepUp
from caseflow.triage.models import TriageDecision
from caseflow.notify.vocab import EventStatus

ERASED = "Erased"


@dataclass
class RetentionReport:
    cutoff: datetime
    family_ids: list[str] = field(default_factory=list)
    dry_run: bool = False
    events_purged: int = 0  # partner events about people not open to the service, past their time


def due_for_erasure(cutoff: datetime) -> list[str]:
    """Families with cases, none open, the last closed before the cutoff, not yet erased."""
    last_closed = (select(Case.family_id).group_by(Case.family_id)
                   .having(func.count(Case.id) == func.count(Case.closed_at), func.max(Case.closed_at) < cutoff))
    return list(db.session.scalars(select(Family.id).where(Family.id.in_(last_closed), Family.name != ERASED)
                                   .order_by(Family.id)))


def run(dry_run: bool = False, now: datetime | None = None) -> RetentionReport:
    years = current_app.extensions["caseflow.settings"].retention_years
    cutoff = (now or utcnow()) - timedelta(days=round(365.25 * years))
    report = RetentionReport(cutoff, due_for_erasure(cutoff), dry_run)
    if not dry_run:
        for family_id in report.family_ids:
            _erase(family_id)
            audit.record("retention schedule", "retention.erase", "family", family_id, family_id=family_id,
                         purpose=f"retention: last case closed over {years} years ago", basis="retention schedule")
            # unit-of-work exception: one family per transaction, so an interrupted run resumes
            # cleanly and a long run holds no lock for long; the command commits the rest.
            db.session.commit()
        from caseflow.notify.events import purge_expired

        report.events_purged = purge_expired((now or utcnow()).date())
        if report.events_purged:
            audit.record("retention schedule", "retention.purge_events", "partner_event", None,
                         purpose=f"{report.events_purged} partner events about people not open to the service",
                         basis="retention schedule")
    return report


def _erase(family_id: str) -> None:
    s = db.session
    case_ids = select(Case.id).where(Case.family_id == family_id)
    person_ids = select(FamilyMember.person_id).where(FamilyMember.family_id == family_id)
    request_ids = select(RequestForHelp.id).where(RequestForHelp.family_id == family_id)
    plan_ids = select(Plan.id).where(Plan.case_id.in_(case_ids))
    assessment_ids = select(Assessment.id).where(Assessment.case_id.in_(case_ids))
    for statement in (
            delete(AssessmentAddendum).where(AssessmentAddendum.assessment_id.in_(assessment_ids)),
            delete(Assessment).where(Assessment.case_id.in_(case_ids)),
            delete(PlanAction).where(PlanAction.plan_id.in_(plan_ids)),
            delete(PlanOutcome).where(PlanOutcome.plan_id.in_(plan_ids)),
            delete(Plan).where(Plan.case_id.in_(case_ids)),
            delete(Contact).where(Contact.case_id.in_(case_ids)),
            delete(Review).where(Review.case_id.in_(case_ids)),
            delete(TafMember).where(TafMember.case_id.in_(case_ids)),
            delete(EngagementExtension).where(EngagementExtension.case_id.in_(case_ids)),
            delete(StepUp).where(StepUp.case_id.in_(case_ids)),
            delete(StepDown).where(StepDown.case_id.in_(case_ids)),
            delete(StatutoryStatus).where(StatutoryStatus.case_id.in_(case_ids)),
            delete(Delivery).where(Delivery.notification_id.in_(
                select(Notification.id).where(Notification.family_id == family_id))),
            delete(Notification).where(Notification.family_id == family_id),
            update(PartnerEvent).where(PartnerEvent.family_id == family_id).values(
                people=None, summary=None, candidates=None, decision_reason=None, status=EventStatus.PURGED),
            delete(Consent).where(Consent.family_id == family_id),
            delete(LawfulBasis).where(LawfulBasis.family_id == family_id),
            delete(BreakGlass).where(BreakGlass.family_id == family_id),
            update(TriageDecision).where(TriageDecision.case_id.in_(case_ids)).values(rationale=ERASED, headline_problems=[]),
            update(PanelItem).where(PanelItem.case_id.in_(case_ids)).values(rationale=ERASED),
            update(CaseTransition).where(CaseTransition.case_id.in_(case_ids)).values(reason=None),
            update(Case).where(Case.family_id == family_id).values(closure_summary=None, family_feedback=None,
                                                                   signposted_to=None),
            update(RequestPerson).where(RequestPerson.request_id.in_(request_ids)).values(
                submitted={}, given_name=ERASED, family_name=ERASED, date_of_birth=None, candidates=[]),
            update(RequestForHelp).where(RequestForHelp.family_id == family_id).values(
                details=None, referrer_name=ERASED, referrer_email=None, referrer_phone=None),
            update(Person).where(Person.id.in_(person_ids)).values(
                given_name=ERASED, family_name=ERASED, given_name_norm="", family_name_norm="", date_of_birth=None,
                gender=None, address=None, postcode=None, postcode_norm=None, nhs_number=None, upn=None, phone=None,
                email=None, school_name=None, gp_practice_name=None, name_phonetic=None),
            update(Family).where(Family.id == family_id).values(name=ERASED)):
        s.execute(statement.execution_options(synchronize_session=False))
