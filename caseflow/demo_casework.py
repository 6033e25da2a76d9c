"""Demo casework: the assessments, plans, visits and TAF reviews behind the demo cases' stages,
so a keyworker signing in to the demo finds families part-way through real work.

Written straight to the models (not through the services) because it back-dates history."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from caseflow.core import timescales
from caseflow.core.vocab import HEADLINE_PROBLEMS
from caseflow.core.extensions import db
from caseflow.plans import deadlines
from caseflow.plans.models import Assessment, Contact, Plan, PlanAction, PlanOutcome, Review

OUTCOMES = {
    "crime_asb": ("{child} stays out of trouble: no anti-social behaviour reports", "Police and housing ASB reports for 6 months"),
    "education": ("{child} goes to school every day", "Attendance of 90% or more for a full term"),
    "children_need_help": ("{child} feels safe and settled at home", "{child}'s own score on the wellbeing scale"),
    "worklessness": ("{parent} starts training or work", "Enrolled on a course or in work for 13 weeks"),
    "domestic_abuse": ("The family is safe from abuse", "No further incidents; safety plan in place"),
    "health": ("{parent} gets help with their health", "Regular appointments kept with the GP or service"),
}
ACTIONS = {
    "crime_asb": "Referral to the youth diversion programme",
    "education": "Attendance support meeting with the school",
    "children_need_help": "Weekly one-to-one sessions",
    "worklessness": "Appointment with the Jobcentre work coach",
    "domestic_abuse": "Referral to the domestic abuse outreach service",
    "health": "Support to register and attend GP appointments",
}
OWNER_ORG = {"education": "Riverside Academy", "worklessness": "Jobcentre Plus Northshire",
             "domestic_abuse": "Family Action Northshire", "health": "Castle Street Medical Practice"}
VOICES = ["I don't like it when mum and dad shout.", "I want to go back to football.",
          "School is boring but I miss my friends.", "I worry about mum.", "(Observed) Settled and playful with mum."]


def seed(rng, case, people, concerns, moments, closure, users, orgs) -> None:
    # Its own random stream, so adding casework never changes which journeys the demo's
    # families take (the demo test counts on a spread of stages).
    rng = random.Random(f"{rng.getstate()[1][0]}:{case.reference}")
    _social_care(rng, case, moments, users)
    if "allocate" not in moments:
        return
    keyworker_id = case.keyworker_id
    now = datetime.now(timezone.utc)
    if "start_assessment" not in moments:
        case.assessment_due_on = deadlines.assessment_due_on(moments["allocate"])
        return
    parent, children = people[0], people[1:]
    problems = [c for c in concerns if c in HEADLINE_PROBLEMS]
    completed = moments.get("complete_assessment")
    assessment = Assessment(
        case_id=case.id, status="complete" if completed else "draft", started_by_id=keyworker_id,
        updated_by_id=keyworker_id, started_at=moments["start_assessment"], updated_at=completed or moments["start_assessment"],
        due_on=deadlines.assessment_due_on(moments["allocate"]), completed_at=completed,
        completed_by_id=keyworker_id if completed else None,
        members=[{"person_id": p.id, "name": p.full_name, "relationship": "parent_carer" if p is parent else "child",
                  "date_of_birth": p.date_of_birth.isoformat() if p.date_of_birth else None, "worked_with": True,
                  "voice": rng.choice(VOICES) if p is not parent else ""} for p in people],
        family_views=f"{parent.given_name} says things have been hard and wants help to turn them round.",
        domains={c: {"strengths": "The family want things to change.", "needs": "See the request for help."} for c in problems},
        confirmed_problems=problems if completed else [],
        baseline={c: rng.randint(1, 4) for c in problems} if completed else {})
    db.session.add(assessment)
    if not completed:
        case.assessment_due_on = assessment.due_on
        return
    wheel_scores = _wheel(rng, case, "assessment", completed.date(), keyworker_id, None)
    if "domestic_abuse" in problems:
        _dash(rng, case, parent, completed, keyworker_id, now)
    names = {"child": children[0].given_name if children else parent.given_name, "parent": parent.given_name}
    plan = Plan(case_id=case.id, updated_by_id=keyworker_id, status="draft", outcomes=[], actions=[])
    for position, code in enumerate(problems):
        description, measure = OUTCOMES[code]
        outcome = PlanOutcome(position=position, headline_problem=code, description=description.format(**names),
                              measure=measure.format(**names), target_date=(completed + timedelta(days=180)).date())
        plan.outcomes.append(outcome)
    agreed = moments.get("agree_plan")
    db.session.add(plan)
    db.session.flush()
    for position, outcome in enumerate(plan.outcomes):
        org = orgs.get(OWNER_ORG.get(outcome.headline_problem))
        plan.actions.append(PlanAction(position=position, outcome_id=outcome.id, description=ACTIONS[outcome.headline_problem],
                                       owner_user_id=None if org else keyworker_id,
                                       owner_organisation_id=org.id if org else None,
                                       due_date=(completed + timedelta(days=42)).date(),
                                       status="done" if closure else rng.choice(["not_started", "in_progress", "done"])))
    _contacts(rng, case, people, moments, closure, keyworker_id, now)
    if not agreed:
        return
    plan.status, plan.agreed_at, plan.agreed_by_id, plan.family_agreed = "agreed", agreed, keyworker_id, True
    end = case.closed_at or now
    # The day the plan was agreed in London, as the service counts it: an evening agreement in
    # summer is already the next day there (the UTC date would put the first review a day early).
    held, scores = timescales.to_london(agreed).date(), dict(assessment.baseline)
    while True:
        held = deadlines.next_review_on(held)
        # Some teams run late: about one in five open cases is past its review date.
        if held > timescales.to_london(end).date() or (not closure and rng.random() < 0.2 and held > (now - timedelta(days=60)).date()):
            break
        scores = {c: min(10, s + rng.randint(0, 2)) for c, s in scores.items()}
        wheel_scores = _wheel(rng, case, "review", held, keyworker_id, wheel_scores)
        db.session.add(Review(case_id=case.id, held_on=held, decision="continue", recorded_by_id=keyworker_id,
                              attendees=[{"name": "Keyworker", "organisation": "Northshire Council Early Help"},
                                         {"name": parent.full_name, "organisation": "Parent"}],
                              progress={o.id: scores[o.headline_problem] for o in plan.outcomes},
                              notes="Progress reviewed with the family.", next_review_on=deadlines.next_review_on(held)))
    if case.closed_at:
        for outcome in plan.outcomes:
            outcome.status = "achieved" if scores.get(outcome.headline_problem, 0) >= 6 else "partly_achieved"
        case.closure_summary = "The family has met the goals in their plan and knows where to turn."
        case.family_feedback = "Having one worker who knew us made the difference."
    else:
        # The next review is due on the cadence from the last one held (or from the plan's
        # agreement): `held` is that date, past for the one case in five whose team runs late.
        case.review_due_on = held


def _wheel(rng, case, occasion, day, keyworker_id, before: dict | None) -> dict:
    """The outcome wheel scored with the family: a low baseline at assessment, creeping up at
    each review (the family a little more hopeful than the keyworker)."""
    from caseflow.practice import wheel
    from caseflow.practice.models import WheelScore, WheelScoring

    areas = wheel.active_areas()
    if before is None:
        scores = {a.id: (rng.randint(2, 5), rng.randint(2, 4)) for a in areas}
    else:
        scores = {a.id: (min(10, f + rng.randint(0, 2)), min(10, k + rng.randint(0, 2)))
                  for a in areas for f, k in [before.get(a.id, (3, 3))]}
    db.session.add(WheelScoring(case_id=case.id, occasion=occasion, scored_on=day, scored_by_id=keyworker_id,
                                comment=rng.choice(WHEEL_COMMENTS),
                                scores=[WheelScore(area_id=area_id, family_score=f, worker_score=k)
                                        for area_id, (f, k) in scores.items()]))
    return scores


WHEEL_COMMENTS = ["Mum said mornings are still the hardest part of the day.",
                  "The children chose their own scores for school and routines.",
                  "Dad scored home and money low: the rent arrears worry him.", None]


def _dash(rng, case, parent, completed, keyworker_id, now) -> None:
    """A DASH checklist with the adult victim at assessment; at the MARAC threshold, the referral."""
    from caseflow.practice.models import DashChecklist
    from caseflow.practice.vocab import DASH_CODES, MARAC_THRESHOLD

    yes = set(rng.sample(DASH_CODES, rng.randint(6, 18)))
    checklist = DashChecklist(case_id=case.id, victim_id=parent.id, completed_on=completed.date(),
                              answers={c: "yes" if c in yes else rng.choice(["no", "no", "not_known"]) for c in DASH_CODES},
                              notes={"injury": "Bruising to the arm, seen by the GP."} if "injury" in yes else None,
                              escalation=rng.random() < 0.1, completed_by_id=keyworker_id)
    referred = completed + timedelta(days=1)
    if (len(yes) >= MARAC_THRESHOLD or checklist.escalation) and referred < now:
        checklist.marac_referred_on = referred.date()
    db.session.add(checklist)


def _contacts(rng, case, people, moments, closure, keyworker_id, now) -> None:
    start = moments["start_assessment"]
    end = case.closed_at or now
    day, count, last = start, 0, None
    while day < end and count < 12:
        missed = closure == "family_disengaged" or rng.random() < 0.1
        last = Contact(case_id=case.id, occurred_on=day.date(), recorded_by_id=keyworker_id, recorded_at=day,
                       contact_type="missed_visit" if missed else rng.choice(["home_visit", "home_visit", "phone_call", "school_meeting"]),
                       people_seen=[] if missed else [p.id for p in people[:2]],
                       notes="No answer; card left." if missed else "Talked through how the week had gone.")
        db.session.add(last)
        day, count = day + timedelta(days=rng.randint(7, 21)), count + 1
    if last is not None and not closure:
        # The keyworker booked the next visit at the last one: it is in the next fortnight.
        last.next_visit_on = now.date() + timedelta(days=rng.randint(1, 14))


def _social_care(rng, case, moments, users) -> None:
    """Step-up and step-down records behind the demo's social care journeys."""
    from caseflow.core import timescales
    from caseflow.socialcare.models import StatutoryStatus, StepDown, StepUp
    from caseflow.socialcare.services import respond_by

    if "step_up" not in moments:
        return
    up = moments["step_up"]
    worker = users["socialworker"]
    # Social care decided within the step-up's deadline (its MASH answers within hours).
    db.session.add(StepUp(case_id=case.id, from_stage="requested", requested_by_id=users["frontdoor"].id, requested_at=up,
                          reason="Disclosure at school: section 47 threshold met.",
                          concern="Child at risk of significant harm.", informed=["School DSL"], family_informed=True,
                          urgency="immediate", respond_by=respond_by("immediate", up),
                          response=rng.choice(["accepted_for_assessment", "strategy_discussion"]),
                          response_note="Single assessment opened.", responded_by_id=users["socialworker"].id,
                          responded_at=min(respond_by("immediate", up), up + timedelta(minutes=rng.randint(20, 110)))))
    case.social_worker_id = worker.id
    started = timescales.to_london(up).date() + timedelta(days=rng.randint(1, 10))
    down = moments.get("step_down")
    db.session.add(StatutoryStatus(case_id=case.id, status=rng.choice(["child_in_need", "child_protection_plan"]),
                                   started_on=started, ended_on=timescales.to_london(down).date() if down else None,
                                   recorded_by_id=worker.id, recorded_at=up))
    if down:
        db.session.add(StepDown(case_id=case.id, requested_by_id=worker.id, requested_at=down,
                                reason="Risk reduced; the family is engaging.", still_needed="Whole-family support.",
                                handover_due_on=timescales.add_working_days(timescales.to_london(down).date(), 10),
                                route="panel"))
