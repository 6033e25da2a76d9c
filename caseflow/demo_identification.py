"""The demo's data identification: partner files about a few families the service is not working
with (their cases closed, or never opened) — a school's attendance for last term, the police's
anti-social behaviour and offence records, the Jobcentre's benefit claims — and the analyst's
identification run of a fortnight ago over them. The front door has already dismissed one
family; the rest wait on the Identified families page with the evidence for each problem."""
from __future__ import annotations

import random
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import exists, select

from caseflow.cases.models import Case
from caseflow.core import timescales
from caseflow.core.extensions import db
from caseflow.core.stages import CLOSED_STAGES
from caseflow.families.models import Family, FamilyMember, Relationship
from caseflow.identification import services as identification
from caseflow.identification.models import IdentificationRun, IdentifiedFamily
from caseflow.identification.vocab import DEFAULT_MIN_PROBLEMS, IdentifiedState
from caseflow.outcomes import outcomes_plan
from caseflow.outcomes.models import Evidence
from caseflow.outcomes.vocab import RunState

FAMILIES = 6
RUN_DAYS_AGO = 14


def seed(rng: random.Random, users: dict) -> None:
    today = timescales.today_london()
    run_on = today - timedelta(days=RUN_DAYS_AGO)
    recorded = datetime.combine(run_on - timedelta(days=3), time(10), tzinfo=timezone.utc)
    analyst = users["analyst"]
    not_open = ~exists().where(Case.family_id == Family.id, Case.stage.not_in(CLOSED_STAGES))
    family_ids = db.session.scalars(select(Family.id).where(not_open, Family.merged_into_id.is_(None))
                                    .order_by(Family.reference).limit(FAMILIES)).all()
    for index, family_id in enumerate(family_ids):
        people = db.session.execute(select(FamilyMember.person_id, FamilyMember.relationship_to_family)
                                    .where(FamilyMember.family_id == family_id)).all()
        children = [p for p, rel in people if rel == Relationship.CHILD]
        adults = [p for p, rel in people if rel != Relationship.CHILD]
        if not children or not adults:
            continue

        def add(person, kind, days_before_run, file, last=None, value=None, code=None, key=None):
            db.session.add(Evidence(
                person_id=person, kind=kind, period_start=run_on - timedelta(days=days_before_run),
                period_end=None if last is None else run_on - timedelta(days=last), value=value, code=code,
                source="imported_file", source_reference=file, recorded_by_id=analyst.id, recorded_at=recorded))

        add(children[0], "attendance", rng.randint(70, 110), "Riverside Academy attendance, last term.csv",
            last=rng.randint(10, 40), value=round(rng.uniform(62, 88), 1))
        if index % 2 == 0:
            add(children[0], "exclusion", rng.randint(20, 90), "Riverside Academy exclusions.csv", code="fixed_term")
        add(adults[0], "asb" if index % 3 else "offence", rng.randint(15, 200),
            "Northshire Police quarterly extract.csv")
        if index % 3 == 1:
            add(adults[0], "benefit_claim", rng.randint(200, 600), "Jobcentre Plus out-of-work benefits.csv",
                code="universal_credit")
    db.session.flush()
    started = datetime.combine(run_on, time(9, 30), tzinfo=timezone.utc)
    run = IdentificationRun(as_of=run_on, min_problems=DEFAULT_MIN_PROBLEMS, plan_version_id=outcomes_plan.current().id,
                            started_by_id=analyst.id, created_at=started, state=RunState.RUNNING)
    db.session.add(run)
    db.session.flush()
    identification.identify(run)
    run.state, run.finished_at = RunState.DONE, started + timedelta(minutes=2)
    dismissed = db.session.scalar(select(IdentifiedFamily).where(IdentifiedFamily.run_id == run.id)
                                  .order_by(IdentifiedFamily.family_id).limit(1))
    if dismissed is not None:
        dismissed.state, dismissed.decided_by_id = IdentifiedState.DISMISSED, users["frontdoor"].id
        dismissed.decided_at = started + timedelta(days=2)
        dismissed.dismissal_reason = "The school's pastoral team already supports the family; review next quarter."
    db.session.flush()
