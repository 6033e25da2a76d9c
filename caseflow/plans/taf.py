"""The Team Around the Family: the practitioners from partner agencies working the plan."""
from __future__ import annotations

from sqlalchemy import func, select

from caseflow.auth.models import Organisation, User
from caseflow.core.roles import Role
from caseflow.core import audit
from caseflow.core.database import utcnow
from caseflow.core.extensions import db
from caseflow.notify import lookups
from caseflow.notify.services import notify
from caseflow.cases.services import load_case
from caseflow.plans.common import must_be_open
from caseflow.plans.models import TafMember
from caseflow.plans.schemas import TafMemberSchema
from caseflow.core.errors import NotFound, ServiceValidationError, load
from caseflow.notify.vocab import NotificationType

# Who can sit in a TAF: practitioners, not API clients, analysts or administrators.
TAF_ROLES = {Role.PARTNER, Role.KEYWORKER, Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.PANEL_MEMBER}


def members(case_id: str) -> list[tuple[TafMember, User]]:
    return list(db.session.execute(select(TafMember, User).join(User, User.id == TafMember.user_id)
                                   .where(TafMember.case_id == case_id, TafMember.left_at.is_(None))
                                   .order_by(TafMember.added_at)).all())


CANDIDATES_SHOWN = 25
MAX_SEARCH_LENGTH = 100


def candidates(search: str, limit: int = CANDIDATES_SHOWN) -> list:
    """The partners and social workers whose name or organisation holds `search` (any part, any
    case), first by name, as rows (id, name, organisation_name). A county has hundreds of them
    (550 in the bench's county of 1,000,000 people): the case page links to this search rather
    than listing every one in a select, which no one could use and every case page paid for."""
    words = " ".join((search or "").replace("\x00", "").split()).lower()[:MAX_SEARCH_LENGTH]
    if not words:
        return []
    return list(db.session.execute(
        select(User.id, User.name, Organisation.name.label("organisation_name"))
        .join(Organisation, Organisation.id == User.organisation_id)
        .where(User.role.in_([Role.PARTNER, Role.SOCIAL_WORKER]), User.active,
               func.lower(User.name).contains(words, autoescape=True)
               | func.lower(Organisation.name).contains(words, autoescape=True))
        .order_by(User.name, User.id).limit(limit)).all())


def add(actor, case_id: str, raw: dict) -> TafMember:
    case, _ = load_case(actor, case_id, "taf.manage", "Team Around the Family", lock=True)
    must_be_open(case, "change the Team Around the Family")
    data = load(TafMemberSchema, raw)
    user = db.session.get(User, data["user_id"])
    if user is None or not user.active or user.role not in TAF_ROLES:
        raise ServiceValidationError("Choose a practitioner.", {"user_id": ["Choose a practitioner from the list"]})
    existing = db.session.scalar(select(TafMember).where(TafMember.case_id == case.id, TafMember.user_id == user.id,
                                                         TafMember.left_at.is_(None)))
    if existing is not None:
        return existing
    member = TafMember(case_id=case.id, user_id=user.id, role=(data.get("role") or "").strip() or None,
                       added_by_id=actor.id)
    db.session.add(member)
    db.session.flush()
    notify(user.id, NotificationType.TAF, f"taf:{member.id}", "You have joined a Team Around the Family",
           f"Case {case.reference}: you are now in the family's Team Around the Family. You can read the "
           "family plan and the actions for you.", case_id=case.id, family_id=case.family_id)
    audit.record(actor, "taf.add", "taf_member", member.id, family_id=case.family_id,
                 categories=["identity"], purpose="Team Around the Family")
    db.session.flush()
    return member


def remove(actor, case_id: str, member_id: str) -> TafMember:
    case, _ = load_case(actor, case_id, "taf.manage", "Team Around the Family", lock=True)
    member = db.session.get(TafMember, member_id)
    if member is None or member.case_id != case.id or member.left_at is not None:
        raise NotFound("That person is not in this Team Around the Family.")
    member.left_at = utcnow()
    audit.record(actor, "taf.remove", "taf_member", member.id, family_id=case.family_id,
                 categories=["identity"], purpose="Team Around the Family")
    return member


def current_members_of_type(case_ids: list[str], organisation_type: str):
    """Current TAF members of these cases who work for that type of organisation (routing uses
    it to find a family's health visitor)."""
    from caseflow.auth.models import Organisation

    if not case_ids:
        return []
    return db.session.execute(
        select(TafMember.case_id, TafMember.user_id).join(User, User.id == TafMember.user_id)
        .join(Organisation, Organisation.id == User.organisation_id)
        .where(TafMember.case_id.in_(case_ids), TafMember.left_at.is_(None),
               Organisation.type == organisation_type)).all()


lookups.provide_taf_lookup(current_members_of_type)
