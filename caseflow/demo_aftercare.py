"""The demo after closure (issue 20, points 8-10): Northshire's directory of local services,
recently closed cases in their monitoring period (check-ins done on the dates they fell due, the
rest still to come), one whose outcome review has closed it fully, a step-down named contact,
families signposted from the directory, joint visits, and the front door's advice line.

Every moment recorded is in the past; only due dates (check-ins, outcome reviews) lie ahead."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from dateutil.relativedelta import relativedelta
from flask import current_app
from sqlalchemy import select

from caseflow.cases.models import Case, CaseTransition
from caseflow.core import stages as flow, timescales
from caseflow.core.extensions import db
from caseflow.directory.models import CaseSignpost, LocalService
from caseflow.families.models import Family
from caseflow.frontdoor.models import AdviceCall
from caseflow.plans import monitoring
from caseflow.plans.models import Contact, ContactPractitioner, MonitoringCheckIn, MonitoringPeriod, StepDownContact

SERVICES = [
    ("Riverside Family Hub", "Northshire Council", "Stay and play, parenting groups and a weekly money advice drop-in.",
     ["children_need_help", "worklessness"], "Riverside", "01632 960120", "riverside.hub@northshire.example",
     "Families with children under 11 living in Riverside"),
    ("Step Forward Money Advice", "Citizens Advice Northshire", "Free advice on debt, benefits and rent arrears, by phone or in person.",
     ["worklessness"], "Northshire-wide", "01632 960777", None, None),
    ("Safe Northshire", "Northshire Domestic Abuse Service", "Confidential support, safety planning and groups for survivors of domestic abuse.",
     ["domestic_abuse"], "Northshire-wide", "0808 196 0000", "help@safenorthshire.example", None),
    ("Kooth online counselling", "Kooth", "Free, anonymous online counselling and peer support for young people.",
     ["health", "children_need_help"], "Northshire-wide", None, None, "Young people aged 11 to 25"),
    ("School nurse drop-in", "Northshire Health Visiting Service", "Weekly drop-in at secondary schools: sleep, anxiety, healthy eating.",
     ["health"], "Northshire-wide", "01632 960330", None, "Pupils at Northshire secondary schools"),
    ("Northshire Youth Programme", "Northshire Council Youth Service", "Evening youth clubs, sport and mentoring for young people at risk of getting into trouble.",
     ["crime_asb"], "North locality", "01632 960450", None, "Young people aged 11 to 18"),
    ("Attendance support team", "Northshire Council Education", "Works with schools and families when attendance falls below 90%.",
     ["education"], "Northshire-wide", "01632 960610", "attendance@northshire.example", None),
    ("Jobcentre work coach", "Jobcentre Plus Northshire", "One-to-one support back into work and help with Universal Credit.",
     ["worklessness"], "Northshire-wide", "0800 169 0190", None, "Adults claiming Universal Credit"),
]
RETIRED = ("Millbrook toddler group", "Millbrook Community Centre", "Closed in the summer: the hall is being rebuilt.",
           ["children_need_help"], "Millbrook", None, None, None)

CHECK_IN_NOTES = {"going_well": "Mum says school mornings are calmer; attendance holding.",
                  "some_concerns": "A wobble after half term; Mum knows who to call at school.",
                  "no_contact": "No answer; text sent with the school contact's number."}


def _at(day) -> datetime:
    return datetime.combine(day, time(11, 0), tzinfo=timezone.utc)


def seed(rng, users: dict, orgs: dict) -> None:
    today = timescales.today_london()
    admin, front_door = users["admin"], users["frontdoor"]
    services = []
    for name, org, offers, problems, area, phone, email, eligibility in [*SERVICES, RETIRED]:
        service = LocalService(name=name, organisation=org, offers=offers, problems=problems, area=area, phone=phone,
                               email=email, eligibility=eligibility, active=name != RETIRED[0],
                               updated_by_id=admin.id, updated_at=_at(today - timedelta(days=rng.randint(20, 200))))
        db.session.add(service)
        services.append(service)
    db.session.flush()
    active = [s for s in services if s.active]

    # Families signposted at the door are pointed to a directory service too.
    for case in db.session.scalars(select(Case).where(Case.stage == flow.Stage.SIGNPOSTED).order_by(Case.closed_at)
                                   .limit(12)):
        db.session.add(CaseSignpost(case_id=case.id, service_id=rng.choice(active).id, context="triage",
                                    chosen_by_id=front_door.id, chosen_at=case.closed_at))

    # Cases the keyworker closed in the last few months went into their monitoring period.
    months = current_app.extensions["caseflow.settings"].monitoring_months
    recent = list(db.session.scalars(select(Case).where(
        Case.stage == flow.Stage.CLOSED, Case.closure_reason.in_(["outcomes_achieved", "universal_services"]),
        Case.closed_at >= _at(today - relativedelta(months=months + 2))).order_by(Case.closed_at.desc()).limit(6)))
    for number, case in enumerate(recent):
        closing = db.session.scalar(select(CaseTransition).where(CaseTransition.case_id == case.id,
                                                                 CaseTransition.action == "close"))
        if closing is None:
            continue
        closed_on = timescales.to_london(case.closed_at).date()
        ends_on, due = monitoring.schedule(closed_on)
        closing.action, closing.to_stage = "close_to_monitoring", flow.Stage.MONITORING
        period = MonitoringPeriod(case_id=case.id, started_on=closed_on, ends_on=ends_on,
                                  started_by_id=case.closed_by_id or case.keyworker_id)
        for day in due:
            check_in = MonitoringCheckIn(due_on=day)
            if day < today:  # done when it fell due (or a day or two later)
                done = min(today - timedelta(days=1), timescales.working_day_on_or_after(day + timedelta(days=rng.randint(0, 2))))
                check_in.done_on, check_in.outcome = done, rng.choice(["going_well", "going_well", "some_concerns", "no_contact"])
                check_in.note = CHECK_IN_NOTES[check_in.outcome]
                check_in.recorded_by_id, check_in.recorded_at = case.keyworker_id, _at(done)
            period.check_ins.append(check_in)
        db.session.add(period)
        if ends_on < today:  # the outcome review has been held: the case closed fully then
            reviewed = ends_on
            period.review_outcome, period.review_summary = "sustained", "The change held through the monitoring period."
            period.reviewed_on, period.reviewed_by_id = reviewed, case.keyworker_id
            db.session.add(CaseTransition(case_id=case.id, from_stage=flow.Stage.MONITORING, to_stage=flow.Stage.CLOSED,
                                          action="end_monitoring", actor_id=case.keyworker_id,
                                          reason="Outcome review: sustained", at=_at(reviewed)))
            case.closed_at = _at(reviewed)
        else:
            case.stage, case.closed_at = flow.Stage.MONITORING, None
        if case.closure_reason == "universal_services" or number == 0:
            school = rng.choice([o for o in orgs.values() if o.type == "school"])
            db.session.add(StepDownContact(case_id=case.id, person_name=rng.choice(
                ["Mrs Ola Adeyemi", "Mr Tom Price", "Ms Jas Kaur"]), organisation=school.name,
                how_to_reach="01632 960" + str(rng.randint(200, 999)) + ", via the school office",
                recorded_by_id=case.keyworker_id, recorded_at=_at(closed_on)))
            db.session.add(CaseSignpost(case_id=case.id, service_id=rng.choice(active).id, context="closure",
                                        chosen_by_id=case.keyworker_id, chosen_at=_at(closed_on)))

    # Joint visits: the social worker or a school's designated lead went with the keyworker.
    for contact in db.session.scalars(select(Contact).where(Contact.contact_type == "home_visit")
                                      .order_by(Contact.occurred_on.desc()).limit(40)):
        if rng.random() < 0.25:
            contact.practitioners.append(ContactPractitioner(user_id=rng.choice([users["socialworker"], users["dsl"]]).id))

    # The advice line: practitioners who rang the front door, most about no family in particular.
    families = list(db.session.scalars(select(Family.id).order_by(Family.reference).limit(5)))
    for day in range(14):
        called = datetime.now(timezone.utc) - timedelta(days=day, hours=rng.randint(1, 6))
        db.session.add(AdviceCall(
            called_at=called, caller_name=rng.choice(["Mr Hale", "Ms Obi", "Dr Singh", "Mrs Green"]),
            caller_organisation=rng.choice(["Riverside Academy", "Castle Street Medical Practice", "Northshire Homes",
                                            "Northshire Health Visiting Service"]),
            question=rng.choice(["A pupil is often late and hungry: is this one for early help?",
                                 "Mum has asked for help with her son's behaviour: what can we offer first?",
                                 "Rent arrears and a new baby: who should I refer to?"]),
            advice=rng.choice(["Talk with the family first; if they agree, make a request for help.",
                               "Suggested the Riverside Family Hub parenting group and to call back if it does not help.",
                               "Step Forward Money Advice for the arrears; a request for help if things get harder."]),
            became_request=day % 4 == 0, family_id=families[day % len(families)] if day % 5 == 0 and families else None,
            answered_by_id=front_door.id))
    db.session.flush()
