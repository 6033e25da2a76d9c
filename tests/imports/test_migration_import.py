"""The migration import: the sample bundle comes in whole, marked, encrypted, audited and dated as
it was; a second run changes nothing; a migrated family then goes through a TAF review and
closure with the ordinary services; and the imported records are seen only through the policy."""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import func, select, text

from caseflow.auth.models import User
from caseflow.cases.models import Case, CaseTransition
from caseflow.consent.models import Consent
from caseflow.core import access, timescales
from caseflow.core.audit import AuditEvent, verify_chain
from caseflow.core.database import Base
from caseflow.core.extensions import db
from caseflow.families.models import Family, Person
from caseflow.imports.models import MigrationRecord
from caseflow.plans import closure, reviews
from caseflow.plans.models import Assessment, Contact, Plan, Review
from tests.imports.helpers import SAMPLE, SYSTEM, check, import_bundle

DATA_TABLES = ("organisations", "teams", "users", "families", "people", "family_members", "cases",
               "case_transitions", "contacts", "assessments", "plans", "plan_outcomes", "plan_actions",
               "reviews", "consents", "consent_people", "consent_categories", "consent_recipients",
               "migration_records", "audit_events")


def _counts() -> dict[str, int]:
    return {name: db.session.scalar(select(func.count()).select_from(Base.metadata.tables[name]))
            for name in DATA_TABLES}


def _migrated(kind: str, source_id: str) -> str:
    return db.session.scalar(select(MigrationRecord.record_id).where(
        MigrationRecord.source_system == SYSTEM, MigrationRecord.kind == kind, MigrationRecord.source_id == source_id))


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def test_the_sample_bundle_checks_clean_and_counts_its_rows(app_ctx):
    report = check(SAMPLE)
    assert report.ok, [str(p) for p in report.problems]
    assert report.rows["people.csv"] == 5 and report.rows["case_stages.csv"] == 7
    assert db.session.scalar(select(func.count()).select_from(Family)) == 0  # checking writes nothing


def test_a_real_run_keeps_dates_and_authors_marks_encrypts_and_audits(app_ctx, factory):
    admin = db.session.get(User, factory.user("admin").id)
    progress = import_bundle(admin, SAMPLE)
    assert progress.created["families.csv"] == 2 and progress.created["contacts.csv"] == 3
    sam = _user("sam.taylor@northshire.example")
    assert sam.password_hash is None and sam.must_change_password and sam.team.name == "Locality North"
    assert not _user("former.worker@northshire.example").active

    # Original dates and authors, the authors being the bundle's users.
    contact = db.session.get(Contact, _migrated("contact", "K1"))
    assert contact.occurred_on == date(2024, 3, 21) and contact.recorded_by_id == sam.id
    assert timescales.to_london(contact.recorded_at).strftime("%Y-%m-%d %H:%M") == "2024-03-21 16:05"
    case = db.session.get(Case, _migrated("case", "C20"))
    assert case.opened_at == datetime(2023, 9, 4, 9, 0, tzinfo=timezone.utc)
    assert case.closure_reason == "outcomes_achieved" and not case.is_open
    moves = db.session.scalars(select(CaseTransition).where(CaseTransition.case_id == _migrated("case", "C10"))
                               .order_by(CaseTransition.at)).all()
    assert [m.to_stage for m in moves] == ["requested", "allocated", "assessing", "planning", "reviewing"]
    person = db.session.get(Person, _migrated("person", "P3"))
    assert person.date_of_birth == date(1979, 6, 3) and person.family_name_norm == "okafor"

    # Free text is encrypted at rest by the same column types as a note typed on a page.
    raw = db.session.execute(text("SELECT notes FROM contacts WHERE id = :id"), {"id": contact.id}).scalar()
    assert "Kerry" not in raw and "Kerry says" in contact.notes
    raw_summary = db.session.execute(text("SELECT closure_summary FROM cases WHERE id = :id"), {"id": case.id}).scalar()
    assert "school" not in raw_summary

    # Every record is marked with its source system and id, and audited against its family.
    marks = db.session.scalars(select(MigrationRecord).where(MigrationRecord.kind == "contact")).all()
    assert {m.source_id for m in marks} == {"K1", "K2", "K3"} and {m.source_system for m in marks} == {SYSTEM}
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "migration.import",
                                                         AuditEvent.object_id == contact.id)).all()
    assert len(events) == 1 and events[0].family_id == _migrated("family", "F100")
    assert events[0].actor_id == admin.id and events[0].purpose == f"migration from {SYSTEM}"
    assert verify_chain().ok

    consent = db.session.get(Consent, _migrated("consent", "CO1"))
    assert sorted(consent.person_ids) == sorted([_migrated("person", "P1"), _migrated("person", "P2")])
    assert consent.categories == sorted(["identity", "education", "health", "case_notes", "plan"])


def test_a_second_run_changes_nothing(app_ctx, factory):
    admin = db.session.get(User, factory.user("admin").id)
    import_bundle(admin, SAMPLE)
    before = _counts()
    last_seq = db.session.scalar(select(func.max(AuditEvent.seq)))
    again = import_bundle(admin, SAMPLE, batch_size=4)
    assert again.created == {} and again.skipped == again.rows_done == 38
    after = _counts()
    # Only the run itself is on the record (who ran an import, and when): no record changed.
    new_events = db.session.scalars(select(AuditEvent.action).where(AuditEvent.seq > last_seq)).all()
    assert new_events == ["imports.run"]
    assert {k: v for k, v in after.items() if k != "audit_events"} == \
        {k: v for k, v in before.items() if k != "audit_events"}


def test_people_already_in_caseflow_keep_their_accounts(app_ctx, factory):
    org = factory.org("Northshire Early Help (migrated)")
    existing = factory.user("keyworker", org=org, email="sam.taylor@northshire.example", name="Sam T")
    admin = db.session.get(User, factory.user("admin").id)
    import_bundle(admin, SAMPLE)
    assert _migrated("user", "U1") == existing.id and _migrated("organisation", "ORG1") == org.id
    assert db.session.get(User, existing.id).password_hash is not None  # their sign-in untouched
    assert db.session.get(Contact, _migrated("contact", "K1")).recorded_by_id == existing.id


def test_a_migrated_family_goes_through_a_taf_review_and_closure(app_ctx, factory):
    admin = db.session.get(User, factory.user("admin").id)
    import_bundle(admin, SAMPLE)
    sam = _user("sam.taylor@northshire.example")
    case_id = _migrated("case", "C10")
    plan = db.session.scalar(select(Plan).where(Plan.case_id == case_id))
    outcomes = {o.headline_problem: o.id for o in plan.outcomes}
    today = timescales.today_london()

    review = reviews.record(sam, case_id, {
        "date": today.isoformat(), "attendees": [{"name": "Sam Taylor", "organisation": "Early Help"}],
        "progress": [{"outcome_id": outcome_id, "score": 9} for outcome_id in outcomes.values()],
        "action_updates": [], "decision": "close", "notes": "Leah is in school every day."})
    db.session.commit()
    assert review.held_on == today
    assert db.session.scalar(select(func.count()).select_from(Review).where(Review.case_id == case_id)) == 2

    closure.close(sam, case_id, {"reason": "outcomes_achieved", "summary": "The plan's outcomes were met.",
                                 "outcomes": [{"outcome_id": outcomes["education"], "status": "achieved"},
                                              {"outcome_id": outcomes["health"], "status": "partly_achieved"}]})
    db.session.commit()
    case = db.session.get(Case, case_id)
    assert case.stage == "closed" and case.closed_by_id == sam.id
    assert case.transitions[-1].action == "close" and case.transitions[0].action == "migrated"
    assert db.session.get(Assessment, _migrated("assessment", "A1")).completed_by_id == sam.id
    assert verify_chain().ok


def test_imported_families_are_seen_only_through_the_access_policy(app_ctx, factory):
    admin = db.session.get(User, factory.user("admin").id)
    import_bundle(admin, SAMPLE)
    walsh = db.session.get(Family, _migrated("family", "F100"))
    sam = _user("sam.taylor@northshire.example")
    stranger = db.session.get(User, factory.user("keyworker", team="Locality East").id)
    assert access.can(sam, "family.view", walsh)
    assert not access.can(stranger, "family.view", walsh)
    assert not access.can(admin, "family.view", walsh)  # importing them is not a reason to read them
    okafor = db.session.get(Family, _migrated("family", "F200"))
    assert not access.can(sam, "family.view", okafor)  # another keyworker's (closed) family


def test_only_analysts_and_administrators_import(app_ctx, factory):
    from caseflow.core.access import AccessDenied
    from caseflow.imports import bundle as bundles, migration

    keyworker = db.session.get(User, factory.user("keyworker").id)
    source = bundles.open_source(SAMPLE)
    report = check(SAMPLE)
    try:
        next(migration.run(keyworker, source, SYSTEM, report))
        raise AssertionError("a keyworker imported a bundle")
    except AccessDenied:
        pass
    finally:
        source.close()
    analyst = db.session.get(User, factory.user("analyst").id)
    assert import_bundle(analyst, SAMPLE).created["families.csv"] == 2
