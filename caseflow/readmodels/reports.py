"""The dashboards a service lead runs the service from: demand, timeliness, workload, flows and
outcomes, each a list of tables (a chart draws a table; the CSV and XLSX downloads are the same
table). Every count is a GROUP BY over the cases the user's figures may count
(policy.rules.report_case_clause and friends, the one access policy), filtered by period, team
and organisation. A dashboard read is audited as a report read (counts only, no family named).

Localities: CaseFlow has no locality record yet, so the team holding a case (and the
organisation the team belongs to) stands in for it.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from statistics import median

from flask import current_app
from sqlalchemy import and_, func, select

from caseflow.auth.models import Organisation, Team, User
from caseflow.cases.models import Case, CaseTransition
from caseflow.core import audit, timescales
from caseflow.core.access import can, require
from caseflow.core.extensions import db
from caseflow.core.roles import ORG_TYPE_LABELS, Role
from caseflow.core.stages import CLOSED_STAGES, STAGE_LABELS, Stage
from caseflow.core.vocab import ClosureReason
from caseflow.frontdoor.models import RequestForHelp, Source
from caseflow.outcomes.vocab import CLAIM_RESULTS, CLAIM_STATES, ClaimResult, ClaimState
from caseflow.plans.overdue import HELD
from caseflow.plans.vocab import CLOSURE_REASONS
from caseflow.policy.rules import (report_case_clause, report_daily_clause, report_open_cases_clause,
                                   report_overdue_notifications_clause)
from caseflow.readmodels.models import DailyCount
from caseflow.readmodels.report_aggregates import TIME_OPEN_BANDS, WorkingDays, last_refresh, milestone_columns

DASHBOARDS = {
    "demand": "Demand",
    "timeliness": "Timeliness",
    "workload": "Workload",
    "flows": "Flows between early help and social care",
    "outcomes": "Outcomes",
}
SOURCE_LABELS = {Source.PROFESSIONAL: "Professional (web form)", Source.SELF_REFERRAL: "Self-referral",
                 Source.PARTNER_SYSTEM: "Partner system (API)"}
CLOSURE_LABELS = {**CLOSURE_REASONS, ClosureReason.SIGNPOSTED: "Signposted at the door"}
COUNT, NUMBER, TEXT = "count", "number", "text"
# Summed from the daily aggregates (readmodels.report_aggregates); workload's open cases are the
# refresh's snapshot of them and of the notifications past their deadline.
AGGREGATED = frozenset({"demand", "timeliness", "workload", "flows", "outcomes"})


@dataclass
class Column:
    label: str
    kind: str = COUNT  # counts are what small-number suppression hides in downloads


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[list]
    note: str  # "how this is counted"
    chart: bool = True  # a bar chart of the first numeric column by the first column
    links: list[str | None] | None = None  # per row, a case to open (managers only)

    def total(self, column: int = 1) -> int:
        return sum(r[column] or 0 for r in self.rows)


@dataclass
class Filters:
    start: date
    end: date  # inclusive
    team_id: str | None = None
    organisation_id: str | None = None

    @classmethod
    def default(cls) -> "Filters":
        today = timescales.today_london()
        first = today.replace(day=1)
        for _ in range(11):
            first = (first - timedelta(days=1)).replace(day=1)
        return cls(start=first, end=today)

    @property
    def since(self) -> datetime:
        return datetime(self.start.year, self.start.month, self.start.day, tzinfo=timescales.LONDON)

    @property
    def until(self) -> datetime:  # exclusive
        after = self.end + timedelta(days=1)
        return datetime(after.year, after.month, after.day, tzinfo=timescales.LONDON)

    def as_args(self) -> dict:
        args = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        if self.team_id:
            args["team"] = self.team_id
        if self.organisation_id:
            args["organisation"] = self.organisation_id
        return args


@dataclass
class Dashboard:
    key: str
    title: str
    filters: Filters
    tables: list[Table]
    computed_at: datetime | None  # when counted (live) or when the daily aggregates were refreshed
    headline: list[tuple[str, object]] = field(default_factory=list)

    @property
    def from_aggregates(self) -> bool:
        return self.key in AGGREGATED

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


# --- scope and filters ---------------------------------------------------------------------------

def _case_filters(user, f: Filters) -> list:
    clauses = [report_case_clause(user)]
    if f.team_id:
        clauses.append(Case.team_id == f.team_id)
    if f.organisation_id:
        clauses.append(Case.team_id.in_(select(Team.id).where(Team.organisation_id == f.organisation_id)))
    return clauses


def _in_period(column, f: Filters):
    return and_(column >= f.since, column < f.until)


def _months_in(f: Filters) -> list[str]:
    out, month = [], f.start.replace(day=1)
    while month <= f.end:
        out.append(month.strftime("%Y-%m"))
        month = (month + timedelta(days=32)).replace(day=1)
    return out


def team_choices(user) -> list[tuple[str, str]]:
    """The teams a user may filter by: a team manager's own team; everyone else every team."""
    query = select(Team.id, Team.name).order_by(Team.name)
    if user.role == Role.TEAM_MANAGER and user.team_id:
        query = query.where(Team.id == user.team_id)
    return [(i, n) for i, n in db.session.execute(query)]


def organisation_choices(user) -> list[tuple[str, str]]:
    query = select(Organisation.id, Organisation.name).order_by(Organisation.name)
    if user.role in {Role.PARTNER, Role.PARTNER_SYSTEM}:
        query = query.where(Organisation.id == user.organisation_id)
    return [(i, n) for i, n in db.session.execute(query)]


def _authorise(user, key: str, f: Filters) -> None:
    require(user, "reports.dashboard", key, object_type="report", object_id=key,
            purpose=f"{key} dashboard {f.start.isoformat()} to {f.end.isoformat()}")


# --- demand --------------------------------------------------------------------------------------

def _daily_clauses(user, f: Filters, measure: str | tuple[str, ...], requests: bool = False) -> list:
    """The daily aggregates of one measure (or several) in the period, scoped by the policy,
    filtered by team and organisation (for requests, the requesting organisation; otherwise the
    organisation the team belongs to)."""
    clauses = [DailyCount.measure == measure if isinstance(measure, str) else DailyCount.measure.in_(measure),
               DailyCount.day >= f.start.replace(day=1), DailyCount.day <= f.end,  # kept by month (its first day)
               report_daily_clause(user, DailyCount.team_id, DailyCount.organisation_id)]
    if f.team_id:
        clauses.append(DailyCount.team_id == f.team_id)
    if f.organisation_id:
        clauses.append(DailyCount.organisation_id == f.organisation_id if requests else
                       DailyCount.team_id.in_(select(Team.id).where(Team.organisation_id == f.organisation_id)))
    return clauses


def _daily(user, f: Filters, measure: str | tuple[str, ...], *columns, requests: bool = False):
    """SELECT columns, SUM(n) over _daily_clauses, grouped by the columns."""
    query = select(*columns, func.sum(DailyCount.n)).select_from(DailyCount).where(
        *_daily_clauses(user, f, measure, requests))
    if any(getattr(c, "table", None) is Organisation.__table__ for c in columns):
        query = query.outerjoin(Organisation, Organisation.id == DailyCount.organisation_id)
    return db.session.execute(query.group_by(*columns) if columns else query).all()


def _by_month(rows) -> Counter:
    months: Counter = Counter()
    for day, *rest, n in rows:
        day = date.fromisoformat(day) if isinstance(day, str) else day
        months[(day.strftime("%Y-%m"), *rest)] += n
    return months


def demand(user, f: Filters) -> Dashboard:
    _authorise(user, "demand", f)
    by_route = {k: int(n) for k, n in _daily(user, f, "request.route", DailyCount.category, requests=True)}
    by_agency = {k: int(n) for k, n in _daily(user, f, "request.route", Organisation.type, requests=True)}
    months = {m: n for (m,), n in _by_month(_daily(user, f, "request.route", DailyCount.day, requests=True)).items()}
    re_referrals = int(_daily(user, f, "request.re_referral", requests=True)[0][0] or 0)
    signposted = int(_daily(user, f, "request.signposted", requests=True)[0][0] or 0)
    total = sum(by_route.values())

    settings = current_app.extensions["caseflow.settings"]
    tables = [
        Table("by_route", "Requests for help by route", [Column("Route", TEXT), Column("Requests")],
              [[SOURCE_LABELS[s], by_route.get(s, 0)] for s in Source],
              "Each request for help received in the period, by how it reached the front door. "
              "Data identification (analysts matching partner datasets) is not yet a route CaseFlow records."),
        Table("by_source", "Requests for help by referring agency",
              [Column("Referring agency", TEXT), Column("Requests")],
              [[ORG_TYPE_LABELS.get(k, "Family or not recorded"), n]
               for k, n in sorted(by_agency.items(), key=lambda kv: (-kv[1], str(kv[0])))],
              "Each request received in the period, by the type of organisation that made it; "
              "self-referrals and requests naming no organisation count as 'family or not recorded'."),
        Table("by_month", "Requests for help per month", [Column("Month", TEXT), Column("Requests")],
              [[m, months.get(m, 0)] for m in _months_in(f)],
              "Requests received in each calendar month of the period."),
        Table("door", "Re-referrals and signposting",
              [Column("Measure", TEXT), Column("Requests")],
              [[f"Re-referrals (a case closed within {settings.re_referral_months} months)", re_referrals],
               ["Signposted at the door", signposted]],
              f"A re-referral is a request for a family with a case closed in the {settings.re_referral_months} "
              "months before it arrived (recorded when the request is received). Signposted: the request's case "
              "was closed at triage or panel with a pointer to another service."),
    ]
    return Dashboard("demand", DASHBOARDS["demand"], f, tables, last_refresh(),
                     headline=[("Requests for help", total), ("Re-referrals", re_referrals),
                               ("Signposted at the door", signposted)])


# --- timeliness ----------------------------------------------------------------------------------

MILESTONES = (  # key, label, the setting holding its target
    ("triage", "Request to triage decision", "target_triage_working_days"),
    ("panel", "Request to panel", "target_panel_working_days"),
    ("allocation", "Request to allocation", "target_allocation_working_days"),
    ("assessment", "Request to assessment completed", "target_assessment_working_days"),
    ("plan", "Request to plan agreed", "target_plan_working_days"),
)


def case_milestones(user, f: Filters):
    """Per case opened in the period: (case id, reference, opened, first time it reached each
    milestone). One GROUP BY over the cases' transitions."""
    return db.session.execute(
        select(Case.id, Case.reference, Case.opened_at, *milestone_columns())
        .outerjoin(CaseTransition, CaseTransition.case_id == Case.id)
        .where(*_case_filters(user, f), _in_period(Case.opened_at, f))
        .group_by(Case.id, Case.reference, Case.opened_at)).all()


def timeliness(user, f: Filters) -> Dashboard:
    """Summed from the daily aggregates' histograms of working days per milestone, so the
    targets (settings) and the median apply to whatever period is asked for."""
    _authorise(user, "timeliness", f)
    settings = current_app.extensions["caseflow.settings"]
    histogram: dict[str, Counter] = {key: Counter() for key, *_ in MILESTONES}
    # The measures named (not LIKE 'wd.%': a pattern cannot use the primary key's index under a
    # non-C collation, so it read every row of the totals).
    for measure, days, n in _daily(user, f, tuple(f"wd.{key}" for key, *_ in MILESTONES),
                                   DailyCount.measure, DailyCount.category):
        histogram[measure.removeprefix("wd.")][int(days)] += int(n)
    summary = []
    for key, label, setting in MILESTONES:
        target, counts = getattr(settings, setting), histogram[key]
        reached = sum(counts.values())
        within = sum(n for d, n in counts.items() if d <= target)
        summary.append([label, target, reached, within, reached - within, _median(counts)])
    tables = [
        Table("summary", "Working days from request to each step, against the area's targets",
              [Column("Step", TEXT), Column("Target (working days)", NUMBER), Column("Cases reaching it"),
               Column("Within target"), Column("Missed target"), Column("Median working days", NUMBER)],
              summary,
              "Cases opened in the period. For each, the working days (weekends and English bank holidays "
              "skipped) from the request for help to the first time the case reached the step: triage is its "
              "first move out of 'requested', panel when it was first sent to panel. Targets are the area's "
              "settings (CASEFLOW_TARGET_*_WORKING_DAYS). Cases that have not reached a step are not counted for it."),
        Table("missed_by_step", "Cases that missed each target", [Column("Step", TEXT), Column("Cases")],
              [[r[0], r[4]] for r in summary], "The 'missed target' column above, drawn."),
    ]
    return Dashboard("timeliness", DASHBOARDS["timeliness"], f, tables, last_refresh(),
                     headline=[("Cases reaching triage", summary[0][2]),
                               ("Missed the triage target", summary[0][4])])


def _median(counts: Counter):
    total = sum(counts.values())
    if not total:
        return None
    ordered, seen, middle = sorted(counts.items()), 0, []
    for wanted in sorted({(total - 1) // 2, total // 2}):
        seen = 0
        for value, n in ordered:
            seen += n
            if seen > wanted:
                middle.append(value)
                break
    return round(sum(middle) / len(middle), 1)


def missed_cases(user, f: Filters, limit: int = 200) -> Table:
    """The cases behind the 'missed target' figures, live (a manager acts on them today): longest
    over target first. Managers only; each family shown is in its access log."""
    decision = require(user, "reports.case_list", object_type="case_list",
                       purpose="cases that missed a timeliness target", audit=False)
    settings = current_app.extensions["caseflow.settings"]
    working_days, missed = WorkingDays(), []
    for row in case_milestones(user, f):
        for position, (key, label, setting) in enumerate(MILESTONES):
            reached, target = row[3 + position], getattr(settings, setting)
            if reached is not None and (taken := working_days.between(row.opened_at, reached)) > target:
                missed.append((row.id, row.reference, label, taken, target))
    missed.sort(key=lambda m: (-(m[3] - m[4]), m[1]))
    shown = missed[:limit]
    audit.record_reads(user, "reports.case_list", "case_list",
                       list(db.session.scalars(select(Case.family_id).where(Case.id.in_([m[0] for m in shown]))))
                       if shown else [], categories=decision.categories, purpose="cases that missed a timeliness target",
                       basis=decision.basis)
    return Table("missed", "Cases that missed a target",
                 [Column("Case", TEXT), Column("Step", TEXT), Column("Working days", NUMBER), Column("Target", NUMBER)],
                 [[ref, label, taken, target] for _, ref, label, taken, target in shown],
                 f"Cases opened in the period, longest over target first (the first {limit}); counted live. "
                 "Only managers see the cases behind a figure.", chart=False,
                 links=[case_id for case_id, *_ in shown])


# --- workload ------------------------------------------------------------------------------------

def workload(user, f: Filters) -> Dashboard:
    """Today's open cases, caseloads, overdue work and notifications past their deadline, as the
    last refresh of the daily totals found them (measures 'open' and 'notification.overdue': a
    county's open cases are tens of thousands, too many to count live on every read)."""
    _authorise(user, "workload", f)
    open_stages = [s for s in Stage if s not in CLOSED_STAGES]
    snapshot = [DailyCount.measure == "open",
                report_open_cases_clause(user, DailyCount.team_id, DailyCount.category)]
    if f.team_id:
        snapshot.append(DailyCount.team_id == f.team_id)
    if f.organisation_id:
        snapshot.append(DailyCount.team_id.in_(select(Team.id).where(Team.organisation_id == f.organisation_id)))
    stage_counts: Counter = Counter()
    by_team_stage: Counter = Counter()
    held: Counter = Counter()
    assessments = reviews = 0
    for team_id, category, n in db.session.execute(
            select(DailyCount.team_id, DailyCount.category, DailyCount.n).where(*snapshot)):
        stage, keyworker_team, assessment_overdue, review_overdue = category.split(":")
        stage = Stage(stage)
        stage_counts[stage] += n
        by_team_stage[(team_id or None, stage)] += n
        if stage in HELD:
            if keyworker_team:
                held[keyworker_team] += n
            assessments += n * int(assessment_overdue)
            reviews += n * int(review_overdue)
    # Caseload against capacity: the open cases each team's keyworkers hold, against the sum of
    # those keyworkers' capacities (staff records: counted live).
    keyworkers = select(User.team_id, func.count(), func.sum(User.caseload_capacity)).where(
        User.role == Role.KEYWORKER, User.active.is_(True), User.team_id.is_not(None))
    if f.team_id:
        keyworkers = keyworkers.where(User.team_id == f.team_id)
    if f.organisation_id:
        keyworkers = keyworkers.where(User.organisation_id == f.organisation_id)
    if user.role == Role.TEAM_MANAGER and user.team_id:
        keyworkers = keyworkers.where(User.team_id == user.team_id)
    capacity = {t: (n, cap or 0) for t, n, cap in db.session.execute(keyworkers.group_by(User.team_id))}
    team_ids = {t for t, _ in by_team_stage if t} | set(capacity)
    names = dict(db.session.execute(select(Team.id, Team.name).where(Team.id.in_(sorted(team_ids) or [""]))).all())
    notes = [DailyCount.measure == "notification.overdue",
             report_overdue_notifications_clause(user, DailyCount.team_id, DailyCount.organisation_id,
                                                 DailyCount.category)]
    if f.team_id:
        notes.append(DailyCount.team_id == f.team_id)
    if f.organisation_id:
        notes.append(DailyCount.team_id.in_(select(Team.id).where(Team.organisation_id == f.organisation_id)))
    unacknowledged: Counter = Counter()
    for category, n in db.session.execute(select(DailyCount.category, DailyCount.n).where(*notes)):
        unacknowledged[category.rsplit(":", 1)[1]] += n

    team_rows: dict[str, Counter] = {}
    for (team_id, stage), n in by_team_stage.items():
        team_rows.setdefault(names.get(team_id) if team_id else "No team yet", Counter())[stage] += n
    tables = [
        Table("by_stage", "Open cases by stage", [Column("Stage", TEXT), Column("Open cases")],
              [[STAGE_LABELS[s], stage_counts.get(s, 0)] for s in open_stages],
              "Every case not closed or signposted when the daily totals were last refreshed, by the stage it was at. "
              "The period does not apply."),
        Table("by_team", "Open cases by team and stage",
              [Column("Team", TEXT), *[Column(STAGE_LABELS[s]) for s in open_stages], Column("Total")],
              [[name, *[c.get(s, 0) for s in open_stages], sum(c.values())] for name, c in sorted(team_rows.items())],
              "Open cases at the last refresh by the team holding them; cases no team holds yet (at the front door, panel or "
              "stepped down) are 'No team yet'.", chart=False),
        Table("capacity", "Caseloads against capacity",
              [Column("Team", TEXT), Column("Cases held"), Column("Keyworkers"), Column("Capacity"),
               Column("Per cent of capacity", NUMBER)],
              [[names.get(t, t), held.get(t, 0), n, cap, round(100 * held.get(t, 0) / cap) if cap else None]
               for t, (n, cap) in sorted(capacity.items(), key=lambda kv: names.get(kv[0], kv[0]))],
              "Cases allocated to each team's keyworkers and still held (allocated to reviewing, or stepped down) at "
              "the last refresh, against the sum of the capacities of the team's keyworkers active now."),
        Table("overdue", "Assessments and reviews overdue", [Column("Work", TEXT), Column("Cases")],
              [["Assessments overdue", assessments], ["TAF reviews overdue", reviews]],
              "As at the last refresh of the daily totals: cases allocated or assessing whose assessment due date "
              "had passed, and cases in review whose next TAF review date had passed."),
        Table("notifications", "Notifications unacknowledged past their deadline",
              [Column("Notification", TEXT), Column("Notifications")],
              [[t.replace("_", " ").capitalize(), n] for t, n in sorted(unacknowledged.items())]
              or [["None", 0]],
              "Notifications whose deadline had passed and that nobody had acknowledged when the daily totals "
              "were last refreshed, by type. A partner counts those its own people received."),
    ]
    return Dashboard("workload", DASHBOARDS["workload"], f, tables, last_refresh(),
                     headline=[("Open cases", sum(stage_counts.values())), ("Assessments overdue", assessments),
                               ("Reviews overdue", reviews),
                               ("Notifications past deadline", sum(unacknowledged.values()))])


# --- flows ---------------------------------------------------------------------------------------

def flows(user, f: Filters) -> Dashboard:
    _authorise(user, "flows", f)
    settings = current_app.extensions["caseflow.settings"]
    per_month = _by_month(_daily(user, f, "move", DailyCount.day, DailyCount.category))
    # Oscillating: families with N+ step-ups and step-downs in the period (the same threshold as
    # the managers' watch list), from the totals' moves per family per month: a GROUP BY family
    # HAVING over a few rows per family that moved, counted again.
    per_family = (select(DailyCount.category).where(*_daily_clauses(user, f, "move.family"))
                  .group_by(DailyCount.category)
                  .having(func.sum(DailyCount.n) >= settings.oscillation_transitions).subquery())
    oscillating = db.session.execute(select(func.count()).select_from(per_family)).scalar()
    reasons = {r: int(n) for r, n in _daily(user, f, "closure", DailyCount.category)}
    bands = {b: int(n) for b, n in _daily(user, f, "time_open", DailyCount.category)}
    tables = [
        Table("moves", "Step-ups and step-downs per month",
              [Column("Month", TEXT), Column("Step-ups"), Column("Step-downs")],
              [[m, per_month[(m, "step_up")], per_month[(m, "step_down")]] for m in _months_in(f)],
              "Moves recorded on a case in each month: a step-up to children's social care and a step-down back "
              "to early help. A case moved twice counts twice."),
        Table("oscillating", "Families moving back and forth", [Column("Measure", TEXT), Column("Families")],
              [[f"Families with {settings.oscillation_transitions} or more moves in the period", oscillating]],
              "Families whose cases stepped up or down at least the area's oscillation threshold "
              "(CASEFLOW_OSCILLATION_TRANSITIONS) times in the whole months of the period, from the daily totals "
              "(the team holding each case at the refresh). Managers see who they are, live, on the "
              "step-up and step-down figures page.", chart=False),
        Table("closures", "Closures by reason", [Column("Reason", TEXT), Column("Cases closed")],
              [[CLOSURE_LABELS.get(r, str(r)), n] for r, n in sorted(reasons.items(), key=lambda kv: (-kv[1], str(kv[0])))],
              "Cases closed (or signposted at the door) in the period, by the reason recorded."),
        Table("time_open", "Time open before closing", [Column("Time open", TEXT), Column("Cases closed")],
              [[label, bands.get(label, 0)] for *_, label in TIME_OPEN_BANDS],
              "Cases closed in the period (not counting those signposted at the door), by the time from the "
              "case opening to its closure; three months is 91 days."),
    ]
    return Dashboard("flows", DASHBOARDS["flows"], f, tables, last_refresh(),
                     headline=[("Step-ups", sum(n for (_, a), n in per_month.items() if a == "step_up")),
                               ("Step-downs", sum(n for (_, a), n in per_month.items() if a == "step_down")),
                               ("Oscillating families", oscillating), ("Cases closed", sum(reasons.values()))])


# --- outcomes ------------------------------------------------------------------------------------

def outcomes(user, f: Filters) -> Dashboard:
    """Families' feedback at closure, the outcomes families sustained (caseflow.outcomes: as the
    last claims run computed them) and the payment-by-results claims by state, all summed from
    the daily aggregates: at county scale every one of them is a count over a table that grows
    with the families (tests/reports check the sums against a live count)."""
    _authorise(user, "outcomes", f)
    feedback = {k: int(n) for k, n in _daily(user, f, "feedback", DailyCount.category)}
    with_feedback, total = feedback.get("with", 0), sum(feedback.values())
    sustained = {k: int(n) for k, n in _daily(user, f, "outcome.sustained", DailyCount.category)}
    claims: Counter = Counter()
    for category, n in _daily(user, f, "claim", DailyCount.category):
        result, _, state = category.partition(":")
        claims[(result, state)] += int(n)
    tables = [
        Table("feedback", "Families' feedback at closure", [Column("Closures", TEXT), Column("Cases")],
              [["Closed with the family's feedback recorded", with_feedback],
               ["Closed without feedback", total - with_feedback]],
              "Cases closed in the period (signposting at the door not counted) and whether the closing keyworker "
              "recorded the family's own feedback. What the family said is never shown here."),
        Table("sustained", "Outcomes met and sustained", [Column("Result", TEXT), Column("Families")],
              [[CLAIM_RESULTS[r], sustained.get(r.value, 0)] for r in ClaimResult],
              "Families whose outcomes were sustained in the period, by the day they were sustained: every "
              "problem the family had at the start met and sustained under the Outcomes Plan, or an adult in "
              "continuous employment. As the last claims run computed them."),
        Table("claims", "Payment-by-results claims by state",
              [Column("State", TEXT), *[Column(CLAIM_RESULTS[r]) for r in ClaimResult], Column("Total")],
              [[CLAIM_STATES[s], *[claims[(r.value, s.value)] for r in ClaimResult],
                sum(claims[(r.value, s.value)] for r in ClaimResult)] for s in ClaimState],
              "Claims proposed in the period, by where they are now (proposed, validated, approved, submitted, "
              "paid or rejected) and the result claimed."),
    ]
    tables.extend(distance_travelled(f))
    return Dashboard("outcomes", DASHBOARDS["outcomes"], f, tables, last_refresh(),
                     headline=[("Cases closed", total), ("With the family's feedback", with_feedback),
                               ("Families with sustained progress", sustained.get(ClaimResult.SUSTAINED_PROGRESS.value, 0)),
                               ("Claims paid", sum(claims[(r.value, ClaimState.PAID.value)] for r in ClaimResult))])


def distance_travelled(f: Filters) -> list[Table]:
    """Scored tools' change from baseline, where CaseFlow holds later scores; it holds baseline
    scores only today (plans.assessments), so this is the place the outcomes work fills in."""
    return []


BUILDERS = {"demand": demand, "timeliness": timeliness, "workload": workload, "flows": flows, "outcomes": outcomes}


def build(user, key: str, f: Filters) -> Dashboard:
    return BUILDERS[key](user, f)


def dashboards_for(user) -> list[tuple[str, str]]:
    return [(k, t) for k, t in DASHBOARDS.items() if can(user, "reports.dashboard", k)]
