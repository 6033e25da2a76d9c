"""The demo's information sharing: the area's agreements (one in force, Operation Encompass past
its review date, one that has ended), consents that name the people they cover (a parent for
herself and her younger children, a teenager for himself), and lawful bases, one of which relies
on the agreement that ended (so the managers' sharing report has something to show)."""
from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from caseflow.core import stages as flow, timescales
from caseflow.agreements import services as agreements
from caseflow.agreements.models import SharingAgreement
from caseflow.cases.models import Case
from caseflow.consent import records
from caseflow.consent.models import LawfulBasis, LawfulBasisCategory, LawfulBasisPerson, LawfulBasisRecipient
from caseflow.consent.vocab import OWN_CONSENT_AGE
from caseflow.core.database import utcnow
from caseflow.core.extensions import db
from caseflow.families.models import FamilyMember
from caseflow.notify.models import RoutingRule
from caseflow.notify.rules import seed_defaults

WORKING = (flow.Stage.ALLOCATED, flow.Stage.ASSESSING, flow.Stage.PLANNING, flow.Stage.REVIEWING)


def seed(rng: random.Random, users: dict, orgs: dict) -> None:
    today = timescales.today_london()
    everyone = [o.id for o in orgs.values()]
    isa = _agreement(users["manager"], "Northshire Early Help information sharing agreement", everyone,
                     ["Supporting families with several needs through one plan and one keyworker",
                      "Checking who already works with a family before starting again"],
                     ["identity", "referral", "education", "health", "police", "finances_employment", "case_notes", "plan"],
                     today - timedelta(days=700), today + timedelta(days=180), today + timedelta(days=1100))
    encompass = _agreement(users["manager"], "Operation Encompass (Northshire)",
                           [o.id for o in orgs.values() if o.type in ("police", "school", "early_help")],
                           ["Telling a child's school before the next school day when police attended a domestic "
                            "abuse incident where the child lives or was present"],
                           ["identity", "police"], today - timedelta(days=400), today - timedelta(days=35),
                           today + timedelta(days=330))
    ended = _agreement(users["manager"], "Northshire Homes tenancy sustainment protocol (2023)",
                       [orgs["Northshire Homes"].id, orgs["Northshire Council Early Help"].id],
                       ["Preventing evictions of families with children"], ["identity", "finances_employment"],
                       today - timedelta(days=900), today - timedelta(days=400), today - timedelta(days=40))
    seed_defaults()
    for rule in db.session.scalars(select(RoutingRule).where(RoutingRule.recipient == "school_key_adult")):
        rule.agreement_id = encompass.id  # a school's key adult is told under Operation Encompass
    _consents(rng, users, orgs)
    _lawful_bases(rng, users, orgs, isa, ended)


def _agreement(actor, name, parties, purposes, categories, starts_on, review_on, ends_on) -> SharingAgreement:
    return agreements.record(actor, {"name": name, "party_ids": parties, "purposes": purposes,
                                     "categories": categories, "starts_on": starts_on.isoformat(),
                                     "review_on": review_on.isoformat(), "ends_on": ends_on.isoformat()})


def _open_families(limit: int) -> list[list[FamilyMember]]:
    family_ids = list(dict.fromkeys(db.session.scalars(
        select(Case.family_id).where(Case.stage.in_(WORKING)).order_by(Case.opened_at))))[:limit]
    households = []
    for family_id in family_ids:
        households.append(list(db.session.scalars(select(FamilyMember).where(FamilyMember.family_id == family_id)
                                                  .order_by(FamilyMember.created_at))))
    return households


def _consents(rng, users, orgs) -> None:
    """A parent consents for herself and her younger children on one common form; a teenager
    of 16 or over consents for himself; nobody consents for another adult."""
    officer, today = users["frontdoor"], timescales.today_london()
    for members in _open_families(24):
        parent = next((m for m in members if m.relationship_to_family == "parent_carer"), None)
        if parent is None:
            continue
        given_on = today - timedelta(days=rng.randint(5, 200))
        # Who could consent for whom is decided by age on the day the form was signed.
        children = [m for m in members if m.relationship_to_family == "child" and m.person.date_of_birth]
        young = [m for m in children if m.person.age_on(given_on) < OWN_CONSENT_AGE]
        teens = [m for m in children if m.person.age_on(given_on) >= OWN_CONSENT_AGE]
        school = next((m.person.school_id for m in young if m.person.school_id), None)
        records.record_consent(officer, parent.person_id, {
            "purpose": "taf_information_sharing",
            "recipient_organisation_ids": [school] if school else [],
            "recipient_organisation_types": ["health_visiting"],
            "categories": ["identity", "education", "health", "plan"], "given_by_relationship": "self",
            "given_by_person_id": parent.person_id,
            "also_covers": [m.person_id for m in young], "method": "signed_form", "given_on": given_on.isoformat(),
            "expires_on": (given_on + timedelta(days=365)).isoformat()})
        for teen in teens[:1]:
            records.record_consent(officer, teen.person_id, {
                "purpose": "early_help_support", "recipient_organisation_types": ["jobcentre", "voluntary"],
                "categories": ["identity", "finances_employment"], "given_by_relationship": "self",
                "given_by_person_id": teen.person_id,
                "method": "verbal", "given_on": given_on.isoformat()})


def _lawful_bases(rng, users, orgs, isa: SharingAgreement, ended: SharingAgreement) -> None:
    households = _open_families(30)[24:]
    today = timescales.today_london()
    if households:
        child = next((m for m in households[0] if m.relationship_to_family == "child"), households[0][0])
        records.record_lawful_basis(users["frontdoor"], child.family_id, {
            "basis": "safeguarding", "person_ids": [child.person_id], "agreement_id": isa.id,
            "justification": "Missing episodes and older associates: police need the chronology to plan a response.",
            "recipient_organisation_ids": [orgs["Northshire Police"].id], "categories": ["identity", "police", "case_notes"],
            "approved_by_id": users["manager"].id, "review_on": (today + timedelta(days=28)).isoformat()})
    if len(households) > 1:
        # Recorded while the tenancy protocol was in force; it stopped counting when it ended.
        family = households[1]
        basis = LawfulBasis(family_id=family[0].family_id, basis="statutory_duty", agreement_id=ended.id,
                            justification="Rent arrears with children in the home: housing to join the plan.",
                            approved_by_id=users["manager"].id, review_on=today - timedelta(days=20),
                            recorded_by_id=users["manager"].id, recorded_at=utcnow() - timedelta(days=200))
        basis.people = [LawfulBasisPerson(person_id=m.person_id) for m in family
                        if m.relationship_to_family == "parent_carer"] or [LawfulBasisPerson(person_id=family[0].person_id)]
        basis.recipients = [LawfulBasisRecipient(organisation_id=orgs["Northshire Homes"].id)]
        basis.category_rows = [LawfulBasisCategory(category="identity"), LawfulBasisCategory(category="finances_employment")]
        db.session.add(basis)
