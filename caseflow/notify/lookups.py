"""What routing a batch of partner events needs from the database, each thing asked for once:
the families' members and schools, open cases, recipients, rules, holidays and the policy's
answer for each recipient (caseflow.notify.routing uses it)."""
from __future__ import annotations

from sqlalchemy import select

from caseflow.core import stages as flow, timescales
from caseflow.auth.models import Organisation, Team, User
from caseflow.core.roles import Role
from caseflow.cases.models import Case
from caseflow.core.extensions import db
from caseflow.families.models import FamilyMember, Person
from caseflow.notify import deadlines
from caseflow.notify.models import RoutingRule
from caseflow.core.roles import OrgType


class RoutingBatch:
    """What routing a batch of events needs from the database, each asked for once."""

    def __init__(self):
        self._rules: dict[str, list[RoutingRule]] | None = None
        self._holidays = None
        self._officers: list[str] | None = None
        self._managers: dict[str | None, list[str]] | None = None
        self.families: dict[str, "FamilyAtSchool"] = {}
        self.visitors: dict[str, list[str]] = {}
        self.users: dict[str, User] = {}
        self.orgs: dict[str, Organisation] = {}
        self._visible: dict[str, dict[str, bool]] = {}
        self._leads: dict[str, str] | None = None  # organisation id -> its Operation Encompass lead
        self._team_orgs: dict[str, str | None] = {}
        self.loaded: list = []
        self.notes: list[dict] = []

    def rules_for(self, event_type: str) -> list[RoutingRule]:
        if self._rules is None:
            from caseflow.notify.rules import in_force_rules_query, seed_defaults

            seed_defaults()  # an area that has never edited its rules starts with the defaults
            self._rules = {}
            for rule in db.session.scalars(in_force_rules_query().order_by(RoutingRule.recipient, RoutingRule.channel)):
                self._rules.setdefault(rule.event_type, []).append(rule)
        return self._rules.get(event_type, [])

    def holidays(self):
        if self._holidays is None:
            self._holidays = deadlines.school_holidays()
        return self._holidays

    def front_door_officers(self) -> list[str]:
        if self._officers is None:
            self._officers = list(db.session.scalars(select(User.id).where(User.role == Role.FRONT_DOOR, User.active)))
        return self._officers

    def team_managers(self, case: Case) -> list[str]:
        if self._managers is None:
            self._managers = {}
            for user_id, team_id in db.session.execute(select(User.id, User.team_id).where(
                    User.role == Role.TEAM_MANAGER, User.active).order_by(User.id)):
                self._managers.setdefault(team_id, []).append(user_id)
        return (self._managers.get(case.team_id) if case.team_id else None) or self._managers.get(None, [])

    @staticmethod
    def families_of_people(person_ids) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        if person_ids:
            for person_id, family_id in db.session.execute(select(FamilyMember.person_id, FamilyMember.family_id)
                                                           .where(FamilyMember.person_id.in_(person_ids))):
                found.setdefault(person_id, []).append(family_id)
        return found

    @staticmethod
    def open_cases(family_ids) -> dict[str, Case]:
        """Each family's most recently opened case that is still open."""
        latest: dict[str, Case] = {}
        if family_ids:
            for case in db.session.scalars(select(Case).where(Case.family_id.in_(family_ids),
                                                              Case.stage.not_in(flow.CLOSED_STAGES))
                                           .order_by(Case.opened_at)):
                latest[case.family_id] = case  # ordered oldest first: the last one wins
        return latest

    def prepare(self, cases: list[Case]) -> None:
        """Load, in a few queries, the families' members and schools and the TAF health visitors."""
        from caseflow.families.models import Family

        family_ids = {c.family_id for c in cases} - set(self.families)
        if not family_ids:
            return
        # Held here so case.family comes from memory (the session only weakly keeps loaded rows).
        self.loaded.extend(db.session.scalars(select(Family).where(Family.id.in_(family_ids))))
        members: dict[str, list[Person]] = {f: [] for f in family_ids}
        for family_id, person in db.session.execute(select(FamilyMember.family_id, Person)
                                                    .join(Person, Person.id == FamilyMember.person_id)
                                                    .where(FamilyMember.family_id.in_(family_ids))):
            members[family_id].append(person)
        everyone = [p for people in members.values() for p in people]
        schools = _schools_of(everyone)
        for case in cases:
            if case.family_id in family_ids:
                self.families[case.family_id] = FamilyAtSchool(members[case.family_id], schools)
        for case_id, user_id in taf_members_of_type([c.id for c in cases], "health_visiting"):
            self.visitors.setdefault(case_id, []).append(user_id)

    def load_users(self, ids) -> None:
        wanted = set(ids) - set(self.users)
        if not wanted:
            return
        for user in db.session.scalars(select(User).where(User.id.in_(wanted), User.active)):
            self.users[user.id] = user
        org_ids = {u.organisation_id for u in self.users.values() if u.organisation_id} - set(self.orgs)
        if org_ids:  # user.organisation then comes from memory
            self.orgs.update({o.id: o for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(org_ids)))})

    def may_see(self, user: User, case: Case) -> bool:
        """The policy's answer (case.view) for this user, asked once per batch for every family
        in it rather than once per event."""
        answers = self._visible.setdefault(user.id, {})
        if case.family_id not in answers:
            from caseflow.core.access import visible_families

            unasked = {case.family_id, *self.families} - set(answers)
            visible = visible_families(user, unasked)
            answers.update({f: f in visible for f in unasked})
        return answers[case.family_id]

    def encompass_leads(self, case: Case) -> list[str]:
        """The council's named Operation Encompass lead for this case: the one its team's
        organisation names, else the one any early help organisation names."""
        if self._leads is None:  # a handful of organisations name one: asked once per batch
            self._leads = {org_id: lead for org_id, org_type, lead in db.session.execute(
                select(Organisation.id, Organisation.type, Organisation.encompass_lead_id)
                .where(Organisation.encompass_lead_id.is_not(None)).order_by(Organisation.type != OrgType.EARLY_HELP,
                                                                            Organisation.name))}
        if case.team_id and case.team_id not in self._team_orgs:
            self._team_orgs[case.team_id] = db.session.scalar(select(Team.organisation_id).where(Team.id == case.team_id))
        own = self._leads.get(self._team_orgs.get(case.team_id)) if case.team_id else None
        fallback = next(iter(self._leads.values()), None)
        return [lead for lead in [own or fallback] if lead]

    def organisation(self, org_id: str) -> Organisation | None:
        if org_id not in self.orgs:
            self.orgs[org_id] = db.session.get(Organisation, org_id)
        return self.orgs[org_id]


def _schools_of(people: list[Person]) -> dict[str, Organisation | None]:
    """Each pupil's school: by id, or by the name given on a request when no id was recorded."""
    from sqlalchemy import func, or_

    ids = {p.school_id for p in people if p.school_id}
    names = {p.school_name.strip().lower() for p in people if not p.school_id and p.school_name}
    schools = list(db.session.scalars(select(Organisation).where(Organisation.type == OrgType.SCHOOL, or_(
        Organisation.id.in_(ids), func.lower(Organisation.name).in_(names))))) if ids or names else []
    by_name = {o.name.lower(): o for o in schools}
    by_id = {o.id: o for o in schools}
    return {p.id: by_id.get(p.school_id) or by_name.get((p.school_name or "").strip().lower()) for p in people}


class FamilyAtSchool:
    """A family's members and each pupil's school, as routing needs them."""

    def __init__(self, people: list[Person], school_of: dict[str, Organisation | None]):
        self.people = people
        self.school_of = {p.id: school_of.get(p.id) for p in people}

    def pupils_at(self, school_id: str) -> list[Person]:
        return [p for p in self.people if (self.school_of.get(p.id) or _NO_SCHOOL).id == school_id]

    def key_adults(self, named_ids) -> list[str]:
        """Each child's school's key adult (Operation Encompass): the children named in the
        event, or every child at a school when the event names only adults."""
        pupils = [p for p in self.people if self.school_of.get(p.id)]
        named = [p for p in pupils if p.id in (named_ids or [])]
        return list(dict.fromkeys(self.school_of[p.id].key_adult_id for p in (named or pupils)
                                  if self.school_of[p.id].key_adult_id))


    def encompass_children(self, event) -> list[Person]:
        """The children an Operation Encompass notice is about: those the event names, or every
        child in the family when it names adults alone (a child lives where the incident was)."""
        from caseflow.notify.encompass import is_child

        on = timescales.to_london(event.occurred_at).date()
        children = [p for p in self.people if is_child(p, on) or (p.date_of_birth is None and self.school_of.get(p.id))]
        named = [p for p in children if p.id in (event.person_ids or [])]
        return named or children

    def on_roll(self, person: Person) -> bool:
        return self.school_of.get(person.id) is not None

    def on_roll_at(self, person: Person, school_id: str | None) -> bool:
        school = self.school_of.get(person.id)
        return school is not None and school_id is not None and school.id == school_id

    def key_adults_of(self, children: list[Person]) -> list[str]:
        return list(dict.fromkeys(self.school_of[p.id].key_adult_id for p in children
                                  if self.on_roll(p) and self.school_of[p.id].key_adult_id))


class _NoSchool:
    id = None


_NO_SCHOOL = _NoSchool()


# The Team Around the Family belongs to caseflow.plans, which sits above notify (its services
# send notifications); plans plugs its look-up in here at start-up instead of notify importing it.
_taf_lookup = None


def provide_taf_lookup(lookup) -> None:
    """`lookup(case_ids, organisation_type) -> [(case_id, user_id)]`: current TAF members who work
    for that type of organisation."""
    global _taf_lookup
    _taf_lookup = lookup


def taf_members_of_type(case_ids: list[str], organisation_type: str) -> list[tuple[str, str]]:
    if _taf_lookup is None:
        raise RuntimeError("No TAF look-up registered: caseflow.plans.taf registers it (create_app imports it).")
    return list(_taf_lookup(case_ids, organisation_type))
