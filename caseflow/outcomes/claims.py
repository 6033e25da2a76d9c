"""Payment-by-results claims: proposed by a claims run, validated or rejected by an analyst (with
a reason), approved by a team manager, submitted in the month's batch with a CSV for the funder,
then marked paid.

A family is claimed once per result. The service refuses a second claim, and the database
enforces it too (a partial unique index over claims that are not rejected), so two runs racing
cannot both win. A claim keeps the plan version it was made under and a snapshot of what it
rests on (each problem's status and the evidence), taken again for good when it is submitted,
so an auditor's dip sample sees it exactly as it was sent, whatever changed later.
"""
from __future__ import annotations

import csv
import hashlib
import hmac
import io
import secrets
from datetime import date
from functools import partial

from flask import current_app
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from caseflow.core import audit, parallel, timescales
from caseflow.core.access import require
from caseflow.core.database import new_id, utcnow
from caseflow.core.errors import Conflict, NotFound, ServiceValidationError, StaleVersion, load
from caseflow.core.extensions import db
from caseflow.core.unit_of_work import savepoint
from caseflow.outcomes import outcomes_plan, progress
from caseflow.outcomes.models import Claim, ClaimBatch, FamilyOutcome, OutcomesPlanVersion
from caseflow.outcomes.schemas import ClaimActionSchema, PaidSchema, RejectSchema, SubmitSchema
from caseflow.outcomes.vocab import CLAIM_RESULTS, EVIDENCE_CATEGORY, ClaimResult, ClaimState

CATEGORIES = ["identity", "education", "police", "finances_employment", "plan"]
PURPOSE = "payment by results claim"


# As families.services' references: no vowels or look-alike characters (read out over the phone).
REFERENCE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ23456789"


def claim_reference() -> str:
    """CLM-XXX-XXX-XXX: nine characters, not the six of a case reference: a county's first claims
    run makes a hundred thousand at once, and six would collide (tests/outcomes, bench/outcomes.py)."""
    body = ""
    while len(body) < 9:  # unbiased: bytes past the last whole multiple of the alphabet are dropped
        limit = 256 - 256 % len(REFERENCE_ALPHABET)
        body += "".join(REFERENCE_ALPHABET[b % len(REFERENCE_ALPHABET)] for b in secrets.token_bytes(12) if b < limit)
    body = body[:9]
    return f"CLM-{body[:3]}-{body[3:6]}-{body[6:]}"


def pseudonym(family_id: str, purpose: str = "claims") -> str:
    """A stable pseudonymous identifier for returns: the same family, the same id, every month;
    not reversible without the service's secret key."""
    key = current_app.extensions["caseflow.settings"].secret_key.encode()
    return hmac.new(key, f"{purpose}:{family_id}".encode(), hashlib.sha256).hexdigest()[:16].upper()


# --- what a claim rests on ------------------------------------------------------------------------

def _evidence_dict(e) -> dict:
    return {"person_id": e.person_id, "kind": e.kind, "period_start": e.start.isoformat(),
            "period_end": e.end.isoformat() if e.end else None, "value": e.value, "code": e.code}


def _snapshot(outcome: FamilyOutcome, inputs: progress.FamilyInputs | None, version: OutcomesPlanVersion,
              result: str, as_of: date, recompute: bool = True) -> dict:
    """The plan version's definition, the status of each problem, the evidence, as of `as_of`.
    `recompute=False` takes the statuses from the family's progress just computed for `as_of`
    under the same version (the claims run); otherwise they are computed again under `version`,
    the version the claim was made under (submission)."""
    family = None
    if recompute and inputs is not None:
        family = progress.rules.family_progress(version.definition, inputs.confirmed, inputs.evidence,
                                                inputs.plan_started_on, as_of)
    if family is not None:
        problems = [{"code": p.code, "label": p.label, "measure": p.measure, "status": p.status.status,
                     "met_since": p.status.met_since.isoformat() if p.status.met_since else None,
                     "sustained_on": p.status.sustained_on.isoformat() if p.status.sustained_on else None,
                     "reason": p.status.reason} for p in family.problems]
        employment = {"status": family.employment.status, "person_id": family.employment.person_id,
                      "sustained_on": family.employment.sustained_on.isoformat() if family.employment.sustained_on else None}
    else:
        problems = outcome.problems
        employment = {"status": outcome.employment_status, "person_id": outcome.employment_person_id,
                      "sustained_on": outcome.employment_sustained_on.isoformat() if outcome.employment_sustained_on else None}
    evidence = {} if inputs is None else {"evidence": sorted(
        (_evidence_dict(e) for e in inputs.evidence), key=lambda e: (e["kind"], e["period_start"], e["person_id"]))}
    return {"as_of": as_of.isoformat(), "result": result,
            # The definition is copied in for good at submission; until then the version (never
            # changed once saved) is named, which keeps a county's first claims run small.
            "plan_version": {"id": version.id, "number": version.number, "framework": version.framework,
                             **({"definition": version.definition} if recompute else {})},
            "plan_started_on": outcome.plan_started_on.isoformat(),
            "problems": problems, "employment": employment, **evidence}


def fresh_snapshot(claim: Claim, as_of: date | None = None) -> dict:
    """The claim's snapshot taken now, under the version it was made under, with the evidence:
    when an analyst validates it, and for good when it is submitted. (The claims run proposes
    from the statuses it has just computed; the evidence is read when someone looks.)"""
    as_of = as_of or timescales.today_london()
    outcome = db.session.get(FamilyOutcome, claim.family_id)
    if outcome is None:
        return claim.snapshot
    inputs = progress.gather([claim.family_id], outcomes_plan.VersionsInForce())
    return _snapshot(outcome, inputs[0] if inputs else None, outcomes_plan.get(claim.plan_version_id), claim.result,
                     as_of)


def _live_claim(family_id, result):
    return exists().where(Claim.family_id == family_id, Claim.result == result, Claim.state != ClaimState.REJECTED)


def already_claimed(family_id: str, result: str) -> bool:
    return bool(db.session.execute(select(_live_claim(family_id, result))).scalar())


def _new_claim(actor, outcome: FamilyOutcome, result: str, achieved_on: date, snapshot: dict) -> Claim:
    claim = Claim(reference=claim_reference(), family_id=outcome.family_id, case_id=outcome.case_id,
                  result=result, plan_version_id=outcome.plan_version_id, achieved_on=achieved_on,
                  snapshot=snapshot, proposed_by_id=getattr(actor, "id", None))
    db.session.add(claim)
    return claim


# --- proposing -----------------------------------------------------------------------------------

def _achieved(outcome: FamilyOutcome, result: str) -> date | None:
    return outcome.progress_sustained_on if result == ClaimResult.SUSTAINED_PROGRESS else outcome.employment_sustained_on


_CLAIM_COLUMNS = ("id", "reference", "family_id", "case_id", "result", "state", "plan_version_id", "achieved_on",
                  "snapshot", "proposed_at", "proposed_by_id", "version")


def _insert_claims(rows: list[dict]) -> None:
    """New claims, in the session's transaction: COPY on PostgreSQL (a county's first run
    proposes a hundred thousand, and COPY is several times cheaper a row than even a pipelined
    executemany, for this process and the database), Core executemany elsewhere. The snapshot is
    encrypted by its column type either way."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        db.session.execute(Claim.__table__.insert(), rows)
        return
    snapshot = Claim.__table__.c.snapshot.type
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY outcome_claims ({', '.join(_CLAIM_COLUMNS)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([snapshot.process_bind_param(row[c], connection.dialect) if c == "snapshot" else row[c]
                            for c in _CLAIM_COLUMNS])


# Each claims run's proposing arguments, by run, for its parts (which a forked worker inherits).
_RUNS: dict[str, tuple] = {}


def _propose_part(run: str, bounds: tuple[str | None, str | None]) -> dict:
    """Claims for the families with ids in (after, last]: at most a batch of them."""
    actor, as_of, versions, commit = _RUNS[run]
    if commit:
        parallel.in_worker_transaction()
    made = {}
    for result, column in ((ClaimResult.SUSTAINED_PROGRESS, FamilyOutcome.progress_sustained_on),
                           (ClaimResult.CONTINUOUS_EMPLOYMENT, FamilyOutcome.employment_sustained_on)):
        # Plain rows, not ORM objects: a county's first run proposes a hundred thousand, and
        # nothing here changes the progress rows.
        candidates = db.session.execute(
            select(*FamilyOutcome.__table__.c).where(progress._between(FamilyOutcome.family_id, *bounds),
                                                     column.is_not(None), column <= as_of,
                                                     ~_live_claim(FamilyOutcome.family_id, result))
            .order_by(FamilyOutcome.family_id)).all()
        made[result.value] = len(candidates)
        if not candidates:
            continue
        now = utcnow()
        _insert_claims([
            {"id": new_id(), "reference": claim_reference(), "family_id": outcome.family_id,
             "case_id": outcome.case_id, "result": result.value, "state": ClaimState.PROPOSED.value,
             "plan_version_id": outcome.plan_version_id, "achieved_on": _achieved(outcome, result),
             "snapshot": _snapshot(outcome, None, versions[outcome.plan_version_id], result, as_of,
                                   recompute=False),
             "proposed_at": now, "proposed_by_id": getattr(actor, "id", None), "version": 1}
            for outcome in candidates])
        audit.record_reads(actor, "outcomes.claim.propose", "outcome_claim", [c.family_id for c in candidates],
                           categories=CATEGORIES, purpose=PURPOSE, basis="payment by results")
    if commit:
        db.session.commit()  # a worker's own transaction: see caseflow.core.parallel
    return made


def propose(actor, as_of: date | None = None, batch: int = progress.BATCH, on_batch=None, workers: int = 1) -> dict:
    """The claims run's second half: a claim for every family whose progress (already computed)
    is met and sustained, or with an adult in continuous employment, not claimed before for that
    result. Candidates are found in SQL, a range of family ids at a time; only they are loaded.

    `workers` > 1 (a queued claims run, on PostgreSQL): the ranges are shared among forked
    worker processes, each committing its own (caseflow.core.parallel); the caller must have
    committed the progress they propose from."""
    require(actor, "outcomes.claims.run", object_type="outcome_claims", purpose=PURPOSE, audit=False)
    as_of = as_of or timescales.today_london()
    versions = {v.id: v for v in outcomes_plan.versions()}
    ranges = progress.id_ranges(select(FamilyOutcome.family_id.label("id")), batch)
    workers = parallel.usable_workers(workers)
    run = new_id()
    _RUNS[run] = (actor, as_of, versions, workers > 1)
    made = {r.value: 0 for r in ClaimResult}
    try:
        for part in parallel.run_parts(partial(_propose_part, run), ranges, workers):
            for result, count in part.items():
                made[result] += count
            if on_batch:
                on_batch(made)
    finally:
        del _RUNS[run]
    return made


def claim_family(actor, family_id: str, result: str, as_of: date | None = None) -> Claim:
    """Propose one family's claim now (the run does it for every family): refused if the result
    is not achieved, or the family has been claimed for it already."""
    require(actor, "outcomes.claims.run", object_type="family", object_id=family_id, family_id=family_id,
            purpose=PURPOSE)
    result = ClaimResult(result)
    as_of = as_of or timescales.today_london()
    progress.recompute([family_id], as_of)
    outcome = db.session.get(FamilyOutcome, family_id)
    achieved_on = _achieved(outcome, result) if outcome else None
    if achieved_on is None or achieved_on > as_of:
        raise Conflict(f"This family has not achieved {CLAIM_RESULTS[result].lower()}.")
    if already_claimed(family_id, result):
        raise Conflict(f"This family has already been claimed for {CLAIM_RESULTS[result].lower()}.")
    inputs = progress.gather([family_id], outcomes_plan.VersionsInForce())
    version = outcomes_plan.get(outcome.plan_version_id)
    try:
        with savepoint():
            claim = _new_claim(actor, outcome, result, achieved_on,
                               _snapshot(outcome, inputs[0] if inputs else None, version, result, as_of))
            db.session.flush()
    except IntegrityError:  # a concurrent run claimed it first: the database keeps one
        raise Conflict(f"This family has already been claimed for {CLAIM_RESULTS[result].lower()}.") from None
    audit.record(actor, "outcomes.claim.propose", "outcome_claim", claim.id, family_id=family_id,
                 categories=CATEGORIES, purpose=PURPOSE)
    return claim


# --- the workflow --------------------------------------------------------------------------------

def load_claim(actor, claim_id: str, action: str = "outcomes.claims.view", purpose: str = PURPOSE,
               lock: bool = False) -> Claim:
    query = select(Claim).where(Claim.id == claim_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    claim = db.session.scalar(query)
    if claim is None:
        raise NotFound("No claim with that id.")
    require(actor, action, claim, object_type="outcome_claim", object_id=claim.id, family_id=claim.family_id,
            purpose=purpose)
    return claim


def claim_page(actor, claim_id: str) -> tuple[Claim, object]:
    """A claim and the family it is for (the review page names the family to the analyst)."""
    from caseflow.families.models import Family

    claim = load_claim(actor, claim_id)
    return claim, db.session.get(Family, claim.family_id)


def shown_snapshot(claim: Claim) -> dict:
    """What the review page shows: the frozen snapshot once it holds the evidence (validated or
    submitted), otherwise the evidence as it stands now."""
    snapshot = claim.snapshot or {}
    if "evidence" in snapshot or claim.state in (ClaimState.SUBMITTED, ClaimState.PAID):
        return snapshot
    return fresh_snapshot(claim)


def _acting_on(actor, claim_id: str, action: str, schema, raw: dict, allowed_from: set) -> tuple[Claim, dict]:
    claim = load_claim(actor, claim_id, action, lock=True)  # the policy first, then the body
    data = load(schema, raw)
    if data["version"] != claim.version:
        raise StaleVersion("Someone else acted on this claim since you opened it: reload it.")
    if claim.state not in allowed_from:
        raise Conflict(f"This claim is {claim.state.replace('_', ' ')}: it cannot be {action.rsplit('.', 1)[1]}d now.")
    return claim, data


def _audit(actor, claim: Claim, action: str) -> None:
    audit.record(actor, action, "outcome_claim", claim.id, family_id=claim.family_id, categories=CATEGORIES,
                 purpose=PURPOSE, basis="payment by results")


def validate_claim(actor, claim_id: str, raw: dict) -> Claim:
    claim, _ = _acting_on(actor, claim_id, "outcomes.claim.validate", ClaimActionSchema, raw, {ClaimState.PROPOSED})
    claim.state, claim.validated_by_id, claim.validated_at = ClaimState.IN_REVIEW, actor.id, utcnow()
    claim.snapshot = fresh_snapshot(claim)  # what the analyst validated
    db.session.flush()
    _audit(actor, claim, "outcomes.claim.validate")
    return claim


def reject_claim(actor, claim_id: str, raw: dict) -> Claim:
    claim, data = _acting_on(actor, claim_id, "outcomes.claim.reject", RejectSchema, raw,
                             {ClaimState.PROPOSED, ClaimState.IN_REVIEW, ClaimState.APPROVED})
    claim.state, claim.rejected_by_id, claim.rejected_at = ClaimState.REJECTED, actor.id, utcnow()
    claim.rejection_reason = data["reason"].strip()
    db.session.flush()
    _audit(actor, claim, "outcomes.claim.reject")
    return claim


def approve_claim(actor, claim_id: str, raw: dict) -> Claim:
    claim, _ = _acting_on(actor, claim_id, "outcomes.claim.approve", ClaimActionSchema, raw, {ClaimState.IN_REVIEW})
    claim.state, claim.approved_by_id, claim.approved_at = ClaimState.APPROVED, actor.id, utcnow()
    db.session.flush()
    _audit(actor, claim, "outcomes.claim.approve")
    return claim


def mark_paid(actor, claim_id: str, raw: dict) -> Claim:
    claim, data = _acting_on(actor, claim_id, "outcomes.claim.paid", PaidSchema, raw, {ClaimState.SUBMITTED})
    claim.state, claim.paid_on, claim.paid_recorded_by_id = ClaimState.PAID, data["paid_on"], actor.id
    db.session.flush()
    _audit(actor, claim, "outcomes.claim.paid")
    return claim


def submit_month(actor, raw: dict) -> ClaimBatch:
    """The month's batch: every approved claim, each snapshot taken again for good (under the
    plan version the claim was made under), and the funder's CSV made from those snapshots."""
    require(actor, "outcomes.claims.submit", object_type="outcome_claims", purpose=PURPOSE, audit=False)
    month = load(SubmitSchema, raw)["month"]
    if db.session.scalar(select(ClaimBatch.id).where(ClaimBatch.month == month)):
        raise Conflict(f"The claims for {month} have been submitted already.")
    claims = list(db.session.scalars(select(Claim).where(Claim.state == ClaimState.APPROVED)
                                     .order_by(Claim.approved_at).with_for_update()))
    if not claims:
        raise ServiceValidationError("There are no approved claims to submit.", {"_form": ["There are no approved claims to submit"]})
    batch = ClaimBatch(month=month, submitted_by_id=actor.id, claims=len(claims))
    db.session.add(batch)
    db.session.flush()
    today = timescales.today_london()
    now = utcnow()
    for claim in claims:
        claim.snapshot = fresh_snapshot(claim, today)
        claim.state, claim.batch_id, claim.submitted_at = ClaimState.SUBMITTED, batch.id, now
    db.session.flush()
    for claim in claims:
        _audit(actor, claim, "outcomes.claim.submit")
    return batch


FUNDER_COLUMNS = ["claim_reference", "family_pseudonym", "result", "achieved_on", "plan_version", "framework",
                  "problems", "validated_on", "approved_on", "submitted_on"]


def batch_csv(actor, batch_id: str) -> tuple[ClaimBatch, str]:
    """The funder's CSV (docs/outcomes.md): one row per claim, the family under a pseudonym."""
    require(actor, "outcomes.claims.view", object_type="outcome_claim_batch", object_id=batch_id, purpose=PURPOSE,
            audit=False)
    batch = db.session.get(ClaimBatch, batch_id)
    if batch is None:
        raise NotFound("No such batch.")
    claims = list(db.session.scalars(select(Claim).where(Claim.batch_id == batch.id).order_by(Claim.reference)))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(FUNDER_COLUMNS)
    for claim in claims:
        snap = claim.snapshot or {}
        problems = ";".join(f"{p['code']}={p['status']}" for p in snap.get("problems", []))
        writer.writerow([claim.reference, pseudonym(claim.family_id), claim.result, claim.achieved_on.isoformat(),
                         snap.get("plan_version", {}).get("number", ""), snap.get("plan_version", {}).get("framework", ""),
                         problems, _day(claim.validated_at), _day(claim.approved_at), _day(claim.submitted_at)])
    audit.record_reads(actor, "outcomes.claims.batch_csv", "outcome_claim_batch", [c.family_id for c in claims],
                       object_id=batch.id, categories=["identity"], purpose="claims submission to the funder")
    return batch, out.getvalue()


def _day(moment) -> str:
    return timescales.to_london(moment).date().isoformat() if moment else ""


def batches() -> list[ClaimBatch]:
    return list(db.session.scalars(select(ClaimBatch).order_by(ClaimBatch.month.desc()).limit(24)))


def list_claims(actor, state: str | None, page: int = 1, per_page: int = 50) -> dict:
    """The claims workflow's list (one read per family shown, audited)."""
    from caseflow.api.kit import paginate

    require(actor, "outcomes.claims.view", object_type="outcome_claims", purpose=PURPOSE, audit=False)
    query = select(Claim).order_by(Claim.proposed_at.desc(), Claim.id)
    if state:
        query = query.where(Claim.state == state)
    listed = paginate(query, page, per_page, lambda c: c)
    audit.record_reads(actor, "outcomes.claims.list", "outcome_claim", [c.family_id for c in listed["items"]],
                       categories=["identity"], purpose=PURPOSE, basis="payment by results")
    return listed


def shown_evidence(snapshot: dict) -> list[dict]:
    """The snapshot's evidence, with the category of each (the review page groups by problem)."""
    return [{**e, "category": EVIDENCE_CATEGORY.get(e["kind"], "")} for e in snapshot.get("evidence", [])]
