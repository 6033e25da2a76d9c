"""Writing a checked bundle into CaseFlow, a batch at a time.

Records are made through the ordinary models, so free text is encrypted by the same column types
as a note typed on a page, and each one gets an audit event naming its family. Original dates
and authors are kept (authors are the bundle's users, mapped to CaseFlow users). Each record
gets a `MigrationRecord` with the source system's id: a record already imported is skipped, so a
second run of the same bundle (or a run picking up after a cancelled one) changes nothing.

`run()` is a generator: it flushes each batch and yields its progress, and the entry point (the
`caseflow import migration` command or the import job) commits between batches. Services never
commit; this one hands the entry point a place to.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Iterator

from sqlalchemy import select

from caseflow.auth.models import Organisation, Team, User
from caseflow.cases.models import Case, CaseTransition
from caseflow.consent.models import Consent, ConsentCategory, ConsentPerson, ConsentRecipient
from caseflow.core import audit
from caseflow.core.access import require
from caseflow.core.database import new_id, utcnow
from caseflow.core.extensions import db
from caseflow.core.timescales import LONDON
from caseflow.core.vocab import Category
from caseflow.families.matching import normalise
from caseflow.families.models import Family, FamilyMember, Person
from caseflow.families.services import unused_reference
from caseflow.imports.bundle import FILES, FileSpec, Source, read_rows, CheckReport
from caseflow.imports.models import MigratedKind, MigrationRecord
from caseflow.plans.models import Assessment, Contact, Plan, PlanAction, PlanOutcome, Review

K = MigratedKind
CATEGORIES = {
    K.FAMILY: [Category.IDENTITY], K.PERSON: [Category.IDENTITY], K.MEMBERSHIP: [Category.IDENTITY],
    K.CASE: [Category.CASE_NOTES], K.CASE_STAGE: [Category.CASE_NOTES], K.CONTACT: [Category.CASE_NOTES],
    K.ASSESSMENT: [Category.CASE_NOTES], K.PLAN: [Category.PLAN], K.PLAN_OUTCOME: [Category.PLAN],
    K.PLAN_ACTION: [Category.PLAN], K.REVIEW: [Category.PLAN, Category.CASE_NOTES],
    K.CONSENT: [Category.IDENTITY],
}


class ImportBroken(RuntimeError):
    """The bundle changed between its check and its import (a reference now leads nowhere)."""


@dataclass
class Progress:
    file: str
    rows_done: int = 0
    created: dict[str, int] = field(default_factory=dict)
    skipped: int = 0  # rows already imported by an earlier run


@dataclass
class _Mapped:
    record_id: str
    family_id: str | None


def known_elsewhere(source_system: str):
    """For the bundle check: which referenced source ids were imported by an earlier run."""
    def known(kind: MigratedKind, source_ids: set[str]) -> set[str]:
        found = set()
        for chunk in _chunks(sorted(source_ids), 500):
            found |= set(db.session.scalars(select(MigrationRecord.source_id).where(
                MigrationRecord.source_system == source_system, MigrationRecord.kind == kind,
                MigrationRecord.source_id.in_(chunk))))
        return found
    return known


def authorise(actor) -> None:
    """Importing is for analysts and administrators (the rule `imports.run`)."""
    require(actor, "imports.run", None)


def run(actor, source: Source, source_system: str, check_report: CheckReport, *, batch_size: int = 500,
        job_id: str | None = None) -> Iterator[Progress]:
    """Import a bundle that `bundle.check` passed. Yields after each batch is flushed."""
    authorise(actor)
    if not check_report.ok:
        raise ImportBroken("the bundle has problems: check it first")
    progress = Progress(file="")
    writer = _Writer(actor, source_system, job_id)
    for spec in FILES:
        if spec.name not in check_report.rows:
            continue
        progress.file = spec.name
        batch = []
        # The check has already reported every problem; a problem now means the file changed.
        report = CheckReport()
        for row in read_rows(source, spec, report):
            batch.append(row)
            if len(batch) >= batch_size:
                writer.write(spec, batch, progress)
                batch = []
                yield progress
        if report.problem_count:
            raise ImportBroken(f"{spec.name} changed after it was checked: {report.problems[0]}")
        if batch:
            writer.write(spec, batch, progress)
            yield progress


class _Writer:
    def __init__(self, actor, source_system: str, job_id: str | None):
        self.actor, self.system, self.job_id = actor, source_system, job_id
        self.teams: dict[tuple[str, str], str] = {}
        self.user_teams: dict[str, str | None] = {}
        self.purpose = f"migration from {source_system}"

    def write(self, spec: FileSpec, rows, progress: Progress) -> None:
        session = db.session
        progress.rows_done += len(rows)
        done = self._imported(spec.kind, [r.values["id"] for r in rows])
        fresh = [r for r in rows if r.values["id"] not in done]
        progress.skipped += len(rows) - len(fresh)
        refs = self._references(spec, fresh)
        build = getattr(self, f"_{spec.kind.value}")
        for row in fresh:
            record_id, family_id, created = build(row.values, refs)
            session.add(MigrationRecord(source_system=self.system, kind=spec.kind, source_id=row.values["id"],
                                        record_id=record_id, family_id=family_id, import_job_id=self.job_id))
            if created:
                progress.created[spec.name] = progress.created.get(spec.name, 0) + 1
                audit.record(self.actor, "migration.import", spec.kind.value, record_id, family_id=family_id,
                             categories=CATEGORIES.get(spec.kind, ()), purpose=self.purpose)
        session.flush()

    # -- looking up what earlier batches and runs made --------------------------------------------

    def _imported(self, kind: MigratedKind, source_ids: list[str]) -> set[str]:
        return set(db.session.scalars(select(MigrationRecord.source_id).where(
            MigrationRecord.source_system == self.system, MigrationRecord.kind == kind,
            MigrationRecord.source_id.in_(source_ids))))

    def _references(self, spec: FileSpec, rows) -> dict[MigratedKind, dict[str, _Mapped]]:
        wanted: dict[MigratedKind, set[str]] = {}
        for column in spec.columns:
            if column.kind not in ("ref", "refs"):
                continue
            for row in rows:
                value = row.values.get(column.name)
                if value:
                    wanted.setdefault(column.ref, set()).update(value if column.kind == "refs" else [value])
        found: dict[MigratedKind, dict[str, _Mapped]] = {}
        for kind, ids in wanted.items():
            found[kind] = {}
            for chunk in _chunks(sorted(ids), 500):
                for source_id, record_id, family_id in db.session.execute(
                        select(MigrationRecord.source_id, MigrationRecord.record_id, MigrationRecord.family_id)
                        .where(MigrationRecord.source_system == self.system, MigrationRecord.kind == kind,
                               MigrationRecord.source_id.in_(chunk))):
                    found[kind][source_id] = _Mapped(record_id, family_id)
            missing = ids - set(found[kind])
            if missing:
                raise ImportBroken(f"{spec.name}: {kind.value} '{sorted(missing)[0]}' is not imported")
        return found

    # -- one builder per kind: (CaseFlow id, family id, whether a record was created) -------------

    def _organisation(self, v, refs):
        existing = db.session.scalar(select(Organisation).where(Organisation.name == v["name"]))
        if existing is not None:  # the partner is already set up in CaseFlow: use it
            return existing.id, None, False
        org = Organisation(id=new_id(), name=v["name"], type=v["type"])
        db.session.add(org)
        return org.id, None, True

    def _user(self, v, refs):
        existing = db.session.scalar(select(User).where(User.email == v["email"].lower()))
        if existing is not None:  # someone who already signs in to CaseFlow: their history joins them
            return existing.id, None, False
        org_id = refs[K.ORGANISATION][v["organisation_id"]].record_id
        team_id = self._team(org_id, v["team"]) if v["team"] else None
        # No password: a migrated account signs in once an administrator has set one up for it.
        user = User(id=new_id(), email=v["email"].lower(), name=v["name"], role=v["role"], organisation_id=org_id,
                    team_id=team_id, password_hash=None, active=v["active"] is not False, must_change_password=True)
        db.session.add(user)
        return user.id, None, True

    def _team(self, org_id: str, name: str) -> str:
        key = (org_id, name)
        if key not in self.teams:
            team = db.session.scalar(select(Team).where(Team.organisation_id == org_id, Team.name == name))
            if team is None:
                team = Team(id=new_id(), name=name, organisation_id=org_id)
                db.session.add(team)
            self.teams[key] = team.id
        return self.teams[key]

    def _team_of(self, user_id: str) -> str | None:
        """The keyworker's team, which the case is held by (a team manager's view of it)."""
        if user_id not in self.user_teams:
            self.user_teams[user_id] = db.session.scalar(select(User.team_id).where(User.id == user_id))
        return self.user_teams[user_id]

    def _family(self, v, refs):
        family = Family(id=new_id(), reference=unused_reference(Family, "FAM"), name=v["name"],
                        created_at=v["created_at"] or utcnow())
        db.session.add(family)
        return family.id, family.id, True

    def _person(self, v, refs):
        created = v["created_at"] or utcnow()
        person = Person(id=new_id(), given_name=v["given_name"], family_name=v["family_name"],
                        date_of_birth=v["date_of_birth"], sex=v["sex"] or "unknown", address=v["address"],
                        postcode=v["postcode"], nhs_number=v["nhs_number"], upn=v["upn"], phone=v["phone"],
                        email=v["email"], created_at=created, updated_at=created)
        normalise(person)  # the matching keys, so the front door finds migrated people too
        db.session.add(person)
        return person.id, None, True

    def _membership(self, v, refs):
        family = refs[K.FAMILY][v["family_id"]]
        member = FamilyMember(id=new_id(), family_id=family.record_id,
                              person_id=refs[K.PERSON][v["person_id"]].record_id,
                              relationship_to_family=v["relationship"], in_household=v["in_household"] is not False,
                              created_at=v["created_at"] or utcnow())
        db.session.add(member)
        return member.id, family.record_id, True

    def _case(self, v, refs):
        family = refs[K.FAMILY][v["family_id"]]
        users = refs.get(K.USER, {})
        keyworker = users[v["keyworker_id"]].record_id if v["keyworker_id"] else None
        lead = users[v["lead_professional_id"]].record_id if v["lead_professional_id"] else None
        team_id = self._team_of(keyworker) if keyworker else None
        case = Case(id=new_id(), reference=unused_reference(Case, "CF"), family_id=family.record_id,
                    stage=v["stage"], opened_at=v["opened_at"], closed_at=v["closed_at"],
                    closure_reason=v["closure_reason"], closure_summary=v["closure_summary"],
                    keyworker_id=keyworker, lead_professional_id=lead, team_id=team_id,
                    level_of_need=v["level_of_need"], assessment_due_on=v["assessment_due_on"],
                    review_due_on=v["review_due_on"], created_at=v["opened_at"])
        db.session.add(case)
        return case.id, family.record_id, True

    def _case_stage(self, v, refs):
        case = refs[K.CASE][v["case_id"]]
        actor = refs[K.USER][v["by_user_id"]].record_id if v["by_user_id"] else None
        move = CaseTransition(id=new_id(), case_id=case.record_id, from_stage=v["from_stage"], to_stage=v["to_stage"],
                              action="migrated", actor_id=actor, reason=v["reason"], at=v["at"])
        db.session.add(move)
        return move.id, case.family_id, True

    def _contact(self, v, refs):
        case = refs[K.CASE][v["case_id"]]
        contact = Contact(id=new_id(), case_id=case.record_id, occurred_on=v["occurred_on"],
                          contact_type=v["contact_type"], people_seen=[], notes=v["notes"], next_steps=v["next_steps"],
                          recorded_by_id=refs[K.USER][v["recorded_by_id"]].record_id,
                          recorded_at=v["recorded_at"] or _start_of(v["occurred_on"]))
        db.session.add(contact)
        return contact.id, case.family_id, True

    def _assessment(self, v, refs):
        case = refs[K.CASE][v["case_id"]]
        users = refs[K.USER]
        started_by = users[v["started_by_id"]].record_id
        completed_by = users[v["completed_by_id"]].record_id if v["completed_by_id"] else None
        assessment = Assessment(
            id=new_id(), case_id=case.record_id, status=v["status"], due_on=v["due_on"], members=[], domains={},
            family_views=v["family_views"], summary=v["summary"],
            confirmed_problems=[str(p) for p in v["confirmed_problems"]],
            baseline={str(k): score for k, score in (v["baseline"] or {}).items()},
            started_at=v["started_at"], started_by_id=started_by, updated_at=v["completed_at"] or v["started_at"],
            updated_by_id=completed_by or started_by, completed_at=v["completed_at"], completed_by_id=completed_by)
        db.session.add(assessment)
        return assessment.id, case.family_id, True

    def _plan(self, v, refs):
        case = refs[K.CASE][v["case_id"]]
        users = refs[K.USER]
        plan = Plan(id=new_id(), case_id=case.record_id, status=v["status"], agreed_at=v["agreed_at"],
                    agreed_by_id=users[v["agreed_by_id"]].record_id if v["agreed_by_id"] else None,
                    family_agreed=bool(v["family_agreed"]), updated_at=v["updated_at"],
                    updated_by_id=users[v["updated_by_id"]].record_id)
        db.session.add(plan)
        return plan.id, case.family_id, True

    def _plan_outcome(self, v, refs):
        plan = refs[K.PLAN][v["plan_id"]]
        outcome = PlanOutcome(id=new_id(), plan_id=plan.record_id, position=v["position"] or 0,
                              headline_problem=v["headline_problem"], description=v["description"],
                              measure=v["measure"], target_date=v["target_date"],
                              status=v["status"] or "in_progress")
        db.session.add(outcome)
        return outcome.id, plan.family_id, True

    def _plan_action(self, v, refs):
        plan = refs[K.PLAN][v["plan_id"]]
        action = PlanAction(
            id=new_id(), plan_id=plan.record_id,
            outcome_id=refs[K.PLAN_OUTCOME][v["outcome_id"]].record_id if v["outcome_id"] else None,
            position=v["position"] or 0, description=v["description"],
            owner_user_id=refs[K.USER][v["owner_user_id"]].record_id if v["owner_user_id"] else None,
            owner_organisation_id=(refs[K.ORGANISATION][v["owner_organisation_id"]].record_id
                                   if v["owner_organisation_id"] else None),
            due_date=v["due_date"], status=v["status"] or "not_started")
        db.session.add(action)
        return action.id, plan.family_id, True

    def _review(self, v, refs):
        case = refs[K.CASE][v["case_id"]]
        review = Review(id=new_id(), case_id=case.record_id, held_on=v["held_on"],
                        attendees=[{"name": name, "organisation": None, "user_id": None} for name in v["attendees"]],
                        progress={}, action_updates={}, decision=v["decision"], notes=v["notes"],
                        next_review_on=v["next_review_on"], recorded_by_id=refs[K.USER][v["recorded_by_id"]].record_id,
                        recorded_at=v["recorded_at"] or _start_of(v["held_on"]))
        db.session.add(review)
        return review.id, case.family_id, True

    def _consent(self, v, refs):
        family = refs[K.FAMILY][v["family_id"]]
        people = refs[K.PERSON]
        covered = list(dict.fromkeys([v["person_id"], *v["covers"]]))
        consent = Consent(
            id=new_id(), person_id=people[v["person_id"]].record_id, family_id=family.record_id,
            purpose=v["purpose"], given_by=v["given_by"], given_by_relationship=v["given_by_relationship"],
            method=v["method"], given_on=v["given_on"], expires_on=v["expires_on"], withdrawn_at=v["withdrawn_at"],
            withdrawal_reason=v["withdrawal_reason"], recorded_by_id=refs[K.USER][v["recorded_by_id"]].record_id,
            recorded_at=v["recorded_at"] or _start_of(v["given_on"]),
            people=[ConsentPerson(person_id=people[p].record_id, given_by_relationship=v["given_by_relationship"],
                                  position=i) for i, p in enumerate(covered)],
            category_rows=[ConsentCategory(category=c) for c in v["categories"]],
            recipients=[ConsentRecipient(id=new_id(), organisation_type=t) for t in v["recipient_types"]])
        db.session.add(consent)
        return consent.id, family.record_id, True


def _start_of(day) -> datetime:
    return datetime.combine(day, time(9, 0), LONDON)


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]
