"""What the case page shows of the casework: assessment and plan status, deadlines, distance
travelled, the TAF and engagement. Read-only; the caller has already passed case.view."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from caseflow.core.stages import Stage

from caseflow.core import timescales
from caseflow.core.access import can
from caseflow.core.extensions import db
from caseflow.plans import closure, contacts, family_plan, taf
from caseflow.plans.models import Assessment, EngagementExtension, Plan


@dataclass
class Casework:
    assessment: Assessment | None
    plan: Plan | None
    distance: list[dict]
    team: list = field(default_factory=list)
    missed_in_a_row: int = 0
    extension: EngagementExtension | None = None
    extensions: list[EngagementExtension] = field(default_factory=list)  # every one (the chronology shows them)
    can_record: bool = False
    can_extend: bool = False
    today: date = field(default_factory=timescales.today_london)


def for_case(actor, case) -> Casework:
    assessment = db.session.scalar(select(Assessment).where(Assessment.case_id == case.id))
    plan = family_plan.get_plan(case.id)
    extensions = closure.extensions(case.id)
    return Casework(
        assessment=assessment, plan=plan,
        distance=family_plan.distance_travelled(case.id, assessment, plan),
        team=taf.members(case.id), missed_in_a_row=contacts.missed_in_a_row(case.id),
        extension=closure.current_of(extensions), extensions=extensions,
        # In its monitoring period the work has closed: check-ins only (caseflow.plans.monitoring).
        can_record=bool(can(actor, "casework.record", case)) and case.is_open and case.stage != Stage.MONITORING,
        can_extend=bool(can(actor, "engagement.extend", case)) and case.is_open and case.stage != Stage.MONITORING)
