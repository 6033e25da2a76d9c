"""Each dashboard figure, counted again by the test from the cases it built, compared with what
the dashboard shows, for a service lead, a team manager (their team only), an analyst and a
partner (their own organisation's requests only)."""
from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest

from caseflow.core.extensions import db
from caseflow.readmodels import reports
from tests.reports.world import Spec, World

START, END = date(2026, 6, 1), date(2026, 8, 31)
# England's bank holidays in the period and around it, written out so the test's working days do
# not come from the code under test.
HOLIDAYS = {date(2026, 5, 25), date(2026, 8, 31), date(2026, 12, 25), date(2026, 12, 28)}


def working_days(start: date, end: date) -> int:
    return sum(1 for i in range(1, (end - start).days + 1)
               if (start + timedelta(days=i)).weekday() < 5 and start + timedelta(days=i) not in HOLIDAYS)


def d(month, day, year=2026):
    return date(year, month, day)


def county(app) -> World:
    w = World(app)
    w.add(
        # A: the whole journey, on time (north)
        Spec(d(6, 1), "north", stage="reviewing", keyworker="kw_north", review_due=d(11, 2), moves=[
            ("triage", "requested", "triaged", d(6, 2)), ("send_to_panel", "triaged", "awaiting_panel", d(6, 5)),
            ("allocate", "awaiting_panel", "allocated", d(6, 10)), ("start_assessment", "allocated", "assessing", d(6, 11)),
            ("complete_assessment", "assessing", "planning", d(7, 1)), ("agree_plan", "planning", "reviewing", d(7, 15))]),
        # B: a self-referral triaged late (south), its assessment overdue
        Spec(d(6, 3), "south", source="self_referral", referrer_org=None, stage="assessing", keyworker="kw_south",
             assessment_due=d(11, 20), moves=[("triage", "requested", "triaged", d(6, 8)),
                                             ("allocate", "triaged", "allocated", d(6, 30)),
                                             ("start_assessment", "allocated", "assessing", d(7, 1))]),
        # C: from the police's system, a re-referral, not yet triaged (no team)
        Spec(d(7, 6), None, source="partner_system", referrer_org="police", re_referral=True),
        # D: signposted at the door (north)
        Spec(d(6, 2), "north", stage="signposted", closed=d(6, 3), closure_reason="signposted",
             moves=[("signpost", "requested", "signposted", d(6, 3))]),
        # E: closed with outcomes achieved and the family's feedback (south), from the police
        Spec(d(6, 2), "south", referrer_org="police", stage="closed", closed=d(8, 20), closure_reason="outcomes_achieved",
             feedback="It helped", moves=[("triage", "requested", "triaged", d(6, 3)),
                                          ("close", "reviewing", "closed", d(8, 20))]),
        # F: stepping up, down and up again (north): an oscillating family
        Spec(d(6, 4), "north", stage="social_care", keyworker="kw_north", moves=[
            ("triage", "requested", "triaged", d(6, 4)), ("allocate", "triaged", "allocated", d(6, 5)),
            ("step_up", "allocated", "social_care", d(6, 10)), ("step_down", "social_care", "stepped_down", d(7, 1)),
            ("step_up", "stepped_down", "social_care", d(7, 20))]),
        # G: opened before the period, closed in it (south)
        Spec(d(3, 2), "south", stage="closed", closed=d(7, 1), closure_reason="family_disengaged"),
        # H: triaged across the August bank holiday (north): Thursday to Tuesday is 2 working days
        Spec(d(8, 27), "north", stage="triaged", moves=[("triage", "requested", "triaged", d(9, 1))]),
        # I: stepped down, still held by the south keyworker, opened before the period: every manager
        # oversees a case at an unallocated stage (policy.rules.managed_cases_clause), so it is in
        # the north manager's open cases too, though the south team holds it
        Spec(d(2, 2), "south", stage="stepped_down", keyworker="kw_south"),
    )
    return w


def filters(**kw):
    return reports.Filters(start=START, end=END, **kw)


def in_period(day):
    return START <= day <= END


def scoped(w, user_key):
    """The specs a user's figures count, by the policy's plain-language rule."""
    if user_key == "manager_north":
        return [s for s in w.specs if s.team in ("north", None) or s.stage in ("requested", "triaged", "awaiting_panel", "stepped_down")]
    if user_key == "school_partner":
        return [s for s in w.specs if s.referrer_org == "school"]
    return list(w.specs)


@pytest.mark.parametrize("who", ["service_lead", "manager_north", "analyst", "school_partner"])
def test_demand_counts_requests_by_route_agency_month_re_referrals_and_signposting(app, who):
    w = county(app)
    with app.app_context():
        board = reports.demand(w.user(who), filters())
        db.session.rollback()
    specs = [s for s in scoped(w, who) if in_period(s.opened)]
    routes = Counter(s.source for s in specs)
    by_route = dict(board.table("by_route").rows)
    assert by_route == {reports.SOURCE_LABELS[k]: routes.get(k, 0) for k in reports.SOURCE_LABELS}
    agencies = Counter({"school": "School", "police": "Police force", None: "Family or not recorded"}[s.referrer_org]
                       for s in specs)
    assert dict(board.table("by_source").rows) == dict(agencies)
    months = Counter(s.opened.strftime("%Y-%m") for s in specs)
    assert dict(board.table("by_month").rows) == {m: months.get(m, 0) for m in ("2026-06", "2026-07", "2026-08")}
    door = board.table("door").rows
    assert door[0][1] == sum(s.re_referral for s in specs)
    assert door[1][1] == sum(s.closure_reason == "signposted" for s in specs)
    assert dict(board.headline)["Requests for help"] == len(specs)


def test_a_partner_sees_only_its_own_requests_and_no_other_dashboard(app):
    w = county(app)
    from caseflow.core.access import AccessDenied

    with app.app_context():
        board = reports.demand(w.user("police_partner"), filters())
        assert dict(board.headline)["Requests for help"] == 2  # C and E, nothing the school sent
        for key in ("timeliness", "workload", "flows", "outcomes"):
            with pytest.raises(AccessDenied):
                reports.build(w.user("police_partner"), key, filters())
        with pytest.raises(AccessDenied):
            reports.demand(w.user("kw_north"), filters())


@pytest.mark.parametrize("who", ["service_lead", "manager_north"])
def test_timeliness_counts_working_days_to_each_step_against_the_targets(app, who):
    w = county(app)
    with app.app_context():
        settings = app.extensions["caseflow.settings"]
        board = reports.timeliness(w.user(who), filters())
        missed_cases = reports.missed_cases(w.user(who), filters()).rows
        db.session.rollback()
    milestone_of = {"triage": lambda m: m[1] == "requested", "panel": lambda m: m[2] == "awaiting_panel",
                    "allocation": lambda m: m[0] == "allocate", "assessment": lambda m: m[0] == "complete_assessment",
                    "plan": lambda m: m[0] == "agree_plan"}
    specs = [s for s in scoped(w, who) if in_period(s.opened)]
    rows = {r[0]: r for r in board.table("summary").rows}
    expected_missed = []
    for key, label, setting in reports.MILESTONES:
        target = getattr(settings, setting)
        days = []
        for s in specs:
            reached = [m[3] for m in s.moves if milestone_of[key](m)]
            if reached:
                days.append(working_days(s.opened, min(reached)))
                if days[-1] > target:
                    expected_missed.append((label, days[-1]))
        row = rows[label]
        assert row[1] == target
        assert row[2] == len(days), label
        assert row[3] == sum(1 for x in days if x <= target), label
        assert row[4] == sum(1 for x in days if x > target), label
        ordered = sorted(days)
        assert row[5] == (round((ordered[(len(days) - 1) // 2] + ordered[len(days) // 2]) / 2, 1) if days else None)
    assert sorted((r[1], r[2]) for r in missed_cases) == sorted(expected_missed)
    # the bank holiday is skipped: Thursday 27 to Tuesday 1 September is 2 working days, not 3
    if who == "service_lead":
        assert ("Request to triage decision", 2) in [(r[1], r[2]) for r in missed_cases]


def test_an_analyst_sees_timeliness_counts_but_not_the_cases_behind_them(app):
    w = county(app)
    with app.app_context():
        board = reports.timeliness(w.user("analyst"), filters())
        assert board.table("summary").rows[0][4] >= 1
        from caseflow.core.access import AccessDenied

        with pytest.raises(AccessDenied):
            reports.missed_cases(w.user("analyst"), filters())


@pytest.mark.parametrize("who", ["service_lead", "manager_north"])
def test_workload_counts_open_cases_caseloads_and_overdue_work(app, who):
    w = county(app)
    from caseflow.core import timescales

    with app.app_context():
        board = reports.workload(w.user(who), filters())
        today = timescales.today_london()
        db.session.rollback()
    specs = scoped(w, who)
    open_specs = [s for s in specs if s.stage not in ("closed", "signposted")]
    stages = Counter(s.stage for s in open_specs)
    by_stage = dict(board.table("by_stage").rows)
    assert sum(by_stage.values()) == len(open_specs)
    for stage, n in stages.items():
        assert by_stage[reports.STAGE_LABELS[stage]] == n
    overdue = dict(board.table("overdue").rows)
    assert overdue["Assessments overdue"] == sum(1 for s in open_specs if s.assessment_due and s.assessment_due < today
                                                 and s.stage in ("allocated", "assessing"))
    assert overdue["TAF reviews overdue"] == sum(1 for s in open_specs if s.review_due and s.review_due < today
                                                 and s.stage == "reviewing")
    held = Counter(s.keyworker for s in open_specs if s.keyworker and s.stage in
                   ("allocated", "assessing", "planning", "reviewing", "stepped_down"))
    capacity = {r[0]: r for r in board.table("capacity").rows}
    assert capacity["Locality North"][1:4] == [held["kw_north"], 1, 10]
    if who == "service_lead":
        assert capacity["Locality South"][1:4] == [held["kw_south"], 1, 12]
    else:
        assert "Locality South" not in capacity


def test_workload_counts_notifications_unacknowledged_past_their_deadline(app):
    w = county(app)
    from datetime import datetime, timezone

    from caseflow.notify.models import Notification

    past, future = datetime(2026, 7, 1, tzinfo=timezone.utc), datetime(2099, 1, 1, tzinfo=timezone.utc)
    with app.app_context():
        # (recipient, deadline, acknowledged, the case: A is the north team's, C no team's yet)
        for i, (recipient, deadline, acknowledged, case) in enumerate([
                ("kw_north", past, None, 0), ("kw_north", past, past, 0), ("kw_south", past, None, None),
                ("school_partner", past, None, None), ("kw_north", future, None, 0), ("kw_south", past, None, 2)]):
            db.session.add(Notification(delivery_key=f"test-{i}", recipient_id=w.users[recipient], type="partner_event",
                                        title="An event", body="x", deadline_at=deadline, acknowledged_at=acknowledged,
                                        case_id=w.specs[case].case_id if case is not None else None))
        db.session.commit()
        lead_before = dict(reports.workload(w.user("service_lead"), filters()).table("notifications").rows)
        from caseflow.readmodels import report_aggregates

        report_aggregates.refresh()  # the night's refresh counts them
        db.session.commit()
        lead = dict(reports.workload(w.user("service_lead"), filters()).table("notifications").rows)
        school = dict(reports.workload(w.user("chair"), filters()).table("notifications").rows)
        north = dict(reports.workload(w.user("manager_north"), filters()).table("notifications").rows)
    assert lead_before == {"None": 0}  # as the last refresh found them: none yet
    assert lead == {"Partner event": 4} and school == {"Partner event": 4}
    # the north case's and the one on a case no team holds yet (every manager oversees it); not
    # the south keyworker's other one, nor the school's
    assert north == {"Partner event": 2}


@pytest.mark.parametrize("who", ["service_lead", "manager_north", "analyst"])
def test_flows_count_moves_per_month_oscillation_closures_and_time_open(app, who):
    w = county(app)
    with app.app_context():
        settings = app.extensions["caseflow.settings"]
        board = reports.flows(w.user(who), filters())
        db.session.rollback()
    specs = scoped(w, who)
    moves = Counter((m[3].strftime("%Y-%m"), m[0]) for s in specs for m in s.moves
                    if m[0] in ("step_up", "step_down") and in_period(m[3]))
    for month, ups, downs in board.table("moves").rows:
        assert (ups, downs) == (moves[(month, "step_up")], moves[(month, "step_down")])
    per_family = Counter(s.family_id for s in specs for m in s.moves if m[0] in ("step_up", "step_down") and in_period(m[3]))
    assert board.table("oscillating").rows[0][1] == sum(1 for n in per_family.values()
                                                        if n >= settings.oscillation_transitions)
    closed = [s for s in specs if s.closed and in_period(s.closed)]
    reasons = Counter(reports.CLOSURE_LABELS[s.closure_reason] for s in closed)
    assert dict(board.table("closures").rows) == dict(reasons)
    bands = Counter()
    for s in closed:
        if s.closure_reason == "signposted":
            continue
        days = (s.closed - s.opened).days
        bands[next(label for lo, hi, label in reports.TIME_OPEN_BANDS if days >= lo and (hi is None or days < hi))] += 1
    assert {k: v for k, v in board.table("time_open").rows if v} == dict(bands)


def test_outcomes_count_closures_with_the_familys_feedback(app):
    w = county(app)
    with app.app_context():
        board = reports.outcomes(w.user("service_lead"), filters())
    closed = [s for s in w.specs if s.stage == "closed" and in_period(s.closed)]
    assert dict(board.table("feedback").rows) == {
        "Closed with the family's feedback recorded": sum(1 for s in closed if s.feedback),
        "Closed without feedback": sum(1 for s in closed if not s.feedback)}


def test_team_and_organisation_filters_narrow_every_count(app):
    w = county(app)
    with app.app_context():
        south = reports.workload(w.user("service_lead"), filters(team_id=w.teams["south"]))
        police = reports.demand(w.user("service_lead"), filters(organisation_id=w.orgs["police"]))
    open_south = [s for s in w.specs if s.team == "south" and s.stage not in ("closed", "signposted")]
    assert dict(south.headline)["Open cases"] == len(open_south)
    assert dict(police.headline)["Requests for help"] == sum(1 for s in w.specs if s.referrer_org == "police"
                                                            and in_period(s.opened))


def test_a_dashboard_read_is_audited_as_a_report_read(app):
    w = county(app)
    from sqlalchemy import select

    from caseflow.core.audit import AuditEvent, chain_pending

    with app.app_context():
        reports.flows(w.user("analyst"), filters())
        db.session.commit()
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "reports.dashboard")).all()
    assert [(e.object_type, e.object_id, e.family_id) for e in events] == [("report", "flows", None)]


def test_outcomes_count_sustained_progress_and_claims_by_state_from_totals_that_match_a_live_count(app):
    """The outcomes dashboard sums the daily totals; they must equal counting the claims and the
    families' computed progress live, for the whole county and for one team."""
    from sqlalchemy import func, select

    from caseflow.cases.models import Case
    from caseflow.outcomes import outcomes_plan
    from caseflow.outcomes.models import Claim, FamilyOutcome
    from caseflow.readmodels import report_aggregates

    w = county(app)
    families = {}
    for s in w.specs:
        families.setdefault(s.family_id, s)  # a family's progress is kept against one case
    with app.app_context():
        version = outcomes_plan.current()
        states = ["proposed", "in_review", "approved", "submitted", "paid", "rejected"]
        for n, s in enumerate(families.values()):
            sustained = d(7, 1 + n % 20) if n % 3 != 2 else None
            employed = d(8, 2) if n % 4 == 0 else None
            db.session.add(FamilyOutcome(family_id=s.family_id, case_id=s.case_id, plan_version_id=version.id,
                                         plan_started_on=d(1, 5), problems=[], progress_sustained_on=sustained,
                                         employment_status="sustained" if employed else "not_met",
                                         employment_sustained_on=employed, as_of=d(8, 30)))
            if sustained:
                db.session.add(Claim(reference=f"CLM-T{n:05d}", family_id=s.family_id, case_id=s.case_id,
                                     result="sustained_progress", state=states[n % len(states)],
                                     plan_version_id=version.id, achieved_on=sustained, snapshot={},
                                     proposed_at=reports.datetime(2026, 8, 3, 9, tzinfo=reports.timescales.LONDON)))
        db.session.flush()
        report_aggregates.refresh()
        for who, team in (("service_lead", None), ("manager_north", "north")):
            board = reports.outcomes(w.user(who), filters())
            scope = [Case.team_id == w.teams[team]] if team else []
            live_claims = dict(db.session.execute(
                select(Claim.state, func.count()).join(Case, Case.id == Claim.case_id).where(*scope)
                .group_by(Claim.state)).all())
            shown = {row[0]: row[-1] for row in board.table("claims").rows}
            assert shown == {reports.CLAIM_STATES[s]: live_claims.get(s, 0) for s in reports.ClaimState}
            live_sustained = db.session.scalar(
                select(func.count()).select_from(FamilyOutcome).join(Case, Case.id == FamilyOutcome.case_id)
                .where(*scope, FamilyOutcome.progress_sustained_on.between(START, END)))
            live_employed = db.session.scalar(
                select(func.count()).select_from(FamilyOutcome).join(Case, Case.id == FamilyOutcome.case_id)
                .where(*scope, FamilyOutcome.employment_sustained_on.between(START, END)))
            assert board.table("sustained").rows == [["Significant and sustained progress", live_sustained],
                                                    ["Continuous employment", live_employed]]
            if team is None:  # the test's own count, not the database's
                assert live_sustained == sum(1 for n in range(len(families)) if n % 3 != 2)
                assert sum(live_claims.values()) == live_sustained
        db.session.rollback()


def test_the_worker_rebuilds_the_daily_totals_once_a_night_after_the_set_hour(app):
    """A county's rebuild takes minutes of CPU: once a night after CASEFLOW_REPORT_REFRESH_HOUR
    (London time), never at whatever hour a worker happened to start, and at once if there are
    no totals at all."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    import time_machine
    from sqlalchemy import delete

    from caseflow.readmodels import report_aggregates
    from caseflow.readmodels.models import AggregateRefresh

    london = ZoneInfo("Europe/London")
    with app.app_context():
        db.session.execute(delete(AggregateRefresh))
        assert report_aggregates.due(2)  # none yet: at once
        with time_machine.travel(datetime(2026, 7, 14, 2, 5, tzinfo=london), tick=False):
            report_aggregates.refresh()
            db.session.flush()
        for moment, due in [((2026, 7, 14, 9, 0), False), ((2026, 7, 15, 1, 59), False),  # the same night's
                            ((2026, 7, 15, 2, 0), True), ((2026, 7, 16, 13, 0), True),     # the next night's
                            ((2026, 12, 1, 2, 30), True)]:  # across the clocks going back
            with time_machine.travel(datetime(*moment, tzinfo=london), tick=False):
                assert report_aggregates.due(2) is due, moment
        with time_machine.travel(datetime(2026, 7, 15, 0, 30, tzinfo=london), tick=False):
            assert report_aggregates.due(0) is True and report_aggregates.due(1) is False
        db.session.rollback()
