"""The register of information sharing agreements: record and list them. Who may do either is
the policy's answer (the rules below register with caseflow.core.access)."""
from __future__ import annotations

from sqlalchemy import func, select

from caseflow.core import timescales
from caseflow.agreements.models import AgreementParty, SharingAgreement
from caseflow.agreements.schemas import AgreementSchema
from caseflow.auth.models import Organisation
from caseflow.core.roles import Role
from caseflow.core import audit
from caseflow.core.access import allow, deny, require, rule
from caseflow.core.extensions import db
from caseflow.core.errors import ServiceValidationError, load


@rule("agreements.list")
def _agreements_list(user, obj):
    # The register names organisations and purposes, never a family: anyone who shares or
    # receives under it may read it.
    return allow("The register of information sharing agreements (no personal data).", set(), basis=None)


@rule("agreements.manage")
def _agreements_manage(user, obj):
    if user.role in {Role.ADMIN, Role.TEAM_MANAGER}:
        return allow("Administrators and managers keep the register of agreements.", set(), basis=None)
    return deny("Only administrators and managers add information sharing agreements.")


def listing(actor, page: int = 1, per_page: int = 50) -> tuple[list[SharingAgreement], int]:
    require(actor, "agreements.list", object_type="agreements", audit=False)
    total = db.session.scalar(select(func.count()).select_from(SharingAgreement))
    rows = list(db.session.scalars(select(SharingAgreement).order_by(SharingAgreement.ends_on.desc(),
                                                                       SharingAgreement.name)
                                   .limit(per_page).offset((page - 1) * per_page)))
    return rows, total


def record(actor, raw: dict) -> SharingAgreement:
    """Add an agreement to the register (flushes; the caller commits)."""
    require(actor, "agreements.manage", object_type="agreement", audit=False)
    data = load(AgreementSchema, raw)
    parties = sorted(set(data["party_ids"]))
    errors: dict[str, list[str]] = {}
    if len(set(db.session.scalars(select(Organisation.id).where(Organisation.id.in_(parties))))) != len(parties):
        errors["party_ids"] = ["Choose organisations from the list"]
    name = data["name"].strip()
    if db.session.scalar(select(SharingAgreement.id).where(func.lower(SharingAgreement.name) == name.lower())):
        errors["name"] = ["An agreement with this name is already on the register"]
    if errors:
        raise ServiceValidationError("Some answers need changing.", errors)
    agreement = SharingAgreement(name=name, purposes=[p.strip() for p in data["purposes"] if p.strip()],
                                 categories=sorted(set(data["categories"])), starts_on=data["starts_on"],
                                 review_on=data["review_on"], ends_on=data["ends_on"], recorded_by_id=actor.id)
    agreement.parties = [AgreementParty(organisation_id=o) for o in parties]
    db.session.add(agreement)
    db.session.flush()
    audit.record(actor, "agreement.record", "agreement", agreement.id, purpose="information sharing agreement")
    return agreement


def in_force_today() -> list[SharingAgreement]:
    today = timescales.today_london()
    return list(db.session.scalars(select(SharingAgreement).where(
        SharingAgreement.starts_on <= today, SharingAgreement.ends_on >= today).order_by(SharingAgreement.name)))


def party_names(agreements) -> dict[str, str]:
    ids = {p.organisation_id for a in agreements for p in a.parties}
    return dict(db.session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))).all()) if ids else {}


def names() -> dict[str, str]:
    """Every agreement's name by id (a rule may cite one that has since ended)."""
    return dict(db.session.execute(select(SharingAgreement.id, SharingAgreement.name)).all())
