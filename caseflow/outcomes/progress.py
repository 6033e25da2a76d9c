"""Each family's progress against the Outcomes Plan, computed in batches by the one rules module
(caseflow.outcomes.rules) and kept in family_outcomes for the outcomes tab and the claims run.

A family is measured once its family plan is agreed: from the day it was agreed, by the plan
version in force then, for the problems its assessment confirmed. Evidence arriving for anyone
in the family recomputes it at once. A claims run walks every measured family a range of family
ids at a time (the ranges found in one query; three range queries a batch, whatever the
evidence; under a queued run, the ranges shared among worker processes) and recomputes only those
whose inputs changed since they were last computed (a digest of everything the rules read) or
whose recheck day has come (a sustain date, a job ending: the first day the date alone could
change the answer); the rest are left as they are. The result is the same as recomputing every
family (tests/outcomes/test_incremental.py), and a county's 250,000 families fit in one run.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import Callable, Iterable

from sqlalchemy import String, and_, delete, distinct, func, select, true, type_coerce

from caseflow.cases.models import Case
from caseflow.core import audit, parallel, timescales
from caseflow.core.access import require
from caseflow.core.database import new_id, utcnow
from caseflow.core.extensions import db
from caseflow.families.models import Family, FamilyMember
from caseflow.outcomes import outcomes_plan, rules
from caseflow.outcomes.models import Evidence, FamilyOutcome, OutcomesPlanVersion
from caseflow.outcomes.vocab import EVIDENCE_CATEGORY
from caseflow.plans.models import Assessment, Plan
from caseflow.plans.vocab import PlanStatus

BATCH = 2000


@dataclass
class FamilyInputs:
    family_id: str
    case_id: str
    plan_started_on: date
    version: OutcomesPlanVersion
    confirmed: list
    evidence: list


def _chunks(values: list, size: int = 900):
    """IN lists kept under SQLite's parameter limit."""
    for i in range(0, len(values), size):
        yield values[i:i + size]


def measured_plans(family_ids: list[str]) -> dict[str, tuple]:
    """family id -> (case id, agreed at, confirmed problems) of its latest agreed plan."""
    latest: dict[str, tuple] = {}
    for chunk in _chunks(family_ids):
        rows = db.session.execute(
            select(Case.family_id, Case.id, Plan.agreed_at, Assessment.confirmed_problems)
            .join(Plan, Plan.case_id == Case.id).outerjoin(Assessment, Assessment.case_id == Case.id)
            .where(Case.family_id.in_(chunk), Plan.status == PlanStatus.AGREED, Plan.agreed_at.is_not(None)))
        for family_id, case_id, agreed_at, confirmed in rows:
            if family_id not in latest or agreed_at > latest[family_id][1]:
                latest[family_id] = (case_id, agreed_at, confirmed or [])
    return latest


def gather(family_ids: list[str], versions: outcomes_plan.VersionsInForce) -> list[FamilyInputs]:
    plans = measured_plans(family_ids)
    members: dict[str, list[str]] = {}
    for chunk in _chunks(list(plans)):
        for family_id, person_id in db.session.execute(
                select(FamilyMember.family_id, FamilyMember.person_id).where(FamilyMember.family_id.in_(chunk))):
            members.setdefault(family_id, []).append(person_id)
    people = sorted({p for ps in members.values() for p in ps})
    by_person: dict[str, list] = {}
    for chunk in _chunks(people):
        for row in db.session.execute(
                select(Evidence.person_id, type_coerce(Evidence.kind, String).label("kind"), Evidence.period_start,
                       Evidence.period_end, Evidence.value, Evidence.code).where(Evidence.person_id.in_(chunk))):
            # (the kind read as its plain string: the rules compare strings, and 250,000 families'
            # evidence need not each become an enum member first)
            by_person.setdefault(row.person_id, []).append(
                rules.Evidence(row.person_id, row.kind, row.period_start, row.period_end, row.value, row.code))
    out = []
    for family_id, (case_id, agreed_at, confirmed) in plans.items():
        evidence = [e for p in members.get(family_id, []) for e in by_person.get(p, [])]
        out.append(FamilyInputs(family_id, case_id, timescales.to_london(agreed_at).date(), versions.at(agreed_at),
                                list(confirmed), evidence))
    return out


def progress_of(inputs: FamilyInputs, as_of: date) -> rules.FamilyProgress:
    return rules.family_progress(inputs.version.definition, inputs.confirmed, inputs.evidence,
                                 inputs.plan_started_on, as_of)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def inputs_digest(inputs: FamilyInputs) -> str:
    """A digest of everything the rules read for a family: its case, when its plan was agreed,
    the plan version it is judged by, its confirmed problems and every evidence row of its
    household. Equal digests, equal inputs: the claims run skips the family (recheck_on aside)."""
    # (each row as the plain tuple it is: the same text as repr((person_id, kind, ...)), made in C)
    evidence = sorted(map(tuple.__repr__, inputs.evidence))
    text = repr((inputs.case_id, inputs.plan_started_on, inputs.version.id, sorted(inputs.confirmed or []),
                 evidence))
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def recheck_on(result: rules.FamilyProgress, evidence: list, as_of: date) -> date | None:
    """The first day after `as_of` on which the date alone (no new evidence) could change this
    family's progress: a problem or employment that is met but not yet sustained (on its
    sustain date), and every day an evidence row starts or ends after `as_of` (a job or a
    benefit ending, an incident's next day, a row dated ahead). Sustained and not-met statuses
    move only with their evidence (caseflow.outcomes.rules). None: only new inputs change it."""
    later = as_of + timedelta(days=1)
    days = [p.status.sustained_on or later for p in result.problems if p.status.status == rules.MET]
    if result.employment.status == rules.MET:
        days.append(result.employment.sustained_on or later)
    for e in evidence:
        for day in (e.start, e.start + timedelta(days=1), e.end, e.end and e.end + timedelta(days=1)):
            if day is not None and day > as_of:
                days.append(day)
    return min(days) if days else None


def _row(inputs: FamilyInputs, progress: rules.FamilyProgress, as_of: date, now) -> dict:
    return {"family_id": inputs.family_id, "case_id": inputs.case_id, "plan_version_id": inputs.version.id,
            "plan_started_on": inputs.plan_started_on, "as_of": as_of, "computed_at": now,
            "problems": [{"code": p.code, "label": p.label, "measure": p.measure, "status": p.status.status,
                          "met_since": _iso(p.status.met_since), "sustained_on": _iso(p.status.sustained_on),
                          "reason": p.status.reason} for p in progress.problems],
            "progress_sustained_on": progress.progress_sustained_on,
            "employment_status": progress.employment.status,
            "employment_sustained_on": progress.employment.sustained_on if progress.employment.sustained else None,
            "employment_person_id": progress.employment.person_id,
            "inputs_digest": inputs_digest(inputs), "recheck_on": recheck_on(progress, inputs.evidence, as_of)}


_COLUMNS = ("family_id", "case_id", "plan_version_id", "plan_started_on", "as_of", "computed_at", "problems",
            "progress_sustained_on", "employment_status", "employment_sustained_on", "employment_person_id",
            "inputs_digest", "recheck_on")


def _store(rows: list[dict]) -> None:
    """Insert computed rows: COPY on PostgreSQL (a county's first run writes 250,000 of them;
    COPY is several times quicker than even a pipelined executemany), Core executemany
    elsewhere. Inside the session's own transaction either way."""
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        db.session.execute(FamilyOutcome.__table__.insert(), rows)
        return
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY family_outcomes ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([json.dumps(row[c]) if c == "problems" else row[c] for c in _COLUMNS])


def _replace(family_ids: list[str], rows: list[dict]) -> None:
    for chunk in _chunks(family_ids):
        db.session.execute(delete(FamilyOutcome).where(FamilyOutcome.family_id.in_(chunk)))
    _store(rows)


def recompute(family_ids: Iterable[str], as_of: date | None = None,
              versions: outcomes_plan.VersionsInForce | None = None) -> int:
    """Compute and store these families' progress (a family with no agreed plan has none)."""
    as_of = as_of or timescales.today_london()
    family_ids = sorted(set(family_ids))
    versions = versions or outcomes_plan.VersionsInForce()
    now = utcnow()
    rows = [_row(i, progress_of(i, as_of), as_of, now) for i in gather(family_ids, versions)]
    _replace(family_ids, rows)
    return len(rows)


def id_ranges(ids_query, batch: int) -> list[tuple[str | None, str | None]]:
    """Ranges of ids (after, last] holding `batch` of the ids `ids_query` selects (a query of one
    column named id), found in one query; the last range is open-ended, so a range also covers
    whatever lies beyond the last id (progress rows of families no longer measured)."""
    ids = ids_query.subquery()
    numbered = select(ids.c.id, func.row_number().over(order_by=ids.c.id).label("n")).subquery()
    bounds = list(db.session.scalars(select(numbered.c.id).where(numbered.c.n % batch == 0).order_by(numbered.c.id)))
    return list(zip([None, *bounds], [*bounds, None]))


def measured_ranges(batch: int = BATCH) -> list[tuple[str | None, str | None]]:
    """The claims run's batches: ranges of family ids, `batch` measured families each."""
    return id_ranges(select(Case.family_id.label("id")).join(Plan, Plan.case_id == Case.id)
                     .where(Plan.status == PlanStatus.AGREED).group_by(Case.family_id), batch)


def measured_count() -> int:
    return db.session.scalar(select(func.count(distinct(Case.family_id))).select_from(Case)
                             .join(Plan, Plan.case_id == Case.id).where(Plan.status == PlanStatus.AGREED)) or 0


def computed_count() -> int:
    return db.session.scalar(select(func.count()).select_from(FamilyOutcome)) or 0


def _between(column, after: str | None, last: str | None):
    """family ids in (after, last]: a batch is a range of ids, read with one range scan per
    table rather than an IN list of 2,000 parameters."""
    clauses = []
    if after is not None:
        clauses.append(column > after)
    if last is not None:
        clauses.append(column <= last)
    return and_(true(), *clauses)


def gather_range(after: str | None, last: str | None,
                 versions: outcomes_plan.VersionsInForce) -> list[FamilyInputs]:
    """As gather(), for every measured family with an id in (after, last] (`last` None: no
    upper end): two range queries (plans, then the households' evidence joined to their
    members) whatever the number of families."""
    latest: dict[str, tuple] = {}
    for family_id, case_id, agreed_at, confirmed in db.session.execute(
            select(Case.family_id, Case.id, Plan.agreed_at, Assessment.confirmed_problems)
            .join(Plan, Plan.case_id == Case.id).outerjoin(Assessment, Assessment.case_id == Case.id)
            .where(_between(Case.family_id, after, last), Plan.status == PlanStatus.AGREED,
                   Plan.agreed_at.is_not(None))):
        if family_id not in latest or agreed_at > latest[family_id][1]:
            latest[family_id] = (case_id, agreed_at, confirmed or [])
    evidence: dict[str, list] = {}
    make = rules.Evidence
    for family_id, person_id, kind, start, end, value, code in db.session.execute(
            select(FamilyMember.family_id, Evidence.person_id, type_coerce(Evidence.kind, String), Evidence.period_start,
                   Evidence.period_end, Evidence.value, Evidence.code)
            .join(Evidence, Evidence.person_id == FamilyMember.person_id)
            .where(_between(FamilyMember.family_id, after, last))):
        evidence.setdefault(family_id, []).append(make(person_id, kind, start, end, value, code))
    return [FamilyInputs(family_id, case_id, timescales.to_london(agreed_at).date(), versions.at(agreed_at),
                         list(confirmed), evidence.get(family_id, []))
            for family_id, (case_id, agreed_at, confirmed) in sorted(latest.items())]


def recompute_range(after: str | None, last: str | None, as_of: date, versions: outcomes_plan.VersionsInForce,
                    full: bool = False) -> tuple[int, int]:
    """Bring the stored progress of families with ids in (after, last] up to date for `as_of`:
    (families measured, families recomputed). Incremental unless `full`: a family is recomputed
    only when its inputs' digest differs from the stored one, or its recheck day has come;
    rows of families no longer measured (no agreed plan) are removed."""
    inputs = gather_range(after, last, versions)
    stored = {family_id: (digest, recheck) for family_id, digest, recheck in db.session.execute(
        select(FamilyOutcome.family_id, FamilyOutcome.inputs_digest, FamilyOutcome.recheck_on)
        .where(_between(FamilyOutcome.family_id, after, last)))}
    changed, replaced = [], []
    for family in inputs:
        if family.family_id not in stored:
            changed.append(family)  # never computed (a first run): nothing to compare or delete
            continue
        digest, recheck = stored.pop(family.family_id)
        if full or digest is None or digest != inputs_digest(family) or (recheck is not None and recheck <= as_of):
            changed.append(family)
            replaced.append(family.family_id)
    now = utcnow()
    rows = [_row(i, progress_of(i, as_of), as_of, now) for i in changed]
    _replace(replaced + list(stored), rows)  # stored leftovers: no longer measured
    return len(inputs), len(rows)


# Each claims run's arguments, by run, for its parts (which a forked worker inherits).
_RUNS: dict[str, tuple] = {}


def _recompute_part(run: str, bounds: tuple[str | None, str | None]) -> int:
    as_of, versions, full, commit = _RUNS[run]
    if commit:
        parallel.in_worker_transaction()
    measured, _ = recompute_range(*bounds, as_of, versions, full)
    if commit:
        db.session.commit()  # a worker's own transaction: see caseflow.core.parallel
    return measured


def recompute_all(as_of: date | None = None, on_batch: Callable[[int], None] | None = None,
                  batch: int = BATCH, full: bool = False, workers: int = 1) -> int:
    """Every measured family's progress, up to date for `as_of`, a range of family ids at a
    time; incremental unless `full` (see recompute_range). Returns the families measured.

    `workers` > 1 (a queued claims run, on PostgreSQL): the ranges are shared among forked
    worker processes, each committing its own batches (caseflow.core.parallel), so the caller
    must have committed everything they need to see (the Outcomes Plan versions among it). The
    result is the same as one process's (tests/outcomes/test_incremental.py)."""
    as_of = as_of or timescales.today_london()
    versions = outcomes_plan.VersionsInForce()
    ranges = measured_ranges(batch)
    workers = parallel.usable_workers(workers)
    run = new_id()
    _RUNS[run] = (as_of, versions, full, workers > 1)
    try:
        done = 0
        for measured in parallel.run_parts(partial(_recompute_part, run), ranges, workers):
            done += measured
            if on_batch:
                on_batch(done)
        return done
    finally:
        del _RUNS[run]


# --- the outcomes tab ---------------------------------------------------------------------------

def family_outcomes(actor, family_id: str) -> dict:
    """A family's progress and the evidence behind it, cut to what the reader may see."""
    decision = require(actor, "outcomes.view", {"family_id": family_id}, object_type="family",
                       object_id=family_id, family_id=family_id, purpose="family outcomes")
    row = db.session.get(FamilyOutcome, family_id)
    people = list(db.session.scalars(select(FamilyMember.person_id).where(FamilyMember.family_id == family_id)))
    evidence = []
    if people:
        evidence = [e for e in db.session.scalars(
            select(Evidence).where(Evidence.person_id.in_(people))
            .order_by(Evidence.period_start.desc(), Evidence.recorded_at.desc()))
            if EVIDENCE_CATEGORY[e.kind] in decision.categories_for(e.person_id)]
    version = db.session.get(OutcomesPlanVersion, row.plan_version_id) if row else None
    household = [m for m in db.session.scalars(select(FamilyMember).where(FamilyMember.family_id == family_id))
                 if decision.shows_person(m.person_id)]
    return {"family_id": family_id, "family": db.session.get(Family, family_id), "members": household, "computed": row is not None, "row": row, "decision": decision,
            "plan_version": version.number if version else None,
            "plan_started_on": row.plan_started_on if row else None,
            "problems": row.problems if row else [],
            "progress_sustained_on": row.progress_sustained_on if row else None,
            "employment_status": row.employment_status if row else None,
            "employment_sustained_on": row.employment_sustained_on if row else None,
            "evidence": evidence}
