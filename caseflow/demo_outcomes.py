"""The demo's outcomes: evidence for a handful of families with agreed plans (attendance each
term since the plan, a keyworker's record that a problem is met, a parent off benefits into
work), then a claims run as the analyst, so the outcomes tab, the claims list and the returns
have something to show. Families whose plans started recently are met but not yet sustained."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from caseflow.cases.models import Case
from caseflow.core import timescales
from caseflow.core.extensions import db
from caseflow.families.models import FamilyMember, Relationship
from caseflow.outcomes import claims, progress, rules
from caseflow.outcomes.models import Evidence
from caseflow.plans.models import Assessment, Plan

FAMILIES = 6


def seed(users: dict) -> None:
    today = timescales.today_london()
    keyworker = users["keyworker"]
    rows = db.session.execute(
        select(Case.family_id, Plan.agreed_at, Assessment.confirmed_problems)
        .join(Plan, Plan.case_id == Case.id).join(Assessment, Assessment.case_id == Case.id)
        .where(Plan.status == "agreed").order_by(Plan.agreed_at).limit(FAMILIES)).all()
    for family_id, agreed_at, problems in rows:
        start = timescales.to_london(agreed_at).date()
        people = db.session.execute(select(FamilyMember.person_id, FamilyMember.relationship_to_family)
                                    .where(FamilyMember.family_id == family_id)).all()
        children = [p for p, rel in people if rel == Relationship.CHILD]
        adults = [p for p, rel in people if rel != Relationship.CHILD]

        def add(person, kind, first, last=None, value=None, code=None):
            db.session.add(Evidence(person_id=person, kind=kind, period_start=first, period_end=last, value=value,
                                    code=code, source="partner_system", recorded_by_id=keyworker.id,
                                    source_reference="demo"))

        term = rules.term_of(start) + 1
        while rules.expected_term_end(term) <= today:
            last = rules.expected_term_end(term)
            first = {0: last.replace(month=9, day=3), 1: last.replace(month=1, day=5),
                     2: last.replace(month=4, day=13)}[term % 3]
            for child in children:
                add(child, "attendance", first, last, 93.0)
            term += 1
        for problem in problems or []:
            if problem in ("health", "children_need_help"):
                add(adults[0] if adults else children[0], "keyworker_outcome", start + timedelta(days=1), value=1, code=problem)
        if adults and "worklessness" in (problems or []):
            add(adults[0], "benefit_claim", start - timedelta(days=300), start + timedelta(days=6), code="jsa")
            add(adults[0], "employment", start + timedelta(days=7))
    db.session.flush()
    progress.recompute_all(today)
    claims.propose(users["analyst"], today)
    partner_feed(users["analyst"], today)


SCHOOL = "Riverside Academy"


def partner_feed(analyst, today) -> None:
    """Riverside Academy's attendance file for the last full term, imported through the real
    feed pipeline (read, bulk-linked with Splink, written): its pupils as the school typed them,
    a few with a typo or a mistyped date of birth (so some wait for the front door on the
    partner rows to match page), and two pupils CaseFlow does not hold."""
    import csv
    import io
    import os
    import tempfile

    from caseflow.auth.models import Organisation
    from caseflow.families.models import Person
    from caseflow.imports import feed_services
    from caseflow.imports.feeds import default_mapping
    from caseflow.imports.models import FeedKind, ImportStatus
    from caseflow.imports.services import finish

    school = db.session.scalar(select(Organisation).where(Organisation.name == SCHOOL))
    if school is None:
        return
    source = feed_services.save_source(analyst, {
        "name": f"{SCHOOL}: attendance", "kind": FeedKind.SCHOOL_ATTENDANCE, "organisation_id": school.id,
        **{f"map_{k}": v for k, v in default_mapping(FeedKind.SCHOOL_ATTENDANCE).items()}})
    term = rules.term_of(today) - 1
    last = rules.expected_term_end(term)
    first = {0: last.replace(month=9, day=3), 1: last.replace(month=1, day=5), 2: last.replace(month=4, day=13)}[term % 3]
    pupils = db.session.execute(select(Person.given_name, Person.family_name, Person.date_of_birth, Person.postcode)
                                .where(Person.date_of_birth > today.replace(year=today.year - 16),
                                       Person.date_of_birth < today.replace(year=today.year - 5))
                                .order_by(Person.created_at, Person.id).limit(40)).all()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Row id", "First name", "Last name", "Date of birth", "Postcode", "Term start", "Term end",
                     "Attendance %"])
    for n, (given, family, dob, postcode) in enumerate(pupils):
        if n % 9 == 4:
            given = given[:-1] + ("e" if given[-1] != "e" else "a")    # a typo: the name still links
        if n % 11 == 7:
            dob = dob.replace(day=dob.day % 28 + 1)                     # a mistyped day: the front door checks
        writer.writerow([f"RA-{n:04d}", given, family, dob.strftime("%d/%m/%Y"), postcode or "", first.isoformat(),
                         last.isoformat(), f"{82 + (n * 7) % 18}.0"])
    for n, (given, family) in enumerate((("Oskar", "Lindqvist"), ("Amara", "Okonjo"))):
        writer.writerow([f"RA-9{n:03d}", given, family, f"1{n + 2}/03/2015", "NS9 9ZZ", first.isoformat(),
                         last.isoformat(), "96.0"])
    handle, path = tempfile.mkstemp(suffix=".csv")
    try:
        with os.fdopen(handle, "w", newline="", encoding="utf-8") as file:
            file.write(out.getvalue())
        job_id = feed_services.start_from_path(analyst, source.id, path, f"riverside-attendance-term-{term}.csv")
    finally:
        os.unlink(path)
    from caseflow.imports.models import ImportJob

    job = db.session.get(ImportJob, job_id)
    with feed_services.linker_for(job) as linker:
        if feed_services.read(job, linker):
            feed_services.link(job, linker)
            for _ in feed_services.write(job, linker):
                pass
            finish(job, ImportStatus.DONE)
