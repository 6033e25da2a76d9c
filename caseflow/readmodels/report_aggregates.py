"""The dashboards' pre-computed daily aggregates. At county scale, counting a year of requests,
moves, closures and timeliness live takes seconds; so a job rebuilds, once a day (and when a
manager or analyst asks), one row per (measure, London day, team, organisation, category) with
its count, and the demand, timeliness and flows dashboards sum those rows over the period.
Each dashboard shows when the aggregates were last refreshed.

Measures (team_id: the team holding the case at the refresh; organisation_id: the requesting
organisation for requests, '' otherwise):
- request.route: requests received, by route (source);
- request.re_referral / request.signposted: requests that were re-referrals / whose case was
  signposted at the door;
- move: step-ups and step-downs, by action, on the day they happened;
- closure: cases closed or signposted, by reason; time_open: by time-open band (not signposted);
- wd.<milestone>: cases by the working days from request to the milestone (a histogram, so the
  targets and the median are applied when the dashboard is read), on the day the case opened;
- feedback: cases closed (not signposted), by whether the family's feedback was recorded;
- outcome.sustained: families whose progress (caseflow.outcomes, as the last claims run computed
  it) was sustained, on that day, by result (every problem met and sustained, or continuous
  employment), under the team holding the case measured;
- claim: payment-by-results claims by the day proposed, category "<result>:<state>";
- move.family: step-ups and step-downs per family per month (category: the family's id, never
  shown), so the flows dashboard counts the families that moved back and forth N+ times in any
  period of whole months without reading the county's transitions;
- open: the workload dashboard's snapshot of the open cases as the refresh found them (day: the
  refresh's London day, not a period), by the team holding each case and the category
  "<stage>:<keyworker's team>:<assessment overdue 0/1>:<review overdue 0/1>";
- notification.overdue: the notifications past their deadline and unacknowledged when the refresh
  ran, by the team holding the notification's case ('' for none), the recipient's organisation and
  the category "<A|T|N>:<recipient's team>:<type>" (A: on a case no team holds or at an
  unallocated stage, which every manager oversees; T: on a case a team holds; N: on no case).
"""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from sqlalchemy import Date, String, and_, or_, case as when, cast, delete, func, insert, literal_column, select, text, type_coerce

from sqlalchemy.orm import aliased

from caseflow.auth.models import User
from caseflow.cases.models import Case, CaseTransition
from caseflow.core import timescales
from caseflow.core.database import utcnow
from caseflow.core.extensions import db
from caseflow.core.stages import CLOSED_STAGES, Stage
from caseflow.core.vocab import ClosureReason
from caseflow.frontdoor.models import RequestForHelp
from caseflow.outcomes.models import Claim, FamilyOutcome
from caseflow.notify.models import Notification
from caseflow.outcomes.vocab import ClaimResult
from caseflow.policy.rules import UNALLOCATED_STAGES
from caseflow.readmodels.models import AggregateRefresh, DailyCount

TIME_OPEN_BANDS = ((0, 91, "Under 3 months"), (91, 182, "3 to 6 months"), (182, 274, "6 to 9 months"),
                   (274, 365, "9 to 12 months"), (365, None, "12 months or more"))
MILESTONE_KEYS = ("triage", "panel", "allocation", "assessment", "plan")


class WorkingDays:
    """core.timescales.working_days_between for many pairs of instants: each London day's
    running count of working days is worked out once, so a pair costs two look-ups (a county's
    year of cases is tens of thousands of pairs)."""

    def __init__(self):
        self._ordinal: dict[date, int] = {}

    def _index(self, day: date) -> int:
        if day not in self._ordinal:
            if not self._ordinal:
                self._ordinal[day] = 0
            else:
                first, last = min(self._ordinal), max(self._ordinal)
                if day > last:
                    current, n = last, self._ordinal[last]
                    while current < day:
                        current += timedelta(days=1)
                        n += timescales.is_working_day(current)
                        self._ordinal[current] = n
                else:
                    current, n = first, self._ordinal[first]
                    while current > day:
                        n -= timescales.is_working_day(current)
                        current -= timedelta(days=1)
                        self._ordinal[current] = n
        return self._ordinal[day]

    def between(self, start: datetime, end: datetime) -> int:
        """Working days after start's London day, up to and including end's (0 if not after)."""
        first, last = timescales.to_london(start).date(), timescales.to_london(end).date()
        return max(0, self._index(last) - self._index(first)) if last > first else 0


def london_day(column):
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone(literal_column("'Europe/London'"), column), Date)
    return func.date(column)  # SQLite keeps UTC wall time and has no zones


def _days_between(start, end):
    if db.session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", end - start) / 86400.0
    return func.julianday(end) - func.julianday(start)


def _team():
    return func.coalesce(Case.team_id, literal_column("''"))


def milestone_columns():
    first = func.min
    return (
        first(when((CaseTransition.from_stage == "requested", CaseTransition.at))).label("triage"),
        first(when((CaseTransition.to_stage == "awaiting_panel", CaseTransition.at))).label("panel"),
        first(when((CaseTransition.action == "allocate", CaseTransition.at))).label("allocation"),
        first(when((CaseTransition.action == "complete_assessment", CaseTransition.at))).label("assessment"),
        first(when((CaseTransition.action == "agree_plan", CaseTransition.at))).label("plan"),
    )


def _grouped(counts: Counter, measure: str, query) -> None:
    """Add a (day, team, organisation, category, n) query's rows to `counts` under `measure`,
    grouping in SQL by a subquery's columns (the same expression selected and grouped)."""
    sub = query.subquery()
    cols = list(sub.c)
    for day, team, organisation, category, n in db.session.execute(
            select(*cols, func.count()).group_by(*cols)):
        if isinstance(day, str):
            day = date.fromisoformat(day)
        day = day.replace(day=1)  # kept by month: a day per team would be a row per case at county scale
        counts[(measure, day, team or "", organisation or "", str(category if category is not None else ""))] += n


def refresh() -> int:
    """Rebuild every daily aggregate in the caller's transaction (the job commits), and note when."""
    counts: Counter = Counter()
    org = func.coalesce(RequestForHelp.referrer_organisation_id, literal_column("''"))
    received = london_day(RequestForHelp.received_at)
    requests = select(received.label("day"), _team().label("team"), org.label("org")).select_from(
        RequestForHelp).join(Case, Case.id == RequestForHelp.case_id)
    _grouped(counts, "request.route", requests.add_columns(RequestForHelp.source.label("category")))
    _grouped(counts, "request.re_referral", requests.add_columns(literal_column("''").label("category"))
             .where(RequestForHelp.is_re_referral.is_(True)))
    _grouped(counts, "request.signposted", requests.add_columns(literal_column("''").label("category"))
             .where(Case.closure_reason == ClosureReason.SIGNPOSTED))
    _grouped(counts, "move", select(london_day(CaseTransition.at).label("day"), _team().label("team"),
                                    literal_column("''").label("org"), CaseTransition.action.label("category"))
             .join(Case, Case.id == CaseTransition.case_id).where(CaseTransition.action.in_(("step_up", "step_down"))))
    closed = select(london_day(Case.closed_at).label("day"), _team().label("team"), literal_column("''").label("org")
                    ).where(Case.stage.in_(CLOSED_STAGES), Case.closed_at.is_not(None))
    _grouped(counts, "closure", closed.add_columns(Case.closure_reason.label("category")))
    days = _days_between(Case.opened_at, Case.closed_at)
    band = when(*[((days < hi) if lo == 0 else (and_(days >= lo, days < hi) if hi else days >= lo),
                   literal_column(f"'{label}'")) for lo, hi, label in TIME_OPEN_BANDS])
    _grouped(counts, "time_open", closed.add_columns(band.label("category"))
             .where(Case.closure_reason != ClosureReason.SIGNPOSTED))
    _grouped(counts, "feedback", closed.add_columns(
        when((Case.family_feedback.is_not(None), literal_column("'with'")), else_=literal_column("'without'"))
        .label("category")).where(Case.stage == Stage.CLOSED))
    for result, column in ((ClaimResult.SUSTAINED_PROGRESS, FamilyOutcome.progress_sustained_on),
                           (ClaimResult.CONTINUOUS_EMPLOYMENT, FamilyOutcome.employment_sustained_on)):
        _grouped(counts, "outcome.sustained", select(
            column.label("day"), _team().label("team"), literal_column("''").label("org"),
            literal_column(f"'{result.value}'").label("category"))
            .join(Case, Case.id == FamilyOutcome.case_id).where(column.is_not(None)))
    _grouped(counts, "claim", select(
        london_day(Claim.proposed_at).label("day"), _team().label("team"), literal_column("''").label("org"),
        type_coerce(Claim.result, String).concat(":").concat(type_coerce(Claim.state, String)).label("category"))
        .join(Case, Case.id == Claim.case_id))
    _grouped(counts, "move.family", select(
        london_day(CaseTransition.at).label("day"), _team().label("team"), literal_column("''").label("org"),
        Case.family_id.label("category"))
        .join(Case, Case.id == CaseTransition.case_id).where(CaseTransition.action.in_(("step_up", "step_down"))))
    _open_cases(counts)
    _overdue_notifications(counts)
    # Working days need the bank-holiday calendar (core.timescales): the cases' milestones come
    # from one GROUP BY, streamed, and are counted here.
    working_days = WorkingDays()
    rows = db.session.execute(
        select(Case.opened_at, func.coalesce(Case.team_id, ""), *milestone_columns())
        .join(CaseTransition, CaseTransition.case_id == Case.id)
        .group_by(Case.id, Case.opened_at, Case.team_id).execution_options(yield_per=5000))
    for opened, team, *reached in rows:
        day = timescales.to_london(opened).date().replace(day=1)
        for key, at in zip(MILESTONE_KEYS, reached):
            if at is not None:
                counts[(f"wd.{key}", day, team, "", str(working_days.between(opened, at)))] += 1
    db.session.execute(delete(DailyCount))
    # Written in primary-key order, so a dashboard's measure over a period is a run of adjacent
    # pages (in the Counter's order a year of one measure was spread over most of the table's
    # pages: 10,000 pages read for 46,000 rows at 250,000 families).
    payload = [{"measure": m, "day": d, "team_id": t, "organisation_id": o, "category": c, "n": n}
               for (m, d, t, o, c), n in sorted(counts.items())]
    for start in range(0, len(payload), 5000):
        db.session.execute(insert(DailyCount), payload[start:start + 5000])
    if db.session.get_bind().dialect.name == "postgresql":
        # The table was rebuilt whole: fresh statistics for the dashboards' plans (ANALYZE, unlike
        # VACUUM, runs inside the job's transaction).
        db.session.execute(text("ANALYZE report_daily_counts"))
    db.session.add(AggregateRefresh(finished_at=utcnow(), rows=len(payload)))
    db.session.flush()
    return len(payload)


def _open_cases(counts: Counter) -> None:
    """The open cases today, as one GROUP BY (measure 'open'): everything the workload dashboard
    counts of them (by stage, by team and stage, held per keyworkers' team, assessments and
    reviews overdue) is a sum over these rows."""
    today = timescales.today_london()
    keyworker = aliased(User)
    assessment_late = and_(Case.assessment_due_on < today, Case.stage.in_((Stage.ALLOCATED, Stage.ASSESSING)))
    review_late = and_(Case.review_due_on < today, Case.stage == Stage.REVIEWING)
    sub = (select(_team().label("team"), Case.stage.label("stage"),
                  func.coalesce(keyworker.team_id, literal_column("''")).label("keyworker_team"),
                  when((assessment_late, 1), else_=0).label("assessment_late"),
                  when((review_late, 1), else_=0).label("review_late"))
           .select_from(Case).outerjoin(keyworker, keyworker.id == Case.keyworker_id)
           .where(Case.stage.in_([s for s in Stage if s not in CLOSED_STAGES])).subquery())
    for team, stage, keyworker_team, assessment, review, n in db.session.execute(
            select(*sub.c, func.count()).group_by(*sub.c)):
        counts[("open", today, team or "", "", f"{stage}:{keyworker_team or ''}:{assessment}:{review}")] += n


def _overdue_notifications(counts: Counter) -> None:
    """The notifications past their deadline that nobody had acknowledged (measure
    'notification.overdue'). Counted live, a manager's figure tested every overdue notification's
    case: at county scale a hash of every case, over a second on a cold cache."""
    recipient = aliased(User)
    kind = when((Case.id.is_(None), literal_column("'N'")),
                (or_(Case.team_id.is_(None), Case.stage.in_(UNALLOCATED_STAGES)), literal_column("'A'")),
                else_=literal_column("'T'"))
    sub = (select(_team().label("team"), kind.label("kind"),
                  func.coalesce(recipient.team_id, literal_column("''")).label("recipient_team"),
                  func.coalesce(recipient.organisation_id, literal_column("''")).label("recipient_org"),
                  Notification.type.label("type"))
           .select_from(Notification).outerjoin(Case, Case.id == Notification.case_id)
           .outerjoin(recipient, recipient.id == Notification.recipient_id)
           .where(Notification.acknowledged_at.is_(None), Notification.deadline_at.is_not(None),
                  Notification.deadline_at < utcnow())
           .subquery())
    today = timescales.today_london()
    for team, kind, recipient_team, recipient_org, kind_of_notification, n in db.session.execute(
            select(*sub.c, func.count()).group_by(*sub.c)):
        counts[("notification.overdue", today, team or "", recipient_org or "",
                 f"{kind}:{recipient_team or ''}:{kind_of_notification}")] += n


def request_refresh(user, key: str):
    """A manager or analyst asks for the totals again (queued: at county scale it takes a while)."""
    from caseflow.core.access import require
    from caseflow.core.queue import enqueue

    require(user, "reports.dashboard", key, object_type="report", object_id=key, purpose="refresh the daily totals")
    return enqueue("caseflow.readmodels.report_aggregates.run_refresh", job_id="report-aggregates-refresh")


def run_refresh() -> int:
    """The queued job (caseflow.core.queue): one unit of work, committed by the job runner."""
    return refresh()


def last_refresh():
    return db.session.scalars(select(AggregateRefresh.finished_at).order_by(AggregateRefresh.finished_at.desc())
                              .limit(1)).first()


def due(refresh_hour: int) -> bool:
    """Whether the worker should rebuild the totals now: once a night, the first time it looks
    after `refresh_hour` o'clock London time (and at once when there are none). Not every 24
    hours from the last: that drifts into the working day (a worker restarted at nine would
    rebuild at nine every day after), and a county's rebuild takes minutes of CPU."""
    last = last_refresh()
    if last is None:
        return True
    now = timescales.to_london(utcnow())
    boundary = now.replace(hour=refresh_hour, minute=0, second=0, microsecond=0)
    if boundary > now:
        boundary -= timedelta(days=1)
    return last < boundary
