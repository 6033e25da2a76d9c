"""The generated demo looks like a real service (issue 20, point 13): nothing dated after today,
caseloads within capacity, reviews due on the cadence the chronology shows, only some requests
overdue, next week's panel as the README says, and a triage level on every case past the door."""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, select, text

from caseflow.allocation.services import HELD_STAGES
from caseflow.auth.models import User
from caseflow.cases.models import Case
from caseflow.core import timescales
from caseflow.core.extensions import db
from caseflow.core.unit_of_work import unit_of_work
from caseflow.demo import ensure_demo_data
from caseflow.frontdoor.models import RequestForHelp
from caseflow.frontdoor.services import triage_due_at
from caseflow.panels.models import Panel
from caseflow.plans import deadlines
from caseflow.plans.models import Plan, Review

# Every column that records when something happened (not when something is due or targeted).
HAPPENED = {
    "cases": ["opened_at", "closed_at", "created_at"], "case_transitions": ["at"],
    "requests_for_help": ["received_at"], "triage_decisions": ["decided_at"],
    "assessments": ["started_at", "completed_at", "updated_at"], "plans": ["agreed_at"],
    "reviews": ["held_on", "recorded_at"], "contacts": ["occurred_on", "recorded_at"],
    "consents": ["given_on", "recorded_at"], "partner_events": ["occurred_at", "received_at"],
    "step_ups": ["requested_at", "responded_at"], "step_downs": ["requested_at"],
    "statutory_statuses": ["started_on", "ended_on"], "people": ["date_of_birth", "created_at"],
    "notifications": ["created_at"],
    "panel_nominations": ["nominated_at", "discussed_at"], "panel_actions": ["agreed_at", "followed_up_at"],
    "panel_contributions": ["updated_at"],
    "dash_checklists": ["completed_on", "marac_referred_on", "recorded_at"],
    "wheel_scorings": ["scored_on", "recorded_at"], "concern_patterns": ["first_at", "last_at", "created_at"],
    "identification_runs": ["as_of", "created_at", "finished_at"], "identified_families": ["decided_at"],
    "monitoring_periods": ["started_on", "reviewed_on"], "monitoring_check_ins": ["done_on", "recorded_at"],
    "case_signposts": ["chosen_at"], "advice_calls": ["called_at"], "step_down_contacts": ["recorded_at"],
    "local_services": ["updated_at"],
}


def test_the_generated_demo_looks_like_a_real_service(app):
    """One load (the tables are emptied after each test), every invariant checked on it."""
    with app.app_context():
        with unit_of_work():
            ensure_demo_data(families=300)
        every_demo_moment_is_in_the_past()
        caseloads_are_within_each_keyworkers_capacity_and_every_keyworker_has_work()
        reviews_are_due_on_the_cadence_the_chronology_shows_and_only_some_are_late()
        requests_waiting_for_triage_are_spread_so_only_some_are_overdue()
        the_panel_meets_next_week_with_cases_waiting_for_it()
        every_case_past_the_front_door_has_a_triage_level()
        action_and_impact_met_last_month_and_its_actions_are_in_the_family_plans()
        the_practice_tools_and_alerts_show_in_the_demo()
        a_past_identification_run_proposed_a_few_families_one_dismissed()


def _as_moment(value):
    if isinstance(value, str):  # SQLite hands back text
        value = datetime.fromisoformat(value) if (" " in value or "T" in value) else date.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value


def every_demo_moment_is_in_the_past():
    now = datetime.now(timezone.utc)
    for table, columns in HAPPENED.items():
        for column in columns:
            latest = _as_moment(db.session.execute(text(f"SELECT max({column}) FROM {table}")).scalar())
            if latest is None:
                continue
            if isinstance(latest, datetime):
                assert latest <= now, f"{table}.{column} = {latest}"
            else:
                assert latest <= timescales.today_london(), f"{table}.{column} = {latest}"


def caseloads_are_within_each_keyworkers_capacity_and_every_keyworker_has_work():
    held = dict(db.session.execute(select(Case.keyworker_id, func.count()).where(Case.stage.in_(HELD_STAGES))
                                   .group_by(Case.keyworker_id)).all())
    keyworkers = db.session.scalars(select(User).where(User.role == "keyworker")).all()
    assert None not in held and len(keyworkers) >= 4
    for keyworker in keyworkers:
        assert 0 < held.get(keyworker.id, 0) <= keyworker.caseload_capacity, keyworker.name


def reviews_are_due_on_the_cadence_the_chronology_shows_and_only_some_are_late():
    today = timescales.today_london()
    reviewing = db.session.scalars(select(Case).where(Case.stage == "reviewing")).all()
    assert len(reviewing) >= 10
    late = 0
    for case in reviewing:
        last = db.session.scalar(select(func.max(Review.held_on)).where(Review.case_id == case.id))
        agreed = db.session.scalar(select(Plan.agreed_at).where(Plan.case_id == case.id))
        expected = deadlines.next_review_on(_as_moment(last) if last else _as_moment(agreed))
        assert case.review_due_on == expected, case.reference
        late += case.review_due_on < today
    assert 0 < late < len(reviewing) / 2


def requests_waiting_for_triage_are_spread_so_only_some_are_overdue():
    now = datetime.now(timezone.utc)
    waiting = db.session.scalars(select(RequestForHelp).where(RequestForHelp.status == "new")).all()
    overdue = Counter(now > triage_due_at(r) for r in waiting)
    assert overdue[True] >= 1 and overdue[False] > overdue[True]


def the_panel_meets_next_week_with_cases_waiting_for_it():
    today = timescales.today_london()
    panels = db.session.scalars(select(Panel).where(Panel.kind == "allocation")).all()  # not Action and Impact
    assert len(panels) == 1
    meets = panels[0].meets_on
    assert meets.isocalendar()[:2] == (today + timedelta(weeks=1)).isocalendar()[:2] or \
        (meets > today and not any(timescales.is_working_day(today + timedelta(days=7 - today.weekday() + d))
                                   for d in range(meets.weekday())))
    assert timescales.is_working_day(meets)
    waiting = db.session.scalar(select(func.count()).select_from(Case).where(Case.stage == "awaiting_panel"))
    assert waiting >= 3


def every_case_past_the_front_door_has_a_triage_level():
    past_the_door = db.session.scalars(select(Case).where(Case.stage != "requested")).all()
    assert past_the_door
    assert all(c.level_of_need in (1, 2, 3, 4) and c.rag for c in past_the_door)
    held_levels = {c.level_of_need for c in past_the_door if c.stage in HELD_STAGES}
    assert held_levels <= {2, 3}
    assert all(c.level_of_need == 4 for c in past_the_door if c.stage == "social_care")


def action_and_impact_met_last_month_and_its_actions_are_in_the_family_plans():
    from caseflow.panels.models import PanelAction, PanelNomination
    from caseflow.plans.models import PlanAction

    today = timescales.today_london()
    meetings = db.session.scalars(select(Panel).where(Panel.kind == "escalation").order_by(Panel.meets_on)).all()
    assert [m.meets_on < today for m in meetings] == [True, False]
    discussed = db.session.scalars(select(PanelNomination).where(PanelNomination.panel_id == meetings[0].id)).all()
    assert discussed and all(n.status == "discussed" for n in discussed)
    actions = db.session.scalars(select(PanelAction)).all()
    assert len(actions) == len(discussed)
    for action in actions:
        in_plan = db.session.get(PlanAction, action.plan_action_id)
        assert in_plan.description == action.description and in_plan.due_date == action.due_on
    assert db.session.scalar(select(func.count()).select_from(PanelNomination).where(
        PanelNomination.panel_id == meetings[1].id, PanelNomination.status == "waiting")) >= 1


def the_practice_tools_and_alerts_show_in_the_demo():
    """DASH checklists (some at the MARAC threshold, referred), outcome wheels scored at
    assessment and again at reviews, a pattern of concerns told to the front door, and schools
    told the Operation Encompass minimum data."""
    from caseflow.notify.models import ConcernPattern, Notification
    from caseflow.practice.models import DashChecklist, WheelScoring

    checklists = db.session.scalars(select(DashChecklist)).all()
    assert checklists and any(c.marac_referred_on for c in checklists) and any(not c.marac_reasons for c in checklists)
    occasions = Counter(db.session.scalars(select(WheelScoring.occasion)))
    assert occasions["assessment"] and occasions["review"]
    assert db.session.scalar(select(func.count()).select_from(ConcernPattern)) >= 1
    alerted = db.session.scalars(select(Notification.title).where(Notification.type == "concern_pattern")).all()
    assert alerted and all("within 7 days" in title for title in alerted)
    told = db.session.scalars(select(Notification.body).where(Notification.title.startswith("Operation Encompass"))).all()
    assert told and all("Police reference: NP-DEMO-" in body and "Place: The family home" in body for body in told)


def a_past_identification_run_proposed_a_few_families_one_dismissed():
    from caseflow.identification.models import IdentificationRun, IdentifiedFamily, IdentifiedProblem

    [run] = db.session.scalars(select(IdentificationRun)).all()
    assert run.state == "done" and run.as_of < timescales.today_london()
    states = Counter(db.session.scalars(select(IdentifiedFamily.state).where(IdentifiedFamily.run_id == run.id)))
    assert states["dismissed"] == 1 and 3 <= states["proposed"] <= 6, states
    # every proposed family has at least two problems, each with its evidence counted
    counts = Counter(db.session.scalars(select(IdentifiedProblem.family_id).where(IdentifiedProblem.run_id == run.id)))
    assert len(counts) == sum(states.values()) and min(counts.values()) >= 2
