"""Consent, lawful bases for sharing without consent, and break-glass access.

Each record names who may receive what. The access policy reads them on every request
(caseflow.consent.policy.sharing_grants), so withdrawing or letting a consent lapse removes
access at once, everywhere: pages, the API, exports, PDFs and notifications not yet read.
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from caseflow.core import timescales
from caseflow.auth.models import Organisation, User
from caseflow.core.roles import Role
from caseflow.core import audit
from caseflow.consent.models import BreakGlass, Consent, LawfulBasis
from caseflow.core.access import require
from caseflow.consent.schemas import BreakGlassSchema, ConsentSchema, LawfulBasisSchema, WithdrawSchema
from caseflow.consent.vocab import OWN_CONSENT_AGE
from caseflow.core.database import utcnow
from caseflow.core.extensions import db
from caseflow.families.models import Family, FamilyMember, Person
from caseflow.notify.services import notify
from caseflow.core.errors import Conflict, NotFound, ServiceValidationError, load


def _age_on(person: Person, day) -> int | None:
    if person.date_of_birth is None:
        return None
    dob = person.date_of_birth
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def _check_recipients(data: dict, errors: dict) -> None:
    ids = set(data["recipient_organisation_ids"])
    if ids and len(set(db.session.scalars(select(Organisation.id).where(Organisation.id.in_(ids))))) != len(ids):
        errors["recipient_organisation_ids"] = ["Choose organisations from the list"]


def consent_problems(raw: dict) -> dict[str, list[str]]:
    """The form problems in a consent, before anyone is chosen (for the page)."""
    try:
        load(ConsentSchema, raw)
    except ServiceValidationError as exc:
        return exc.fields
    return {}


def record_consent(actor, person_id: str, raw: dict) -> Consent:
    person = db.session.get(Person, person_id)
    if person is None:
        raise NotFound("No person with that id.")
    membership = db.session.scalar(select(FamilyMember).where(FamilyMember.person_id == person.id).limit(1))
    if membership is None:
        raise NotFound("That person is not in a family record.")
    family = db.session.get(Family, membership.family_id)
    require(actor, "consent.record", family, object_type="person", object_id=person.id,
            family_id=family.id, purpose="record consent")
    data = load(ConsentSchema, raw)
    errors: dict[str, list[str]] = {}
    today = timescales.today_london()
    if data["given_on"] > today:
        errors["given_on"] = ["The date consent was given cannot be in the future"]
    if data.get("expires_on") and data["expires_on"] <= data["given_on"]:
        errors["expires_on"] = ["The expiry date must be after the date consent was given"]
    age = _age_on(person, data["given_on"])
    if data["given_by_relationship"] == "parent_carer" and age is not None and age >= OWN_CONSENT_AGE:
        errors["given_by_relationship"] = [f"{person.given_name} is {age}: a young person of "
                                           f"{OWN_CONSENT_AGE} or over gives their own consent"]
    if data["given_by_relationship"] == "self" and age is not None and age < OWN_CONSENT_AGE \
            and not (data.get("competence_note") or "").strip():
        errors["competence_note"] = [f"{person.given_name} is {age}: record why they are competent to "
                                     "consent for themselves, or record a parent's consent"]
    _check_recipients(data, errors)
    if errors:
        raise ServiceValidationError("Some answers need changing.", errors)
    consent = Consent(person_id=person.id, family_id=family.id, purpose=data["purpose"],
                      recipient_org_ids=sorted(set(data["recipient_organisation_ids"])),
                      recipient_org_types=sorted(set(data["recipient_organisation_types"])),
                      categories=sorted(set(data["categories"])), given_by=data["given_by"].strip(),
                      given_by_relationship=data["given_by_relationship"],
                      competence_note=(data.get("competence_note") or "").strip() or None, method=data["method"],
                      given_on=data["given_on"], expires_on=data.get("expires_on"), recorded_by_id=actor.id)
    db.session.add(consent)
    db.session.flush()
    audit.record(actor, "consent.record", "consent", consent.id, family_id=family.id,
                 categories=["identity"], purpose="record consent")
    return consent


def withdraw(actor, consent_id: str, raw: dict) -> Consent:
    consent = db.session.get(Consent, consent_id)
    if consent is None:
        raise NotFound("No consent with that id.")
    family = db.session.get(Family, consent.family_id)
    require(actor, "consent.record", family, object_type="consent", object_id=consent.id,
            family_id=family.id, purpose="withdraw consent")
    data = load(WithdrawSchema, raw)
    if consent.withdrawn_at is not None:
        raise Conflict("This consent was already withdrawn.")
    consent.withdrawn_at, consent.withdrawn_by_id = utcnow(), actor.id
    consent.withdrawal_reason = (data.get("reason") or "").strip() or None
    audit.record(actor, "consent.withdraw", "consent", consent.id, family_id=family.id,
                 categories=["identity"], purpose="withdraw consent")
    return consent


def for_family(actor, family_id: str) -> tuple[list[Consent], list[LawfulBasis]]:
    family = db.session.get(Family, family_id)
    if family is None:
        raise NotFound("No family with that id.")
    require(actor, "consent.view", family, object_type="family", family_id=family.id, purpose="consent records")
    consents = list(db.session.scalars(select(Consent).where(Consent.family_id == family.id)
                                       .order_by(Consent.recorded_at.desc())))
    bases = list(db.session.scalars(select(LawfulBasis).where(LawfulBasis.family_id == family.id)
                                    .order_by(LawfulBasis.recorded_at.desc())))
    return consents, bases


def record_lawful_basis(actor, family_id: str, raw: dict) -> LawfulBasis:
    family = db.session.get(Family, family_id)
    if family is None:
        raise NotFound("No family with that id.")
    require(actor, "lawful_basis.record", family, object_type="family", family_id=family.id,
            purpose="record a lawful basis for sharing")
    data = load(LawfulBasisSchema, raw)
    errors: dict[str, list[str]] = {}
    approver = actor if actor.role == Role.TEAM_MANAGER else db.session.get(User, data.get("approved_by_id") or "")
    if approver is None or approver.role != Role.TEAM_MANAGER or not approver.active:
        errors["approved_by_id"] = ["Sharing without consent must be approved by a team manager: choose one"]
    if data["review_on"] <= timescales.today_london():
        errors["review_on"] = ["The review date must be in the future"]
    if data.get("person_id") and not db.session.scalar(select(FamilyMember.id).where(
            FamilyMember.family_id == family.id, FamilyMember.person_id == data["person_id"])):
        errors["person_id"] = ["Choose someone in this family"]
    _check_recipients(data, errors)
    if errors:
        raise ServiceValidationError("Some answers need changing.", errors)
    basis = LawfulBasis(family_id=family.id, person_id=data.get("person_id"), basis=data["basis"],
                        justification=data["justification"].strip(),
                        recipient_org_ids=sorted(set(data["recipient_organisation_ids"])),
                        recipient_org_types=sorted(set(data["recipient_organisation_types"])),
                        categories=sorted(set(data["categories"])), approved_by_id=approver.id,
                        review_on=data["review_on"], recorded_by_id=actor.id)
    db.session.add(basis)
    db.session.flush()
    audit.record(actor, "lawful_basis.record", "lawful_basis", basis.id, family_id=family.id,
                 categories=sorted(set(data["categories"])), purpose="sharing without consent",
                 basis=data["basis"])
    return basis


def break_glass(actor, family_id: str, raw: dict) -> BreakGlass:
    """A duty manager opens a family held by another team: allowed, time-limited, and loud."""
    family = db.session.get(Family, family_id)
    if family is None:
        raise NotFound("No family with that id.")
    require(actor, "break_glass.use", family, object_type="family", family_id=family.id, purpose="break-glass")
    data = load(BreakGlassSchema, raw)
    minutes = current_app.extensions["caseflow.settings"].break_glass_minutes
    now = utcnow()
    glass = BreakGlass(user_id=actor.id, family_id=family.id, reason=data["reason"].strip(), granted_at=now,
                       expires_at=now + timedelta(minutes=minutes))
    db.session.add(glass)
    db.session.flush()
    audit.record(actor, "BREAK_GLASS", "family", family.id, family_id=family.id, categories=["identity"],
                 purpose=f"break-glass: {glass.reason}"[:120], basis="break-glass")
    for manager_id in db.session.scalars(select(User.id).where(User.role == Role.TEAM_MANAGER, User.active,
                                                               User.id != actor.id)):
        notify(manager_id, "break_glass", f"break-glass:{glass.id}", f"Break-glass: {actor.name} opened {family.display_name}",
               f"{actor.name} used emergency access to {family.display_name} until "
               f"{timescales.format_uk_datetime(glass.expires_at)}. Reason: {glass.reason}", family_id=family.id)
    return glass


def access_report(actor, page: int = 1, per_page: int = 50):
    """For managers: sharing without consent and break-glass use, newest first."""
    require(actor, "reports.access", object_type="report", purpose="sharing and break-glass report")
    bases = db.session.execute(select(LawfulBasis, Family).join(Family, Family.id == LawfulBasis.family_id)
                               .order_by(LawfulBasis.recorded_at.desc()).limit(per_page)
                               .offset((page - 1) * per_page)).all()
    glass = db.session.execute(select(BreakGlass, Family, User).join(Family, Family.id == BreakGlass.family_id)
                               .join(User, User.id == BreakGlass.user_id)
                               .order_by(BreakGlass.granted_at.desc()).limit(per_page)
                               .offset((page - 1) * per_page)).all()
    return bases, glass
