"""The identification run and the front door's work on the families it proposes.

`start()` records a dated run and queues it (caseflow.core.queue: RQ when Redis is configured,
in the caller's unit of work otherwise, as outcomes runs do). `execute()` is the job: three
set-based statements, whatever the number of families:
1. every (family, problem) the evidence shows, one grouped SELECT per problem of the plan
   (caseflow.identification.eligibility), into identified_problems;
2. the families with at least the rule's number of problems, not open to the service (no open
   case: a request for help opens one) and not dismissed since their latest evidence, into
   identified_families;
3. the problems of the families not proposed are dropped (the run's summary keeps their counts).
The same evidence gives the same families: the run is dated, keeps the plan version and the rule,
and a retried job first removes what an earlier attempt wrote.
"""
from __future__ import annotations

import logging
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import String, and_, delete, event, exists, func, insert, literal, or_, select, union_all
from sqlalchemy.orm import Session, aliased

from caseflow.cases.models import Case
from caseflow.core import audit, timescales
from caseflow.core.access import require, require_list
from caseflow.core.database import utcnow
from caseflow.core.errors import Conflict, NotFound, load
from caseflow.core.extensions import db
from caseflow.core.queue import enqueue
from caseflow.core.stages import CLOSED_STAGES
from caseflow.core.unit_of_work import savepoint
from caseflow.families.models import Family, FamilyMember, Person
from caseflow.identification import eligibility
from caseflow.identification.models import IdentificationRun, IdentifiedFamily, IdentifiedProblem
from caseflow.identification.schemas import DismissSchema, RunStartSchema, StartRequestSchema
from caseflow.identification.vocab import DEFAULT_MIN_PROBLEMS, IdentifiedState
from caseflow.outcomes import outcomes_plan
from caseflow.outcomes.models import Evidence
from caseflow.outcomes.vocab import EVIDENCE_CATEGORY, RunState

JOB = "caseflow.identification.services.execute"
_PENDING = "caseflow.identification.pending"
PURPOSE = "data identification"
STALE_AFTER = timedelta(hours=2)  # a run still "running" after this died with its worker
EVIDENCE_SHOWN = 25               # per problem on a family's page (the newest)


def _queued() -> bool:
    return bool(current_app.extensions["caseflow.settings"].redis_url)


# --- the run ---------------------------------------------------------------------------------------

def start(actor, raw: dict) -> IdentificationRun:
    require(actor, "identification.run", object_type="identification_run", purpose=PURPOSE, audit=False)
    data = load(RunStartSchema, raw or {})
    busy = db.session.scalar(select(IdentificationRun.id).where(
        IdentificationRun.state.in_([RunState.QUEUED, RunState.RUNNING]),
        IdentificationRun.created_at > utcnow() - STALE_AFTER))
    if busy:
        raise Conflict("An identification run is already under way: wait for it to finish.")
    run = IdentificationRun(as_of=timescales.today_london(),
                            min_problems=data.get("min_problems") or DEFAULT_MIN_PROBLEMS,
                            plan_version_id=outcomes_plan.current().id, started_by_id=actor.id)
    db.session.add(run)
    db.session.flush()
    audit.record(actor, "identification.run.start", "identification_run", run.id, purpose=PURPOSE)
    if _queued():
        db.session.info.setdefault(_PENDING, []).append(run.id)
    else:
        execute(run.id)
    return db.session.get(IdentificationRun, run.id)


@event.listens_for(Session, "after_commit")
def _enqueue_committed(session):
    for run_id in session.info.pop(_PENDING, []):
        enqueue(JOB, run_id, job_id=f"identification-run-{run_id}", job_timeout=3600)


@event.listens_for(Session, "after_rollback")
def _forget(session):
    if not session.in_nested_transaction():
        session.info.pop(_PENDING, None)


def execute(run_id: str) -> None:
    """The job. Under a worker it is its own unit of work (caseflow.jobs commits it); the state
    change to running is committed first so the page shows it (unit-of-work exception)."""
    run = db.session.get(IdentificationRun, run_id)
    if run is None or run.state == RunState.DONE:
        return
    run.state = RunState.RUNNING
    if _queued():
        db.session.commit()  # unit-of-work exception (docstring)
    try:
        with (nullcontext() if _queued() else savepoint()):
            identify(run)
    except Exception:
        logging.getLogger(__name__).exception("identification run %s failed", run_id)
        if _queued():
            db.session.rollback()
        run = db.session.get(IdentificationRun, run_id)
        run.state, run.failed, run.finished_at = RunState.FAILED, True, utcnow()
        if _queued():
            db.session.commit()  # unit-of-work exception: the failure is on the record, RQ retries
            raise
        return
    run.state, run.finished_at = RunState.DONE, utcnow()
    from caseflow.auth.models import User

    audit.record(db.session.get(User, run.started_by_id), "identification.run.finish", "identification_run", run.id,
                 purpose=f"{PURPOSE}: {run.identified} families identified as of {run.as_of.isoformat()}")


def _member_on(day):
    return and_(or_(FamilyMember.joined_on.is_(None), FamilyMember.joined_on <= day),
                or_(FamilyMember.left_on.is_(None), FamilyMember.left_on >= day))


def identify(run: IdentificationRun) -> None:
    """The three statements (module docstring)."""
    db.session.execute(delete(IdentifiedFamily).where(IdentifiedFamily.run_id == run.id))
    db.session.execute(delete(IdentifiedProblem).where(IdentifiedProblem.run_id == run.id))
    definition = outcomes_plan.get(run.plan_version_id).definition
    counted, not_counted = eligibility.rules(definition, run.as_of)
    run_id = literal(run.id, String)
    if counted:
        per_problem = [select(run_id, FamilyMember.family_id, literal(rule.code, String),
                              func.count(func.distinct(Evidence.id)), func.max(Evidence.period_start))
                       .join(FamilyMember, FamilyMember.person_id == Evidence.person_id)
                       .where(rule.condition, _member_on(run.as_of))
                       .group_by(FamilyMember.family_id) for rule in counted]
        db.session.execute(insert(IdentifiedProblem).from_select(
            ["run_id", "family_id", "problem_code", "evidence_count", "latest_on"], union_all(*per_problem)))

    problem = IdentifiedProblem
    open_case = exists().where(Case.family_id == problem.family_id, Case.stage.not_in(CLOSED_STAGES))
    earlier = aliased(IdentifiedFamily)
    evidence_since = (select(Evidence.id).join(FamilyMember, FamilyMember.person_id == Evidence.person_id)
                      .where(FamilyMember.family_id == earlier.family_id, Evidence.recorded_at > earlier.decided_at)
                      .exists())
    dismissed = exists().where(earlier.family_id == problem.family_id, earlier.state == IdentifiedState.DISMISSED,
                               ~evidence_since)
    merged = exists().where(Family.id == problem.family_id, Family.merged_into_id.is_not(None))
    families = (select(run_id, problem.family_id, func.count(), literal(IdentifiedState.PROPOSED.value, String))
                .where(problem.run_id == run.id, ~open_case, ~dismissed, ~merged)
                .group_by(problem.family_id).having(func.count() >= run.min_problems))
    db.session.execute(insert(IdentifiedFamily).from_select(["run_id", "family_id", "problem_count", "state"],
                                                            families))

    with_problem = dict(db.session.execute(select(problem.problem_code, func.count()).where(problem.run_id == run.id)
                                           .group_by(problem.problem_code)).all())
    db.session.execute(delete(problem).where(problem.run_id == run.id, ~exists().where(
        IdentifiedFamily.run_id == run.id, IdentifiedFamily.family_id == problem.family_id)))
    run.identified = db.session.scalar(select(func.count()).select_from(IdentifiedFamily)
                                       .where(IdentifiedFamily.run_id == run.id))
    run.summary = {"families_with_problem": {r.code: with_problem.get(r.code, 0) for r in counted},
                   "not_counted_from_data": [p["code"] for p in not_counted]}
    db.session.flush()


def latest_run() -> IdentificationRun | None:
    return db.session.scalar(select(IdentificationRun).where(IdentificationRun.state == RunState.DONE)
                             .order_by(IdentificationRun.created_at.desc()).limit(1))


def get_run(actor, run_id: str) -> IdentificationRun:
    require(actor, "identification.view", object_type="identification_run", object_id=run_id,
            purpose=PURPOSE, audit=False)
    run = db.session.get(IdentificationRun, run_id)
    if run is None:
        raise NotFound("No such identification run.")
    return run


def list_runs(actor, page: int = 1, per_page: int = 50) -> dict:
    from caseflow.api.kit import paginate

    require(actor, "identification.view", object_type="identification_run", purpose=PURPOSE, audit=False)
    return paginate(select(IdentificationRun).order_by(IdentificationRun.created_at.desc(), IdentificationRun.id),
                    page, per_page, lambda r: r)


def plan_number(run: IdentificationRun) -> int:
    return plan_numbers([run])[run.plan_version_id]


def plan_numbers(runs) -> dict[str, int]:
    """The Outcomes Plan version number each run counted with, in one query for a page of runs."""
    from caseflow.outcomes.models import OutcomesPlanVersion

    ids = {r.plan_version_id for r in runs}
    return dict(db.session.execute(select(OutcomesPlanVersion.id, OutcomesPlanVersion.number)
                                   .where(OutcomesPlanVersion.id.in_(ids))).all()) if ids else {}


# --- the identified families -----------------------------------------------------------------------

@dataclass
class Shown:
    identified: IdentifiedFamily
    family: Family
    problems: list[dict] = field(default_factory=list)  # {code, label, evidence_count, latest_on}


def _labels(run: IdentificationRun) -> dict[str, str]:
    return {p["code"]: p.get("label", p["code"]) for p in outcomes_plan.get(run.plan_version_id).definition["problems"]}


def list_identified(actor, run_id: str | None = None, state: str | None = None, page: int = 1,
                    per_page: int = 50) -> dict:
    """A run's proposed families (the latest run's unless one is named), most problems first.
    Every family shown is audited as read."""
    from caseflow.api.kit import paginate

    decision = require_list(actor, "identification.view", object_type="identified_families", purpose=PURPOSE)
    run = db.session.get(IdentificationRun, run_id) if run_id else latest_run()
    if run is None:
        if run_id:
            raise NotFound("No such identification run.")
        audit.record_reads(actor, "identification.list", "identified_family", [], categories=["identity"],
                           purpose=PURPOSE, basis=decision.basis)
        return {"run": None, "items": [], "page": page, "per_page": per_page, "total": 0}
    query = (select(IdentifiedFamily).where(IdentifiedFamily.run_id == run.id)
             .order_by(IdentifiedFamily.problem_count.desc(), IdentifiedFamily.family_id.desc()))
    if state:
        query = query.where(IdentifiedFamily.state == state)
    listed = paginate(query, page, per_page, lambda row: row)
    listed["items"] = _shown(run, listed["items"])
    audit.record_reads(actor, "identification.list", "identified_family", [s.family.id for s in listed["items"]],
                       object_id=run.id, categories=["identity"], purpose=PURPOSE, basis=decision.basis)
    listed["run"] = run
    return listed


def _shown(run: IdentificationRun, rows: list[IdentifiedFamily]) -> list[Shown]:
    """The page's families and their problems: two queries whatever the page size."""
    ids = [r.family_id for r in rows]
    families = {f.id: f for f in db.session.scalars(select(Family).where(Family.id.in_(ids)))} if ids else {}
    labels = _labels(run)
    problems: dict[str, list[dict]] = {}
    if ids:
        for p in db.session.scalars(select(IdentifiedProblem).where(IdentifiedProblem.run_id == run.id,
                                                                   IdentifiedProblem.family_id.in_(ids))
                                    .order_by(IdentifiedProblem.problem_code)):
            problems.setdefault(p.family_id, []).append({
                "code": p.problem_code, "label": labels.get(p.problem_code, p.problem_code),
                "evidence_count": p.evidence_count, "latest_on": p.latest_on})
    return [Shown(r, families[r.family_id], problems.get(r.family_id, [])) for r in rows]


def _row(run_id: str, family_id: str) -> IdentifiedFamily:
    row = db.session.get(IdentifiedFamily, (run_id, family_id))
    if row is None:
        raise NotFound("That family was not identified by that run.")
    return row


@dataclass
class FamilyEvidence:
    shown: Shown
    run: IdentificationRun
    members: list[FamilyMember]
    evidence: dict[str, list[Evidence]]  # problem code -> the newest records that show it
    people: dict[str, Person]


def family_evidence(actor, run_id: str, family_id: str) -> FamilyEvidence:
    """One identified family with the evidence for each problem, audited against the family."""
    decision = require(actor, "identification.view", {"family_id": family_id}, object_type="identified_family",
                       object_id=run_id, family_id=family_id, purpose=PURPOSE)
    row = _row(run_id, family_id)
    run = db.session.get(IdentificationRun, run_id)
    shown = _shown(run, [row])[0]
    rules = {r.code: r for r in eligibility.rules(outcomes_plan.get(run.plan_version_id).definition, run.as_of)[0]}
    evidence: dict[str, list[Evidence]] = {}
    for problem in shown.problems:
        rule = rules.get(problem["code"])
        if rule is None:
            continue
        rows = db.session.scalars(
            select(Evidence).join(FamilyMember, FamilyMember.person_id == Evidence.person_id)
            .where(FamilyMember.family_id == family_id, rule.condition, _member_on(run.as_of))
            .order_by(Evidence.period_start.desc(), Evidence.id).limit(EVIDENCE_SHOWN)).all()
        evidence[problem["code"]] = [e for e in rows
                                     if EVIDENCE_CATEGORY.get(e.kind) in decision.categories_for(e.person_id)]
    members = list(db.session.scalars(select(FamilyMember).where(FamilyMember.family_id == family_id,
                                                                 _member_on(run.as_of))))
    people = {m.person_id: m.person for m in members}
    return FamilyEvidence(shown, run, members, evidence, people)


# --- the front door's decisions ----------------------------------------------------------------------

def _proposed(actor, run_id: str, family_id: str, action: str) -> IdentifiedFamily:
    # The policy before the body: a refused user gets 403 whatever they sent.
    require(actor, "identification.decide", {"family_id": family_id}, object_type="identified_family",
            object_id=run_id, family_id=family_id, purpose=action)
    row = _row(run_id, family_id)
    if row.state != IdentifiedState.PROPOSED:
        raise Conflict("The front door has already decided about this family.")
    return row


def dismiss(actor, run_id: str, family_id: str, raw: dict) -> IdentifiedFamily:
    """Not now: the family drops off the list and later runs leave it off until new evidence
    about one of its members is recorded."""
    row = _proposed(actor, run_id, family_id, "dismiss an identified family")
    data = load(DismissSchema, raw)
    row.state, row.decided_by_id, row.decided_at = IdentifiedState.DISMISSED, actor.id, utcnow()
    row.dismissal_reason = data["reason"].strip()
    db.session.flush()
    audit.record(actor, "identification.dismiss", "identified_family", run_id, family_id=family_id,
                 categories=["identity"], purpose=PURPOSE)
    return row


def start_request(actor, run_id: str, family_id: str, raw: dict):
    """A request for help for the family, through the front door's own service: the same
    validation (consent, or a safeguarding concern), matching and case as any request. The
    family's current members are the people on it; the concerns are the problems identified."""
    from caseflow.frontdoor.models import Source
    from caseflow.frontdoor.services import open_case_of, submit_request

    row = _proposed(actor, run_id, family_id, "start a request from an identified family")
    data = load(StartRequestSchema, raw)
    if open_case_of(family_id) is not None:
        raise Conflict("The family is open to the service now: the request would join its case.")
    run = db.session.get(IdentificationRun, run_id)
    shown = _shown(run, [row])[0]
    members = db.session.scalars(select(FamilyMember).where(FamilyMember.family_id == family_id,
                                                            _member_on(timescales.today_london()))).all()
    uk_date = timescales.format_uk_date
    labels = "; ".join(f"{p['label']} ({p['evidence_count']} records, latest {uk_date(p['latest_on'])})"
                       for p in shown.problems)
    details = (f"Identified from partner data by the identification run of {uk_date(run.as_of)}: {labels}."
               + (f"\n\n{data['details'].strip()}" if (data.get("details") or "").strip() else ""))
    body = {
        "referrer": {"name": actor.name, "role": "Front door: data identification", "email": actor.email},
        "people": [_person(m) for m in members],
        "concerns": eligibility.concerns(outcomes_plan.get(run.plan_version_id).definition,
                                         [p["code"] for p in shown.problems]),
        "details": details, "consent_given": data["consent_given"],
        "safeguarding_concern": data["safeguarding_concern"], "urgency": data["urgency"],
    }
    submission = submit_request(actor, body, Source.PROFESSIONAL)
    row.state, row.decided_by_id, row.decided_at = IdentifiedState.REQUEST_STARTED, actor.id, utcnow()
    row.request_id = submission.request.id
    db.session.flush()
    audit.record(actor, "identification.request.start", "identified_family", run_id, family_id=family_id,
                 categories=["identity"], purpose=PURPOSE)
    return row, submission


def _person(member: FamilyMember) -> dict:
    person = member.person
    return {"given_name": person.given_name, "family_name": person.family_name,
            "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else None,
            "sex": person.sex.value if person.sex else "unknown", "relationship": member.relationship_to_family.value,
            "in_household": member.in_household, "postcode": person.postcode, "nhs_number": person.nhs_number,
            "upn": person.upn}


def shown_row(row: IdentifiedFamily) -> Shown:
    return _shown(db.session.get(IdentificationRun, row.run_id), [row])[0]
