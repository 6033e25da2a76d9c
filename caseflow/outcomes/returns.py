"""The national returns: the Family Progress Data extract and the cost-saving calculation.

Both read the families measured against the Outcomes Plan (family_outcomes), a sample at a
time, and write CSV in the layout docs/outcomes.md documents, with pseudonymous identifiers
instead of names or references. The sample is chosen by the pseudonym, so the same families are
in it every time (before and after compare like with like) and nobody picks them by hand.
"""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from sqlalchemy import select

from caseflow.core import audit, timescales
from caseflow.core.access import require
from caseflow.core.database import utcnow
from caseflow.core.errors import ServiceValidationError
from caseflow.core.extensions import db
from caseflow.families.models import FamilyMember, Person, Relationship
from caseflow.outcomes import outcomes_plan, progress, rules
from caseflow.outcomes.claims import pseudonym
from caseflow.outcomes.models import FamilyOutcome, UnitCost
from caseflow.outcomes.vocab import EvidenceKind
from caseflow.socialcare.models import StatutoryStatus
from caseflow.cases.models import Case

PURPOSE = "national returns (pseudonymised)"

# Illustrative figures (pounds) until the administrator enters the area's own: a starting point,
# not a claim about anyone's costs.
DEFAULT_UNIT_COSTS = {
    EvidenceKind.OFFENCE: (2500, "incident"),
    EvidenceKind.ASB: (700, "incident"),
    EvidenceKind.DOMESTIC_ABUSE_INCIDENT: (3000, "incident"),
    EvidenceKind.EXCLUSION: (1200, "exclusion"),
    EvidenceKind.BENEFIT_CLAIM: (100, "week"),
}

FPD_COLUMNS = [
    "family_pseudonym", "plan_started_on", "as_of", "adults", "children", "problems_at_start",
    "crime_incidents_6m_before", "crime_incidents_latest_6m",
    "education_attendance_start_pct", "education_attendance_latest_pct", "exclusions_before", "exclusions_since",
    "adults_on_out_of_work_benefits_start", "adults_on_out_of_work_benefits_latest",
    "adults_in_work_start", "adults_in_work_latest",
    "child_protection_plan_start", "child_protection_plan_latest",
    "health_problem_start", "health_latest_status", "housing_problem_start", "housing_latest_status",
    "domestic_abuse_incidents_6m_before", "domestic_abuse_incidents_latest_6m",
]

COST_COLUMNS = ["family_pseudonym", "plan_started_on", "kind", "before_12m", "after_12m", "unit_cost_pounds",
                "cost_before_pounds", "cost_after_pounds", "saving_pounds"]


def in_sample(family_id: str, percent: int) -> bool:
    return int(pseudonym(family_id, "sample")[:8], 16) % 100 < percent


# --- unit costs ----------------------------------------------------------------------------------

def unit_costs() -> dict[str, UnitCost]:
    rows = {r.kind: r for r in db.session.scalars(select(UnitCost))}
    for kind, (pounds, per) in DEFAULT_UNIT_COSTS.items():
        if kind not in rows:
            rows[kind] = UnitCost(kind=kind, pounds=pounds, per=per)
            db.session.add(rows[kind])
    db.session.flush()
    return rows


def set_unit_cost(actor, kind: str, pounds) -> UnitCost:
    require(actor, "outcomes.unit_costs.edit", object_type="outcome_unit_costs", purpose="unit costs")
    costs = unit_costs()
    try:
        value = int(str(pounds).strip())
    except (TypeError, ValueError):
        raise ServiceValidationError("Enter whole pounds.", {kind: ["Enter the cost in whole pounds, for example 700"]}) from None
    if not 0 <= value <= 10_000_000:
        raise ServiceValidationError("Out of range.", {kind: ["Enter a cost from 0 to 10,000,000 pounds"]})
    if kind not in costs:
        raise ServiceValidationError("Unknown cost.", {kind: ["Not a cost in the table"]})
    costs[kind].pounds, costs[kind].updated_by_id, costs[kind].updated_at = value, actor.id, utcnow()
    db.session.flush()
    audit.record(actor, "outcomes.unit_costs.edit", "outcome_unit_costs", str(kind), purpose="unit costs")
    return costs[kind]


# --- reading the sample --------------------------------------------------------------------------

def _sampled_batches(percent: int, batch: int = progress.BATCH):
    after = None
    versions = outcomes_plan.VersionsInForce()
    while True:
        query = select(FamilyOutcome).order_by(FamilyOutcome.family_id).limit(batch)
        if after is not None:
            query = query.where(FamilyOutcome.family_id > after)
        rows = list(db.session.scalars(query))
        if not rows:
            return
        after = rows[-1].family_id
        chosen = {r.family_id: r for r in rows if in_sample(r.family_id, percent)}
        if chosen:
            yield chosen, {i.family_id: i for i in progress.gather(list(chosen), versions)}, len(rows)
        else:
            yield {}, {}, len(rows)


def _count(evidence, kinds, first: date, last: date) -> int:
    return sum(1 for e in evidence if e.kind in kinds and first <= e.start <= last)


def _mean_attendance(evidence, on: date, before: bool) -> str:
    terms = [e for e in evidence if e.kind == "attendance" and e.value is not None]
    if before:
        terms = [e for e in terms if e.start < on]
        wanted = max((rules.term_of(e.start) for e in terms), default=None)
    else:
        terms = [e for e in terms if e.start <= on]
        wanted = max((rules.term_of(e.start) for e in terms), default=None)
    picked = [e.value for e in terms if rules.term_of(e.start) == wanted]
    return f"{sum(picked) / len(picked):.1f}" if picked else ""


def _covering(evidence, kind: str, on: date) -> set[str]:
    return {e.person_id for e in evidence if e.kind == kind and e.start <= on and (e.end is None or e.end >= on)}


def _cp_plan(case_ids: list[str], on: date) -> dict[str, bool]:
    rows = db.session.execute(select(Case.family_id, StatutoryStatus.started_on, StatutoryStatus.ended_on)
                              .join(Case, Case.id == StatutoryStatus.case_id)
                              .where(StatutoryStatus.case_id.in_(case_ids),
                                     StatutoryStatus.status == "child_protection_plan"))
    return rows.all()


def _status_of(row: FamilyOutcome, codes: set[str]) -> tuple[str, str]:
    problems = [p for p in row.problems if p["code"] in codes]
    return ("1" if problems else "0"), (problems[0]["status"] if problems else "")


def progress_data(actor, percent: int, as_of: date | None = None, on_batch=None) -> tuple[str, int]:
    """The Family Progress Data extract: one row per sampled family (docs/outcomes.md)."""
    require(actor, "outcomes.returns", object_type="outcome_returns", purpose=PURPOSE, audit=False)
    if percent < 10:
        raise ServiceValidationError("Too small a sample.", {"sample_percent": ["The national return needs at least 10%"]})
    as_of = as_of or timescales.today_london()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(FPD_COLUMNS)
    seen = rows_written = 0
    for chosen, inputs, scanned in _sampled_batches(percent):
        seen += scanned
        if chosen:
            people = _household(list(chosen))
            statuses = _cp_plan([r.case_id for r in chosen.values()], as_of)
            for family_id, row in chosen.items():
                writer.writerow(_fpd_row(row, inputs.get(family_id), people.get(family_id, []), statuses, as_of))
                rows_written += 1
            audit.record_reads(actor, "outcomes.returns.progress_data", "family", list(chosen),
                               categories=["education", "police", "finances_employment", "social_care"],
                               purpose=PURPOSE, basis="payment by results")
        if on_batch:
            on_batch(seen)
    return out.getvalue(), rows_written


def _household(family_ids: list[str]) -> dict[str, list]:
    out: dict[str, list] = {}
    for chunk in progress._chunks(family_ids):
        for family_id, relationship, dob in db.session.execute(
                select(FamilyMember.family_id, FamilyMember.relationship_to_family, Person.date_of_birth)
                .join(Person, Person.id == FamilyMember.person_id).where(FamilyMember.family_id.in_(chunk))):
            out.setdefault(family_id, []).append((relationship, dob))
    return out


def _fpd_row(row: FamilyOutcome, inputs, household, cp_rows, as_of: date) -> list:
    evidence = inputs.evidence if inputs else []
    start = row.plan_started_on
    six_before, latest_from = rules.add_months(start, -6), rules.add_months(as_of, -6)
    crime = {"offence", "asb"}
    cp = [(s, e) for family_id, s, e in cp_rows if family_id == row.family_id]

    def cp_on(day):
        return "1" if any(s <= day and (e is None or e >= day) for s, e in cp) else "0"

    adults = sum(1 for rel, _ in household if rel != Relationship.CHILD)
    health_start, health_latest = _status_of(row, {"health", "substance_use"})
    housing_start, housing_latest = _status_of(row, {"secure_housing"})
    return [pseudonym(row.family_id, "fpd"), start.isoformat(), as_of.isoformat(), adults, len(household) - adults,
            ";".join(inputs.confirmed) if inputs else "",
            _count(evidence, crime, six_before, start - timedelta(days=1)), _count(evidence, crime, latest_from, as_of),
            _mean_attendance(evidence, start, True), _mean_attendance(evidence, as_of, False),
            _count(evidence, {"exclusion"}, date(1900, 1, 1), start - timedelta(days=1)),
            _count(evidence, {"exclusion"}, start, as_of),
            len(_covering(evidence, "benefit_claim", start)), len(_covering(evidence, "benefit_claim", as_of)),
            len(_covering(evidence, "employment", start)), len(_covering(evidence, "employment", as_of)),
            cp_on(start), cp_on(as_of), health_start, health_latest, housing_start, housing_latest,
            _count(evidence, {"domestic_abuse_incident"}, six_before, start - timedelta(days=1)),
            _count(evidence, {"domestic_abuse_incident"}, latest_from, as_of)]


def _benefit_weeks(evidence, first: date, last: date) -> int:
    days = sum(max(0, (min(e.end or last, last) - max(e.start, first)).days + 1)
               for e in evidence if e.kind == "benefit_claim")
    return days // 7


def cost_savings(actor, percent: int = 25, as_of: date | None = None, on_batch=None) -> tuple[str, dict]:
    """Outcomes before and after, priced with the unit-cost table, for at least 25% of the
    cohort: 12 months before the plan against the 12 months after (or up to today)."""
    require(actor, "outcomes.returns", object_type="outcome_returns", purpose=PURPOSE, audit=False)
    if percent < 25:
        raise ServiceValidationError("Too small a sample.", {"sample_percent": ["The cost-saving calculation needs at least 25%"]})
    as_of = as_of or timescales.today_london()
    costs = unit_costs()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COST_COLUMNS)
    totals = {"families": 0, "cost_before_pounds": 0, "cost_after_pounds": 0}
    seen = 0
    for chosen, inputs, scanned in _sampled_batches(percent):
        seen += scanned
        for family_id, row in chosen.items():
            evidence = inputs[family_id].evidence if family_id in inputs else []
            start = row.plan_started_on
            before = (rules.add_months(start, -12), start - timedelta(days=1))
            after = (start, min(as_of, rules.add_months(start, 12)))
            totals["families"] += 1
            for kind, cost in sorted(costs.items()):
                if kind == EvidenceKind.BENEFIT_CLAIM:
                    n_before, n_after = _benefit_weeks(evidence, *before), _benefit_weeks(evidence, *after)
                else:
                    n_before, n_after = _count(evidence, {kind}, *before), _count(evidence, {kind}, *after)
                if not (n_before or n_after):
                    continue
                c_before, c_after = n_before * cost.pounds, n_after * cost.pounds
                totals["cost_before_pounds"] += c_before
                totals["cost_after_pounds"] += c_after
                writer.writerow([pseudonym(family_id, "fpd"), start.isoformat(), kind, n_before, n_after, cost.pounds,
                                 c_before, c_after, c_before - c_after])
        if chosen:
            audit.record_reads(actor, "outcomes.returns.cost_savings", "family", list(chosen),
                               categories=["education", "police", "finances_employment"], purpose=PURPOSE,
                               basis="payment by results")
        if on_batch:
            on_batch(seen)
    totals["saving_pounds"] = totals["cost_before_pounds"] - totals["cost_after_pounds"]
    return out.getvalue(), totals
