"""The claims run recomputes only families whose inputs changed or whose recheck day has come
(caseflow.outcomes.progress): whatever happens between runs, the stored progress must equal a
recompute of every family. Evidence is written straight into the table here, as a bulk import
would, so nothing recomputes the family when it arrives: only the run's digest can notice it."""
from __future__ import annotations

import os
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from caseflow.core.extensions import db
from tests.outcomes.helpers import PLAN_AGREED, TERMS, family_on_programme, outcomes_team

COMPARED = ("case_id", "plan_version_id", "plan_started_on", "problems", "progress_sustained_on",
            "employment_status", "employment_sustained_on", "employment_person_id")


def _stored() -> dict:
    from caseflow.outcomes.models import FamilyOutcome

    db.session.expire_all()
    return {row.family_id: {c: getattr(row, c) for c in COMPARED} for row in db.session.scalars(select(FamilyOutcome))}


def _incremental_equals_full(as_of: date) -> tuple[dict, int]:
    """Run incrementally, keep the result, recompute everything and compare; return the result
    and how many families the incremental run recomputed."""
    from caseflow.outcomes import progress
    from caseflow.outcomes.models import FamilyOutcome

    before = {r.family_id: r.computed_at for r in db.session.scalars(select(FamilyOutcome))}
    progress.recompute_all(as_of)
    incremental = _stored()
    recomputed = sum(1 for r in db.session.scalars(select(FamilyOutcome)) if before.get(r.family_id) != r.computed_at)
    progress.recompute_all(as_of, full=True)
    assert incremental == _stored(), f"incremental run differs from a full recompute on {as_of}"
    return incremental, recomputed


def _evidence_for_three(school_people, work_people, crime_people, attendance):
    """The three families' evidence: the child's attendance for the first len(attendance) terms;
    the parent off JSA into a job (no end date: still in work) 20 days after the plan; three
    anti-social behaviour incidents before the plan. Returns the day the job started."""
    for (start, end), pct in zip(TERMS, attendance):
        _evidence(school_people["child"], "attendance", start, end, pct)
    job = PLAN_AGREED + timedelta(days=20)
    _evidence(work_people["parent"], "benefit_claim", PLAN_AGREED - timedelta(days=300), job - timedelta(days=1),
              code="jsa")
    _evidence(work_people["parent"], "employment", job)
    for days in (40, 90, 150):
        _evidence(crime_people["child"], "asb", PLAN_AGREED - timedelta(days=days))
    return job


def _evidence(person_id, kind, start, end=None, value=None, code=None):
    from caseflow.auth.models import User
    from caseflow.outcomes.models import Evidence

    recorder = db.session.scalars(select(User.id)).first()
    db.session.add(Evidence(person_id=person_id, kind=kind, period_start=start, period_end=end, value=value,
                            code=code, source="imported_file", recorded_by_id=recorder))
    db.session.flush()


@pytest.fixture
def families(app, api, factory):
    people, tokens, _ = outcomes_team(factory)
    made = {
        "school": family_on_programme(app, api, people, tokens, surname="Okafor", problems=("education",),
                                      given_names=("Ada", "Chidi")),
        "work": family_on_programme(app, api, people, tokens, surname="Brennan", problems=("worklessness",),
                                    given_names=("Ciara", "Niall")),
        "crime": family_on_programme(app, api, people, tokens, surname="Haddad", problems=("crime_asb",),
                                     given_names=("Rami", "Lina")),
    }
    return made


def test_an_incremental_run_equals_a_full_recompute_through_sustain_dates_and_unannounced_evidence(app, families):
    from caseflow.cases.models import Case
    from caseflow.plans.models import Plan
    from caseflow.plans.vocab import PlanStatus

    _, school, school_people = families["school"]
    _, work, work_people = families["work"]
    crime_case, crime, crime_people = families["crime"]
    with app.app_context():
        # The school's first two terms arrive; a job starts with no end date (still in work).
        job = _evidence_for_three(school_people, work_people, crime_people, (94, 96))
        db.session.commit()

        first_day = PLAN_AGREED + timedelta(days=60)
        rows, recomputed = _incremental_equals_full(first_day)
        assert recomputed == 3 and set(rows) == {school, work, crime}
        assert rows[work]["employment_status"] == "met"

        # Nothing new the next day: no family is recomputed.
        _, recomputed = _incremental_equals_full(first_day + timedelta(days=1))
        assert recomputed == 0

        # Day by day across the job's 26 weeks and the crime reduction's six months: the
        # recheck days bring each family back exactly when its status moves.
        sustained_job = job + timedelta(weeks=26, days=-1)
        for day in (sustained_job - timedelta(days=1), sustained_job, sustained_job + timedelta(days=1)):
            rows, _ = _incremental_equals_full(day)
        assert rows[work]["employment_status"] == "sustained"
        assert rows[work]["employment_sustained_on"] == sustained_job
        crime_status = [p["status"] for p in rows[crime]["problems"]]
        assert crime_status == ["sustained"]

        # Evidence arriving unannounced (a bulk import): a third term, and a new incident that
        # breaks the crime reduction.
        later = TERMS[2][1] + timedelta(days=5)
        _evidence(school_people["child"], "attendance", TERMS[2][0], TERMS[2][1], 97)
        _evidence(crime_people["child"], "asb", later - timedelta(days=3))
        _evidence(crime_people["child"], "asb", later - timedelta(days=2))
        db.session.commit()
        rows, recomputed = _incremental_equals_full(later)
        assert [p["status"] for p in rows[school]["problems"]] == ["sustained"]
        assert [p["status"] for p in rows[crime]["problems"]] == ["met"]

        # The crime family's plan goes back to draft: no longer measured, its progress row goes.
        db.session.scalar(select(Plan).where(Plan.case_id == crime_case)).status = PlanStatus.DRAFT
        db.session.commit()
        rows, _ = _incremental_equals_full(later + timedelta(days=1))
        assert crime not in rows and db.session.get(Case, crime_case) is not None


@pytest.mark.skipif("postgresql" not in (os.environ.get("CASEFLOW_TEST_DATABASE_URL") or ""),
                    reason="worker processes run on PostgreSQL only (SQLite takes one writer at a time)")
def test_a_claims_run_shared_among_worker_processes_equals_one_process(app, families):
    """A queued claims run shares its batches among forked worker processes: the progress it
    stores and the claims it proposes are those of one process doing every batch."""
    from caseflow.auth.models import User
    from caseflow.core.parallel import usable_workers
    from caseflow.outcomes import claims, outcomes_plan, progress
    from caseflow.outcomes.models import Claim, FamilyOutcome

    _, school, school_people = families["school"]
    _, work, work_people = families["work"]
    _, crime, crime_people = families["crime"]
    with app.app_context():
        assert usable_workers(2) == 2 or (os.cpu_count() or 1) == 1
        _evidence_for_three(school_people, work_people, crime_people, (94, 96, 97))
        outcomes_plan.current()
        db.session.commit()
        analyst = db.session.scalar(select(User).where(User.role == "analyst"))
        as_of = TERMS[2][1] + timedelta(days=30)

        def claims_made() -> set:
            db.session.expire_all()
            return {(c.family_id, c.result, c.achieved_on, c.plan_version_id) for c in db.session.scalars(select(Claim))}

        # One process, a family a batch; then the same run again in two workers, from nothing.
        assert progress.recompute_all(as_of, batch=1) == 3
        made = claims.propose(analyst, as_of, batch=1)
        db.session.commit()
        serial, serial_claims = _stored(), claims_made()
        assert set(serial) == {school, work, crime} and made["sustained_progress"] == 3
        assert {(family, result) for family, result, *_ in serial_claims} == {
            (school, "sustained_progress"), (work, "sustained_progress"), (crime, "sustained_progress"),
            (work, "continuous_employment")}
        db.session.execute(Claim.__table__.delete())
        db.session.execute(FamilyOutcome.__table__.delete())
        db.session.commit()

        assert progress.recompute_all(as_of, batch=1, workers=2) == 3
        assert claims.propose(analyst, as_of, batch=1, workers=2) == made
        assert _stored() == serial and claims_made() == serial_claims
        # The workers committed their own work, each proposal is in the audit trail (four
        # claims, each run), and the trail's chain still holds.
        from caseflow.core.audit import AuditEvent, PendingAuditEvent, verify_chain

        db.session.rollback()
        assert len(_stored()) == 3
        proposed = [db.session.scalar(select(func.count()).select_from(table)
                                      .where(table.action == "outcomes.claim.propose"))
                    for table in (AuditEvent, PendingAuditEvent)]
        assert sum(proposed) == 8
        assert verify_chain().ok
