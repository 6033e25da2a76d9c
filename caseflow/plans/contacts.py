"""Visits and contacts: what a keyworker records after seeing (or failing to see) the family."""
from __future__ import annotations

from sqlalchemy import select

from caseflow.core import timescales
from caseflow.core import audit, keyset
from caseflow.core.extensions import db
from caseflow.families.models import FamilyMember
from caseflow.cases.services import load_case
from caseflow.plans.common import must_be_open
from caseflow.plans.models import Contact
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
    if errors:
        raise ServiceValidationError("Some answers need changing.", errors)
    contact = Contact(case_id=case.id, occurred_on=data["date"], contact_type=data["type"],
                      people_seen=list(dict.fromkeys(data["people_seen"])), notes=data["notes"].strip(),
                      next_steps=(data.get("next_steps") or "").strip() or None,
                      next_visit_on=data.get("next_visit_on"), recorded_by_id=actor.id)
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
