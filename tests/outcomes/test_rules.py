"""The outcome rules at every boundary (caseflow.outcomes.rules: pure functions, no database)."""
from __future__ import annotations

from datetime import date, timedelta

from caseflow.outcomes import rules
from caseflow.outcomes.frameworks import CONTINUOUS_EMPLOYMENT, SIX_HEADLINE_PROBLEMS, shipped
from caseflow.outcomes.rules import MET, NOT_MET, SUSTAINED, Evidence

PLAN_START = date(2025, 9, 1)
ATTENDANCE = {"measure": "attendance", "threshold_pct": 90, "terms": 3}
TERMS = [(date(2025, 9, 3), date(2025, 12, 19)), (date(2026, 1, 5), date(2026, 3, 27)),
         (date(2026, 4, 13), date(2026, 7, 22)), (date(2026, 9, 2), date(2026, 12, 18))]


def term(person, index, pct):
    start, end = TERMS[index]
    return Evidence(person, "attendance", start, end, pct)


def test_attendance_sustained_on_the_last_day_of_the_third_term_not_the_day_before():
    evidence = [term("leah", 0, 92), term("leah", 1, 95), term("leah", 2, 91)]
    last_day = TERMS[2][1]
    before = rules.attendance(evidence, ATTENDANCE, PLAN_START, last_day - timedelta(days=1))
    on = rules.attendance(evidence, ATTENDANCE, PLAN_START, last_day)
    assert (before.status, before.sustained_on) == (MET, last_day)
    assert (on.status, on.sustained_on, on.met_since) == (SUSTAINED, last_day, TERMS[0][0])


def test_a_slip_inside_the_sustain_period_starts_the_count_again():
    evidence = [term("leah", 0, 92), term("leah", 1, 85), term("leah", 2, 93)]
    status = rules.attendance(evidence, ATTENDANCE, PLAN_START, date(2026, 8, 1))
    assert status.status == MET
    assert status.met_since == TERMS[2][0]  # the run restarts with the summer term
    assert status.sustained_on > TERMS[3][1]  # two more terms needed: not before spring 2027
    # Long after, with no more terms recorded, it is still only met: never sustained on a projection.
    assert rules.attendance(evidence, ATTENDANCE, PLAN_START, date(2030, 1, 1)).status == MET


def test_the_threshold_itself_counts_as_met():
    evidence = [term("leah", i, 90) for i in range(3)]
    assert rules.attendance(evidence, ATTENDANCE, PLAN_START, TERMS[2][1]).status == SUSTAINED
    evidence[1] = term("leah", 1, 89.9)
    assert rules.attendance(evidence, ATTENDANCE, PLAN_START, TERMS[2][1]).status == MET


def test_a_missing_term_breaks_the_run():
    evidence = [term("leah", 0, 95), term("leah", 2, 95), term("leah", 3, 95)]
    status = rules.attendance(evidence, ATTENDANCE, PLAN_START, TERMS[3][1])
    assert status.status == MET and status.met_since == TERMS[2][0]


def test_a_missing_term_for_one_sibling_breaks_the_family_run():
    evidence = [term("leah", i, 95) for i in range(3)] + [term("jay", 0, 95), term("jay", 2, 95)]
    assert rules.attendance(evidence, ATTENDANCE, PLAN_START, TERMS[2][1]).status == MET


def test_every_child_must_attend():
    evidence = [term("leah", i, 95) for i in range(3)] + [term("jay", i, 80) for i in range(3)]
    assert rules.attendance(evidence, ATTENDANCE, PLAN_START, TERMS[2][1]).status == NOT_MET


def test_an_exclusion_in_a_term_breaks_it():
    evidence = [term("leah", i, 95) for i in range(3)] + [Evidence("leah", "exclusion", date(2026, 2, 10),
                                                                   code="fixed_term")]
    status = rules.attendance(evidence, ATTENDANCE, PLAN_START, TERMS[2][1])
    assert status.status == MET and status.met_since == TERMS[2][0]


def test_no_attendance_records_is_not_met():
    assert rules.attendance([], ATTENDANCE, PLAN_START, TERMS[2][1]).status == NOT_MET


CRIME = {"measure": "incident_reduction", "reductions": {"offence": 33, "asb": 60}, "months": 6}


def asb(day):
    return Evidence("jay", "asb", day)


def test_incidents_reduced_sustained_six_months_after_the_plan_started():
    # 5 ASB incidents in the six months before: 60% fewer allows 2 in a period.
    evidence = [asb(date(2025, m, 10)) for m in (3, 4, 5, 6, 7)] + [asb(date(2025, 10, 1)), asb(date(2025, 11, 1))]
    sustained_on = date(2026, 3, 1)
    assert rules.incident_reduction(evidence, CRIME, PLAN_START, sustained_on - timedelta(days=1)).status == MET
    status = rules.incident_reduction(evidence, CRIME, PLAN_START, sustained_on)
    assert (status.status, status.met_since, status.sustained_on) == (SUSTAINED, PLAN_START, sustained_on)


def test_too_many_incidents_inside_the_period_restart_it_the_next_day():
    evidence = [asb(date(2025, m, 10)) for m in (3, 4, 5, 6, 7)] + [asb(date(2025, 10, d)) for d in (1, 2, 3)]
    status = rules.incident_reduction(evidence, CRIME, PLAN_START, date(2026, 3, 1))
    assert (status.status, status.met_since, status.sustained_on) == (MET, date(2025, 10, 4), date(2026, 4, 4))


def test_one_offence_before_allows_none_after():
    evidence = [Evidence("jay", "offence", date(2025, 5, 1)), Evidence("jay", "offence", date(2025, 12, 1))]
    status = rules.incident_reduction(evidence, CRIME, PLAN_START, date(2026, 3, 1))
    assert status.met_since == date(2025, 12, 2) and status.status == MET


def test_no_incidents_before_the_plan_means_no_fall_to_show():
    assert rules.incident_reduction([], CRIME, PLAN_START, date(2026, 6, 1)).status == NOT_MET
    after_only = [asb(date(2025, 10, 1))]
    assert rules.incident_reduction(after_only, CRIME, PLAN_START, date(2026, 6, 1)).status == NOT_MET


def test_an_incident_on_the_day_asked_is_not_met():
    evidence = [Evidence("mum", "domestic_abuse_incident", date(2025, 8, 1)),
                Evidence("mum", "domestic_abuse_incident", date(2025, 10, 1))]
    outcome = {"measure": "incident_reduction", "reductions": {"domestic_abuse_incident": 100}, "months": 6}
    assert rules.incident_reduction(evidence, outcome, PLAN_START, date(2025, 10, 1)).status == NOT_MET


def job(start, end):
    return Evidence("mum", "employment", start, end)


ON_JSA = Evidence("mum", "benefit_claim", date(2024, 1, 1), date(2025, 9, 14), code="jsa")


def test_continuous_employment_counts_26_of_30_weeks_across_gaps():
    first = date(2025, 9, 15)
    # 10 weeks in work, a 2-week gap, 16 weeks in work: 26 weeks inside 28.
    evidence = [ON_JSA, job(first, first + timedelta(weeks=10, days=-1)),
                job(first + timedelta(weeks=12), first + timedelta(weeks=28, days=-1))]
    done_on = first + timedelta(weeks=28, days=-1)
    status = rules.continuous_employment(evidence, CONTINUOUS_EMPLOYMENT, PLAN_START, date(2026, 6, 1))
    assert (status.status, status.sustained_on, status.person_id) == (SUSTAINED, done_on, "mum")
    day_before = rules.continuous_employment(evidence, CONTINUOUS_EMPLOYMENT, PLAN_START, done_on - timedelta(days=1))
    assert (day_before.status, day_before.sustained_on) == (MET, done_on)


def test_gaps_that_leave_fewer_than_26_weeks_in_any_30_do_not_count():
    first = date(2025, 9, 15)
    # 13 weeks, 5 weeks off, 13 weeks: any 30-week window holds at most 25 weeks.
    evidence = [ON_JSA, job(first, first + timedelta(weeks=13, days=-1)),
                job(first + timedelta(weeks=18), first + timedelta(weeks=31, days=-1))]
    status = rules.continuous_employment(evidence, CONTINUOUS_EMPLOYMENT, PLAN_START, date(2026, 12, 1))
    assert status.status == NOT_MET


def test_still_in_work_is_met_with_the_date_it_will_be_sustained():
    first = date(2025, 9, 15)
    evidence = [ON_JSA, job(first, None)]
    status = rules.continuous_employment(evidence, CONTINUOUS_EMPLOYMENT, PLAN_START, date(2025, 12, 1))
    assert status.status == MET
    assert status.sustained_on == first + timedelta(weeks=26, days=-1)


def test_the_13_week_variant_for_claimants_of_listed_benefits():
    first = date(2025, 9, 15)
    on_esa = Evidence("mum", "benefit_claim", date(2024, 1, 1), date(2025, 9, 14), code="esa")
    evidence = [on_esa, job(first, first + timedelta(weeks=13, days=-1))]
    done_on = first + timedelta(weeks=13, days=-1)
    assert rules.continuous_employment(evidence, CONTINUOUS_EMPLOYMENT, PLAN_START, done_on).status == SUSTAINED
    assert rules.continuous_employment(evidence, CONTINUOUS_EMPLOYMENT, PLAN_START,
                                       done_on - timedelta(days=1)).status == MET
    # The same 13 weeks for a JSA claimant is not enough.
    assert rules.continuous_employment([ON_JSA] + evidence[1:], CONTINUOUS_EMPLOYMENT, PLAN_START,
                                       date(2026, 9, 1)).status == NOT_MET


def test_work_while_still_claiming_does_not_count_nor_does_work_without_a_claim_before():
    first = date(2025, 9, 15)
    still_claiming = Evidence("mum", "benefit_claim", date(2024, 1, 1), None, code="jsa")
    assert rules.continuous_employment([still_claiming, job(first, None)], CONTINUOUS_EMPLOYMENT, PLAN_START,
                                       date(2026, 9, 1)).status == NOT_MET
    assert rules.continuous_employment([job(first, None)], CONTINUOUS_EMPLOYMENT, PLAN_START,
                                       date(2026, 9, 1)).status == NOT_MET


def test_keyworker_record_sustained_after_the_months_and_a_slip_restarts_it():
    outcome = {"measure": "keyworker_confirmed", "months": 6}
    met = Evidence("mum", "keyworker_outcome", date(2025, 10, 1), value=1, code="health")
    assert rules.keyworker_confirmed([met], outcome, PLAN_START, date(2026, 3, 31), "health").status == MET
    assert rules.keyworker_confirmed([met], outcome, PLAN_START, date(2026, 4, 1), "health").status == SUSTAINED
    slipped = Evidence("mum", "keyworker_outcome", date(2026, 1, 1), value=0, code="health")
    assert rules.keyworker_confirmed([met, slipped], outcome, PLAN_START, date(2026, 6, 1), "health").status == NOT_MET
    other = Evidence("mum", "keyworker_outcome", date(2025, 10, 1), value=1, code="education")
    assert rules.keyworker_confirmed([other], outcome, PLAN_START, date(2026, 6, 1), "health").status == NOT_MET


def test_a_family_is_sustained_only_when_every_confirmed_problem_is():
    evidence = [term("leah", i, 95) for i in range(3)]
    progress = rules.family_progress(SIX_HEADLINE_PROBLEMS, ["education"], evidence, PLAN_START, TERMS[2][1])
    assert progress.all_sustained and progress.progress_sustained_on == TERMS[2][1]
    health = Evidence("mum", "keyworker_outcome", date(2026, 3, 1), value=1, code="health")
    both = rules.family_progress(SIX_HEADLINE_PROBLEMS, ["education", "health"], evidence + [health], PLAN_START,
                                 TERMS[2][1])
    assert not both.all_sustained and both.progress_sustained_on is None
    assert rules.family_progress(SIX_HEADLINE_PROBLEMS, [], evidence, PLAN_START, TERMS[2][1]).all_sustained is False


def test_the_supporting_families_framework_maps_the_assessment_to_its_outcomes():
    definition = shipped("supporting_families_2022")
    assert len(definition["problems"]) == 10
    codes = [p["code"] for p in rules.family_problems(definition, ["education", "crime_asb"])]
    assert codes == ["good_education", "crime"]


def test_months_add_to_the_last_day_of_a_short_month():
    assert rules.add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)
    assert rules.add_months(date(2025, 3, 10), -6) == date(2024, 9, 10)


def test_a_worklessness_problem_with_its_own_thresholds_is_judged_by_them_not_the_plans():
    """The family's continuous employment (the plan's thresholds) is worked out once and reused
    for a problem measured by it; a problem whose outcome sets other thresholds gets its own."""
    first = date(2025, 9, 15)
    evidence = [ON_JSA, job(first, first + timedelta(weeks=20, days=-1))]  # 20 weeks in work
    as_of = date(2026, 9, 1)
    plan = shipped("six_headline_problems")
    progress = rules.family_progress(plan, ["worklessness"], evidence, PLAN_START, as_of)
    assert progress.employment.status == NOT_MET and progress.problems[0].status == progress.employment
    lenient = shipped("six_headline_problems")
    problem = next(p for p in lenient["problems"] if p["code"] == "worklessness")
    problem["outcome"] = {**problem["outcome"], "weeks": 20, "window_weeks": 24}
    progress = rules.family_progress(lenient, ["worklessness"], evidence, PLAN_START, as_of)
    assert progress.employment.status == NOT_MET  # the plan's own 26 of 30 weeks
    assert (progress.problems[0].status.status, progress.problems[0].status.sustained_on) == (
        SUSTAINED, first + timedelta(weeks=20, days=-1))
