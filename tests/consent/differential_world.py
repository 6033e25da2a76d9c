"""Randomly generated worlds for the differential access test (issue 12, item 5).

A world is plain data (`World`), drawn by hypothesis: one or two families of two to four people,
one case each at a random stage, held by a random team and keyworker (sometimes a partner), with a
random lead professional, referrer, Team Around the Family (members current or removed), consents
(current, expired, withdrawn or not yet given) and lawful bases (current, ended, or relying on an
expired agreement) per person and category, and break-glass grants (running or run out).

`build(world)` writes it straight into the database through the models (no passwords to hash, no
services to run), so two hundred worlds take seconds. Every piece of personal data carries a
marker naming whose it is and its category (`Marker`): the checks look for markers in what each
user is shown and ask the oracle whether that user may see them.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from hypothesis import strategies as st
from caseflow.core.timescales import today_london


# --- the cast: the same users in every world ----------------------------------------------------
# (key, role, organisation key, team key)
USERS = [
    ("front_door", "front_door", "early_help", None),
    ("chair", "panel_chair", "early_help", None),
    ("manager_north", "team_manager", "early_help", "north"),
    ("manager_south", "team_manager", "early_help", "south"),
    ("keyworker_north", "keyworker", "early_help", "north"),
    ("colleague_north", "keyworker", "early_help", "north"),
    ("keyworker_south", "keyworker", "early_help", "south"),
    ("social_worker", "social_worker", "social_care", None),
    ("school_a", "partner", "school_a", None),
    ("school_b", "partner", "school_b", None),
    ("gp", "partner", "gp", None),
    ("health_visitor", "partner", "health_visiting", None),
    ("police", "partner", "police", None),
    ("police_system", "partner_system", "police", None),
    ("housing", "partner", "housing", None),
    ("jobcentre", "partner", "jobcentre", None),
    ("panel_member", "panel_member", "housing", None),
    ("analyst", "analyst", "early_help", None),
    ("admin", "admin", "early_help", None),
]
USER_KEYS = [u[0] for u in USERS]
ROLE_OF = {u[0]: u[1] for u in USERS}
ORG_OF = {u[0]: u[2] for u in USERS}
TEAM_OF = {u[0]: u[3] for u in USERS}
ORGS = {"early_help": "early_help", "social_care": "social_care", "school_a": "school", "school_b": "school",
        "gp": "gp", "health_visiting": "health_visiting", "police": "police", "housing": "housing",
        "jobcentre": "jobcentre"}
PARTNERS = ["school_a", "school_b", "gp", "health_visitor", "police", "police_system", "housing", "jobcentre",
            "panel_member"]
PARTNER_PRACTITIONERS = ["school_a", "school_b", "gp", "health_visitor", "police", "housing", "jobcentre"]
TEAMS = ["north", "south"]
CATEGORIES = ["identity", "referral", "education", "health", "police", "social_care", "finances_employment",
              "case_notes", "plan"]

STAGES = ["requested", "triaged", "awaiting_panel", "allocated", "assessing", "planning", "reviewing",
          "social_care", "stepped_down", "closed", "signposted"]
UNALLOCATED = {"requested", "triaged", "awaiting_panel", "stepped_down", "signposted"}
HAS_ASSESSMENT = {"assessing", "planning", "reviewing", "social_care", "closed"}
HAS_PLAN = {"planning", "reviewing", "closed"}
WENT_TO_SOCIAL_CARE = {"social_care", "stepped_down"}


# --- the world as data ------------------------------------------------------------------------

@dataclass
class FamilySpec:
    size: int
    stage: str
    team: str | None
    keyworker: str | None
    lead_professional: str | None
    referrer: str                      # who submitted the request for help
    referred: list[int]                # which people the request named
    taf: list[tuple[str, bool]]        # (user, removed)
    event_person: int | None           # a police incident about this person
    event_sender: str                  # police or police_system
    told: str | None = None            # a partner whose inbox has a notification about the event's person
    given_by_long: bool = False        # consents name the giver at length (long audit bases)


@dataclass
class GrantSpec:
    kind: str                          # consent | lawful_basis
    family: int
    people: list[int]
    recipient: tuple[str, str]         # ("org", org key) or ("type", org type)
    categories: list[str]
    state: str                         # consent: current|expired|withdrawn|future; basis: current|ended|agreement_ended|agreement_current


@dataclass
class GlassSpec:
    user: str                          # the duty manager who broke glass
    family: int
    people: list[int]
    running: bool


@dataclass
class World:
    families: list[FamilySpec]
    grants: list[GrantSpec]
    glass: list[GlassSpec]
    viewers: list[str]                 # the users whose views this world checks
    sample: int = 0                    # seeds which surfaces this world reads (see check_world)


def _people_subset(draw, size: int, min_size: int = 1) -> list[int]:
    return sorted(draw(st.sets(st.integers(0, size - 1), min_size=min_size, max_size=size)))


@st.composite
def families(draw) -> FamilySpec:
    size = draw(st.integers(2, 4))
    stage = draw(st.sampled_from(STAGES))
    if stage in UNALLOCATED - {"stepped_down"}:
        team, keyworker = None, None
    else:
        team = draw(st.sampled_from(TEAMS))
        keyworker = draw(st.sampled_from([f"keyworker_{team}", f"keyworker_{team}", *PARTNER_PRACTITIONERS]))
        if stage == "stepped_down":  # a step-down waiting for a team
            team, keyworker = None, None
    lead = draw(st.none() | st.sampled_from(PARTNER_PRACTITIONERS)) if stage not in UNALLOCATED else None
    referrer = draw(st.sampled_from(["front_door", *PARTNER_PRACTITIONERS, "police_system"]))
    referred = _people_subset(draw, size)
    taf = draw(st.lists(st.tuples(st.sampled_from(PARTNER_PRACTITIONERS), st.booleans()), max_size=2,
                        unique_by=lambda t: t[0])) if stage not in UNALLOCATED else []
    event_person = draw(st.none() | st.integers(0, size - 1))
    # Partners told about the event: a practitioner's inbox, or (webhook) the police's own system.
    told = draw(st.sampled_from(["police_system", *PARTNER_PRACTITIONERS])) if event_person is not None else None
    return FamilySpec(size, stage, team, keyworker, lead, referrer, referred, taf, event_person,
                      draw(st.sampled_from(["police", "police_system"])), told, draw(st.booleans()))


@st.composite
def grants(draw, family_sizes: list[int]) -> GrantSpec:
    family = draw(st.integers(0, len(family_sizes) - 1))
    kind = draw(st.sampled_from(["consent", "consent", "lawful_basis"]))
    people = _people_subset(draw, family_sizes[family])
    if kind == "consent":  # one form: the person it is for
        people = people[:1] if draw(st.booleans()) else people
    recipient = draw(st.one_of(st.tuples(st.just("org"), st.sampled_from(sorted(set(ORGS) - {"early_help"}))),
                               st.tuples(st.just("type"), st.sampled_from(sorted(set(ORGS.values()))))))
    categories = sorted(draw(st.sets(st.sampled_from(CATEGORIES), min_size=1, max_size=4)))
    states = (["current", "current", "expired", "withdrawn", "future"] if kind == "consent"
              else ["current", "ended", "agreement_ended", "agreement_current"])
    return GrantSpec(kind, family, people, recipient, categories, draw(st.sampled_from(states)))


@st.composite
def worlds(draw) -> World:
    fams = draw(st.lists(families(), min_size=1, max_size=2))
    sizes = [f.size for f in fams]
    gs = draw(st.lists(grants(sizes), max_size=5))
    glass = []
    if draw(st.booleans()):
        family = draw(st.integers(0, len(fams) - 1))
        glass.append(GlassSpec(draw(st.sampled_from(["manager_south", "manager_north"])), family, _people_subset(draw, sizes[family]), draw(st.booleans())))
    # Partners are the interesting readers; always one, and some service staff.
    told = [f.told for f in fams if f.told]
    partner = draw(st.sampled_from(told)) if told and draw(st.booleans()) else draw(st.sampled_from(PARTNERS))
    viewers = [partner, draw(st.sampled_from([k for k in USER_KEYS if k not in PARTNERS]))]
    return World(fams, gs, glass, viewers, draw(st.integers(0, 2**32 - 1)))


# --- markers ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Marker:
    """A unique piece of text naming whose data it is and its category. `person` is (family
    index, person index), or None for a record of the family as a whole (the request, case
    notes, the plan, social care's record); `record` says which kind."""
    text: str
    category: str
    family: int
    person: int | None = None
    record: str = ""


def _token(prefix: str) -> str:
    return prefix + secrets.token_hex(5)


def _nhs_number() -> str:
    """A random NHS number with a valid check digit (modulus 11)."""
    while True:
        digits = [secrets.randbelow(10) for _ in range(9)]
        check = 11 - sum(d * (10 - i) for i, d in enumerate(digits)) % 11
        if check == 11:
            check = 0
        if check != 10:
            return "".join(map(str, digits)) + str(check)


@dataclass
class Built:
    """The world as written: ids of everything and every marker."""
    world: World
    users: dict = field(default_factory=dict)        # key -> user id
    orgs: dict = field(default_factory=dict)         # key -> org id
    teams: dict = field(default_factory=dict)
    families: list = field(default_factory=list)     # family ids
    people: list = field(default_factory=list)       # per family: person ids
    cases: list = field(default_factory=list)        # per family: case id
    requests: list = field(default_factory=list)     # per family: request id
    events: list = field(default_factory=list)       # per family: event id or None
    notifications: list = field(default_factory=list)  # (notification id, recipient key)
    webhooks: list = field(default_factory=list)     # (delivery id, recipient key, family index)
    family_consents: list = field(default_factory=list)  # per family: consent ids
    consents: list = field(default_factory=list)     # consent ids
    markers: list = field(default_factory=list)
    identifiers: dict = field(default_factory=dict)  # (family, person) -> {"upn":..., "nhs_number":...}
    tokens: dict = field(default_factory=dict)       # user key -> API token
    family_names: list = field(default_factory=list)


def build(world: World) -> Built:
    from caseflow.agreements.models import AgreementParty, SharingAgreement
    from caseflow.auth.models import ApiToken, Organisation, Team, User
    from caseflow.cases.models import Case, CaseTransition
    from caseflow.consent.models import (
        BreakGlass, BreakGlassPerson, Consent, ConsentCategory, ConsentPerson, ConsentRecipient, LawfulBasis,
        LawfulBasisCategory, LawfulBasisPerson, LawfulBasisRecipient,
    )
    from caseflow.core.extensions import db
    from caseflow.families.matching import normalise_name
    from caseflow.families.models import Family, FamilyMember, Person
    from caseflow.frontdoor.models import RequestForHelp, RequestPerson
    from caseflow.notify.models import Delivery, Notification, PartnerEvent
    from caseflow.plans.models import Assessment, Contact, Plan, PlanAction, PlanOutcome, TafMember
    from caseflow.socialcare.models import StepUp
    from caseflow.triage.models import TriageDecision

    now = datetime.now(timezone.utc)  # when this world is built, not when the file was read

    b = Built(world)
    s = db.session
    run = secrets.token_hex(3)
    for key, org_type in ORGS.items():
        org = Organisation(name=f"{key} {run}", type=org_type,
                           webhook_url="https://police.example/hook" if key == "police" else None,
                           webhook_secret="webhook-secret" if key == "police" else None)
        s.add(org)
        s.flush()
        b.orgs[key] = org.id
    for key in TEAMS:
        team = Team(name=f"Locality {key}", organisation_id=b.orgs["early_help"])
        s.add(team)
        s.flush()
        b.teams[key] = team.id
    for key, role, org, team in USERS:
        user = User(email=f"{key}.{run}@example.gov.uk", name=f"User {key}", role=role, organisation_id=b.orgs[org],
                    team_id=b.teams[team] if team else None, password_hash=None, active=True)
        s.add(user)
        s.flush()
        b.users[key] = user.id
    for key in world.viewers:
        token = "cf_" + secrets.token_urlsafe(24)
        s.add(ApiToken(user_id=b.users[key], token_hash=hashlib.sha256(token.encode()).hexdigest(), prefix=token[:10]))
        b.tokens[key] = token
    s.flush()
    front_door = b.users["front_door"]

    for fi, spec in enumerate(world.families):
        surname = _token("Fam").capitalize()
        b.family_names.append(surname)
        family = Family(reference=_token("F")[:12].upper(), name=surname)
        s.add(family)
        s.flush()
        b.families.append(family.id)
        ids = []
        for pi in range(spec.size):
            adult = pi == 0
            given, school, gp = _token("Id"), _token("Ed"), _token("Hl")
            upn, nhs = "A" + "".join(str(secrets.randbelow(10)) for _ in range(12)), _nhs_number()
            person = Person(given_name=given, family_name=surname,
                            date_of_birth=date(1985, 3, 1) if adult else date(today_london().year - 8 - pi, 5, 1),
                            sex="female", postcode="NS1 4AB", postcode_norm="NS14AB", upn=upn, nhs_number=nhs,
                            school_name=f"{school} School", gp_practice_name=f"{gp} Surgery",
                            given_name_norm=normalise_name(given), family_name_norm=normalise_name(surname))
            s.add(person)
            s.flush()
            s.add(FamilyMember(family_id=family.id, person_id=person.id,
                               relationship_to_family="parent_carer" if adult else "child"))
            ids.append(person.id)
            b.identifiers[(fi, pi)] = {"upn": upn, "nhs_number": nhs}
            b.markers += [Marker(given, "identity", fi, pi, "name"), Marker(school, "education", fi, pi, "school"),
                          Marker(upn, "education", fi, pi, "upn"), Marker(gp, "health", fi, pi, "gp"),
                          Marker(nhs, "health", fi, pi, "nhs_number")]
        b.people.append(ids)
        s.flush()

        stage = spec.stage
        closed = stage in {"closed", "signposted"}
        case = Case(reference=_token("C")[:12].upper(), family_id=family.id, stage=stage,
                    team_id=b.teams[spec.team] if spec.team else None,
                    keyworker_id=b.users[spec.keyworker] if spec.keyworker else None,
                    lead_professional_id=b.users[spec.lead_professional] if spec.lead_professional else None,
                    social_worker_id=b.users["social_worker"] if stage in WENT_TO_SOCIAL_CARE else None,
                    keyworker_role="joint" if stage == "social_care" else None,
                    level_of_need=3, rag="amber", closed_at=now if closed else None,
                    closure_reason="outcomes_achieved" if stage == "closed" else ("signposted" if closed else None))
        if stage == "closed":
            summary = _token("Cs")
            case.closure_summary = f"Closure {summary}"
            b.markers.append(Marker(summary, "case_notes", fi, None, "closure_summary"))
        s.add(case)
        s.flush()
        b.cases.append(case.id)
        s.add(CaseTransition(case_id=case.id, from_stage=None, to_stage="requested", action="request",
                             actor_id=front_door, at=now - timedelta(days=30)))
        if stage != "requested":
            s.add(CaseTransition(case_id=case.id, from_stage="requested", to_stage=stage, action="move",
                                 actor_id=front_door, at=now - timedelta(days=20)))

        referrer = spec.referrer
        referrer_org = b.orgs[ORG_OF[referrer]]
        details = _token("Rf")
        request = RequestForHelp(reference=_token("R")[:12].upper(), source="professional", status="triaged",
                                 match_status="confirmed", case_id=case.id, family_id=family.id,
                                 submitted_by_id=b.users[referrer], referrer_name=f"User {referrer}",
                                 referrer_organisation=f"{ORG_OF[referrer]} {run}", referrer_organisation_id=referrer_org,
                                 concerns=["education"], details=f"Request {details}", consent_given=True,
                                 received_at=now - timedelta(days=30))
        s.add(request)
        s.flush()
        b.requests.append(request.id)
        b.markers.append(Marker(details, "referral", fi, None, "request_details"))
        for position, pi in enumerate(spec.referred):
            person = s.get(Person, ids[pi])
            s.add(RequestPerson(request_id=request.id, position=position, submitted={"given_name": person.given_name},
                                given_name=person.given_name, family_name=person.family_name,
                                date_of_birth=person.date_of_birth, relationship_to_family="child" if pi else "parent_carer",
                                person_id=person.id, match_status="confirmed", candidates=[]))

        if stage != "requested":  # triage's working: the front door's, not partners'
            rationale, evidence = _token("Tr"), _token("Te")
            s.add(TriageDecision(case_id=case.id, decided_by_id=front_door, decided_at=now - timedelta(days=28),
                                 level_of_need=3, headline_problems=[{"code": "education", "evidence": f"Evidence {evidence}"}],
                                 local_criteria=[], eligible=True, rag="amber",
                                 decision="signpost" if stage == "signposted" else "panel",
                                 rationale=f"Rationale {rationale}"))
            b.markers += [Marker(rationale, "case_notes", fi, None, "triage_rationale"),
                          Marker(evidence, "case_notes", fi, None, "triage_evidence")]
        if stage in HAS_ASSESSMENT or stage in HAS_PLAN:
            members, views = [], _token("Fv")
            for pi, person_id in enumerate(ids):
                voice = _token("Vc")
                person = s.get(Person, person_id)
                members.append({"person_id": person_id, "name": f"{person.given_name} {person.family_name}",
                                "relationship": "parent_carer" if pi == 0 else "child",
                                "date_of_birth": person.date_of_birth.isoformat(), "worked_with": True,
                                "voice": f"Voice {voice}"})
                b.markers.append(Marker(voice, "case_notes", fi, pi, "voice"))
            s.add(Assessment(case_id=case.id, status="complete", due_on=today_london(), members=members, domains={},
                             family_views=f"Views {views}", summary="", confirmed_problems=["education"],
                             baseline={"education": 3}, started_by_id=front_door, updated_by_id=front_door,
                             completed_at=now - timedelta(days=10), completed_by_id=front_door))
            b.markers.append(Marker(views, "case_notes", fi, None, "family_views"))
        if stage not in UNALLOCATED | {"signposted"}:
            notes = _token("Cn")
            s.add(Contact(case_id=case.id, occurred_on=today_london() - timedelta(days=5), contact_type="home_visit",
                          people_seen=ids[:1], notes=f"Visit {notes}", recorded_by_id=front_door))
            b.markers.append(Marker(notes, "case_notes", fi, None, "contact_notes"))
        if stage in HAS_PLAN:
            outcome_text, action_text = _token("Pl"), _token("Pa")
            plan = Plan(case_id=case.id, status="agreed", agreed_at=now - timedelta(days=8), family_agreed=True,
                        updated_by_id=front_door)
            s.add(plan)
            s.flush()
            outcome = PlanOutcome(plan_id=plan.id, position=0, headline_problem="education",
                                  description=f"Outcome {outcome_text}", measure="Attendance", target_date=today_london() + timedelta(days=90))
            s.add(outcome)
            s.flush()
            owner = spec.taf[0][0] if spec.taf else None
            s.add(PlanAction(plan_id=plan.id, outcome_id=outcome.id, position=0, description=f"Action {action_text}",
                             owner_user_id=b.users[owner] if owner else None, due_date=today_london() + timedelta(days=30)))
            b.markers += [Marker(outcome_text, "plan", fi, None, "plan_outcome"),
                          Marker(action_text, "plan", fi, None, "plan_action")]
        for user_key, removed in spec.taf:
            s.add(TafMember(case_id=case.id, user_id=b.users[user_key], role="TAF", added_by_id=front_door,
                            left_at=now - timedelta(days=1) if removed else None))
        if stage in WENT_TO_SOCIAL_CARE:
            concern = _token("Sc")
            s.add(StepUp(case_id=case.id, from_stage="assessing", requested_by_id=front_door,
                         requested_at=now - timedelta(days=15), reason=f"Reason {concern}", concern=f"Concern {concern}",
                         informed=[], family_informed=True, urgency="within_1_working_day",
                         respond_by=now - timedelta(days=14), keyworker_role="joint", response="accepted_for_assessment",
                         response_note="Accepted", responded_by_id=b.users["social_worker"],
                         responded_at=now - timedelta(days=14)))
            b.markers.append(Marker(concern, "social_care", fi, None, "step_up"))
        event_id = None
        if spec.event_person is not None:
            summary = _token("Po")
            person = s.get(Person, ids[spec.event_person])
            event = PartnerEvent(reference=_token("E")[:12].upper(), source_organisation_id=b.orgs["police"],
                                 submitted_by_id=b.users[spec.event_sender], source_reference=_token("NP"),
                                 type="police_contact", occurred_at=now - timedelta(days=2),
                                 summary=f"Incident {summary}", status="routed", family_id=family.id, case_id=case.id,
                                 person_ids=[person.id], routed_at=now - timedelta(days=2),
                                 people=[{"given_name": person.given_name, "family_name": person.family_name,
                                          "date_of_birth": person.date_of_birth.isoformat()}])
            s.add(event)
            s.flush()
            event_id = event.id
            b.markers.append(Marker(summary, "police", fi, spec.event_person, "event_summary"))
            if spec.told:
                note_text = _token("Nt")
                note = Notification(delivery_key=_token("dk"), recipient_id=b.users[spec.told], type="partner_event",
                                    case_id=case.id, family_id=family.id,
                                    title=f"Police contact: {person.given_name} {person.family_name}",
                                    body=f"Note {note_text}", event_id=event.id, basis=None, person_ids=[person.id])
                s.add(note)
                s.flush()
                b.notifications.append((note.id, spec.told))
                if ROLE_OF[spec.told] == "partner_system":  # its organisation's system hears by webhook
                    delivery = Delivery(kind="webhook", notification_id=note.id, target="https://police.example/hook")
                    s.add(delivery)
                    s.flush()
                    b.webhooks.append((delivery.id, spec.told, fi))
                b.markers.append(Marker(note_text, "identity", fi, spec.event_person, "notification"))
        b.events.append(event_id)

    agreements = {}
    b.family_consents = [[] for _ in world.families]
    for gi, grant in enumerate(world.grants):
        family_id, people = b.families[grant.family], [b.people[grant.family][pi] for pi in grant.people]
        org_id = b.orgs[grant.recipient[1]] if grant.recipient[0] == "org" else None
        org_type = grant.recipient[1] if grant.recipient[0] == "type" else None
        if grant.kind == "consent":
            given_on = today_london() + timedelta(days=5) if grant.state == "future" else today_london() - timedelta(days=60)
            consent = Consent(person_id=people[0], family_id=family_id, purpose="taf_information_sharing",
                              given_by=("A parent" if not world.families[grant.family].given_by_long else
                                        "Mrs Abigail Constance Fotheringham-Whitworth (mother, holding parental "
                                        "responsibility)"), given_by_relationship="self", method="signed_form",
                              given_on=given_on,
                              expires_on=today_london() - timedelta(days=1) if grant.state == "expired" else today_london() + timedelta(days=300),
                              withdrawn_at=now - timedelta(days=1) if grant.state == "withdrawn" else None,
                              recorded_by_id=front_door)
            s.add(consent)
            s.flush()
            b.consents.append(consent.id)
            b.family_consents[grant.family].append(consent.id)
            for position, person_id in enumerate(people):
                s.add(ConsentPerson(consent_id=consent.id, person_id=person_id,
                                    given_by_relationship="self" if position == 0 else "parent_carer", position=position))
            s.add(ConsentRecipient(consent_id=consent.id, organisation_id=org_id, organisation_type=org_type))
            for category in grant.categories:
                s.add(ConsentCategory(consent_id=consent.id, category=category))
        else:
            agreement_id = None
            if grant.state.startswith("agreement"):
                ended = grant.state == "agreement_ended"
                if ended not in agreements:
                    agreement = SharingAgreement(name=f"ISA {run} {ended}", purposes=["Safeguarding"],
                                                 categories=CATEGORIES, starts_on=today_london() - timedelta(days=400),
                                                 review_on=today_london() - timedelta(days=10) if ended else today_london() + timedelta(days=100),
                                                 ends_on=today_london() - timedelta(days=3) if ended else today_london() + timedelta(days=300))
                    s.add(agreement)
                    s.flush()
                    s.add(AgreementParty(agreement_id=agreement.id, organisation_id=b.orgs["early_help"]))
                    agreements[ended] = agreement.id
                agreement_id = agreements[ended]
            basis = LawfulBasis(family_id=family_id, basis="safeguarding", justification=f"Basis {gi}",
                                agreement_id=agreement_id, approved_by_id=b.users["manager_north"],
                                review_on=today_london() + timedelta(days=30), recorded_by_id=b.users["manager_north"],
                                ended_at=now - timedelta(days=1) if grant.state == "ended" else None)
            s.add(basis)
            s.flush()
            for person_id in people:
                s.add(LawfulBasisPerson(lawful_basis_id=basis.id, person_id=person_id))
            s.add(LawfulBasisRecipient(lawful_basis_id=basis.id, organisation_id=org_id, organisation_type=org_type))
            for category in grant.categories:
                s.add(LawfulBasisCategory(lawful_basis_id=basis.id, category=category))
    for glass in world.glass:
        grant = BreakGlass(user_id=b.users[glass.user], family_id=b.families[glass.family],
                           reason="Police call overnight", granted_at=now - timedelta(minutes=30),
                           expires_at=now + timedelta(minutes=30) if glass.running else now - timedelta(minutes=1))
        s.add(grant)
        s.flush()
        for pi in glass.people:
            s.add(BreakGlassPerson(break_glass_id=grant.id, person_id=b.people[glass.family][pi]))
    s.commit()
    return b


def clear_tables() -> None:
    """Empty every table (the schema stays) and the rate-limit counters, as the suite's per-test
    clean does, between worlds."""
    from sqlalchemy import text

    from caseflow.core.database import Base
    from caseflow.core.extensions import db, limiter

    db.session.remove()
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with db.engine.begin() as conn:  # a world is a few dozen rows: DELETE beats TRUNCATE on PostgreSQL
        for name in tables:
            conn.execute(text(f"DELETE FROM {name}"))
    limiter.reset()
