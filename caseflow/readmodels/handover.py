"""The handover pack: the whole history for whoever takes the case on (social care at step-up,
early help at step-down), cut to what the reader's role may see. Sections the reader may not see
are listed as withheld, with the reason, rather than silently missing."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from caseflow.core import timescales
from caseflow.cases.models import Case
from caseflow.core.access import Decision
from caseflow.core.database import utcnow
from caseflow.core.extensions import db
from caseflow.families.models import FamilyMember
from caseflow.core.pdf import Document
from caseflow.readmodels import chronology as chronology_service
from caseflow.cases.services import load_case
from caseflow.plans.family_plan import get_plan
from caseflow.plans.models import Assessment
from caseflow.plans.vocab import ACTION_STATUSES, DOMAINS, OUTCOME_STATUSES
from caseflow.socialcare.models import StatutoryStatus, StepDown, StepUp
from caseflow.socialcare.vocab import KEYWORKER_ROLES, STATUTORY_STATUSES, URGENCIES

WITHHELD = "Withheld: your role has no consent or lawful basis to see this section."


@dataclass
class HandoverPack:
    case: Case
    decision: Decision
    members: list[FamilyMember]
    step_ups: list[StepUp] = field(default_factory=list)
    step_downs: list[StepDown] = field(default_factory=list)
    statuses: list[StatutoryStatus] = field(default_factory=list)
    assessment: Assessment | None = None
    plan: object | None = None
    chronology: list = field(default_factory=list)
    withheld: list[str] = field(default_factory=list)
    others_withheld: bool = False  # household members the reader's grants do not cover

    def voices(self) -> list[tuple[str, str]]:
        """(name, their words) from the assessment, for the people whose case notes the reader
        may see: a partner's consent for the mother does not open her children's words."""
        if self.assessment is None:
            return []
        return [(m["name"], m["voice"]) for m in self.assessment.members or []
                if m.get("voice") and "case_notes" in self.decision.categories_for(m.get("person_id"))]


def build(actor, case_id: str) -> HandoverPack:
    case, decision = load_case(actor, case_id, "case.handover_pack", "handover pack")
    seen = decision.categories
    everyone = list(db.session.scalars(
        select(FamilyMember).where(FamilyMember.family_id == case.family_id).order_by(FamilyMember.created_at)))
    shown = [m for m in everyone if decision.shows_person(m.person_id)]  # each person by their own grants
    pack = HandoverPack(case, decision, shown, others_withheld=len(shown) < len(everyone))
    # Step-ups, step-downs and statutory status are social care data (as in the chronology and
    # the case's stage): case notes alone (a partner leading the casework) do not open them.
    if "social_care" in seen:
        pack.step_ups = list(db.session.scalars(select(StepUp).where(StepUp.case_id == case.id).order_by(StepUp.requested_at)))
        pack.step_downs = list(db.session.scalars(select(StepDown).where(StepDown.case_id == case.id).order_by(StepDown.requested_at)))
        pack.statuses = list(db.session.scalars(select(StatutoryStatus).where(StatutoryStatus.case_id == case.id)
                                                .order_by(StatutoryStatus.started_on)))
    else:
        pack.withheld.append("Step-up and step-down records and statutory status")
    if "case_notes" in seen:
        pack.assessment = db.session.scalar(select(Assessment).where(Assessment.case_id == case.id))
        _, pack.chronology = chronology_service.chronology(actor, case.id)
    else:
        pack.withheld += ["Whole-family assessment", "Chronology"]
    if "plan" in seen:
        pack.plan = get_plan(case.id)
    else:
        pack.withheld.append("Family plan")
    return pack


def pack_pdf(pack: HandoverPack) -> bytes:
    case = pack.case
    doc = Document(f"Handover pack: {case.family.display_name}")
    doc.heading(f"Handover pack: {case.family.display_name} ({case.reference})", 16)
    doc.para(f"Printed {timescales.format_uk_datetime(utcnow())}. "
             "OFFICIAL-SENSITIVE: for the people taking this case on.", 10)
    doc.gap()
    doc.heading("The family", 13)
    for m in pack.members:
        born = f", born {timescales.format_uk_date(m.person.date_of_birth)}" if m.person.date_of_birth else ""
        doc.para(f"{m.person.given_name} {m.person.family_name} ({m.relationship_to_family.replace('_', ' ')}{born})")
    if pack.others_withheld:
        doc.para("Other people in this household are not covered by your consent or lawful basis, so they are not named.", 10)
    for record in pack.step_ups:
        doc.gap()
        doc.heading(f"Step-up on {timescales.format_uk_date(record.requested_at)}", 13)
        doc.para(f"Urgency: {URGENCIES[record.urgency]}. Respond by {timescales.format_uk_datetime(record.respond_by)}.")
        doc.para(f"Reason: {record.reason}")
        doc.para(f"Safeguarding concern: {record.concern}")
        if record.evidence:
            doc.para(f"Evidence: {record.evidence}")
        doc.para("Told: " + (", ".join(record.informed) or "nobody recorded"))
        doc.para("The family was told." if record.family_informed else f"The family was not told: {record.family_not_informed_reason}")
        if record.keyworker_role:
            doc.para(f"Early help keyworker: {KEYWORKER_ROLES[record.keyworker_role]}.")
    for status in pack.statuses:
        end = timescales.format_uk_date(status.ended_on) if status.ended_on else "now"
        doc.para(f"{STATUTORY_STATUSES[status.status]}: {timescales.format_uk_date(status.started_on)} to {end}")
    for record in pack.step_downs:
        doc.gap()
        doc.heading(f"Step-down on {timescales.format_uk_date(record.requested_at)}", 13)
        doc.para(f"Reason: {record.reason}")
        doc.para(f"Still needed: {record.still_needed}")
        meeting = record.handover_meeting_on or record.handover_due_on
        doc.para(f"Joint handover {'booked for' if record.handover_meeting_on else 'due by'} {timescales.format_uk_date(meeting)}.")
    a = pack.assessment
    if a is not None:
        doc.gap()
        doc.heading(f"Whole-family assessment ({'completed ' + timescales.format_uk_date(a.completed_at) if a.completed_at else 'draft'})", 13)
        if a.family_views:
            doc.para(f"In the family's words: {a.family_views}")
        for name, voice in pack.voices():
            doc.para(f"{name}: \"{voice}\"")
        for code in a.confirmed_problems or []:
            doc.para(f"{DOMAINS[code]}: baseline {a.baseline.get(code, '-')} out of 10")
    if pack.plan is not None:
        doc.gap()
        doc.heading(f"Family plan ({pack.plan.status})", 13)
        for o in pack.plan.outcomes:
            doc.para(f"{DOMAINS[o.headline_problem]}: {o.description} (by {timescales.format_uk_date(o.target_date)}; "
                     f"{OUTCOME_STATUSES[o.status].lower()})")
        for action in pack.plan.actions:
            doc.para(f"- {action.description}, due {timescales.format_uk_date(action.due_date)} "
                     f"({ACTION_STATUSES[action.status].lower()})")
    if pack.chronology:
        doc.gap()
        doc.heading("Chronology", 13)
        for e in pack.chronology:
            doc.para(f"{timescales.format_uk_date(e.day)}: {e.title}" + (f". {e.detail}" if e.detail else ""), 10)
    for section in pack.withheld:
        doc.gap(1)
        doc.para(f"{section}: {WITHHELD}", 10)
    return doc.finish()
