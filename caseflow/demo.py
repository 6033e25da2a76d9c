"""Demo data: an invented council area ("Northshire") with every kind of organisation, a user for
every role (six keyworkers and two managers in two locality teams), and a few hundred families
with plausible histories: every moment in the past, caseloads within capacity, reviews on the
cadence the chronology shows (tests/test_demo_invariants.py checks these).

Passwords are generated on first load (never stored in the repository) and written, with the
logins, to instance/demo-logins.txt so `caseflow demo` can print them again on later runs.
"""
from __future__ import annotations

import os
import random
import secrets
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

from faker import Faker
from flask import current_app
from sqlalchemy import func, select

from caseflow import (demo_aftercare, demo_casework, demo_consent, demo_identification, demo_notifications,
                      demo_outcomes)
from caseflow.core import stages as flow
from caseflow.auth.models import User
from caseflow.auth.services import create_organisation, create_team, create_user
from caseflow.cases.models import Case
from caseflow.core import audit, timescales
from caseflow.core.extensions import db
from caseflow.families import services as families
from caseflow.families.identifiers import random_nhs_number
from caseflow.frontdoor.models import RequestForHelp, RequestPerson
from caseflow.core.vocab import HEADLINE_PROBLEMS

LOGINS_FILE = "demo-logins.txt"
SEED = 2026

ORGANISATIONS = [
    ("Northshire Council Early Help", "early_help"),
    ("Northshire Children's Social Care", "social_care"),
    ("Northshire Police", "police"),
    ("Riverside Academy", "school"),
    ("St Anne's CE Primary School", "school"),
    ("Northshire High School", "school"),
    ("Millbrook Primary School", "school"),
    ("Castle Street Medical Practice", "gp"),
    ("Riverside Health Centre", "gp"),
    ("Northshire Health Visiting Service", "health_visiting"),
    ("Jobcentre Plus Northshire", "jobcentre"),
    ("Northshire Homes", "housing"),
    ("Family Action Northshire", "voluntary"),
]

TEAMS = [
    ("Front Door", "Northshire Council Early Help"),
    ("North Locality Team", "Northshire Council Early Help"),
    ("South Locality Team", "Northshire Council Early Help"),
    ("Children in Need Team", "Northshire Children's Social Care"),
]

# (email local part, name, role, organisation, team)
DEMO_USERS = [
    ("frontdoor", "Priya Shah", "front_door", "Northshire Council Early Help", "Front Door"),
    ("panelchair", "Martin Okafor", "panel_chair", "Northshire Council Early Help", None),
    ("panelmember", "Sgt Claire Dunn", "panel_member", "Northshire Police", None),
    ("keyworker", "Sam Taylor", "keyworker", "Northshire Council Early Help", "North Locality Team"),
    ("keyworker2", "Aaron Mensah", "keyworker", "Northshire Council Early Help", "South Locality Team"),
    ("keyworker3", "Nadia Hussain", "keyworker", "Northshire Council Early Help", "North Locality Team"),
    ("keyworker4", "Callum Reilly", "keyworker", "Northshire Council Early Help", "North Locality Team"),
    ("keyworker5", "Beth Owusu", "keyworker", "Northshire Council Early Help", "South Locality Team"),
    ("keyworker6", "Daniel Kowalski", "keyworker", "Northshire Council Early Help", "South Locality Team"),
    ("manager", "Helen Briggs", "team_manager", "Northshire Council Early Help", "North Locality Team"),
    ("manager2", "Rachel Adeyemi", "team_manager", "Northshire Council Early Help", "South Locality Team"),
    ("socialworker", "Joanne Reid", "social_worker", "Northshire Children's Social Care", "Children in Need Team"),
    ("dsl", "Ms Anita Patel", "partner", "Riverside Academy", None),
    ("policesystem", "Northshire Police records system", "partner_system", "Northshire Police", None),
    ("analyst", "Tom Whitfield", "analyst", "Northshire Council Early Help", None),
    ("admin", "Grace Lee", "admin", "Northshire Council Early Help", None),
]

DETAILS = {
    "education": ["{child}'s attendance has fallen to {pct}% this term and there have been two fixed-term exclusions.",
                  "{child} is often late and says they have to get siblings ready for school."],
    "crime_asb": ["Police have attended three times for anti-social behaviour involving {child} and friends.",
                  "{child} was arrested for possession of cannabis; youth justice have been informed."],
    "children_need_help": ["{parent} says they are struggling with {child}'s behaviour and feel isolated.",
                           "{child} is anxious and withdrawn in class; the family would like support."],
    "worklessness": ["{parent} has been out of work for over a year and rent arrears are building.",
                     "The family has been referred to the food bank twice this month."],
    "domestic_abuse": ["{parent} disclosed domestic abuse by a former partner who has recently been in contact again.",
                       "Police attended a domestic incident at the address; children were present."],
    "health": ["{parent} is waiting for mental health support and finds daily routines hard.",
               "{child} has an ADHD diagnosis and the family is struggling with medication routines."],
}




def _postcode(rng: random.Random) -> str:
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return f"NS{rng.randint(1, 9)} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"


def ensure_demo_data(families: int = 300) -> list[str]:
    """Load the demo area into an empty database; return the printable login lines."""
    logins_path = Path(current_app.instance_path) / LOGINS_FILE
    has_users = db.session.scalar(select(func.count()).select_from(User))
    if has_users:
        if logins_path.exists():
            return logins_path.read_text().splitlines()
        return ["(the database already has users; demo logins were not created by this instance)"]
    lines = _load(families)
    logins_path.write_text("\n".join(lines) + "\n")
    os.chmod(logins_path, 0o600)
    return lines


_FAKE = Faker("en_GB")


def _load(family_count: int) -> list[str]:
    rng = random.Random(SEED)
    fake = _FAKE
    fake.seed_instance(SEED)
    orgs = {name: create_organisation(name, kind, actor="demo",
                                      duty_email=f"duty@{name.split()[0].lower()}.example")
            for name, kind in ORGANISATIONS}
    teams = {name: create_team(name, orgs[org], actor="demo") for name, org in TEAMS}
    users, lines = {}, []
    for local, name, role, org, team in DEMO_USERS:
        password = secrets.token_urlsafe(9)
        user, _ = create_user(f"{local}@northshire.example", name, role, org, password,
                              team=teams.get(team), actor="demo")
        users[local] = user
        if local in CAPACITY:
            user.caseload_capacity = CAPACITY[local]
        lines.append(f"{role:15s} {user.email:32s} password: {password}")

    schools = [o for o in orgs.values() if o.type == "school"]
    gps = [o for o in orgs.values() if o.type == "gp"]
    now = datetime.now(timezone.utc)
    _CASELOAD.clear()
    _CASELOAD.update({name: 0 for name in KEYWORKERS})
    for index in range(family_count):
        _demo_family(rng, fake, index, now, users, teams, schools, gps, orgs)
        if index % 50 == 49:
            db.session.commit()  # unit-of-work exception: bulk loading, 50 families per transaction
    _possible_matches(rng, users)
    _panel_and_criteria(users, orgs)
    _localities_and_action_and_impact(rng, users, orgs, teams)
    demo_consent.seed(random.Random(SEED + 11), users, orgs)  # before the police notifications it governs
    demo_notifications.seed(random.Random(SEED + 7), users, orgs)  # its own stream, like the casework
    demo_outcomes.seed(users)  # evidence for a few agreed plans, then a claims run
    demo_identification.seed(random.Random(SEED + 13), users)  # partner files and a past identification run
    demo_aftercare.seed(random.Random(SEED + 14), users, orgs)  # the directory, monitoring, the advice line
    audit.record("demo", "demo.load", "service", None, purpose=f"{family_count} demo families")
    return lines


def _demo_family(rng, fake, index, now, users, teams, schools, gps, orgs):
    surname = fake.last_name()
    postcode = _postcode(rng)
    address = f"{rng.randint(1, 180)} {fake.street_name()}, Northshire"
    family = families.create_family(surname)
    db.session.flush()
    parent_sex = rng.choice(["female", "female", "male"])
    parent_given = fake.first_name_female() if parent_sex == "female" else fake.first_name_male()
    parent_dob = date(rng.randint(1972, 2002), rng.randint(1, 12), rng.randint(1, 28))
    parent = _person(rng, family, parent_given, surname, parent_dob, parent_sex, postcode, address,
                     "parent_carer", gps)
    children = []
    for _ in range(rng.choice([1, 1, 2, 2, 3, 4])):
        sex = rng.choice(["female", "male"])
        given = fake.first_name_female() if sex == "female" else fake.first_name_male()
        dob = date(rng.randint(max(parent_dob.year + 17, 2009), timescales.today_london().year - 1), rng.randint(1, 12), rng.randint(1, 28))
        school = rng.choice(schools) if timescales.today_london().year - dob.year >= 4 else None
        children.append(_person(rng, family, given, surname, dob, sex, postcode, address, "child", gps, school))
    if rng.random() < 0.25:
        other_sex = "male" if parent_sex == "female" else "female"
        given = fake.first_name_male() if other_sex == "male" else fake.first_name_female()
        _person(rng, family, given, fake.last_name() if rng.random() < 0.4 else surname,
                date(rng.randint(1970, 2000), rng.randint(1, 12), rng.randint(1, 28)), other_sex,
                postcode, address, rng.choice(["parent_carer", "significant_adult"]), gps,
                in_household=rng.random() < 0.7)
    db.session.flush()
    _history(rng, family, parent, children, now, users, teams, orgs, index)


def _person(rng, family, given, surname, dob, sex, postcode, address, relationship, gps,
            school=None, in_household=True):
    person = families.create_person(
        given_name=given, family_name=surname, date_of_birth=dob, sex=sex, postcode=postcode,
        address=address, nhs_number=random_nhs_number(rng) if rng.random() < 0.7 else None,
        upn=(f"{rng.choice('ABCDEFGHJKLMNPQRTUVWXYZ')}{rng.randint(10**11, 10**12 - 1)}" if school else None),
        school_name=school.name if school else None, school_id=school.id if school else None,
        gp_practice_name=(gp := rng.choice(gps)).name, gp_practice_id=gp.id)
    db.session.flush()
    families.add_member(family, person, relationship, in_household)
    return person


# Shapes of history: (weight, stages walked after the request, closed?)
JOURNEYS = [
    (22, ["requested"], None),
    (10, ["signpost"], "signposted"),
    (14, ["send_to_panel", "allocate", "start_assessment", "complete_assessment", "agree_plan", "close"], "outcomes_achieved"),
    (8, ["send_to_panel"], None),
    (6, ["send_to_panel", "allocate"], None),
    (8, ["send_to_panel", "allocate", "start_assessment"], None),
    (6, ["send_to_panel", "allocate", "start_assessment", "complete_assessment"], None),
    (12, ["send_to_panel", "allocate", "start_assessment", "complete_assessment", "agree_plan"], None),
    (5, ["step_up"], None),
    (4, ["step_up", "step_down"], None),
    (5, ["send_to_panel", "allocate", "start_assessment", "close"], "family_disengaged"),
]

ACTOR_FOR = {"signpost": "frontdoor", "send_to_panel": "frontdoor", "allocate": "panelchair",
             "step_up": "frontdoor", "step_down": "socialworker"}  # casework moves: the case's keyworker

# Days between one move and the next, so each stage lasts about as long as it does in a real
# service (an assessment takes most of its six weeks; a social care episode months).
GAP_DAYS = {"send_to_panel": (1, 4), "signpost": (1, 3), "allocate": (3, 10), "start_assessment": (2, 9),
            "complete_assessment": (15, 38), "agree_plan": (5, 18), "close": (30, 200), "step_up": (1, 5),
            "step_down": (60, 300)}
# Days since the last move, by the move: a case waiting for panel joins next week's, one just
# allocated has not been visited yet, an agreed plan has been reviewed for months.
SINCE_LAST_MOVE = {"send_to_panel": (1, 5), "signpost": (5, 400), "allocate": (1, 8),
                   "start_assessment": (3, 30), "complete_assessment": (2, 16), "agree_plan": (10, 200),
                   "close": (5, 400), "step_up": (20, 300), "step_down": (1, 5)}
# A journey's stage when it stops: a keyworker holds the case in these (their caseload).
HELD = {"allocate", "start_assessment", "complete_assessment", "agree_plan"}
KEYWORKERS = ["keyworker", "keyworker2", "keyworker3", "keyworker4", "keyworker5", "keyworker6"]
CAPACITY = {"keyworker": 12, "keyworker2": 15, "keyworker3": 15, "keyworker4": 12, "keyworker5": 15, "keyworker6": 12}


def _history(rng, family, parent, children, now, users, teams, orgs, index):
    weights = [w for w, _, _ in JOURNEYS]
    _, steps, closure = rng.choices(JOURNEYS, weights)[0]
    if closure == "outcomes_achieved" and rng.random() < 0.3:
        # An earlier piece of work, closed months ago: today's request is a re-referral.
        _case_with_request(rng, family, parent, children, now, steps, closure, users, teams, orgs,
                           since_last_move=(60, 300))
        _case_with_request(rng, family, parent, children, now, ["requested"], None, users, teams, orgs,
                           previous_closed=True)
        return
    _case_with_request(rng, family, parent, children, now, steps, closure, users, teams, orgs)


def _recent_request_moment(rng, now: datetime) -> datetime:
    """When a request still waiting for triage came in. Most arrived in the last few hours (not
    yet due: triage is due by the end of the next working day); about one in four has waited
    several working days and is overdue, as a busy front door's queue looks."""
    from caseflow.core import timescales

    if rng.random() < 0.75:
        return now - timedelta(minutes=rng.randint(10, 8 * 60))
    day = timescales.to_london(now).date()
    for _ in range(rng.randint(3, 6)):
        day -= timedelta(days=1)
        while not timescales.is_working_day(day):
            day -= timedelta(days=1)
    at = datetime.combine(day, time(rng.randint(9, 15), rng.randint(0, 59)), timescales.LONDON)
    return at.astimezone(timezone.utc)


def _journey_moments(rng, steps, now, since_last_move=None) -> tuple[datetime, list[datetime]]:
    """When the case opened and when each move happened: laid back from today, so every moment
    of the demo's history is in the past."""
    gaps = [timedelta(days=rng.randint(*GAP_DAYS[a]), hours=rng.randint(0, 6)) for a in steps]
    low, high = since_last_move or SINCE_LAST_MOVE[steps[-1]]
    moment = now - timedelta(days=rng.randint(low, high), hours=rng.randint(1, 8))
    moments = []
    for gap in reversed(gaps):
        moments.append(moment)
        moment -= gap
    return moment, list(reversed(moments))


def _keyworker_with_room(rng, users, held: bool):
    """A keyworker for the case; one the case stays with must have room on their caseload."""
    names = [n for n in KEYWORKERS if not held or _CASELOAD[n] < CAPACITY[n]]
    if not names:
        return None
    name = rng.choice(names)
    if held:
        _CASELOAD[name] += 1
    return users[name]


_CASELOAD: dict[str, int] = {}


def _case_with_request(rng, family, parent, children, now, steps, closure, users, teams, orgs,
                       previous_closed=False, since_last_move=None):
    concerns = rng.sample(list(HEADLINE_PROBLEMS), rng.choice([1, 2, 2, 3, 3, 4]))
    child = children[0] if children else parent
    details = " ".join(rng.choice(DETAILS[c]).format(child=child.given_name, parent=parent.given_name,
                                                     pct=rng.randint(55, 85)) for c in concerns)
    referrer_org = rng.choice([o for o in orgs.values() if o.type not in ("early_help",)])
    source = rng.choice(["professional", "professional", "professional", "self_referral", "partner_system"])
    steps = [a for a in steps if a != "requested"]
    if steps:
        opened, at = _journey_moments(rng, steps, now, since_last_move)
    else:
        opened, at = _recent_request_moment(rng, now), []
    keyworker = None
    if "allocate" in steps:
        keyworker = _keyworker_with_room(rng, users, held=closure is None and steps[-1] in HELD)
        if keyworker is None:  # every caseload is full: the case waits for the next panel instead
            cut = steps.index("allocate")
            steps, at = steps[:cut], at[:cut]
    previous = None
    if previous_closed:
        previous = db.session.scalar(select(Case).where(Case.family_id == family.id)
                                     .order_by(Case.closed_at.desc()).limit(1))
    case = Case(reference=families.new_reference("CF"), family_id=family.id, stage="requested",
                urgency=rng.choice(["routine"] * 6 + ["urgent", "immediate"]), opened_at=opened,
                is_re_referral=previous is not None, previous_case_id=previous.id if previous else None)
    db.session.add(case)
    db.session.flush()
    request = RequestForHelp(
        reference=families.new_reference("RFH"), source=source,
        status="triaged" if steps else "new", match_status="new",
        case_id=case.id, family_id=family.id,
        submitted_by_id=users["dsl"].id if source == "professional" and referrer_org.name == "Riverside Academy" else None,
        referrer_name=parent.full_name if source == "self_referral" else _FAKE.name(),
        referrer_organisation=None if source == "self_referral" else referrer_org.name,
        referrer_organisation_id=None if source == "self_referral" else referrer_org.id,
        referrer_role="Parent (self-referral)" if source == "self_referral" else "Practitioner",
        referrer_email="referrer@example.org", concerns=sorted(concerns), details=details,
        consent_given=True, urgency=case.urgency, is_re_referral=case.is_re_referral, received_at=opened)
    for position, person in enumerate([parent] + children):
        request.people.append(RequestPerson(
            position=position, submitted={"given_name": person.given_name, "family_name": person.family_name,
                                          "date_of_birth": person.date_of_birth.isoformat()},
            given_name=person.given_name, family_name=person.family_name,
            date_of_birth=person.date_of_birth, relationship_to_family="parent_carer" if position == 0 else "child",
            person_id=person.id, match_status="new", candidates=[]))
    db.session.add(request)
    flow.open_case(db.session, case, None, reason=f"Request for help {request.reference}").at = opened
    moments = {}
    for action, moment in zip(steps, at):
        actor = users[ACTOR_FOR[action]] if action in ACTOR_FOR else keyworker
        data = {"reason": "demo history", "rationale": "Demo: decision recorded at the time"}
        if action == "allocate":
            case.keyworker_id, case.team_id = keyworker.id, keyworker.team_id
            data["keyworker_id"] = keyworker.id
        if action == "signpost":
            data["signposted_to"] = case.signposted_to = rng.choice([
                "Riverside children's centre parenting group", "Family Action Northshire drop-in",
                "Northshire Homes tenancy support", "School nurse drop-in"])
        if not moments:  # the first move after the request is triage's decision
            _triage_decision(rng, case, action, concerns, moment, users)
        record = flow.transition(db.session, case, action, actor, **data)
        record.at = moments[action] = moment
        if action in ("signpost", "close"):
            case.closed_at = moment
            case.closure_reason = closure
    db.session.flush()
    demo_casework.seed(rng, case, [parent] + children, concerns, moments, closure, users, orgs)


def _triage_decision(rng, case, action, concerns, moment, users):
    """Triage's decision behind the first move: a level of need and risk rating on every case
    that went past the front door (the panel and the keyworker's caseload show them)."""
    from caseflow.triage.models import TriageDecision

    level = {"signpost": rng.choice([1, 2]), "step_up": 4}.get(action, rng.choice([2, 3, 3, 3]))
    rag = {1: "green", 2: rng.choice(["green", "amber"]), 3: rng.choice(["amber", "amber", "red"]), 4: "red"}[level]
    decision = {"signpost": "signpost", "step_up": "step_up"}.get(action, "panel")
    case.level_of_need, case.rag, case.eligible = level, rag, len(concerns) >= 2
    db.session.add(TriageDecision(
        case_id=case.id, decided_by_id=users["frontdoor"].id, decided_at=moment, level_of_need=level,
        headline_problems=[{"code": c, "evidence": "From the request for help"} for c in sorted(concerns)],
        local_criteria=[], eligible=case.eligible, rag=rag, decision=decision,
        rationale={"signpost": "Needs can be met by universal services: signposted with the family's agreement.",
                   "step_up": "Risk of significant harm: referred to children's social care."}.get(
            action, f"Level {level}: several needs across the family; for the multi-agency panel.")))


def _possible_matches(rng, users):
    """A few fresh requests that look like known people, for the front-door officer to check."""
    from caseflow.frontdoor.services import submit_request

    known = db.session.scalars(select(RequestPerson).where(RequestPerson.relationship_to_family == "parent_carer")
                               .order_by(RequestPerson.id).limit(8)).all()
    for rp in known:
        surname = rp.family_name[:-1] + rp.family_name[-1] * 2 if len(rp.family_name) > 3 else rp.family_name
        submit_request(users["dsl"], {
            "referrer": {"name": "Ms Anita Patel", "organisation": "Riverside Academy",
                         "role": "Designated safeguarding lead", "email": "dsl@northshire.example"},
            "people": [{"given_name": rp.given_name, "family_name": surname,
                        "date_of_birth": rp.date_of_birth.isoformat() if rp.date_of_birth else None,
                        "relationship": "parent_carer", "postcode": "NS9 9ZZ"}],
            "concerns": ["education"], "details": "Attendance has dropped sharply since half term.",
            "consent_given": True, "urgency": "routine"}, "professional")


def _panel_and_criteria(users, orgs):
    """Local criteria for triage and the next weekly panel, with its partner members."""
    from caseflow.panels.services import create_panel
    from caseflow.triage.models import LocalCriterion

    for code, label in (("cp_step_down", "Child stepping down from a child protection plan"),
                        ("parental_substance_misuse", "Parental substance misuse"),
                        ("ehc_plan", "Child with an education, health and care plan")):
        db.session.add(LocalCriterion(code=code, label=label))
    members = [org.id for org in orgs.values()
               if org.type in ("early_help", "police", "health_visiting", "school", "housing", "jobcentre")]
    create_panel(users["panelchair"], {"name": "Northshire allocation panel",
                                       "date": next_week_panel_date(timescales.today_london()).isoformat(),
                                       "members": members})


def next_week_panel_date(today: date) -> date:
    """The README's "next week's panel": the Wednesday of next week (or the next working day)."""
    monday = today + timedelta(days=7 - today.weekday())
    return timescales.working_day_on_or_after(monday + timedelta(days=2))


# What the demo's Action and Impact meetings heard: (what is stuck, what partners were asked, the
# discussion, the agreed action and its owning organisation).
STUCK_CASES = [
    ("Attendance has not moved in two reviews; the school has tried a part-time timetable.",
     "The school and the health visitor to join a TAF meeting; housing to check the tenancy arrears.",
     "The school will offer a mentor; housing can pause the arrears action while the family engages.",
     "School mentor to meet the child weekly", "Riverside Academy"),
    ("Dad will not engage since the police call-out; mum is struggling with debt.",
     "The police to share what they can about the call-out; the Jobcentre to fast-track a work coach.",
     "Police will attend the next TAF; the Jobcentre has a work coach with a slot next week.",
     "Work coach appointment for mum", "Jobcentre Plus Northshire"),
    ("The family has missed three health appointments and the baby's weight is dropping.",
     "The health visitor to do a joint visit with the keyworker; the GP to review the baby.",
     "", "", ""),
]


def _localities_and_action_and_impact(rng, users, orgs, teams):
    """Two localities (the North meets weekly; the South allocates at a daily meeting), last
    month's Action and Impact meeting with the actions it agreed in the family plans, and next
    month's with a case waiting and the police's contribution. Written straight to the models,
    back-dated like the casework."""
    from caseflow.panels.models import (Locality, LocalityTeam, NominationStatus, Panel, PanelAction,
                                        PanelContribution, PanelKind, PanelMember, PanelNomination)
    from caseflow.plans.models import Plan, PlanAction

    north = Locality(name="North Northshire", cadence="weekly",
                     teams=[LocalityTeam(team_id=teams["North Locality Team"].id)])
    south = Locality(name="South Northshire", cadence="daily",
                     teams=[LocalityTeam(team_id=teams["South Locality Team"].id)])
    db.session.add_all([north, south])
    today = timescales.today_london()
    last_month = timescales.working_day_on_or_after(today - timedelta(days=28))
    next_month = timescales.working_day_on_or_after(today + timedelta(days=21))
    members = [o for o in orgs.values() if o.type in ("early_help", "police", "school", "health_visiting", "housing",
                                                      "jobcentre")][:8]
    held = lambda day: datetime.combine(day, time(10, 30), tzinfo=timezone.utc)  # noqa: E731
    meetings = []
    for day in (last_month, next_month):
        panel = Panel(name="Northshire Action and Impact panel", meets_on=day, kind=PanelKind.ESCALATION,
                      chair_id=users["panelchair"].id, created_by_id=users["panelchair"].id,
                      created_at=held(last_month - timedelta(days=14)),
                      members=[PanelMember(organisation_id=o.id, attended=day < today) for o in members])
        db.session.add(panel)
        meetings.append(panel)
    db.session.flush()
    stuck = db.session.scalars(select(Case).join(Plan, Plan.case_id == Case.id).where(
        Case.stage == "reviewing", Case.keyworker_id.is_not(None),
        Plan.agreed_at < held(last_month) - timedelta(days=14))
        .order_by(Case.reference).limit(len(STUCK_CASES))).all()
    for index, (case, (what, ask, discussion, action_text, owner)) in enumerate(zip(stuck, STUCK_CASES)):
        discussed = bool(discussion)
        panel = meetings[0] if discussed else meetings[1]
        nominated_at = held(last_month - timedelta(days=10)) if discussed else held(today - timedelta(days=3))
        nomination = PanelNomination(panel_id=panel.id, case_id=case.id, stuck=what, ask=ask,
                                     nominated_by_id=case.keyworker_id, nominated_at=nominated_at,
                                     status=NominationStatus.DISCUSSED if discussed else NominationStatus.WAITING,
                                     discussion=discussion or None,
                                     discussed_at=held(last_month) if discussed else None,
                                     discussed_by_id=users["panelchair"].id if discussed else None)
        db.session.add(nomination)
        db.session.flush()
        if not discussed:  # before next month's meeting: the police add what their systems hold
            db.session.add(PanelContribution(
                panel_id=panel.id, case_id=case.id, family_id=case.family_id, author_id=users["panelmember"].id,
                organisation_id=users["panelmember"].organisation_id, updated_at=held(today - timedelta(days=1)),
                body="One domestic incident logged in the last six months (no further action); "
                     "no current investigation."))
            continue
        plan = db.session.scalar(select(Plan).where(Plan.case_id == case.id))
        owner_org = next(o for o in orgs.values() if o.name == owner)
        due = last_month + timedelta(days=21 + 7 * index)
        plan_action = PlanAction(plan_id=plan.id, position=len(plan.actions), description=action_text,
                                 owner_organisation_id=owner_org.id, due_date=due)
        db.session.add(plan_action)
        db.session.flush()
        db.session.add(PanelAction(nomination_id=nomination.id, panel_id=panel.id, case_id=case.id,
                                   description=action_text, owner_organisation_id=owner_org.id, due_on=due,
                                   plan_action_id=plan_action.id, agreed_by_id=users["panelchair"].id,
                                   agreed_at=held(last_month)))
