"""The demo's notification queue: key adults and a duty contact set up, and police notifications
sent through the real service (routed to keyworkers and schools, one for the front door to
check, one about a family whose case closed recently)."""
from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from caseflow.core import stages as flow
from caseflow.cases.models import Case
from caseflow.core.database import utcnow
from caseflow.core.extensions import db
from caseflow.families.models import FamilyMember, Person
from caseflow.notify import events, partners


def seed(rng: random.Random, users: dict, orgs: dict) -> None:
    admin, police = users["admin"], users["policesystem"]
    partners.configure(admin, orgs["Riverside Academy"].id, {"key_adult_id": users["dsl"].id})
    partners.configure(admin, orgs["Northshire Council Early Help"].id, {"duty_contact_id": users["manager"].id,
                                                                          "encompass_lead_id": users["frontdoor"].id})
    open_children = _children(Case.stage.in_([flow.Stage.ALLOCATED, flow.Stage.ASSESSING, flow.Stage.PLANNING,
                                              flow.Stage.REVIEWING]), school=orgs["Riverside Academy"].id)
    from caseflow.frontdoor.services import open_case_of

    closed = [p for p in _children(Case.closed_at >= utcnow() - timedelta(days=120))
              if open_case_of(p.memberships[0].family_id) is None]
    now = utcnow()
    chosen = rng.sample(open_children, min(3, len(open_children)))
    for number, child in enumerate(chosen):
        body = _event(f"NP-DEMO-{number + 1:03d}", "domestic_abuse", now - timedelta(hours=10 + number),
                      child, "Officers attended a domestic abuse incident at the home; the child was present.")
        body["encompass"] = {"place": "The family home", "children": [{
            "person": 0, "present": number != 2,
            "said_or_did": "Was upset and asked to go to a friend's house." if number != 2 else None}],
            "circumstances": "A verbal argument between the adults that became physical; no injuries to the child."}
        events.accept(police, body)
    if chosen:  # a second concern about the first child within the week: the front door sees a pattern
        events.accept(police, _event("NP-DEMO-301", "anti_social_behaviour", now - timedelta(days=2), chosen[0],
                                     "Seen with older youths damaging bus shelters; taken home."))
    if closed:
        child = rng.choice(closed)
        events.accept(police, _event("NP-DEMO-101", "police_contact", now - timedelta(hours=30), child,
                                     "Found intoxicated at a party and taken home by officers."))
    if open_children:
        child = rng.choice(open_children)  # no postcode: the matcher asks the front door to check
        body = _event("NP-DEMO-201", "missing_episode", now - timedelta(hours=5), child,
                      "Reported missing overnight; found the next morning.")
        body["people"][0].pop("postcode", None)
        events.accept(police, body)


def _children(clause, school: str | None = None) -> list[Person]:
    query = (select(Person).join(FamilyMember, FamilyMember.person_id == Person.id)
             .join(Case, Case.family_id == FamilyMember.family_id)
             .where(clause, FamilyMember.relationship_to_family == "child", Person.date_of_birth.is_not(None)))
    if school:
        query = query.where(Person.school_id == school)
    return list(dict.fromkeys(db.session.scalars(query.order_by(Person.id))))


def _event(reference: str, type_: str, when, child: Person, summary: str) -> dict:
    return {"type": type_, "occurred_at": when.isoformat(), "source_reference": reference, "summary": summary,
            "people": [{"given_name": child.given_name, "family_name": child.family_name,
                        "date_of_birth": child.date_of_birth.isoformat(), "postcode": child.postcode}]}
