"""Claims runs and return extracts as queued jobs, with their progress for the page that waits.

`start()` writes the run and hands it to the queue once that row is committed (a worker must be
able to read it); with no Redis configured the run happens at once, in the caller's unit of work,
as every CaseFlow job does (caseflow.core.queue). `execute()` is the job. Unit-of-work exception,
as in the notification dispatcher: under a worker it commits after each batch with the run's
progress, so the page shows how far it has got and a long run's finished batches are kept. A
run is safe to repeat: progress is recomputed, and proposing skips families already claimed.
"""
from __future__ import annotations

import logging
from contextlib import nullcontext
from datetime import timedelta

from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from caseflow.core import audit, timescales
from caseflow.core.access import can, require
from caseflow.core.database import utcnow
from caseflow.core.errors import Conflict, NotFound, load
from caseflow.core.extensions import db
from caseflow.core.unit_of_work import savepoint
from caseflow.core.queue import enqueue
from caseflow.outcomes import claims, outcomes_plan, progress, returns
from caseflow.outcomes.models import OutcomesRun
from caseflow.outcomes.schemas import RunStartSchema
from caseflow.outcomes.vocab import RunKind, RunState

JOB = "caseflow.outcomes.runs.execute"
_PENDING = "caseflow.outcomes.runs.pending"
ACTIONS = {RunKind.CLAIMS_PROPOSAL: "outcomes.claims.run", RunKind.PROGRESS_DATA: "outcomes.returns",
           RunKind.COST_SAVINGS: "outcomes.returns"}
DEFAULT_SAMPLE = {RunKind.PROGRESS_DATA: 10, RunKind.COST_SAVINGS: 25}
STALE_AFTER = timedelta(hours=2)  # a run still "running" after this died with its worker
# A claims run under a worker shares its batches among this many processes (caseflow.core.
# parallel; PostgreSQL only, at most one per core): a county's first run is CPU-bound in Python.
CLAIMS_RUN_WORKERS = 2


def _queued() -> bool:
    return bool(current_app.extensions["caseflow.settings"].redis_url)


def start(actor, raw: dict) -> OutcomesRun:
    # The policy before the body: someone who may start no kind of run is refused whatever they sent.
    if not any(can(actor, action) for action in sorted(set(ACTIONS.values()))):
        require(actor, "outcomes.claims.run", object_type="outcomes_run", purpose="start a run")
    data = load(RunStartSchema, raw)
    kind = RunKind(data["kind"])
    require(actor, ACTIONS[kind], object_type="outcomes_run", purpose=f"start a {kind.value.replace('_', ' ')} run")
    busy = db.session.scalar(select(OutcomesRun.id).where(
        OutcomesRun.kind == kind, OutcomesRun.state.in_([RunState.QUEUED, RunState.RUNNING]),
        OutcomesRun.created_at > utcnow() - STALE_AFTER))
    if busy:
        raise Conflict("A run of this kind is already under way: wait for it to finish.")
    percent = data.get("sample_percent") or DEFAULT_SAMPLE.get(kind)
    if kind == RunKind.COST_SAVINGS:
        percent = max(percent, 25)
    run = OutcomesRun(kind=kind, started_by_id=actor.id, as_of=timescales.today_london(), sample_percent=percent)
    db.session.add(run)
    db.session.flush()
    audit.record(actor, "outcomes.run.start", "outcomes_run", run.id, purpose=kind.value)
    if _queued():
        db.session.info.setdefault(_PENDING, []).append(run.id)
    else:
        execute(run.id)
    return db.session.get(OutcomesRun, run.id)  # as the run left it (it may have run already)


@event.listens_for(Session, "after_commit")
def _enqueue_committed(session):
    for run_id in session.info.pop(_PENDING, []):
        enqueue(JOB, run_id, job_id=f"outcomes-run-{run_id}")


@event.listens_for(Session, "after_rollback")
def _forget(session):
    if not session.in_nested_transaction():
        session.info.pop(_PENDING, None)


def _commit_progress(run_id: str, **changes) -> None:
    """A long run under a worker shows its progress (and keeps its finished batches) as it goes."""
    run = db.session.get(OutcomesRun, run_id)
    for name, value in changes.items():
        setattr(run, name, value)
    if _queued():
        db.session.commit()  # unit-of-work exception (module docstring)


def execute(run_id: str) -> None:
    from caseflow.auth.models import User

    run = db.session.get(OutcomesRun, run_id)
    if run is None or run.state == RunState.DONE:
        return
    actor = db.session.get(User, run.started_by_id)
    kind, as_of, percent = run.kind, run.as_of, run.sample_percent
    total = progress.measured_count() if kind == RunKind.CLAIMS_PROPOSAL else progress.computed_count()
    if kind == RunKind.CLAIMS_PROPOSAL:
        # An area's first run creates the Outcomes Plan version it judges by: committed with the
        # run's start below, so that the run's worker processes can see it.
        outcomes_plan.current()
    _commit_progress(run_id, state=RunState.RUNNING, total=total, done=0)
    try:
        # In-process (no worker) the run is part of the caller's unit of work: a failure undoes
        # its work in the savepoint and leaves the run recorded as failed. Under a worker each
        # batch has been committed already; RQ retries the job.
        with (nullcontext() if _queued() else savepoint()):
            _work(run_id, kind, actor, as_of, percent)
    except Exception:
        logging.getLogger(__name__).exception("outcomes run %s failed", run_id)
        if _queued():
            db.session.rollback()
        _commit_progress(run_id, state=RunState.FAILED, failed=True, finished_at=utcnow())
        if _queued():
            raise
        return
    _commit_progress(run_id, state=RunState.DONE, finished_at=utcnow(), done=total)


def _work(run_id: str, kind: RunKind, actor, as_of, percent) -> None:
    def step(done):
        _commit_progress(run_id, done=done if isinstance(done, int) else sum(done.values()))

    if kind == RunKind.CLAIMS_PROPOSAL:
        # Several processes only under a worker, which commits as it goes: in-process the run
        # stays inside the caller's unit of work (module docstring).
        workers = CLAIMS_RUN_WORKERS if _queued() else 1
        measured = progress.recompute_all(as_of, on_batch=step, workers=workers)
        made = claims.propose(actor, as_of, workers=workers)
        _commit_progress(run_id, summary={"families_measured": measured, "claims_proposed": made})
    elif kind == RunKind.PROGRESS_DATA:
        csv_text, rows = returns.progress_data(actor, percent, as_of, on_batch=step)
        _commit_progress(run_id, output=csv_text, summary={"families": rows, "sample_percent": percent})
    else:
        csv_text, totals = returns.cost_savings(actor, percent, as_of, on_batch=step)
        _commit_progress(run_id, output=csv_text, summary={**totals, "sample_percent": percent})


def get(actor, run_id: str) -> OutcomesRun:
    run = db.session.get(OutcomesRun, run_id)
    if run is None:
        raise NotFound("No such run.")
    require(actor, ACTIONS[run.kind], run, object_type="outcomes_run", object_id=run.id, purpose="run progress",
            audit=False)
    return run


def output(actor, run_id: str) -> tuple[OutcomesRun, str]:
    run = get(actor, run_id)
    if not run.output:
        raise NotFound("This run has no file (yet).")
    audit.record(actor, "outcomes.run.download", "outcomes_run", run.id, purpose=run.kind,
                 categories=["education", "police", "finances_employment"], basis="payment by results")
    return run, run.output


def recent(actor, kinds) -> list[OutcomesRun]:
    return list(db.session.scalars(select(OutcomesRun).where(OutcomesRun.kind.in_(list(kinds)))
                                   .order_by(OutcomesRun.created_at.desc()).limit(10)))
