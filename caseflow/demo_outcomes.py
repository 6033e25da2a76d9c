"""The demo's outcomes: evidence for a handful of families with agreed plans (attendance each
term since the plan, a keyworker's record that a problem is met, a parent off benefits into
work), then a claims run as the analyst, so the outcomes tab, the claims list and the returns
have something to show. Families whose plans started recently are met but not yet sustained."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from caseflow.cases.models import Case
from caseflow.core import timescales
from caseflow.core.extensions import db
from caseflow.families.models import FamilyMember, Relationship
from caseflow.outcomes import claims, progress, rules
from caseflow.outcomes.models import Evidence
from caseflow.plans.models import Assessment, Plan

FAMILIES = 6


def seed(users: dict) -> None:
    today = timescales.today_london()
    keyworker = users["keyworker"]
    rows = db.session.execute(
        select(Case.family_id, Plan.agreed_at, Assessment.confirmed_problems)
        .join(Plan, Plan.case_id == Case.id).join(Assessment, Assessment.case_id == Case.id)
        .where(Plan.status == "agreed").order_by(Plan.agreed_at).limit(FAMILIES)).all()
    for family_id, agreed_at, problems in rows:
        start = timescales.to_london(agreed_at).date()
        people = db.session.execute(select(FamilyMember.person_id, FamilyMember.relationship_to_family)
                                    .where(FamilyMember.family_id == family_id)).all()
        children = [p for p, rel in people if rel == Relationship.CHILD]
        adults = [p for p, rel in people if rel != Relationship.CHILD]

        def add(person, kind, first, last=None, value=None, code=None):
            db.session.add(Evidence(person_id=person, kind=kind, period_start=first, period_end=last, value=value,
                                    code=code, source="partner_system", recorded_by_id=keyworker.id,
                                    source_reference="demo"))

        term = rules.term_of(start) + 1
        while rules.expected_term_end(term) <= today:
            last = rules.expected_term_end(term)
            first = {0: last.replace(month=9, day=3), 1: last.replace(month=1, day=5),
                     2: last.replace(month=4, day=13)}[term % 3]
            for child in children:
                add(child, "attendance", first, last, 93.0)
            term += 1
        for problem in problems or []:
            if problem in ("health", "children_need_help"):
                add(adults[0] if adults else children[0], "keyworker_outcome", start + timedelta(days=1), value=1, code=problem)
        if adults and "worklessness" in (problems or []):
            add(adults[0], "benefit_claim", start - timedelta(days=300), start + timedelta(days=6), code="jsa")
            add(adults[0], "employment", start + timedelta(days=7))
    db.session.flush()
    progress.recompute_all(today)
    claims.propose(users["analyst"], today)
