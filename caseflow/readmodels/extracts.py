"""The analyst's pseudonymised record-level extracts, made as queued jobs with progress.

One row per family member on each case opened in the period: pseudonyms for the family, the
person and the case (readmodels.report_exports.pseudonym: HMAC under the configured key, per
purpose), the age band at the case's opening, how the request came, the stage, level of need,
team, closure and moves. No names, dates of birth, addresses, identifiers or notes are read.
Describing values fewer than five rows share are suppressed before the file is kept.
"""
from __future__ import annotations

from datetime import date

from flask import abort, current_app
from sqlalchemy import func, select

from caseflow.auth.models import Team, User
from caseflow.cases.models import Case, CaseTransition
from caseflow.core import audit, timescales
from caseflow.core.access import require
from caseflow.core.database import utcnow
from caseflow.core.extensions import db
from caseflow.core.queue import enqueue
from caseflow.families.models import FamilyMember, Person
from caseflow.frontdoor.models import RequestForHelp
from caseflow.policy.rules import report_case_clause
from caseflow.readmodels import report_exports
from caseflow.readmodels.models import ExtractPurpose, JobStatus, ReportJob

PURPOSES = {
    ExtractPurpose.SERVICE_PLANNING: "Service planning and performance",
    ExtractPurpose.NATIONAL_RETURN: "National return (Supporting Families)",
    ExtractPurpose.EVALUATION: "Evaluation",
}
HEADER = ["family", "person", "case", "relationship", "age_band", "route", "opened_month", "re_referral",
          "level_of_need", "stage", "team", "closed_month", "closure_reason", "step_ups", "step_downs"]
# The describing columns a rare value could single someone out by.
QUASI_IDENTIFIERS = ("relationship", "age_band", "route", "level_of_need", "stage", "team", "closure_reason")
BATCH = 500


def _key() -> bytes:
    settings = current_app.extensions["caseflow.settings"]
    if settings.pseudonym_key:
        return settings.pseudonym_key.encode()
    return report_exports.derived_key(settings.secret_key)


def _cases(user, job) -> list:
    from caseflow.readmodels.reports import Filters

    f = Filters(start=job.period_start, end=job.period_end)
    return [report_case_clause(user), Case.opened_at >= f.since, Case.opened_at < f.until]


def request_extract(user, purpose: str, start: date, end: date) -> ReportJob:
    require(user, "reports.extract", object_type="report_job", purpose=f"extract for {purpose}")
    job = ReportJob(requested_by_id=user.id, purpose=ExtractPurpose(purpose), period_start=start, period_end=end,
                    status=JobStatus.QUEUED)
    db.session.add(job)
    db.session.flush()
    enqueue("caseflow.readmodels.extracts.run_extract", job.id, job_id=f"extract-{job.id}")
    return job


def run_extract(job_id: str) -> None:
    """The job: reads the cases in batches (keyset on id), keeping its progress as it goes (each
    batch commits its progress, so the status page moves while the job runs)."""
    job = db.session.get(ReportJob, job_id)
    if job is None or job.status == JobStatus.DONE:
        return  # idempotent: RQ may run a job again after a worker dies
    user = db.session.get(User, job.requested_by_id)
    require(user, "reports.extract", object_type="report_job", object_id=job.id, purpose=f"extract for {job.purpose}")
    scope = _cases(user, job)
    job.status, job.done, job.row_count = JobStatus.RUNNING, 0, 0
    job.total = db.session.execute(select(func.count()).select_from(Case).where(*scope)).scalar()
    db.session.commit()
    key, purpose, rows, after = _key(), str(job.purpose), [], ""
    while True:
        ids = list(db.session.scalars(select(Case.id).where(*scope, Case.id > after).order_by(Case.id).limit(BATCH)))
        if not ids:
            break
        rows.extend(_rows(ids, key, purpose))
        after = ids[-1]
        job.done += len(ids)
        db.session.commit()
    report_exports.suppress_rare_values(rows, QUASI_IDENTIFIERS)
    job.result = report_exports.rows_csv(HEADER, rows)
    job.row_count, job.status, job.finished_at = len(rows), JobStatus.DONE, utcnow()
    audit.record(user, "reports.extract", "report_job", job.id, purpose=f"pseudonymised extract for {purpose}",
                 basis="UK GDPR Article 6(1)(e): pseudonymised for service planning")


def _rows(case_ids: list[str], key: bytes, purpose: str) -> list[dict]:
    moves = {}
    for case_id, action, n in db.session.execute(
            select(CaseTransition.case_id, CaseTransition.action, func.count())
            .where(CaseTransition.case_id.in_(case_ids), CaseTransition.action.in_(("step_up", "step_down")))
            .group_by(CaseTransition.case_id, CaseTransition.action)):
        moves[(case_id, action)] = n
    routes = dict(db.session.execute(
        select(RequestForHelp.case_id, func.min(RequestForHelp.source)).where(RequestForHelp.case_id.in_(case_ids))
        .group_by(RequestForHelp.case_id)).all())
    out = []
    for c, team, person_id, relationship, born in db.session.execute(
            select(Case, Team.name, FamilyMember.person_id, FamilyMember.relationship_to_family, Person.date_of_birth)
            .outerjoin(Team, Team.id == Case.team_id)
            .join(FamilyMember, FamilyMember.family_id == Case.family_id)
            .join(Person, Person.id == FamilyMember.person_id)
            .where(Case.id.in_(case_ids)).order_by(Case.id, FamilyMember.person_id)):
        opened = timescales.to_london(c.opened_at)
        out.append({
            "family": report_exports.pseudonym(key, purpose, c.family_id, "F"),
            "person": report_exports.pseudonym(key, purpose, person_id, "P"),
            "case": report_exports.pseudonym(key, purpose, c.id, "C"),
            "relationship": str(relationship), "age_band": report_exports.age_band(born, opened.date()),
            "route": str(routes.get(c.id) or "none"), "opened_month": opened.strftime("%Y-%m"),
            "re_referral": "yes" if c.is_re_referral else "no",
            "level_of_need": str(c.level_of_need or "not recorded"), "stage": str(c.stage),
            "team": team or "no team", "closed_month": timescales.to_london(c.closed_at).strftime("%Y-%m")
            if c.closed_at else "", "closure_reason": str(c.closure_reason or ""),
            "step_ups": moves.get((c.id, "step_up"), 0), "step_downs": moves.get((c.id, "step_down"), 0)})
    return out


def job_for(user, job_id: str) -> ReportJob:
    require(user, "reports.extract", object_type="report_job", object_id=job_id, audit=False)
    job = db.session.get(ReportJob, job_id)
    if job is None or job.requested_by_id != user.id:
        abort(404)  # an analyst's extracts are their own
    return job


def download(user, job_id: str) -> tuple[ReportJob, str]:
    job = job_for(user, job_id)
    if job.status != JobStatus.DONE or job.result is None:
        abort(409)
    audit.record(user, "reports.extract.download", "report_job", job.id, purpose=f"pseudonymised extract for {job.purpose}")
    return job, job.result


def recent_jobs(user, limit: int = 20) -> list[ReportJob]:
    return list(db.session.scalars(select(ReportJob).where(ReportJob.requested_by_id == user.id)
                                   .order_by(ReportJob.created_at.desc()).limit(limit)))
