"""Consent, lawful bases for sharing without consent, and break-glass access.

Each record names the people it covers and who may receive what about them. The access policy
reads them on every request (caseflow.consent.policy.sharing_grants), so withdrawing or letting a
consent lapse, or the end of the information sharing agreement a lawful basis relies on, removes
access at once, everywhere: pages, the API, exports, PDFs and notifications not yet read.
"""
from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.utils import secure_filename

from caseflow.core import timescales
from caseflow.agreements.models import SharingAgreement
from caseflow.auth.models import Organisation, User
from caseflow.core.roles import Role
from caseflow.core import audit
from caseflow.consent.models import (BreakGlass, BreakGlassPerson, Consent, ConsentCategory, ConsentDocument,
                                     ConsentPerson, ConsentRecipient, LawfulBasis, LawfulBasisCategory,
                                     LawfulBasisPerson, LawfulBasisRecipient)
from caseflow.core.access import require
from caseflow.consent.schemas import BreakGlassSchema, ConsentSchema, LawfulBasisSchema, WithdrawSchema
from caseflow.consent.vocab import OWN_CONSENT_AGE
from caseflow.core.database import utcnow
from caseflow.core.extensions import db
from caseflow.families.models import Family, FamilyMember, Person
from caseflow.notify.services import notify
from caseflow.records.household import parental_responsibility
from caseflow.core.errors import Conflict, NotFound, ServiceValidationError, load
from caseflow.notify.vocab import NotificationType


def _age_on(person: Person, day) -> int | None:
    if person.date_of_birth is None:
        return None
    dob = person.date_of_birth
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def _check_recipients(data: dict, errors: dict) -> None:
    ids = set(data["recipient_organisation_ids"])
    if ids and len(set(db.session.scalars(select(Organisation.id).where(Organisation.id.in_(ids))))) != len(ids):
        errors["recipient_organisation_ids"] = ["Choose organisations from the list"]


def _recipient_rows(model, data: dict) -> list:
    return ([model(organisation_id=org_id) for org_id in sorted(set(data["recipient_organisation_ids"]))]
            + [model(organisation_type=kind) for kind in sorted(set(data["recipient_organisation_types"]))])


def _members(family_id: str) -> dict[str, FamilyMember]:
    return {m.person_id: m for m in db.session.scalars(select(FamilyMember).where(FamilyMember.family_id == family_id))}


def consent_problems(raw: dict) -> dict[str, list[str]]:
    """The form problems in a consent, before anyone is chosen (for the page)."""
    try:
        load(ConsentSchema, raw)
    except ServiceValidationError as exc:
        return exc.fields
    return {}


def _covered_people(person: Person, data: dict, members: dict[str, FamilyMember],
                    errors: dict) -> list[tuple[str, str]]:
    """(person id, how consent was given for them) for everyone the consent covers, checking the
    law's rules: an adult or a young person of 16 or over consents for themselves; a child's
    consent comes from someone with parental responsibility, unless the worker records why the
    child is competent, and then the child consents only for themselves."""
    given_on, relationship = data["given_on"], data["given_by_relationship"]
    age = _age_on(person, given_on)
    if relationship == "parent_carer" and age is not None and age >= OWN_CONSENT_AGE:
        errors["given_by_relationship"] = [f"{person.given_name} is {age}: a young person of "
                                           f"{OWN_CONSENT_AGE} or over gives their own consent"]
    competent_child = relationship == "self" and age is not None and age < OWN_CONSENT_AGE
    if competent_child and not (data.get("competence_note") or "").strip():
        errors["competence_note"] = [f"{person.given_name} is {age}: record why they are competent to "
                                     "consent for themselves, or record a parent's consent"]
    giver_id = data.get("given_by_person_id")
    if giver_id:
        giver = members.get(giver_id)
        if giver is None:
            errors["given_by_person_id"] = ["Choose someone in this family, or enter the name of who gave consent"]
        elif relationship == "self" and giver_id != person.id:
            errors["given_by_person_id"] = [f"{person.given_name} gave their own consent: choose them, "
                                            "or say a parent or carer gave it"]
        elif relationship == "parent_carer" and (problem := _responsibility_problem(giver, person, given_on)):
            errors["given_by_person_id"] = [problem]
    covered = [(person.id, relationship)]
    also = [p for p in dict.fromkeys(data.get("also_covers") or []) if p != person.id]
    if also and competent_child:
        errors["also_covers"] = [f"{person.given_name} consents for themselves only: record a parent's "
                                 "consent for anyone else"]
        return covered
    for person_id in also:
        member = members.get(person_id)
        if member is None:
            errors["also_covers"] = ["Choose people in this family"]
            continue
        child_age = _age_on(member.person, given_on)
        if child_age is not None and child_age >= OWN_CONSENT_AGE:
            errors["also_covers"] = [f"{member.person.given_name} is {child_age}: a young person of "
                                     f"{OWN_CONSENT_AGE} or over gives their own consent"]
            continue
        giver = members.get(giver_id or "")
        if giver is not None and (problem := _responsibility_problem(giver, member.person, given_on)):
            errors["also_covers"] = [problem]
            continue
        covered.append((person_id, "parent_carer"))
    return covered


def _responsibility_problem(giver: FamilyMember, child: Person, given_on) -> str | None:
    """Consent for a child comes from someone with parental responsibility for them: the
    household's recorded relationships say who holds it; where none are recorded for the child,
    a parent or carer in the family (as before relationships were kept)."""
    if giver.person_id == child.id:
        return "Only a parent or carer can consent for a child: choose one"
    holds = parental_responsibility(giver.person_id, child.id, given_on)
    if holds is False:
        return (f"{giver.person.full_name} does not have parental responsibility for {child.given_name}: "
                "consent must come from someone who does")
    if holds is None and giver.relationship_to_family != "parent_carer":
        return "Only a parent or carer can consent for a child: choose one"
    return None


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
    members = _members(family.id)
    if data["given_by_relationship"] == "self" and not data.get("given_by_person_id"):
        data["given_by_person_id"] = person.id
    covered = _covered_people(person, data, members, errors)
    _check_recipients(data, errors)
    if errors:
        raise ServiceValidationError("Some answers need changing.", errors)
    giver = members.get(data.get("given_by_person_id") or "")
    given_by = (data.get("given_by") or "").strip() or (giver.person.full_name if giver else "")
    consent = Consent(person_id=person.id, family_id=family.id, purpose=data["purpose"], given_by=given_by,
                      given_by_person_id=giver.person_id if giver else None,
                      given_by_relationship=data["given_by_relationship"],
                      competence_note=(data.get("competence_note") or "").strip() or None, method=data["method"],
                      given_on=data["given_on"], expires_on=data.get("expires_on"), recorded_by_id=actor.id)
    consent.people = [ConsentPerson(person_id=p, given_by_relationship=how, position=i)
                      for i, (p, how) in enumerate(covered)]
    consent.recipients = _recipient_rows(ConsentRecipient, data)
    consent.category_rows = [ConsentCategory(category=c) for c in sorted(set(data["categories"]))]
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
                                       .options(selectinload(Consent.documents))
                                       .order_by(Consent.recorded_at.desc())))
    bases = list(db.session.scalars(select(LawfulBasis).where(LawfulBasis.family_id == family.id)
                                    .order_by(LawfulBasis.recorded_at.desc())))
    return consents, bases


def _check_agreement(agreement_id: str | None, data: dict, errors: dict) -> None:
    """A lawful basis that relies on an agreement must stay within it: in force today, its
    categories, and (for named organisations) its parties."""
    if not agreement_id:
        return
    agreement = db.session.get(SharingAgreement, agreement_id)
    today = timescales.today_london()
    if agreement is None:
        errors["agreement_id"] = ["Choose an agreement from the register"]
    elif not agreement.in_force(today):
        errors["agreement_id"] = [f"{agreement.name} is not in force today "
                                  f"({timescales.format_uk_date(agreement.starts_on)} to "
                                  f"{timescales.format_uk_date(agreement.ends_on)})"]
    else:
        outside = sorted(set(data["categories"]) - set(agreement.categories or []))
        if outside:
            errors["categories"] = [f"{agreement.name} does not cover: {', '.join(outside).replace('_', ' ')}"]
        strangers = set(data["recipient_organisation_ids"]) - set(agreement.party_ids)
        if strangers:
            errors["recipient_organisation_ids"] = [f"Not a party to {agreement.name}: choose its parties"]


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
    people = list(dict.fromkeys([*([data["person_id"]] if data.get("person_id") else []), *data["person_ids"]]))
    members = _members(family.id)
    if not people:
        errors["person_ids"] = ["Choose whose information may be shared"]
    elif any(p not in members for p in people):
        errors["person_ids"] = ["Choose people in this family"]
    _check_recipients(data, errors)
    _check_agreement(data.get("agreement_id"), data, errors)
    if errors:
        raise ServiceValidationError("Some answers need changing.", errors)
    basis = LawfulBasis(family_id=family.id, basis=data["basis"], justification=data["justification"].strip(),
                        agreement_id=data.get("agreement_id") or None, approved_by_id=approver.id,
                        review_on=data["review_on"], recorded_by_id=actor.id)
    basis.people = [LawfulBasisPerson(person_id=p) for p in people]
    basis.recipients = _recipient_rows(LawfulBasisRecipient, data)
    basis.category_rows = [LawfulBasisCategory(category=c) for c in sorted(set(data["categories"]))]
    db.session.add(basis)
    db.session.flush()
    audit.record(actor, "lawful_basis.record", "lawful_basis", basis.id, family_id=family.id,
                 categories=sorted(set(data["categories"])), purpose="sharing without consent",
                 basis=data["basis"])
    return basis


def break_glass(actor, family_id: str, raw: dict) -> BreakGlass:
    """A duty manager opens a family held by another team: allowed, time-limited, and loud. The
    grant names the people it opens: those given, or everyone in the household now."""
    family = db.session.get(Family, family_id)
    if family is None:
        raise NotFound("No family with that id.")
    require(actor, "break_glass.use", family, object_type="family", family_id=family.id, purpose="break-glass")
    data = load(BreakGlassSchema, raw)
    members = _members(family.id)
    people = list(dict.fromkeys(data["person_ids"])) or sorted(members)
    if any(p not in members for p in people):
        raise ServiceValidationError("Some answers need changing.", {"person_ids": ["Choose people in this family"]})
    minutes = current_app.extensions["caseflow.settings"].break_glass_minutes
    now = utcnow()
    glass = BreakGlass(user_id=actor.id, family_id=family.id, reason=data["reason"].strip(), granted_at=now,
                       expires_at=now + timedelta(minutes=minutes))
    glass.people = [BreakGlassPerson(person_id=p) for p in people]
    db.session.add(glass)
    db.session.flush()
    audit.record(actor, "BREAK_GLASS", "family", family.id, family_id=family.id, categories=["identity"],
                 purpose="break-glass", basis=f"break-glass {glass.id}")  # the reason stays encrypted on the grant
    for manager_id in db.session.scalars(select(User.id).where(User.role == Role.TEAM_MANAGER, User.active,
                                                               User.id != actor.id)):
        notify(manager_id, NotificationType.BREAK_GLASS, f"break-glass:{glass.id}", f"Break-glass: {actor.name} opened {family.display_name}",
               f"{actor.name} used emergency access to {family.display_name} until "
               f"{timescales.format_uk_datetime(glass.expires_at)}. Reason: {glass.reason}", family_id=family.id)
    return glass


@dataclass
class SharingStopped:
    """Sharing that stopped counting because the agreement it relied on ended (the managers'
    report): lawful bases still open, and routing rules still switched on."""
    bases: list = field(default_factory=list)   # (LawfulBasis, Family, SharingAgreement)
    rules: list = field(default_factory=list)   # (RoutingRule, SharingAgreement)
    review_due: list = field(default_factory=list)  # agreements in force but past their review date


def sharing_stopped(today=None) -> SharingStopped:
    from caseflow.notify.models import RoutingRule

    today = today or timescales.today_london()
    ended = SharingAgreement.ends_on < today
    return SharingStopped(
        bases=db.session.execute(select(LawfulBasis, Family, SharingAgreement)
                                 .join(Family, Family.id == LawfulBasis.family_id)
                                 .join(SharingAgreement, SharingAgreement.id == LawfulBasis.agreement_id)
                                 .where(ended, LawfulBasis.ended_at.is_(None))
                                 .order_by(SharingAgreement.ends_on.desc(), LawfulBasis.recorded_at.desc())).all(),
        rules=db.session.execute(select(RoutingRule, SharingAgreement)
                                 .join(SharingAgreement, SharingAgreement.id == RoutingRule.agreement_id)
                                 .where(ended, RoutingRule.active)
                                 .order_by(SharingAgreement.ends_on.desc(), RoutingRule.event_type)).all(),
        review_due=list(db.session.scalars(select(SharingAgreement).where(
            SharingAgreement.review_on < today, SharingAgreement.ends_on >= today).order_by(SharingAgreement.review_on))))


def access_report(actor, page: int = 1, per_page: int = 50):
    """For managers: sharing without consent, break-glass use, and sharing stopped because its
    agreement ended, newest first."""
    require(actor, "reports.access", object_type="report", purpose="sharing and break-glass report")
    bases = db.session.execute(select(LawfulBasis, Family).join(Family, Family.id == LawfulBasis.family_id)
                               .order_by(LawfulBasis.recorded_at.desc()).limit(per_page)
                               .offset((page - 1) * per_page)).all()
    glass = db.session.execute(select(BreakGlass, Family, User).join(Family, Family.id == BreakGlass.family_id)
                               .join(User, User.id == BreakGlass.user_id)
                               .order_by(BreakGlass.granted_at.desc()).limit(per_page)
                               .offset((page - 1) * per_page)).all()
    stopped = sharing_stopped()
    return bases, glass, stopped


# --- the signed consent form -------------------------------------------------------------------

SIGNED_COPY_MAX_BYTES = 2_000_000  # under the app's 2 MiB request limit, with room for the form
# What a signed copy may be, told by its first bytes (never by the name or the browser's word).
SIGNED_COPY_TYPES = {"application/pdf": (b"%PDF-", "pdf"), "image/jpeg": (b"\xff\xd8\xff", "jpg"),
                     "image/png": (b"\x89PNG\r\n\x1a\n", "png")}
UPLOAD_ERROR = "The signed form must be a PDF, JPEG or PNG file smaller than 2 MB"


def family_of_consent(consent_id: str) -> str:
    """Which family a consent belongs to (to check the reader may open that family first)."""
    consent = db.session.get(Consent, consent_id)
    if consent is None:
        raise NotFound("No consent with that id.")
    return consent.family_id


def _consent_and_family(consent_id: str) -> tuple[Consent, Family]:
    consent = db.session.get(Consent, consent_id)
    if consent is None:
        raise NotFound("No consent with that id.")
    return consent, db.session.get(Family, consent.family_id)


def attach_signed_copy(actor, consent_id: str, filename: str | None, content: bytes | None) -> ConsentDocument:
    """Attach the scanned or photographed signed form to the consent record (flushes; the
    caller commits)."""
    consent, family = _consent_and_family(consent_id)
    require(actor, "consent.record", family, object_type="consent", object_id=consent.id,
            family_id=family.id, purpose="attach signed consent form")
    if not content:
        raise ServiceValidationError("Choose a file.", {"signed_copy": ["Select the signed consent form"]})
    if len(content) > SIGNED_COPY_MAX_BYTES:
        raise ServiceValidationError("The file is too big.", {"signed_copy": ["The file must be smaller than 2 MB"]})
    kind = next((mime for mime, (magic, _) in SIGNED_COPY_TYPES.items() if content.startswith(magic)), None)
    if kind is None:
        raise ServiceValidationError("That file cannot be used.", {"signed_copy": ["The file must be a PDF, JPEG or PNG"]})
    extension = SIGNED_COPY_TYPES[kind][1]
    stem = (secure_filename(filename or "").rsplit(".", 1)[0] or "signed-consent-form")[:150]
    document = ConsentDocument(consent_id=consent.id, filename=f"{stem}.{extension}", content_type=kind,
                               size_bytes=len(content), sha256=hashlib.sha256(content).hexdigest(),
                               content=base64.b64encode(content).decode("ascii"), uploaded_by_id=actor.id)
    db.session.add(document)
    db.session.flush()
    audit.record(actor, "consent.signed_copy_attach", "consent", consent.id, family_id=family.id,
                 categories=["identity"], purpose="signed consent form")
    return document


def signed_copy(actor, consent_id: str) -> tuple[ConsentDocument, bytes]:
    """The newest signed copy, for whoever may see the family's consent records (audited)."""
    consent, family = _consent_and_family(consent_id)
    require(actor, "consent.view", family, object_type="consent", object_id=consent.id,
            family_id=family.id, purpose="signed consent form")
    document = consent.signed_copy
    if document is None:
        raise NotFound("No signed form has been attached to this consent.")
    return document, base64.b64decode(document.content)


def consent_for_form(actor, consent_id: str):
    """What the printed consent form shows, checked against the policy (audited)."""
    consent, family = _consent_and_family(consent_id)
    require(actor, "consent.view", family, object_type="consent", object_id=consent.id,
            family_id=family.id, purpose="print consent form")
    people = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(consent.person_ids)))}
    org_names = dict(db.session.execute(select(Organisation.id, Organisation.name)
                                        .where(Organisation.id.in_(consent.recipient_org_ids))).all())
    return consent, family, people, org_names
