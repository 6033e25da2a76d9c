"""The area's eligibility rules, read from the Outcomes Plan version in force: which of its
problems a family has, counted from the evidence store.

The plan already says, per problem, how it is measured and with which evidence (caseflow.outcomes
.frameworks and .rules): the attendance measure's threshold and terms, the incident kinds an
incident reduction counts, the out-of-work benefits continuous employment starts from. A family
*has* the problem when that same evidence shows it now:
- attendance: a term below the plan's threshold_pct, or an exclusion, within its last `terms`
  terms (four months a term);
- incident_reduction: an incident of one of the kinds the plan reduces, in the last 12 months
  (the plan's indicators: "in the last 12 months");
- continuous_employment: an adult on an out-of-work benefit claim on the day of the run;
- keyworker_confirmed: measured by the keyworker's record, not by partner data, so a run cannot
  count it (the run's summary says which problems those are).

Each rule is one SQL condition over outcome_evidence, so the run counts every family at once and
the evidence page shows the rows that gave a family the problem with the same condition.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, or_

from caseflow.outcomes.models import Evidence
from caseflow.outcomes.rules import ATTENDANCE, CONTINUOUS_EMPLOYMENT, INCIDENT_REDUCTION, add_months
from caseflow.outcomes.vocab import EvidenceKind

INCIDENT_WINDOW_MONTHS = 12
MONTHS_PER_TERM = 4


@dataclass(frozen=True)
class ProblemRule:
    code: str
    label: str
    condition: object        # SQL over Evidence
    kinds: tuple[str, ...]   # the evidence kinds it reads (their categories gate who sees them)
    window_from: date | None


def _attendance(outcome: dict, as_of: date):
    threshold = float(outcome.get("threshold_pct", 90))
    since = add_months(as_of, -MONTHS_PER_TERM * int(outcome.get("terms", 3)))
    condition = and_(Evidence.period_start >= since, Evidence.period_start <= as_of, or_(
        and_(Evidence.kind == EvidenceKind.ATTENDANCE, Evidence.value < threshold),
        Evidence.kind == EvidenceKind.EXCLUSION))
    return condition, (EvidenceKind.ATTENDANCE.value, EvidenceKind.EXCLUSION.value), since


def _incidents(outcome: dict, as_of: date):
    kinds = tuple(sorted(outcome.get("reductions") or {}))
    since = add_months(as_of, -INCIDENT_WINDOW_MONTHS)
    condition = and_(Evidence.kind.in_(kinds), Evidence.period_start >= since, Evidence.period_start <= as_of)
    return condition, kinds, since


def _out_of_work(outcome: dict, as_of: date):
    condition = and_(Evidence.kind == EvidenceKind.BENEFIT_CLAIM, Evidence.period_start <= as_of,
                     or_(Evidence.period_end.is_(None), Evidence.period_end >= as_of))
    return condition, (EvidenceKind.BENEFIT_CLAIM.value,), None


BY_MEASURE = {ATTENDANCE: _attendance, INCIDENT_REDUCTION: _incidents, CONTINUOUS_EMPLOYMENT: _out_of_work}


def rules(definition: dict, as_of: date) -> tuple[list[ProblemRule], list[dict]]:
    """(the problems a run counts, the problems the plan measures another way: {code, label})."""
    counted, not_counted = [], []
    for problem in definition.get("problems", []):
        outcome = problem.get("outcome") or {}
        build = BY_MEASURE.get(outcome.get("measure"))
        if build is None or (outcome.get("measure") == INCIDENT_REDUCTION and not outcome.get("reductions")):
            not_counted.append({"code": problem["code"], "label": problem.get("label", problem["code"])})
            continue
        condition, kinds, since = build(outcome, as_of)
        counted.append(ProblemRule(problem["code"], problem.get("label", problem["code"]), condition, kinds, since))
    return counted, not_counted


def concerns(definition: dict, codes) -> list[str]:
    """The front door's concerns (the six headline problems) a request from these plan problems
    carries: the plan's own map from its problems to the assessment's headline problems."""
    codes = set(codes)
    return sorted({headline for p in definition.get("problems", []) if p["code"] in codes
                   for headline in (p.get("assessment_problems") or [])})
