"""A small county built for the dashboard tests: organisations, teams and people through the
real services, and cases with the dates each test needs written straight onto the records
(services stamp 'now'; the dashboards are about when things happened). Every spec is kept, so
a test can count each figure again from the specs alone and compare."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from itertools import count

from caseflow.core.extensions import db
from tests.conftest import TEST_PASSWORD

UTC = timezone.utc
_serial = count(1)


def at(day: date, hour: int = 10) -> datetime:
    """10:00 UTC on `day` (11:00 in London in summer): the same calendar day in both zones."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@dataclass
class Spec:
    opened: date
    team: str | None                 # "north", "south" or None (not yet with a team)
    source: str = "professional"
    referrer_org: str | None = "school"  # key into World.orgs, or None
    stage: str = "requested"
    moves: list = field(default_factory=list)  # (action, from_stage, to_stage, date)
    closed: date | None = None
    closure_reason: str | None = None
    re_referral: bool = False
    keyworker: str | None = None      # "kw_north" / "kw_south"
    assessment_due: date | None = None
    review_due: date | None = None
    family_key: str | None = None     # cases sharing a key share a family
    feedback: str | None = None
    members: list = field(default_factory=lambda: [("parent_carer", date(1985, 5, 1)), ("child", date(2014, 2, 1))])
    case_id: str = ""
    family_id: str = ""


class World:
    def __init__(self, app):
        from caseflow.auth.services import create_organisation, create_team, create_user

        self.app, self.specs = app, []
        with app.app_context():
            eh = create_organisation("Shire Early Help", "early_help")
            school = create_organisation("Shire Academy", "school")
            police = create_organisation("Shire Police", "police")
            self.orgs = {"early_help": eh.id, "school": school.id, "police": police.id}
            north, south = create_team("Locality North", eh), create_team("Locality South", eh)
            self.teams = {"north": north.id, "south": south.id}

            def user(key, role, org, team=None, capacity=None):
                u, _ = create_user(f"{key}@example.gov.uk", key.replace("_", " ").title(), role, org.name,
                                   TEST_PASSWORD, team=team)
                if capacity:
                    u.caseload_capacity = capacity
                return u

            users = {"manager_north": user("manager_north", "team_manager", eh, north),
                     "service_lead": user("service_lead", "team_manager", eh),
                     "analyst": user("analyst", "analyst", eh),
                     "chair": user("chair", "panel_chair", eh),
                     "kw_north": user("kw_north", "keyworker", eh, north, 10),
                     "kw_south": user("kw_south", "keyworker", eh, south, 12),
                     "school_partner": user("school_partner", "partner", school),
                     "police_partner": user("police_partner", "partner", police)}
            db.session.commit()
            self.users = {k: u.id for k, u in users.items()}

    def user(self, key):
        from caseflow.auth.models import User

        return db.session.get(User, self.users[key])

    def add(self, *specs: Spec) -> None:
        from caseflow.cases.models import Case, CaseTransition
        from caseflow.families.models import Family, FamilyMember, Person
        from caseflow.frontdoor.models import RequestForHelp

        families = {s.family_key: s.family_id for s in self.specs if s.family_key}
        with self.app.app_context():
            for s in specs:
                n = next(_serial)
                family_id = families.get(s.family_key) if s.family_key else None
                if family_id is None:
                    family = Family(reference=f"FAM-T{n:05d}", name=f"Testfamily{n}")
                    db.session.add(family)
                    db.session.flush()
                    family_id = family.id
                    for i, (relationship, born) in enumerate(s.members):
                        person = Person(given_name=f"Given{n}x{i}", family_name=f"Testfamily{n}", date_of_birth=born)
                        db.session.add(person)
                        db.session.flush()
                        db.session.add(FamilyMember(family_id=family_id, person_id=person.id,
                                                    relationship_to_family=relationship))
                    if s.family_key:
                        families[s.family_key] = family_id
                case = Case(reference=f"CASE-T{n:05d}", family_id=family_id, stage=s.stage, opened_at=at(s.opened),
                            team_id=self.teams.get(s.team), keyworker_id=self.users.get(s.keyworker),
                            closed_at=at(s.closed, 15) if s.closed else None, closure_reason=s.closure_reason,
                            is_re_referral=s.re_referral, assessment_due_on=s.assessment_due,
                            review_due_on=s.review_due, family_feedback=s.feedback)
                db.session.add(case)
                db.session.flush()
                db.session.add(RequestForHelp(
                    reference=f"REQ-T{n:05d}", source=s.source, status="triaged", match_status="new", case_id=case.id,
                    family_id=family_id, referrer_name="Referrer", consent_given=True,
                    referrer_organisation_id=self.orgs.get(s.referrer_org) if s.referrer_org else None,
                    is_re_referral=s.re_referral, received_at=at(s.opened)))
                for action, source, target, day in s.moves:
                    db.session.add(CaseTransition(case_id=case.id, from_stage=source, to_stage=target, action=action,
                                                  at=at(day, 12)))
                s.case_id, s.family_id = case.id, family_id
                self.specs.append(s)
            db.session.commit()
            # the dashboards read the daily totals: work them out as the nightly job would
            from caseflow.readmodels import report_aggregates

            report_aggregates.refresh()
            db.session.commit()
