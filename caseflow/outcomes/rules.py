"""The outcome rules: is a family's problem met, and sustained? Pure functions, no database.

Everything that decides progress and claims is here, so one set of tests (tests/outcomes/
test_rules.py) pins every boundary. Callers pass plain evidence (`Evidence`) and the problem's
outcome definition from the Outcomes Plan version the family is judged by.

Each measure answers with the same shape: the outcome is `met` from a date (`met_since`) and
`sustained` on a date (`sustained_on`) if nothing breaks it before then. A slip inside the
sustain period breaks the run, and the period starts again from the next good point.

Measures (their thresholds are the keys of the outcome definition):
- attendance (threshold_pct, terms): every child with attendance records is at or above the
  threshold in each term, with no exclusion in it, for `terms` consecutive terms; sustained on the
  last day of the last of those terms. A term with no record for a child who has records before
  and after it is a missing term and breaks the run (the area cannot prove it).
- incident_reduction (reductions {kind: percent}, months): per kind, the incidents allowed in a
  period are the number in the `months` before the plan started, less the percentage (rounded
  down); more than that since the period began breaks it, and a new period begins the next day.
  Sustained `months` after the period began. With no incidents recorded before the plan there is
  no fall to show: not met.
- continuous_employment (weeks, window_weeks; short_weeks, short_window_weeks for claimants of
  `short_benefits`): an adult who was on an out-of-work benefit before the plan started has at
  least `weeks` weeks in work (days on an out-of-work benefit do not count) within a window of
  `window_weeks` weeks, counted from the plan's start: gaps between jobs are allowed. Sustained
  on the last day of the first such window; met while they are in work before that.
- keyworker_confirmed (months): the keyworker records the outcome met; a later record that it
  slipped breaks it. Sustained `months` after the record that began the run.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from math import floor
from typing import NamedTuple

ATTENDANCE, INCIDENT_REDUCTION, CONTINUOUS_EMPLOYMENT, KEYWORKER_CONFIRMED = (
    "attendance", "incident_reduction", "continuous_employment", "keyworker_confirmed")
NOT_MET, MET, SUSTAINED = "not_met", "met", "sustained"


class Evidence(NamedTuple):
    """One evidence row, immutable. A named tuple, not a dataclass: a county's claims run builds
    a million of them, and a tuple is several times cheaper to make."""
    person_id: str
    kind: str
    start: date                 # the day it happened, or the first day of its period
    end: date | None = None     # the last day of its period (None: still going, e.g. still in work)
    value: float | None = None  # attendance %; 1 met / 0 slipped for a keyworker's record
    code: str | None = None     # the benefit, the exclusion type, the problem a keyworker's record is about


@dataclass(frozen=True)
class Status:
    status: str
    met_since: date | None = None
    sustained_on: date | None = None  # when it was (or will be, if nothing breaks it) sustained
    reason: str = ""
    person_id: str | None = None      # continuous employment: whose

    @property
    def sustained(self) -> bool:
        return self.status == SUSTAINED


@dataclass(frozen=True)
class ProblemOutcome:
    code: str
    label: str
    measure: str
    status: Status


@dataclass(frozen=True)
class FamilyProgress:
    problems: list[ProblemOutcome] = field(default_factory=list)
    progress_sustained_on: date | None = None  # every problem met and sustained, as of this date
    employment: Status = Status(NOT_MET, reason="No adult has moved into continuous employment.")

    @property
    def all_sustained(self) -> bool:
        return bool(self.problems) and all(p.status.sustained for p in self.problems)


# --- dates ----------------------------------------------------------------------------------------

@lru_cache(maxsize=4096)
def add_months(day: date, months: int) -> date:
    """The same day `months` later (the last day of the month when that day does not exist).
    Cached: a claims run asks it of the same few hundred plan start days again and again."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def term_of(day: date) -> int:
    """The school term a day falls in, as a number that goes up by one each term: autumn
    (September to December), spring (January to March), summer (April to August)."""
    academic_year = day.year if day.month >= 9 else day.year - 1
    term = 0 if day.month >= 9 else (1 if day.month <= 3 else 2)
    return academic_year * 3 + term


def expected_term_end(term: int) -> date:
    """When a term usually ends, to say when a run of terms will be sustained."""
    academic_year, index = divmod(term, 3)
    return (date(academic_year, 12, 19), date(academic_year + 1, 3, 31), date(academic_year + 1, 7, 22))[index]


# --- attendance -----------------------------------------------------------------------------------

def attendance(evidence: list[Evidence], outcome: dict, plan_start: date, as_of: date) -> Status:
    threshold, needed = float(outcome.get("threshold_pct", 90)), int(outcome.get("terms", 3))
    records: dict[str, dict[int, Evidence]] = {}
    for e in evidence:
        if e.kind == "attendance" and e.start <= as_of and (e.end or e.start) >= plan_start:
            records.setdefault(e.person_id, {})[term_of(e.start)] = e
    if not records:
        return Status(NOT_MET, reason="No attendance recorded since the plan started.")
    exclusions = [e.start for e in evidence if e.kind == "exclusion" and plan_start <= e.start <= as_of]
    first = min(min(terms) for terms in records.values())
    last = max(max(terms) for terms in records.values())
    run: list[tuple[int, date, date]] = []  # (term, first day, last day) of the current run
    why = ""
    for term in range(first, last + 1):
        in_term = [terms.get(term) for terms in records.values() if min(terms) <= term <= max(terms)]
        present = [e for e in in_term if e is not None]
        begins = min((e.start for e in present), default=None)
        ends = max((e.end or e.start for e in present), default=None)
        if len(present) < len(in_term) or not present:
            run, why = [], "A term is missing from the attendance record."
        elif any(e.value is None or e.value < threshold for e in present):
            run, why = [], f"Attendance fell below {threshold:g}% in a term."
        elif any(begins <= day <= ends for day in exclusions):
            run, why = [], "A child was excluded during a term."
        else:
            run.append((term, begins, ends))
    if not run:
        return Status(NOT_MET, reason=why or "Attendance is below the threshold.")
    met_since = run[0][1]
    why = f"{min(len(run), needed)} of {needed} consecutive terms at or above {threshold:g}%."
    if len(run) < needed:  # sustained only on the record of every term, never on a projection
        return Status(MET, met_since, expected_term_end(run[-1][0] + needed - len(run)), why)
    sustained_on = run[needed - 1][2]
    return Status(SUSTAINED if as_of >= sustained_on else MET, met_since, sustained_on, why)


# --- incidents ------------------------------------------------------------------------------------

def incident_reduction(evidence: list[Evidence], outcome: dict, plan_start: date, as_of: date) -> Status:
    months = int(outcome.get("months", 6))
    reductions = {kind: float(pct) for kind, pct in (outcome.get("reductions") or {}).items()}
    baseline_from = add_months(plan_start, -months)
    before = {kind: sum(1 for e in evidence if e.kind == kind and baseline_from <= e.start < plan_start)
              for kind in reductions}
    if not any(before.values()):
        # No record of the problem before the plan: a fall cannot be shown from nothing (the
        # police data is missing, or the problem was identified another way).
        return Status(NOT_MET, reason=f"No incidents recorded in the {months} months before the plan to measure a fall against.")
    allowed = {kind: floor(before[kind] * (100 - reductions[kind]) / 100 + 1e-9) for kind in reductions}
    since = plan_start
    counts = dict.fromkeys(reductions, 0)
    breaks = 0
    for e in sorted((e for e in evidence if e.kind in reductions and plan_start <= e.start <= as_of),
                    key=lambda e: e.start):
        if e.start < since:  # the day a period was broken: already counted
            continue
        counts[e.kind] += 1
        if counts[e.kind] > allowed[e.kind]:
            since, counts, breaks = e.start + timedelta(days=1), dict.fromkeys(reductions, 0), breaks + 1
    if as_of < since:
        return Status(NOT_MET, reason="An incident today broke the reduction.")
    sustained_on = add_months(since, months)
    status = SUSTAINED if as_of >= sustained_on else MET
    why = "Incidents reduced as the plan requires" + (" since the last slip." if breaks else ".")
    return Status(status, since, sustained_on, why)


# --- continuous employment --------------------------------------------------------------------------

def _merge(spans: list[tuple[date, date]]) -> list[tuple[date, date]]:
    merged: list[tuple[date, date]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1] + timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _subtract(spans: list[tuple[date, date]], holes: list[tuple[date, date]]) -> list[tuple[date, date]]:
    out = []
    for start, end in spans:
        pieces = [(start, end)]
        for h_start, h_end in holes:
            next_pieces = []
            for p_start, p_end in pieces:
                if h_end < p_start or h_start > p_end:
                    next_pieces.append((p_start, p_end))
                    continue
                if p_start < h_start:
                    next_pieces.append((p_start, h_start - timedelta(days=1)))
                if h_end < p_end:
                    next_pieces.append((h_end + timedelta(days=1), p_end))
            pieces = next_pieces
        out.extend(pieces)
    return out


def _days_in(spans, first: date, last: date) -> int:
    return sum(max(0, (min(end, last) - max(start, first)).days + 1) for start, end in spans)


def _first_window_end(spans, needed_days: int, window_days: int) -> date | None:
    """The first day D such that the spans cover `needed_days` of the window ending on D. Inside
    a span the count only goes up as D moves on, so search each span's days by halving."""
    for start, end in spans:
        def enough(day):
            return _days_in(spans, day - timedelta(days=window_days - 1), day) >= needed_days
        if not enough(end):
            continue
        low, high = start, end
        while low < high:
            middle = low + (high - low) // 2
            if enough(middle):
                high = middle
            else:
                low = middle + timedelta(days=1)
        return low
    return None


FAR_FUTURE = date(9999, 12, 31)


def continuous_employment_of(evidence: list[Evidence], rules: dict, plan_start: date, as_of: date,
                             person_id: str) -> Status:
    mine = [e for e in evidence if e.person_id == person_id]
    claims = [e for e in mine if e.kind == "benefit_claim"]
    before = [e for e in claims if e.start < plan_start]
    if not before:
        return Status(NOT_MET, reason="No out-of-work benefit claim before the plan started.", person_id=person_id)
    latest_benefit = max(before, key=lambda e: e.start).code or ""
    short = latest_benefit in set(rules.get("short_benefits") or [])
    weeks = int(rules["short_weeks"] if short else rules.get("weeks", 26))
    window = int(rules["short_window_weeks"] if short else rules.get("window_weeks", 30))
    on_benefit = [(max(e.start, plan_start), e.end or FAR_FUTURE) for e in claims if (e.end or FAR_FUTURE) >= plan_start]

    def worked(until: date):
        spans = [(max(e.start, plan_start), min(e.end or until, until)) for e in mine
                 if e.kind == "employment" and e.start <= until and (e.end or until) >= plan_start]
        return _merge(_subtract(_merge([s for s in spans if s[0] <= s[1]]), _merge(on_benefit)))

    label = f"{weeks} of {window} weeks"
    done_on = _first_window_end(worked(as_of), weeks * 7, window * 7)
    if done_on is not None:
        return Status(SUSTAINED, None, done_on, f"In work for {label}.", person_id)
    now_in_work = any(e.kind == "employment" and e.start <= as_of and (e.end is None or e.end >= as_of)
                      for e in mine)
    if not now_in_work or any(s <= as_of <= e for s, e in on_benefit):
        return Status(NOT_MET, reason=f"Not yet in work for {label}.", person_id=person_id)
    spans = worked(as_of)
    # If the current job carries on, when will the window first hold enough weeks?
    projected = _first_window_end(_merge(spans + [(as_of, as_of + timedelta(days=window * 7))]), weeks * 7, window * 7)
    met_since = next((s for s, e in reversed(spans) if s <= as_of <= e), as_of)
    return Status(MET, met_since, projected, f"In work: continuous employment is {label}.", person_id)


def continuous_employment(evidence: list[Evidence], rules: dict, plan_start: date, as_of: date) -> Status:
    """The family's best: the adult who reached continuous employment first, or is closest."""
    people = sorted({e.person_id for e in evidence if e.kind in ("employment", "benefit_claim")})
    results = [continuous_employment_of(evidence, rules, plan_start, as_of, p) for p in people]
    rank = {SUSTAINED: 0, MET: 1, NOT_MET: 2}
    if not results:
        return Status(NOT_MET, reason="No employment or benefit records.")
    return min(results, key=lambda s: (rank[s.status], s.sustained_on or FAR_FUTURE, s.person_id or ""))


# --- the keyworker's record -----------------------------------------------------------------------

def keyworker_confirmed(evidence: list[Evidence], outcome: dict, plan_start: date, as_of: date,
                        problem: str) -> Status:
    months = int(outcome.get("months", 6))
    records = sorted((e for e in evidence if e.kind == "keyworker_outcome" and e.code == problem
                      and plan_start <= e.start <= as_of), key=lambda e: e.start)
    since = None
    for e in records:
        if e.value and e.value > 0:
            since = since or e.start
        else:
            since = None
    if since is None:
        return Status(NOT_MET, reason="The keyworker has not recorded this outcome met." if not records
                      else "The keyworker recorded that it slipped.")
    sustained_on = add_months(since, months)
    return Status(SUSTAINED if as_of >= sustained_on else MET, since, sustained_on,
                  "Recorded met by the keyworker.")


# --- the family -----------------------------------------------------------------------------------

def family_problems(definition: dict, confirmed: list[str]) -> list[dict]:
    """The plan's problems a family has: those its assessment confirmed (by the problem's own
    code, or one of the assessment codes the plan maps to it)."""
    confirmed = set(confirmed or [])
    return [p for p in definition.get("problems", [])
            if p["code"] in confirmed or confirmed & set(p.get("assessment_problems") or [])]


def _employment_thresholds(rules: dict) -> tuple:
    """What continuous_employment_of reads from its rules: equal thresholds, equal answers."""
    return tuple(repr(rules.get(key)) for key in ("weeks", "window_weeks", "short_weeks", "short_window_weeks",
                                                  "short_benefits"))


def problem_status(problem: dict, definition: dict, evidence: list[Evidence], plan_start: date, as_of: date,
                   employment: Status | None = None) -> Status:
    """`employment`: the family's continuous employment under the plan's own thresholds, if
    already worked out (a problem measured by it with the same thresholds has the same answer)."""
    outcome = problem.get("outcome") or {}
    measure = outcome.get("measure")
    if measure == ATTENDANCE:
        return attendance(evidence, outcome, plan_start, as_of)
    if measure == INCIDENT_REDUCTION:
        return incident_reduction(evidence, outcome, plan_start, as_of)
    if measure == CONTINUOUS_EMPLOYMENT:
        general = definition.get("continuous_employment") or {}
        merged = {**general, **outcome}
        if employment is not None and _employment_thresholds(merged) == _employment_thresholds(general):
            return employment
        return continuous_employment(evidence, merged, plan_start, as_of)
    if measure == KEYWORKER_CONFIRMED:
        return keyworker_confirmed(evidence, outcome, plan_start, as_of, problem["code"])
    return Status(NOT_MET, reason=f"The plan does not say how to measure this ({measure}).")


def family_progress(definition: dict, confirmed: list[str], evidence: list[Evidence], plan_start: date,
                    as_of: date) -> FamilyProgress:
    employment = continuous_employment(evidence, definition.get("continuous_employment") or {}, plan_start, as_of)
    problems = [ProblemOutcome(p["code"], p.get("label", p["code"]), (p.get("outcome") or {}).get("measure", ""),
                               problem_status(p, definition, evidence, plan_start, as_of, employment))
                for p in family_problems(definition, confirmed)]
    sustained_on = None
    if problems and all(p.status.sustained for p in problems):
        sustained_on = max(p.status.sustained_on for p in problems)
    return FamilyProgress(problems, sustained_on, employment)
