"""Pure generation of a synthetic county's rows: nothing here touches the database.

`County` is the area (organisations, teams, staff, panels), sized from the number of people.
`Generator.chunk()` makes the next batch of households with their whole histories and returns
rows per table (tuples in COLUMNS order). The generator is sequential and keeps two pieces of
state across chunks, which is what makes it reproducible from one seed whatever the loader does
with the chunks: the keyworkers' free caseload places, and the audit chain (sequence number and
the previous event's hash).

Time runs forwards through each case the way the services move it (caseflow.core.stages):
request -> triage -> panel -> allocation -> assessment -> plan -> reviews -> closure, with
step-up and step-down to children's social care; a journey whose next step would fall after the
as-of moment stops where it is, so nothing is dated after it and open cases are simply the ones
still under way.
"""
from __future__ import annotations

import hashlib
import json
from json.encoder import encode_basestring_ascii as _encode_string
import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from caseflow.core import timescales
from caseflow.core.audit import HASH_VERSION
from caseflow.core.vocab import HEADLINE_PROBLEMS
from caseflow.demo import ORGANISATIONS
from caseflow.demo_casework import OWNER_ORG
from caseflow.families.matching import normalise_name, phonetic
from caseflow.notify.vocab import EVENT_TYPES, EVENT_CONCERNS
from caseflow.seed import texts
from caseflow.triage.services import is_eligible

HISTORY_YEARS = 10         # how far back the county's records go
PEOPLE_PER_FAMILY = 4      # roughly: a parent, 2.5 children, half the time a second adult
CHUNK_FAMILIES = 2000      # households per chunk (one COPY batch per table)
DOMAIN = "northshire.example"
PROBLEM_CODES = [str(code) for code in HEADLINE_PROBLEMS]
HELD_STAGES = ("allocated", "assessing", "planning", "reviewing")
# Share of families holding an open, allocated case on the as-of date, measured on seeded
# counties (the journeys below; 100,000 people: about 4%): sizes the keyworker workforce so
# caseloads sit near 80% of capacity. A case that finds no keyworker with room waits for
# allocation, as it would in a county short of staff.
OPEN_HELD_SHARE = 0.042
TARGET_UTILISATION = 0.8
# Contacts are what a county has most of (about five per person): the gap between two visits.
CONTACT_GAP_DAYS = (4, 10)
# Fresh requests in the front door's queue that look like someone already known (a surname
# spelt differently): the officer must confirm or reject the match before triage.
POSSIBLE_MATCH_SHARE = 0.004

# Every table the seed writes, and the columns of its rows, in order.
COLUMNS: dict[str, tuple[str, ...]] = {
    "organisations": ("id", "name", "type", "duty_email", "duty_contact_id", "key_adult_id", "created_at"),
    "teams": ("id", "name", "organisation_id", "created_at"),
    "users": ("id", "email", "name", "role", "organisation_id", "team_id", "password_hash", "active",
              "caseload_capacity", "failed_login_count", "session_version", "must_change_password", "created_at"),
    "api_tokens": ("id", "user_id", "token_hash", "prefix", "created_at"),
    "local_criteria": ("id", "code", "label", "active", "created_at"),
    "panels": ("id", "name", "meets_on", "chair_id", "created_by_id", "created_at"),
    "panel_members": ("id", "panel_id", "organisation_id", "attended"),
    "families": ("id", "reference", "name", "created_at"),
    "people": ("id", "given_name", "family_name", "date_of_birth", "sex", "address", "postcode", "nhs_number",
               "upn", "school_name", "school_id", "gp_practice_name", "gp_practice_id", "given_name_norm",
               "family_name_norm", "postcode_norm", "name_phonetic", "created_at", "updated_at"),
    "family_members": ("id", "family_id", "person_id", "relationship", "in_household", "created_at"),
    "cases": ("id", "reference", "family_id", "stage", "urgency", "opened_at", "closed_at", "closure_reason",
              "signposted_to", "is_re_referral", "previous_case_id", "level_of_need", "rag", "eligible", "team_id",
              "keyworker_id", "assessment_due_on", "review_due_on", "closure_summary", "family_feedback",
              "closed_by_id", "social_worker_id", "keyworker_role", "version", "created_at"),
    "case_transitions": ("id", "case_id", "from_stage", "to_stage", "action", "actor_id", "reason", "at"),
    "requests_for_help": ("id", "reference", "source", "status", "match_status", "case_id", "family_id",
                          "submitted_by_id", "referrer_name", "referrer_organisation", "referrer_organisation_id",
                          "referrer_role", "referrer_email", "concerns", "details", "consent_given",
                          "safeguarding_concern", "urgency", "is_re_referral", "received_at"),
    "request_people": ("id", "request_id", "position", "submitted", "given_name", "family_name", "date_of_birth",
                       "relationship", "person_id", "match_status", "match_score", "candidates"),
    "triage_decisions": ("id", "case_id", "decided_by_id", "decided_at", "level_of_need", "headline_problems",
                         "local_criteria", "eligible", "rag", "decision", "rationale", "signposted_to"),
    "panel_items": ("id", "panel_id", "case_id", "decision", "rationale", "team_id", "keyworker_id",
                    "decided_by_id", "decided_at"),
    "allocations": ("id", "case_id", "keyworker_id", "team_id", "allocated_by_id", "allocated_at", "reason"),
    "assessments": ("id", "case_id", "status", "due_on", "members", "domains", "family_views", "summary",
                    "confirmed_problems", "baseline", "started_at", "started_by_id", "updated_at", "updated_by_id",
                    "completed_at", "completed_by_id", "version"),
    "plans": ("id", "case_id", "status", "agreed_at", "agreed_by_id", "family_agreed", "updated_at",
              "updated_by_id", "version"),
    "plan_outcomes": ("id", "plan_id", "position", "headline_problem", "description", "measure", "target_date",
                      "status"),
    "plan_actions": ("id", "plan_id", "outcome_id", "position", "description", "owner_user_id",
                     "owner_organisation_id", "due_date", "status"),
    "reviews": ("id", "case_id", "held_on", "attendees", "progress", "action_updates", "decision", "notes",
                "next_review_on", "recorded_by_id", "recorded_at"),
    "contacts": ("id", "case_id", "occurred_on", "contact_type", "people_seen", "notes", "next_steps",
                 "recorded_by_id", "recorded_at"),
    "taf_members": ("id", "case_id", "user_id", "role", "added_by_id", "added_at"),
    "step_ups": ("id", "case_id", "from_stage", "requested_by_id", "requested_at", "reason", "concern", "informed",
                 "family_informed", "urgency", "respond_by", "response", "responded_by_id", "responded_at"),
    "statutory_statuses": ("id", "case_id", "status", "started_on", "ended_on", "recorded_by_id", "recorded_at"),
    "step_downs": ("id", "case_id", "requested_by_id", "requested_at", "reason", "still_needed", "handover_due_on",
                   "route"),
    "consents": ("id", "person_id", "family_id", "purpose", "given_by", "given_by_person_id",
                 "given_by_relationship", "method", "given_on", "expires_on", "recorded_by_id", "recorded_at"),
    "consent_people": ("consent_id", "person_id", "given_by_relationship", "position"),
    "consent_recipients": ("id", "consent_id", "organisation_id", "organisation_type"),
    "consent_categories": ("consent_id", "category"),
    "partner_events": ("id", "reference", "source_organisation_id", "submitted_by_id", "source_reference", "type",
                       "occurred_at", "summary", "people", "status", "family_id", "case_id", "person_ids",
                       "received_at", "routed_at"),
    "deliveries": ("id", "kind", "event_id", "status", "attempts", "next_attempt_at", "queued_at", "created_at",
                   "delivered_at"),
    "notifications": ("id", "delivery_key", "recipient_id", "type", "case_id", "family_id", "title", "body",
                      "created_at", "read_at", "acknowledged_at", "event_id", "deadline_at", "basis", "person_ids",
                      "escalated_at"),
    "audit_events": ("seq", "at", "actor_id", "actor_label", "actor_org_id", "action", "object_type", "object_id",
                     "family_id", "categories", "purpose", "basis", "request_id", "ip", "prev_hash", "hash",
                     "hash_version"),
}
# The order they load in: every row's foreign keys point at rows loaded before it.
LOAD_ORDER = list(COLUMNS)


# --- small helpers ---------------------------------------------------------------------------------

_REFERENCE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ23456789"  # caseflow.families.services.new_reference
_REFERENCE_SPACE = len(_REFERENCE_ALPHABET) ** 6
_REFERENCE_STRIDE = 387_420_489  # 3**18: coprime with 28**6, so counter -> reference is one-to-one


class References:
    """References like the services' (FAM-XXX-XXX), unique without asking the database: the n-th
    reference of a prefix is n scrambled through a bijection of the 28**6 possible bodies."""

    def __init__(self, seed: int) -> None:
        self._offset = seed * 7919
        self._counters: dict[str, int] = {}

    def next(self, prefix: str) -> str:
        n = self._counters.get(prefix, 0)
        self._counters[prefix] = n + 1
        value = (n * _REFERENCE_STRIDE + self._offset + len(prefix)) % _REFERENCE_SPACE
        body = []
        for _ in range(6):
            value, digit = divmod(value, 28)
            body.append(_REFERENCE_ALPHABET[digit])
        return f"{prefix}-{''.join(body[:3])}-{''.join(body[3:])}"


def dumps(value) -> str:
    """JSON as SQLAlchemy's JSON type writes it (json.dumps defaults)."""
    return json.dumps(value)


@dataclass(slots=True)
class StaffMember:
    id: str
    email: str
    name: str
    role: str
    organisation_id: str
    team_id: str | None = None
    capacity: int = 15
    held: int = 0  # open allocated cases on the as-of date


@dataclass(slots=True)
class Member:
    person_id: str
    given_name: str
    family_name: str
    date_of_birth: date
    relationship: str
    sex: str
    school_id: str | None


@dataclass
class Moment:
    """The clock of one run: the as-of moment nothing may pass, and working-hours times."""
    cutoff: datetime
    rng: random.Random

    def on(self, day: date) -> datetime:
        """A working-hours moment on `day` (or the next working day)."""
        day = _working_day_on_or_after(day)
        # random() rather than randrange(): the clock is the generator's hottest path.
        return datetime.combine(day, _EIGHT, timezone.utc) + timedelta(microseconds=int(self.rng.random() * _WORKDAY_US))

    def after(self, moment: datetime, low: int, high: int) -> datetime:
        """A working-hours moment `low` to `high` days after `moment`, and always after it."""
        days = low + int(self.rng.random() * (high - low + 1))
        if days == 0:
            return moment + timedelta(microseconds=int(300_000_000 + self.rng.random() * 14_000_000_000))
        later = self.on(moment.date() + timedelta(days=days))
        return later if later > moment else moment + timedelta(minutes=5 + int(self.rng.random() * 235))


_EIGHT = time(8, 0)
_WORKDAY_US = 8 * 3600 * 1_000_000


def _working_day_on_or_after(day: date) -> date:
    """timescales.working_day_on_or_after, answered from a table built once per day seen."""
    known = _WORKING_DAY.get(day)
    if known is None:
        known = _WORKING_DAY[day] = timescales.working_day_on_or_after(day)
    return known


_WORKING_DAY: dict[date, date] = {}


# --- the area --------------------------------------------------------------------------------------

LOCALITIES = ["North", "South", "East", "West", "Central", "Riverside", "Castle", "Millbrook", "Harbour",
              "Moorside", "Abbey", "Parkside", "Hillcrest", "Fenwick", "Oakfield", "Brook"]


class Names:
    """Name pools from Faker (en_GB, seeded), with the normalised keys the matcher stores
    (caseflow.families.matching), computed once per name rather than once per person."""

    def __init__(self, seed: int) -> None:
        from faker import Faker

        fake = Faker("en_GB")
        fake.seed_instance(seed)
        self.female = sorted({fake.first_name_female() for _ in range(1500)})
        self.male = sorted({fake.first_name_male() for _ in range(1500)})
        self.surnames = sorted({fake.last_name() for _ in range(4000)})
        self.streets = sorted({fake.street_name() for _ in range(1500)})
        self.norm = {name: normalise_name(name) for name in [*self.female, *self.male, *self.surnames]}
        self.phonetic = {name: phonetic(name) for name in self.surnames}
        self.referrers = [fake.name() for _ in range(300)]


class County:
    """The organisations, teams and staff of a county sized for `people`, and its weekly panels."""

    def __init__(self, rng: random.Random, people: int, as_of: datetime, password_hash: str, names: Names,
                 new_id) -> None:
        self.rng, self.new_id, self.names = rng, new_id, names
        created = as_of - timedelta(days=HISTORY_YEARS * 366 + 30)
        self.created = created
        families = max(1, people // PEOPLE_PER_FAMILY)
        self.rows: dict[str, list[tuple]] = {table: [] for table in COLUMNS}
        self.orgs: dict[str, tuple[str, str]] = {}  # name -> (id, type)
        for name, kind in ORGANISATIONS:
            if kind not in ("school", "gp"):
                self._org(name, kind)
        school_count, gp_count = max(4, people // 2500), max(2, people // 8000)
        school_names = [n for n, k in ORGANISATIONS if k == "school"]
        gp_names = [n for n, k in ORGANISATIONS if k == "gp"]
        self.schools = [self._org(school_names[i] if i < len(school_names) else
                                  f"{rng.choice(names.streets)} {rng.choice(['Primary', 'Academy', 'Junior', 'High'])} School {i}",
                                  "school") for i in range(school_count)]
        self.gps = [self._org(gp_names[i] if i < len(gp_names) else f"{rng.choice(names.streets)} Surgery {i}", "gp")
                    for i in range(gp_count)]
        self.org_name = {org_id: name for name, (org_id, _) in self.orgs.items()}
        early_help = self.orgs["Northshire Council Early Help"][0]
        social_care = self.orgs["Northshire Children's Social Care"][0]

        self.staff: list[StaffMember] = []
        self.front_door_team = self._team("Front Door", early_help)
        keyworkers = max(4, math.ceil(families * OPEN_HELD_SHARE / (12 * TARGET_UTILISATION)))
        team_count = max(2, math.ceil(keyworkers / 10))
        self.localities: list[tuple[str, list[StaffMember], StaffMember]] = []  # (team id, keyworkers, manager)
        for index in range(team_count):
            area = LOCALITIES[index % len(LOCALITIES)] + ("" if index < len(LOCALITIES) else f" {index // len(LOCALITIES) + 1}")
            team_id = self._team(f"{area} Locality Team", early_help)
            manager = self._user("team_manager", early_help, team_id)
            self.localities.append((team_id, [], manager))
        for index in range(keyworkers):
            team_id, members, _ = self.localities[index % team_count]
            members.append(self._user("keyworker", early_help, team_id, capacity=rng.choice([8, 10, 12, 12, 15, 15])))
        cin_team = self._team("Children in Need Team", social_care)
        self.front_door = [self._user("front_door", early_help, self.front_door_team)
                           for _ in range(max(2, math.ceil(families / 6000)))]
        self.panel_chairs = [self._user("panel_chair", early_help) for _ in range(max(1, math.ceil(families / 60000)))]
        self.social_workers = [self._user("social_worker", social_care, cin_team)
                               for _ in range(max(2, math.ceil(families / 2500)))]
        self.panel_members = [self._user("panel_member", self.orgs[name][0]) for name in
                              ("Northshire Police", "Northshire Health Visiting Service", "Northshire Homes")]
        # A designated safeguarding lead in every school: the referrer and key adult.
        self.school_dsl = {school: self._user("partner", school) for school in self.schools}
        self.health_visitors = [self._user("partner", self.orgs["Northshire Health Visiting Service"][0])
                                for _ in range(max(1, people // 20000))]
        self.partner_systems = [self._user("partner_system", self.orgs[name][0], name=f"{name} records system")
                                for name in ("Northshire Police", "Northshire Health Visiting Service",
                                             "Northshire Homes")]
        self.police_system = self.partner_systems[0]
        self.analysts = [self._user("analyst", early_help)]
        self.admins = [self._user("admin", early_help)]
        for user in self.staff:
            self.rows["users"].append((user.id, user.email, user.name, user.role, user.organisation_id, user.team_id,
                                       password_hash, True, user.capacity, 0, 0, False, created))
        # The school's key adult hears about domestic abuse incidents (Operation Encompass).
        # Early help's duty contact (the first locality manager) takes escalations.
        self.duty_manager = self.localities[0][2]
        duty_contacts = {early_help: self.duty_manager.id}
        self.rows["organisations"] = [
            row[:4] + (duty_contacts.get(row[0]), self.school_dsl[row[0]].id if row[0] in self.school_dsl else None)
            + row[6:] for row in self.rows["organisations"]]
        for code, label in (("cp_step_down", "Child stepping down from a child protection plan"),
                            ("parental_substance_misuse", "Parental substance misuse"),
                            ("ehc_plan", "Child with an education, health and care plan")):
            self.rows["local_criteria"].append((new_id(), code, label, True, created))
        self._panels(as_of, early_help)

    # organisations, teams, people who work there
    def _org(self, name: str, kind: str) -> str:
        org_id = self.new_id()
        self.orgs[name] = (org_id, kind)
        duty = f"duty@{''.join(c for c in name.split()[0].lower() if c.isalnum())}.example"
        self.rows["organisations"].append((org_id, name, kind, duty, None, None, self.created))
        return org_id

    def _team(self, name: str, organisation_id: str) -> str:
        team_id = self.new_id()
        self.rows["teams"].append((team_id, name, organisation_id, self.created))
        return team_id

    def _user(self, role: str, organisation_id: str, team_id: str | None = None, capacity: int = 15,
              name: str | None = None) -> StaffMember:
        rng, names = self.rng, self.names
        if name is None:
            given = rng.choice(names.female if rng.random() < 0.75 else names.male)
            name = f"{given} {rng.choice(names.surnames)}"
        local = "".join(c for c in name.lower().replace(" ", ".") if c.isalnum() or c == ".")
        user = StaffMember(self.new_id(), f"{local}.{len(self.staff) + 1}@{DOMAIN}", name, role, organisation_id,
                           team_id, capacity)
        self.staff.append(user)
        return user

    def _panels(self, as_of: datetime, early_help: str) -> None:
        """A weekly allocation panel, every Wednesday of the history up to the as-of date."""
        first = (self.created + timedelta(days=30)).date()
        first += timedelta(days=(2 - first.weekday()) % 7)
        self.first_panel = first
        self.panels: list[tuple[str, date]] = []
        members = [self.orgs[name][0] for name in ("Northshire Council Early Help", "Northshire Police",
                                                   "Northshire Health Visiting Service", "Northshire Homes",
                                                   "Jobcentre Plus Northshire")] + self.schools[:2]
        day = first
        while day <= as_of.date():
            panel_id = self.new_id()
            chair = self.rng.choice(self.panel_chairs)
            self.panels.append((panel_id, day))
            self.rows["panels"].append((panel_id, "Northshire allocation panel", day, chair.id, chair.id,
                                        datetime.combine(day - timedelta(days=7), time(9), timezone.utc)))
            for org_id in members:
                self.rows["panel_members"].append((self.new_id(), panel_id, org_id, self.rng.random() < 0.85))
            day += timedelta(days=7)

    def panel_after(self, moment: datetime) -> tuple[str, date] | None:
        """The first panel meeting after `moment` (None when none has met yet by the as-of date)."""
        index = max(0, (moment.date() - self.first_panel).days // 7 + 1)
        return self.panels[index] if index < len(self.panels) else None

    @property
    def keyworkers(self) -> list[StaffMember]:
        return [k for _, members, _ in self.localities for k in members]

    def logins(self) -> dict:
        return {"keyworkers": [k.email for k in self.keyworkers],
                "front_door": [u.email for u in self.front_door],
                "managers": [m.email for _, _, m in self.localities]}


# --- households and their histories -----------------------------------------------------------------

@dataclass
class Chunk:
    rows: dict[str, list[tuple]] = field(default_factory=lambda: {table: [] for table in COLUMNS})
    people: int = 0
    families: int = 0


class Generator:
    """Households, one chunk at a time, with their whole histories and their audit trail."""

    def __init__(self, seed: int, people: int, as_of: datetime, password_hash: str, settings: dict,
                 chain_head: tuple[int, str]) -> None:
        self.seed, self.target_people, self.cutoff = seed, people, as_of
        self.rng = random.Random(seed)
        self.new_id = lambda: "%032x" % self.rng.getrandbits(128)
        self.names = Names(seed)
        self.county = County(self.rng, people, as_of, password_hash, self.names, self.new_id)
        self.refs = References(seed)
        self.clock = Moment(as_of, self.rng)
        self.settings = settings
        self.encrypter = texts.Encrypter()
        self.pools = texts.Pools(random.Random(seed + 1), self.encrypter)
        self.seq, self.prev_hash = chain_head
        self.people_made = 0
        self.families_made = 0
        self.history_start = as_of - timedelta(days=HISTORY_YEARS * 365)
        self._chunk: Chunk | None = None

    @property
    def done(self) -> bool:
        return self.people_made >= self.target_people

    def setup_rows(self) -> dict[str, list[tuple]]:
        """The area's organisations, teams, staff, local criteria and panels."""
        rows = self.county.rows
        self._chunk = Chunk(rows=rows)
        for admin in self.county.admins:
            self._audit(self.county.created, admin, "seed.county", "service", None, None, (),
                        f"synthetic county of {self.target_people} people")
        rows["audit_events"] = self._chained(rows["audit_events"])
        return rows

    def chunk(self) -> Chunk:
        chunk = self._chunk = Chunk()
        while chunk.families < CHUNK_FAMILIES and not self.done:
            self._family()
            chunk.families += 1
        chunk.rows["audit_events"] = self._chained(chunk.rows["audit_events"])
        return chunk

    # the household
    def _family(self) -> None:
        rng, names, county, out = self.rng, self.names, self.county, self._chunk.rows
        locality = rng.randrange(len(county.localities))
        surname = rng.choice(names.surnames)
        postcode = f"NS{locality + 1} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
        address = f"{rng.randint(1, 180)} {rng.choice(names.streets)}, Northshire"
        first_request = self.history_start + timedelta(seconds=rng.randrange(int((self.cutoff - self.history_start).total_seconds())))
        created = first_request - timedelta(minutes=1)
        family_id = self.new_id()
        out["families"].append((family_id, self.refs.next("FAM"), surname, created))
        gp = rng.choice(county.gps)
        gp_name = county.org_name[gp]
        members: list[Member] = []

        def person(given, family_name, dob, sex, relationship, school=None, in_household=True):
            person_id = self.new_id()
            nhs = _nhs_number(rng) if rng.random() < 0.7 else None
            upn = f"{rng.choice('ABCDEFGHJKLMNPQRTUVWXYZ')}{rng.randint(10**11, 10**12 - 1)}" if school else None
            out["people"].append((person_id, given, family_name, dob, sex, address, postcode, nhs, upn,
                                  county.org_name[school] if school else None, school, gp_name, gp,
                                  names.norm[given], names.norm[family_name], postcode.replace(" ", ""),
                                  names.phonetic[family_name], created, created))
            out["family_members"].append((self.new_id(), family_id, person_id, relationship, in_household, created))
            members.append(Member(person_id, given, family_name, dob, relationship, sex, school))
            self.people_made += 1

        as_of_year = self.cutoff.year
        parent_sex = rng.choice(("female", "female", "male"))
        parent_dob = _dob(rng, as_of_year - 50, as_of_year - 20)
        person(rng.choice(names.female if parent_sex == "female" else names.male), surname, parent_dob, parent_sex,
               "parent_carer")
        for _ in range(rng.choice((1, 2, 2, 3, 3, 4))):
            if self.done:
                break
            sex = rng.choice(("female", "male"))
            dob = _dob(rng, max(parent_dob.year + 17, as_of_year - 17), as_of_year - 1)
            school = rng.choice(county.schools) if as_of_year - dob.year >= 4 else None
            person(rng.choice(names.female if sex == "female" else names.male), surname, dob, sex, "child", school)
        if rng.random() < 0.5 and not self.done:
            other = "male" if parent_sex == "female" else "female"
            person(rng.choice(names.male if other == "male" else names.female),
                   rng.choice(names.surnames) if rng.random() < 0.4 else surname, _dob(rng, as_of_year - 55, as_of_year - 20),
                   other, rng.choice(("parent_carer", "significant_adult")), in_household=rng.random() < 0.7)
        self.families_made += 1
        self._chunk.people += len(members)
        history = History(self, family_id, members, county.localities[locality], postcode)
        history.run(first_request)
        # A few from the start, so even a small county has some for the front door to check.
        if (rng.random() < POSSIBLE_MATCH_SHARE or self.families_made <= 3) and not self.done:
            history.possible_match()

    # the audit trail
    def _audit(self, at, actor: StaffMember | None, action, object_type, object_id, family_id, categories=(),
               purpose=None, basis=None) -> None:
        self._chunk.rows["audit_events"].append((
            at, actor.id if actor else None, actor.email if actor else "self-referral (public form)",
            actor.organisation_id if actor else None, action, object_type, object_id, family_id,
            sorted(set(categories)), purpose, basis))

    def _chained(self, events: list[tuple]) -> list[tuple]:
        """Number and seal a chunk's events onto the chain, oldest first: the hash that
        caseflow.core.audit.event_hash computes (tests/test_seed.py checks they agree). The
        rows carry `at` already written out, as the hash covers it."""
        events.sort(key=lambda e: e[0])
        rows, getrandbits = [], self.rng.getrandbits
        seq, prev = self.seq, self.prev_hash
        for at, actor_id, label, org_id, action, object_type, object_id, family_id, categories, purpose, basis in events:
            seq += 1
            request_id = "%032x" % getrandbits(128)
            octets = getrandbits(24)
            ip = f"10.{octets >> 16}.{(octets >> 8) & 255}.{(octets & 255) or 1}"
            at_text = at.isoformat(timespec="microseconds")
            categories_json = _json_list(categories)
            digest = audit_hash(seq, at_text, actor_id, label, org_id, action, object_type, object_id, family_id,
                                categories_json, purpose, basis, request_id, ip, prev)
            rows.append((seq, at_text, actor_id, label, org_id, action, object_type, object_id, family_id,
                         categories_json, purpose, basis, request_id, ip, prev, digest, HASH_VERSION))
            prev = digest
        self.seq, self.prev_hash = seq, prev
        return rows


def _json(value) -> str:
    """One JSON value as json.dumps writes it (strings ASCII-escaped)."""
    if value is None:
        return "null"
    return _encode_string(value)


def _json_list(values) -> str:
    return "[" + ",".join([_encode_string(v) for v in values]) + "]"


def audit_hash(seq: int, at_text: str, actor_id, label, org_id, action, object_type, object_id, family_id,
               categories_json: str, purpose, basis, request_id, ip, prev_hash) -> str:
    """caseflow.core.audit.event_hash for a version-2 row, without building a dict per event:
    json.dumps(payload, sort_keys=True, separators=(",", ":")) written out key by key in sorted
    order. `at_text` is at.isoformat(timespec="microseconds"); `categories_json` the sorted
    categories as JSON; ids are hex (nothing to escape)."""
    payload = (f'{{"action":{_encode_string(action)},'
               f'"actor_id":{"null" if actor_id is None else chr(34) + actor_id + chr(34)},'
               f'"actor_label":{_encode_string(label)},'
               f'"actor_org_id":{"null" if org_id is None else chr(34) + org_id + chr(34)},'
               f'"at":"{at_text}","basis":{_json(basis)},"categories":{categories_json},'
               f'"family_id":{"null" if family_id is None else chr(34) + family_id + chr(34)},'
               f'"hash_version":{HASH_VERSION},"ip":"{ip}",'
               f'"object_id":{"null" if object_id is None else chr(34) + object_id + chr(34)},'
               f'"object_type":{_encode_string(object_type)},"prev_hash":"{prev_hash}",'
               f'"purpose":{_json(purpose)},"request_id":"{request_id}","seq":{seq}}}')
    return hashlib.sha256(payload.encode()).hexdigest()


def _dob(rng: random.Random, first_year: int, last_year: int) -> date:
    return date(rng.randint(first_year, max(first_year, last_year)), rng.randint(1, 12), rng.randint(1, 28))


def _nhs_number(rng: random.Random) -> str:
    from caseflow.families.identifiers import random_nhs_number

    return random_nhs_number(rng)


# --- one family's history --------------------------------------------------------------------------

CASEWORK = ["case_notes", "plan"]


class History:
    """The cases of one family, each walked forwards through the stage graph until it closes or
    the as-of moment arrives, written as the rows the services would have left."""

    def __init__(self, generator: Generator, family_id: str, members: list[Member], locality, postcode: str):
        self.g, self.family_id, self.members, self.postcode = generator, family_id, members, postcode
        self.rng, self.clock, self.county = generator.rng, generator.clock, generator.county
        self.pools, self.out, self.cutoff = generator.pools, generator._chunk.rows, generator.cutoff
        self.team_id, self.team_keyworkers, self.manager = locality
        self.parent = members[0]
        self.children = [m for m in members if m.relationship == "child"]

    def run(self, first_request: datetime) -> None:
        previous: tuple[str, datetime] | None = None  # the last closed case and when it closed
        opened = first_request
        while True:
            case_id, closed_at = self._case(opened, previous)
            if closed_at is None or self.rng.random() > 0.25:
                return
            # A re-referral: the family comes back some months after the case closed.
            opened = self.clock.after(closed_at, 60, 900)
            if opened > self.cutoff:
                return
            previous = (case_id, closed_at)

    def possible_match(self) -> None:
        """A request in the last fortnight naming this family's parent with the surname spelt
        differently: a provisional family of its own, waiting for the front door to check the
        candidate (what caseflow.frontdoor.services.submit_request leaves for a possible match)."""
        rng, g, out, county = self.rng, self.g, self.out, self.county
        received = self.cutoff - timedelta(seconds=rng.randrange(14 * 86400))
        parent = self.parent
        surname = parent.family_name[:-1] + parent.family_name[-1] * 2
        names = g.names
        family_id, person_id, case_id, request_id = g.new_id(), g.new_id(), g.new_id(), g.new_id()
        out["families"].append((family_id, g.refs.next("FAM"), surname, received))
        out["people"].append((person_id, parent.given_name, surname, parent.date_of_birth, parent.sex, None, None,
                              None, None, None, None, None, None, names.norm[parent.given_name],
                              normalise_name(surname), None, phonetic(surname), received, received))
        out["family_members"].append((g.new_id(), family_id, person_id, "parent_carer", True, received))
        out["cases"].append((case_id, g.refs.next("CF"), family_id, "requested", "routine", received, None, None, None,
                             False, None, None, None, None, None, None, None, None, None, None, None, None, None, 1,
                             received))
        out["case_transitions"].append((g.new_id(), case_id, None, "requested", "request", None,
                                        self.pools.transition_reasons["request"], received))
        school = next((c.school_id for c in self.children if c.school_id), None) or county.schools[0]
        dsl = county.school_dsl[school]
        out["requests_for_help"].append((
            request_id, g.refs.next("RFH"), "professional", "needs_review", "needs_review", case_id, family_id, dsl.id,
            dsl.name, county.org_name[school], school, "Designated safeguarding lead", dsl.email, dumps(["education"]),
            g.encrypter.once("Attendance has dropped sharply since half term."), True, False, "routine", False, received))
        submitted = {"given_name": parent.given_name, "family_name": surname,
                     "date_of_birth": parent.date_of_birth.isoformat(), "relationship": "parent_carer"}
        candidates = [{"person_id": parent.person_id, "family_ids": [self.family_id], "score": 0.864,
                       "reasons": ["same first name", f"last name spelt differently ({surname}/{parent.family_name})",
                                   "same date of birth", "postcode not known on one side"]}]
        out["request_people"].append((g.new_id(), request_id, 0, g.encrypter.each_json(submitted), parent.given_name,
                                      surname, parent.date_of_birth, "parent_carer", person_id, "needs_review", 0.864,
                                      dumps(candidates)))
        g._audit(received, dsl, "request.create", "request_for_help", request_id, family_id, ["identity", "referral"],
                 "request for help", "consent")
        g.families_made += 1
        g.people_made += 1
        g._chunk.people += 1

    # --- the journey ---------------------------------------------------------------------------
    def _plan_journey(self, opened: datetime) -> list[tuple[str, datetime]]:
        """The moves the case makes, in order, each after the one before; cut at the as-of moment."""
        rng, clock = self.rng, self.clock
        steps: list[tuple[str, datetime]] = []

        def step(action: str, moment: datetime) -> bool:
            if moment > self.cutoff:
                return False
            steps.append((action, moment))
            return True

        triaged = clock.after(opened, 0 if self.urgency != "routine" else 1, 5)
        roll = rng.random()
        if roll < 0.33:
            step("triage:signpost", triaged)
            return steps
        if roll < 0.4:
            if step("triage:step_up", triaged):
                self._social_care_path(steps, step, triaged)
            return steps
        if not step("triage:panel", triaged):
            return steps
        panel = self.county.panel_after(triaged)
        if panel is None:
            return steps
        decided = datetime.combine(panel[1], time(10), timezone.utc) + timedelta(seconds=rng.randrange(10800))
        roll = rng.random()
        if roll < 0.05:  # deferred for more information, decided at the next panel
            if not step("panel:defer", decided):
                return steps
            panel = self.county.panel_after(decided)
            if panel is None:
                return steps
            decided = datetime.combine(panel[1], time(10), timezone.utc) + timedelta(seconds=rng.randrange(10800))
        if roll > 0.95:
            step("panel:signpost", decided)
            return steps
        if 0.92 < roll <= 0.95:
            if step("panel:step_up", decided):
                self._social_care_path(steps, step, decided)
            return steps
        if not step("panel:allocate", decided):
            return steps
        self._casework_path(steps, step, decided)
        return steps

    def _casework_path(self, steps, step, allocated: datetime) -> None:
        rng, clock = self.rng, self.clock
        started = clock.after(allocated, 2, 12)
        if not step("start_assessment", started):
            return
        if rng.random() < 0.1:  # the family stops engaging during the assessment
            step("close:family_disengaged", clock.after(started, 20, 70))
            return
        completed = clock.after(started, 15, 40)
        if not step("complete_assessment", completed):
            return
        agreed = clock.after(completed, 3, 15)
        if not step("agree_plan", agreed):
            return
        roll = rng.random()
        if roll < 0.04:  # risk rises during the plan
            moment = clock.after(agreed, 20, 200)
            if step("step_up", moment):
                step("close:stepped_up", clock.after(moment, 60, 300))
            return
        reason = rng.choices(["outcomes_achieved", "universal_services", "family_disengaged", "moved_away", "other"],
                             [65, 12, 12, 6, 5])[0]
        step(f"close:{reason}", clock.after(agreed, 60, 300))

    def _social_care_path(self, steps, step, up: datetime) -> None:
        rng, clock = self.rng, self.clock
        if rng.random() < 0.5:
            step("close:stepped_up", clock.after(up, 60, 400))
            return
        down = clock.after(up, 40, 300)
        if not step("step_down", down):
            return
        panel = self.county.panel_after(down)
        if panel is None:
            return
        decided = datetime.combine(panel[1], time(10), timezone.utc) + timedelta(seconds=rng.randrange(10800))
        if step("panel:allocate", decided):
            self._casework_path(steps, step, decided)

    # --- one case ------------------------------------------------------------------------------
    def _case(self, opened: datetime, previous) -> tuple[str, datetime | None]:
        rng, g, out, pools = self.rng, self.g, self.out, self.pools
        self.urgency = rng.choice(("routine",) * 6 + ("urgent", "immediate"))
        steps = self._plan_journey(opened)
        stage = _final_stage(steps)
        keyworker = None
        if any(action == "panel:allocate" for action, _ in steps):
            if stage in HELD_STAGES:
                keyworker = self._free_keyworker()
                if keyworker is None:  # nobody has room: the case waits for allocation
                    cut = next(i for i, (a, _) in enumerate(steps) if a == "panel:allocate")
                    steps = steps[:cut]
                    stage = _final_stage(steps)
                else:
                    keyworker.held += 1
            else:
                keyworker = rng.choice(self.team_keyworkers)
        social_worker = rng.choice(self.county.social_workers) if any("step_up" in a for a, _ in steps) else None
        case_id = g.new_id()
        reference = g.refs.next("CF")
        family_id = self.family_id
        front_door = rng.choice(self.county.front_door)
        chair = rng.choice(self.county.panel_chairs)
        concerns = sorted(rng.sample(PROBLEM_CODES, rng.choice((1, 2, 2, 3, 3, 4))))
        re_referral = previous is not None and (opened - previous[1]).days <= 365
        people = [self.parent, *self.children]

        # the request for help
        self._request(case_id, opened, concerns, stage, previous is not None, re_referral)
        transitions = [(None, "requested", "request", None, opened)]
        case = {"level": None, "rag": None, "eligible": None, "closed_at": None, "closure_reason": None,
                "signposted_to": None, "assessment_due_on": None, "review_due_on": None, "summary": None,
                "feedback": None, "closed_by": None, "keyworker_role": None}
        current = "requested"
        moments: dict[str, datetime] = {}
        for action, moment in steps:
            kind, _, detail = action.partition(":")
            moments[kind if kind not in ("triage", "panel") else action] = moment
            if kind == "triage":
                current = self._triage(case_id, case, detail, moment, front_door, concerns, transitions, current)
            elif kind == "panel":
                current = self._panel(case_id, case, detail, moment, chair, keyworker, transitions, current)
            elif kind == "close":
                actor = keyworker or social_worker or front_door
                transitions.append((current, "closed", "close", actor.id, moment))
                current = "closed"
                case["closed_at"], case["closure_reason"], case["closed_by"] = moment, detail, actor.id
                if detail == "outcomes_achieved":
                    case["summary"], case["feedback"] = rng.choice(pools.closure_summaries), rng.choice(pools.feedback)
                g._audit(moment, actor, "case.close", "case", case_id, family_id, CASEWORK, "case closure")
            else:
                target = {"start_assessment": "assessing", "complete_assessment": "planning", "agree_plan": "reviewing",
                          "step_up": "social_care", "step_down": "stepped_down"}[kind]
                actor = social_worker if kind == "step_down" else keyworker
                transitions.append((current, target, kind, actor.id, moment))
                current = target
        if stage != current:
            raise AssertionError(f"journey ended at {current}, expected {stage}")
        self._social_care(case_id, steps, social_worker, front_door, keyworker)
        if keyworker is not None and "start_assessment" in moments:
            self._casework(case_id, case, moments, keyworker, concerns, people)
        elif keyworker is not None and "panel:allocate" in moments and stage in HELD_STAGES:
            case["assessment_due_on"] = self._assessment_due(moments["panel:allocate"])
        if keyworker is not None and stage in HELD_STAGES:
            self._taf(case_id, moments["panel:allocate"], keyworker)
        for from_stage, to_stage, action, actor_id, at in transitions:
            out["case_transitions"].append((g.new_id(), case_id, from_stage, to_stage, action, actor_id,
                                            pools.transition_reasons[action], at))
        held = keyworker  # kept on a closed or stepped-up case; only open allocated ones count as caseload
        if stage == "social_care" and keyworker is not None:
            case["keyworker_role"] = "stepped_back"
        out["cases"].append((
            case_id, reference, family_id, stage, self.urgency, opened, case["closed_at"], case["closure_reason"],
            case["signposted_to"], re_referral, previous[0] if re_referral else None, case["level"], case["rag"],
            case["eligible"], self.team_id if held else None, held.id if held else None, case["assessment_due_on"],
            case["review_due_on"], case["summary"], case["feedback"], case["closed_by"],
            social_worker.id if social_worker else None, case["keyworker_role"], len(transitions), opened))
        if stage in HELD_STAGES or case["closed_at"] is not None:
            self._partner_events(case_id, opened, case["closed_at"], keyworker)
        return case_id, case["closed_at"]

    def _free_keyworker(self) -> StaffMember | None:
        """A keyworker in the family's locality with room on their caseload, or in any team."""
        free = [k for k in self.team_keyworkers if k.held < k.capacity]
        if not free:
            free = [k for k in self.county.keyworkers if k.held < k.capacity]
        return self.rng.choice(free) if free else None

    def _request(self, case_id, opened, concerns, stage, returning: bool, re_referral: bool) -> None:
        rng, g, county, out, pools = self.rng, self.g, self.county, self.out, self.pools
        source = rng.choice(("professional", "professional", "professional", "self_referral", "partner_system"))
        school = next((c.school_id for c in self.children if c.school_id), None)
        submitter = None
        if source == "professional" and school:
            submitter = county.school_dsl[school]
        elif source == "partner_system":
            submitter = county.police_system
        else:
            source = "self_referral" if source == "partner_system" or not school else source
        org_id = submitter.organisation_id if submitter else None
        # The demo's details for each concern, naming nobody ("the eldest", "mum"): few enough
        # distinct texts to encrypt each once.
        details_token = g.encrypter.once(" ".join(texts.DETAILS[c][rng.randrange(len(texts.DETAILS[c]))].format(
            child="The eldest", parent="Mum", pct=rng.choice((62, 71, 78))) for c in concerns))
        request_id = g.new_id()
        status = "new" if stage == "requested" else "triaged"
        match_status = "linked" if returning else "new"
        out["requests_for_help"].append((
            request_id, g.refs.next("RFH"), source, status, match_status, case_id, self.family_id,
            submitter.id if submitter else None,
            f"{self.parent.given_name} {self.parent.family_name}" if source == "self_referral" else rng.choice(self.g.names.referrers),
            county.org_name.get(org_id), org_id,
            "Parent (self-referral)" if source == "self_referral" else "Designated safeguarding lead",
            submitter.email if submitter else "family@example.org", dumps(concerns), details_token, True, False,
            self.urgency, re_referral, opened))
        for position, person in enumerate([self.parent, *self.children]):
            submitted = {"given_name": person.given_name, "family_name": person.family_name,
                         "date_of_birth": person.date_of_birth.isoformat(), "relationship": person.relationship,
                         "postcode": self.postcode}
            candidates = [{"person_id": person.person_id, "family_ids": [self.family_id], "score": 1.0,
                           "reasons": ["same first name", "same last name", "same date of birth", "same postcode"]}] \
                if returning else []
            out["request_people"].append((
                g.new_id(), request_id, position, g.encrypter.each_json(submitted), person.given_name,
                person.family_name, person.date_of_birth, person.relationship, person.person_id, match_status,
                1.0 if returning else None, dumps(candidates)))
        g._audit(opened, submitter, "request.self_refer" if source == "self_referral" else "request.create",
                 "request_for_help", request_id, self.family_id, ["identity", "referral"], "request for help", "consent")

    def _triage(self, case_id, case, decision, moment, officer, concerns, transitions, current) -> str:
        rng, g, pools = self.rng, self.g, self.pools
        problems = [{"code": c, "evidence": texts.EVIDENCE[c]} for c in concerns]
        local = ["parental_substance_misuse"] if rng.random() < 0.1 else []
        level = {"signpost": 2, "panel": rng.choice((2, 3, 3)), "step_up": 4}[decision]
        rag = rng.choice(("red",) if decision == "step_up" else ("amber", "amber", "green", "red"))
        eligible = is_eligible(concerns, local)
        signposted_to = rng.choice(texts.SIGNPOSTS) if decision == "signpost" else None
        self.out["triage_decisions"].append((
            g.new_id(), case_id, officer.id, moment, level, g.encrypter.once_json(problems), dumps(local), eligible,
            rag, decision, rng.choice(pools.triage_rationale), signposted_to))
        case["level"], case["rag"], case["eligible"] = level, rag, eligible
        g._audit(moment, officer, "case.triage", "case", case_id, self.family_id, ["referral"], "triage",
                 "early help service function")
        if decision == "panel":
            transitions.append((current, "triaged", "triage", officer.id, moment))
            # Sent to panel as part of the same decision, a moment after it (as in the app): the same
            # instant would leave the two moves in no defined order in the case's history.
            transitions.append(("triaged", "awaiting_panel", "send_to_panel", officer.id,
                                moment + timedelta(milliseconds=1)))
            return "awaiting_panel"
        if decision == "signpost":
            transitions.append((current, "signposted", "signpost", officer.id, moment))
            case["closed_at"], case["closure_reason"], case["signposted_to"] = moment, "signposted", signposted_to
            return "signposted"
        transitions.append((current, "social_care", "step_up", officer.id, moment))
        return "social_care"

    def _panel(self, case_id, case, decision, moment, chair, keyworker, transitions, current) -> str:
        rng, g, pools, out = self.rng, self.g, self.pools, self.out
        panel = self.county.panel_after(moment - timedelta(days=7))
        allocate = decision == "allocate"
        out["panel_items"].append((
            g.new_id(), panel[0], case_id, decision, rng.choice(pools.panel_rationale),
            self.team_id if allocate else None, keyworker.id if allocate else None, chair.id, moment))
        g._audit(moment, chair, f"panel.{decision}", "case", case_id, self.family_id, (), "panel decision")
        if decision == "defer":
            return current
        if decision == "signpost":
            signposted_to = rng.choice(texts.SIGNPOSTS)
            transitions.append((current, "signposted", "signpost", chair.id, moment))
            case["closed_at"], case["closure_reason"], case["signposted_to"] = moment, "signposted", signposted_to
            return "signposted"
        if decision == "step_up":
            transitions.append((current, "social_care", "step_up", chair.id, moment))
            return "social_care"
        transitions.append((current, "allocated", "allocate", chair.id, moment))
        allocation_id = g.new_id()
        out["allocations"].append((allocation_id, case_id, keyworker.id, self.team_id, chair.id, moment,
                                   pools.allocation_reason))
        g._audit(moment, chair, "case.allocate", "case", case_id, self.family_id, (), "allocation")
        family_name = f"{self.parent.family_name} family"
        self._notify(keyworker, "allocation", f"allocation:{allocation_id}", f"{family_name} has been allocated to you",
                     f"Your caseload has a new family: {family_name}.", case_id, moment)
        return "allocated"

    def _assessment_due(self, allocated: datetime) -> date:
        return timescales.working_day_on_or_after(allocated.date() + timedelta(weeks=self.g.settings["assessment_due_weeks"]))

    def _next_review(self, last: date) -> date:
        return timescales.working_day_on_or_after(last + timedelta(weeks=self.g.settings["review_interval_weeks"]))

    def _casework(self, case_id, case, moments, keyworker, concerns, people) -> None:
        """The assessment, plan, reviews and visits behind the case's stages (demo_casework's shape)."""
        rng, g, out, pools, enc = self.rng, self.g, self.out, self.pools, self.g.encrypter
        started, completed = moments["start_assessment"], moments.get("complete_assessment")
        closed_at = case["closed_at"]
        due_on = self._assessment_due(moments["panel:allocate"])
        assessment_id = g.new_id()
        members = [{"person_id": p.person_id, "name": f"{p.given_name} {p.family_name}", "relationship": p.relationship,
                    "date_of_birth": p.date_of_birth.isoformat(), "worked_with": True,
                    "voice": rng.choice(pools.voices) if p is not self.parent else ""} for p in people]
        baseline = {c: rng.randint(1, 4) for c in concerns} if completed else {}
        out["assessments"].append((
            assessment_id, case_id, "complete" if completed else "draft", due_on, enc.each_json(members),
            enc.once_json({c: {"strengths": "The family want things to change.", "needs": "See the request for help."}
                           for c in concerns}),
            rng.choice(pools.family_views), rng.choice(pools.assessment_summary) if completed else None,
            dumps(concerns if completed else []), dumps(baseline), started, keyworker.id, completed or started,
            keyworker.id, completed, keyworker.id if completed else None, 2 if completed else 1))
        self._contacts(case_id, started, closed_at, keyworker, people)
        self._consents(started, keyworker)
        if not completed:
            if closed_at is None:
                case["assessment_due_on"] = due_on
            return
        g._audit(completed, keyworker, "assessment.complete", "assessment", assessment_id, self.family_id,
                 ["case_notes", "education", "health", "identity", "plan", "police"], "whole-family assessment")
        agreed = moments.get("agree_plan")
        plan_id = g.new_id()
        out["plans"].append((plan_id, case_id, "agreed" if agreed else "draft", agreed, keyworker.id if agreed else None,
                             bool(agreed), agreed or completed, keyworker.id, 2 if agreed else 1))
        outcome_ids = []
        scores = dict(baseline)
        for position, code in enumerate(concerns):
            outcome_id = g.new_id()
            outcome_ids.append((outcome_id, code))
            description, measure = pools.outcomes[code]
            owner_org = self.county.orgs.get(OWNER_ORG.get(code), (None,))[0]
            out["plan_actions"].append((
                g.new_id(), plan_id, outcome_id, position, pools.actions[code], None if owner_org else keyworker.id,
                owner_org, (completed + timedelta(days=42)).date(),
                "done" if closed_at else rng.choice(("not_started", "in_progress", "done"))))
        if not agreed:
            for position, (outcome_id, code) in enumerate(outcome_ids):
                description, measure = pools.outcomes[code]
                out["plan_outcomes"].append((outcome_id, plan_id, position, code, description, measure,
                                             (completed + timedelta(days=180)).date(), "in_progress"))
            return
        g._audit(agreed, keyworker, "plan.agree", "plan", plan_id, self.family_id, ["plan"], "family plan")
        end = (closed_at or self.cutoff).date()
        held = agreed.date()
        while True:
            next_held = self._next_review(held)
            # Some teams run late: about one open case in five is past its review date.
            if next_held > end or (closed_at is None and rng.random() < 0.2
                                   and next_held > (self.cutoff - timedelta(days=60)).date()):
                break
            held = next_held
            scores = {c: min(10, s + rng.randint(0, 2)) for c, s in scores.items()}
            recorded = self.clock.on(held)
            if recorded > self.cutoff:
                break
            review_id = g.new_id()
            out["reviews"].append((
                review_id, case_id, held, dumps([{"name": keyworker.name, "organisation": "Northshire Council Early Help"},
                                                 {"name": f"{self.parent.given_name} {self.parent.family_name}",
                                                  "organisation": "Parent"}]),
                dumps({o: scores[c] for o, c in outcome_ids}), "{}", "continue", rng.choice(pools.review_notes),
                self._next_review(held), keyworker.id, recorded))
            g._audit(recorded, keyworker, "review.record", "review", review_id, self.family_id, CASEWORK, "TAF review")
        for position, (outcome_id, code) in enumerate(outcome_ids):
            description, measure = pools.outcomes[code]
            status = "in_progress"
            if closed_at is not None:
                status = "achieved" if scores.get(code, 0) >= 6 else "partly_achieved"
            out["plan_outcomes"].append((outcome_id, plan_id, position, code, description, measure,
                                         (completed + timedelta(days=180)).date(), status))
        if closed_at is None and case.get("review_due_on") is None:
            case["review_due_on"] = self._next_review(held)

    def _contacts(self, case_id, start: datetime, closed_at, keyworker, people) -> None:
        """Visits, calls and meetings from the start of the assessment until the case closes."""
        rng, g, pools, rows = self.rng, self.g, self.pools, self.out["contacts"]
        end = closed_at or self.cutoff
        disengaged = False
        day = start
        seen_pair = dumps([p.person_id for p in people[:2]])
        seen_one = dumps([people[0].person_id])
        low, high = CONTACT_GAP_DAYS
        new_id, random_ = g.new_id, rng.random

        def choice(options):  # rng.choice, without its bookkeeping: contacts are the most rows
            return options[int(random_() * len(options))]

        notes, missed = pools.contact_notes, pools.missed_notes
        while day < end:
            recorded = day + timedelta(hours=2)
            if recorded > self.cutoff:
                break
            missed_visit = disengaged or random_() < 0.1
            contact_id = new_id()
            kind = "missed_visit" if missed_visit else choice(("home_visit", "home_visit", "home_visit", "phone_call",
                                                               "school_meeting", "office_visit", "text_or_email"))
            rows.append((contact_id, case_id, day.date(), kind, "[]" if missed_visit else
                         (seen_pair if kind == "home_visit" else seen_one),
                         choice(missed) if missed_visit else choice(notes),
                         choice(pools.next_steps) if random_() < 0.4 else None, keyworker.id, recorded))
            g._audit(recorded, keyworker, "contact.record", "contact", contact_id, self.family_id, ["case_notes"],
                     "visit or contact")
            if random_() < 0.15:  # the keyworker opened the family's page before recording it
                g._audit(recorded - timedelta(minutes=3), keyworker, "family.view", "family", self.family_id,
                         self.family_id, ["case_notes", "identity", "plan"], "casework", "case role")
            day = self.clock.after(day, low, high)

    def _consents(self, given: datetime, keyworker) -> None:
        """A parent consents for herself and her younger children; a teenager for himself
        (demo_consent's shape), recorded at the start of the assessment."""
        rng, g, out = self.rng, self.g, self.out
        given_on = given.date()
        young = [c for c in self.children if _age_on(c.date_of_birth, given_on) < 16]
        teens = [c for c in self.children if _age_on(c.date_of_birth, given_on) >= 16]
        school = next((c.school_id for c in young if c.school_id), None)
        forms = [(self.parent, young, "taf_information_sharing", "signed_form",
                  ["education", "health", "identity", "plan"], [school] if school else [], ["health_visiting"])]
        forms += [(teen, [], "early_help_support", "verbal", ["finances_employment", "identity"], [],
                   ["jobcentre", "voluntary"]) for teen in teens[:1]]
        for person, also, purpose, method, categories, org_ids, org_types in forms:
            consent_id = g.new_id()
            out["consents"].append((consent_id, person.person_id, self.family_id, purpose,
                                    f"{person.given_name} {person.family_name}", person.person_id, "self", method,
                                    given_on, given_on + timedelta(days=365) if purpose == "taf_information_sharing" else None,
                                    keyworker.id, given))
            out["consent_people"].append((consent_id, person.person_id, "self", 0))
            for position, child in enumerate(also, start=1):
                out["consent_people"].append((consent_id, child.person_id, "parent_carer", position))
            for org_id in org_ids:
                out["consent_recipients"].append((g.new_id(), consent_id, org_id, None))
            for kind in org_types:
                out["consent_recipients"].append((g.new_id(), consent_id, None, kind))
            for category in categories:
                out["consent_categories"].append((consent_id, category))
            g._audit(given, keyworker, "consent.record", "consent", consent_id, self.family_id, ["identity"],
                     "record consent")

    def _taf(self, case_id, allocated: datetime, keyworker) -> None:
        """The child's school joins the Team Around the Family."""
        school = next((c.school_id for c in self.children if c.school_id), None)
        if school is None:
            return
        added = self.clock.after(allocated, 1, 10)
        if added > self.cutoff:
            return
        member_id = self.g.new_id()
        dsl = self.county.school_dsl[school]
        self.out["taf_members"].append((member_id, case_id, dsl.id, "Designated safeguarding lead", keyworker.id, added))
        self.g._audit(added, keyworker, "taf.add", "taf_member", member_id, self.family_id, (), "team around the family")
        self._notify(dsl, "taf", f"taf:{member_id}", "You have joined a Team Around the Family",
                     "You have been added to a family's Team Around the Family.", case_id, added)

    def _social_care(self, case_id, steps, social_worker, front_door, keyworker) -> None:
        """Step-up and step-down records behind the social care moves (demo_casework's shape)."""
        rng, g, out, pools = self.rng, self.g, self.out, self.pools
        for action, moment in steps:
            if action in ("triage:step_up", "panel:step_up", "step_up"):
                from_stage = {"triage:step_up": "requested", "panel:step_up": "awaiting_panel"}.get(action, "reviewing")
                by = front_door if action == "triage:step_up" else (keyworker or front_door)
                responded = self.clock.after(moment, 0, 1)
                responded = responded if responded <= self.cutoff else None
                step_up_id = g.new_id()
                out["step_ups"].append((
                    step_up_id, case_id, from_stage, by.id, moment, rng.choice(pools.step_up_reasons),
                    pools.step_up_concern, dumps(["School DSL"]), True, "immediate", moment,
                    "accepted_for_assessment" if responded else None, social_worker.id if responded else None, responded))
                g._audit(moment, by, "case.step_up", "case", case_id, self.family_id, ["case_notes", "social_care"],
                         "step up")
                down = next((m for a, m in steps if a == "step_down"), None)
                started = timescales.to_london(moment).date() + timedelta(days=rng.randint(1, 10))
                if started <= self.cutoff.date():
                    out["statutory_statuses"].append((
                        g.new_id(), case_id, rng.choice(("child_in_need", "child_protection_plan")), started,
                        timescales.to_london(down).date() if down and down.date() >= started else None,
                        social_worker.id, moment))
                if responded:
                    self._notify(by, "step_up_response", f"step-up-response:{step_up_id}", "Children's social care responded",
                                 "The step-up was accepted for assessment.", case_id, responded)
            elif action == "step_down":
                reason, still = rng.choice(pools.step_down)
                out["step_downs"].append((
                    g.new_id(), case_id, social_worker.id, moment, reason, still,
                    timescales.add_working_days(timescales.to_london(moment).date(), 10), "panel"))
                g._audit(moment, social_worker, "case.step_down", "case", case_id, self.family_id,
                         ["case_notes", "social_care"], "step down")

    def _partner_events(self, case_id, opened, closed_at, keyworker) -> None:
        """Police and health report incidents about the family's children while the case is
        open: routed to the keyworker with a deadline to acknowledge."""
        rng, g, out, pools = self.rng, self.g, self.out, self.pools
        if not self.children or keyworker is None or rng.random() > 0.35:
            return
        end = closed_at or self.cutoff
        for _ in range(rng.choice((1, 1, 2, 3))):
            received = opened + timedelta(seconds=rng.randrange(max(1, int((end - opened).total_seconds()))))
            if received > self.cutoff:
                continue
            child = rng.choice(self.children)
            kind = rng.choice(list(EVENT_TYPES))
            event_id = g.new_id()
            people = [{"given_name": child.given_name, "family_name": child.family_name,
                       "date_of_birth": child.date_of_birth.isoformat(), "postcode": self.postcode}]
            routed = received + timedelta(seconds=rng.randint(2, 90))
            routed = min(routed, self.cutoff)
            out["partner_events"].append((
                event_id, g.refs.next("PE"), self.county.police_system.organisation_id, self.county.police_system.id,
                f"NP-{event_id[:10].upper()}", kind, received - timedelta(hours=rng.randint(1, 12)),
                pools.event_summaries[kind], g.encrypter.each_json(people), "routed", self.family_id, case_id,
                dumps([child.person_id]), received, routed))
            out["deliveries"].append((g.new_id(), "route", event_id, "delivered", 1, received, received, received, routed))
            g._audit(received, self.county.police_system, "event.submit", "partner_event", event_id, None,
                     ["identity", "police"], "partner notification", "information sharing agreement")
            # Most alerts are acknowledged within the working day's deadline; some late.
            acknowledged = routed + (timedelta(minutes=rng.randint(10, 7 * 60)) if rng.random() < 0.85
                                     else timedelta(hours=rng.randint(9, 30)))
            deadline = routed + timedelta(hours=8)
            self._notify(keyworker, "partner_event", f"event:{event_id}", f"{EVENT_TYPES[kind]}: {child.given_name}",
                         texts.EVENT_SUMMARIES[kind], case_id, routed, event_id=event_id, deadline_at=deadline,
                         acknowledged=acknowledged if acknowledged <= self.cutoff and rng.random() < 0.9 else None,
                         person_ids=[child.person_id])

    def _notify(self, recipient: StaffMember, kind, key, title, body, case_id, created, *, event_id=None,
                deadline_at=None, acknowledged=None, person_ids=None) -> None:
        g = self.g
        read = created + timedelta(hours=self.rng.randint(1, 72))
        note_id = g.new_id()
        # Past its deadline unacknowledged: the worker's sweep escalated it to the duty manager
        # at the time (caseflow.notify.escalation), as it would have in a county in service.
        escalated = deadline_at + timedelta(seconds=2) if deadline_at is not None and deadline_at <= self.cutoff \
            and (acknowledged is None or acknowledged > deadline_at) else None
        self.out["notifications"].append((
            note_id, f"{key}:{recipient.id}"[:200], recipient.id, kind, case_id, self.family_id, title[:200],
            g.encrypter.once(body), created, read if read <= self.cutoff else None, acknowledged, event_id,
            deadline_at, None, dumps(person_ids) if person_ids else None, escalated))
        if escalated is not None:
            duty = self.county.duty_manager
            seen = escalated + timedelta(minutes=self.rng.randint(5, 240))  # the duty manager picks it up
            seen = seen if seen <= self.cutoff else None
            self.out["notifications"].append((
                g.new_id(), f"escalation:{note_id}:{duty.id}"[:200], duty.id, "escalation", case_id, self.family_id,
                f"Not acknowledged by {recipient.name}: {title}"[:200], g.encrypter.once(body), escalated,
                seen, seen, event_id, None, None, None, None))


def _age_on(dob: date, on: date) -> int:
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


_STAGE_AFTER = {"triage:signpost": "signposted", "triage:step_up": "social_care", "triage:panel": "awaiting_panel",
                "panel:defer": "awaiting_panel", "panel:signpost": "signposted", "panel:step_up": "social_care",
                "panel:allocate": "allocated", "start_assessment": "assessing", "complete_assessment": "planning",
                "agree_plan": "reviewing", "step_up": "social_care", "step_down": "stepped_down"}


def _final_stage(steps: list[tuple[str, datetime]]) -> str:
    if not steps:
        return "requested"
    action = steps[-1][0]
    return "closed" if action.startswith("close:") else _STAGE_AFTER[action]
