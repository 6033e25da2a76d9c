"""Visits and contacts: what a keyworker records after seeing (or failing to see) the family."""
from __future__ import annotations

from sqlalchemy import select, union

from caseflow.core import timescales
from caseflow.core import audit, keyset
from caseflow.core.access import require_list
from caseflow.core.extensions import db
from caseflow.cases.models import Case
from caseflow.families.models import Family, FamilyMember
from caseflow.cases.services import load_case
from caseflow.plans.common import must_be_open
from caseflow.auth.models import User
from caseflow.core.roles import Role
from caseflow.plans.models import Contact, ContactPractitioner, TafMember
from caseflow.plans.schemas import ContactSchema
from caseflow.core.errors import ServiceValidationError, load
from caseflow.plans.vocab import ContactType


def record(actor, case_id: str, raw: dict) -> Contact:
    case, _ = load_case(actor, case_id, "casework.record", "visit or contact", lock=True)
    must_be_open(case, "record a contact")
    data = load(ContactSchema, raw)
    errors: dict[str, list[str]] = {}
    if data["date"] > timescales.today_london():
        errors["date"] = ["The date of a contact cannot be in the future"]
    if data.get("next_visit_on") is not None and data["next_visit_on"] < data["date"]:
        errors["next_visit_on"] = ["The next visit must be on or after this contact"]
    elif data["date"] < timescales.to_london(case.opened_at).date():
        errors["date"] = ["The date cannot be before the case was opened"]
    members = set(db.session.scalars(select(FamilyMember.person_id).where(FamilyMember.family_id == case.family_id)))
    if any(p not in members for p in data["people_seen"]):
        errors["people_seen"] = ["Choose people from this family"]
    joint = list(dict.fromkeys(u for u in data["joint_with"] if u and u != actor.id))
    if joint and len(set(db.session.scalars(select(User.id).where(
            User.id.in_(joint), User.active.is_(True), User.role != Role.PARTNER_SYSTEM)))) != len(joint):
        errors["joint_with"] = ["Choose the practitioners who went from the people who use CaseFlow"]
    if errors:
        raise ServiceValidationError("Some answers need changing.", errors)
    contact = Contact(case_id=case.id, occurred_on=data["date"], contact_type=data["type"],
                      people_seen=list(dict.fromkeys(data["people_seen"])), notes=data["notes"].strip(),
                      next_steps=(data.get("next_steps") or "").strip() or None,
                      next_visit_on=data.get("next_visit_on"), recorded_by_id=actor.id,
                      practitioners=[ContactPractitioner(user_id=u) for u in joint])
    db.session.add(contact)
    db.session.flush()
    audit.record(actor, "contact.record", "contact", contact.id, family_id=case.family_id,
                 categories=["case_notes"], purpose="visit or contact")
    return contact


CONTACT_KEYS = 3  # keyset paged on (occurred_on, recorded_at, id): ix_contacts_case_newest


def listing(actor, case_id: str, page: int = 1, per_page: int = 50, before: tuple | None = None):
    """A page of contacts, newest first, their total (counted up to 1,000), the reader's
    decision (to name only the people seen whom the reader may see) and the cursor of the next
    (older) page."""
    case, decision = load_case(actor, case_id, "casework.view", "visits and contacts")
    query = select(Contact).where(Contact.case_id == case.id)
    total = keyset.bounded_count(query)
    rows, next_cursor = keyset.page(query, (Contact.occurred_on, Contact.recorded_at, Contact.id), before,
                                    per_page, page)
    return rows, total, decision, next_cursor


def missed_in_a_row(case_id: str) -> int:
    """How many of the latest contacts were missed visits: a sign the family is not engaging."""
    count = 0
    for kind in db.session.scalars(select(Contact.contact_type).where(Contact.case_id == case_id)
                                   .order_by(Contact.occurred_on.desc(), Contact.recorded_at.desc()).limit(10)):
        if kind != ContactType.MISSED_VISIT:
            break
        count += 1
    return count


def joint_candidates(actor, case) -> list[User]:
    """Who the contact form offers as having gone jointly: the family's Team Around the Family,
    its social worker, and the recorder's own team (the caller has asked casework.record)."""
    taf = select(TafMember.user_id).where(TafMember.case_id == case.id, TafMember.left_at.is_(None))
    clause = User.id.in_(taf)
    if case.social_worker_id:
        clause = clause | (User.id == case.social_worker_id)
    if actor.team_id:
        clause = clause | (User.team_id == actor.team_id)
    return list(db.session.scalars(select(User).where(clause, User.active.is_(True), User.id != actor.id,
                                                      User.role != Role.PARTNER_SYSTEM)
                                   .order_by(User.name).limit(200)))


def my_visits(actor, page: int = 1, per_page: int = 50):
    """The visits this practitioner recorded or went on jointly, newest first: their own list,
    whichever case each was on. The family is named (the practitioner was there, so knows it);
    the notes stay on the case, behind casework.view. Each family shown is in its access log."""
    require_list(actor, "visits.own", object_type="contact", purpose="my visits")
    # One IN over a UNION of two index look-ups (never an OR, which PostgreSQL tests row by row).
    mine = union(select(Contact.id).where(Contact.recorded_by_id == actor.id),
                 select(ContactPractitioner.contact_id).where(ContactPractitioner.user_id == actor.id))
    query = (select(Contact, Case, Family).join(Case, Case.id == Contact.case_id).join(Family, Family.id == Case.family_id)
             .where(Contact.id.in_(mine)))
    total = keyset.bounded_count(select(Contact.id).where(Contact.id.in_(mine)))
    rows = db.session.execute(query.order_by(Contact.occurred_on.desc(), Contact.recorded_at.desc(), Contact.id.desc())
                              .offset((page - 1) * per_page).limit(per_page)).all()
    audit.record_reads(actor, "contact.own", "contact", [case.family_id for _, case, _ in rows],
                       categories=["identity"], purpose="my visits", basis="practitioner present")
    names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(
        {u for contact, _, _ in rows for u in [contact.recorded_by_id, *contact.joint_with]}))).all())
    return rows, total, names
