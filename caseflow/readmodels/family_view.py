"""The single family view, family search and the family's access log (a read model).

Everything the service holds about a family, cut to what the policy lets the reader see, each
read audited against the family."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from caseflow.cases.models import Case
from caseflow.core import audit
from caseflow.core.audit import AuditEvent
from caseflow.core.vocab import Category
from caseflow.core.access import Decision, require
from caseflow.core.access import family_visibility_clause
from caseflow.core.extensions import db
from caseflow.families.identifiers import clean_nhs_number, format_postcode
from caseflow.families.matching import normalise_name
from caseflow.families.models import Family, FamilyMember, Person
from caseflow.core.errors import NotFound, ServiceValidationError

# --- single family view and search ------------------------------------------------------------




# Sections of the single family view and the data category each needs. Later capabilities
# (plans, contacts, notifications) add their own sections here.
# Person fields that belong to a data category beyond identity: a school sees the UPN and
# school, health sees the NHS number and GP, only where consent or a lawful basis allows.
FIELD_CATEGORIES = {"upn": Category.EDUCATION, "school": Category.EDUCATION,
                    "nhs_number": Category.HEALTH, "gp_practice": Category.HEALTH}
ALL_FIELDS = frozenset(Category)

SECTION_CATEGORIES = {
    "members": Category.IDENTITY,
    "cases": Category.IDENTITY,
    "requests": Category.REFERRAL,
    "plans_and_contacts": Category.CASE_NOTES,
    "flags": Category.POLICE,  # partners' notifications about the family (the flag history)
}


@dataclass
class MemberShown:
    """A family member as one caller may see them: fields of categories they lack are null."""
    member: FamilyMember
    categories: frozenset

    def value(self, name: str, read):
        category = FIELD_CATEGORIES.get(name)
        return None if category is not None and category not in self.categories else read(self.member.person)

    @property
    def redacted(self) -> list[str]:
        """The person fields withheld from this caller (named, never a silent gap)."""
        return [name for name, category in FIELD_CATEGORIES.items() if category not in self.categories]


@dataclass
class FamilyView:
    family: Family
    decision: Decision
    members: list[FamilyMember]
    cases: list[Case]
    requests: list = field(default_factory=list)
    hidden: dict[str, str] = field(default_factory=dict)  # section -> why it is redacted
    workers: dict = field(default_factory=dict)  # user id -> User, for each case's keyworker
    partner_events: list = field(default_factory=list)  # police, A&E, school notifications, newest first

    @property
    def flagged(self) -> bool:
        """A family with an open case carries the flag partners' systems see."""
        return any(c.is_open for c in self.cases)

    def shows(self, section: str) -> bool:
        return section not in self.hidden

    @property
    def shown_members(self) -> list[MemberShown]:
        return [MemberShown(m, self.decision.categories) for m in self.members]


def view_family(actor, family_id: str, purpose: str = "single family view") -> FamilyView:
    from caseflow.frontdoor.models import RequestForHelp

    family = db.session.scalar(
        select(Family).where(Family.id == family_id)
        .options(selectinload(Family.memberships).joinedload(FamilyMember.person)))
    if family is None:
        raise NotFound("No family with that id.")
    decision = require(actor, "family.view", family, object_type="family", family_id=family.id,
                       purpose=purpose)
    hidden = {section: f"Hidden: you do not have consent or a lawful basis to see {category.value.replace('_', ' ')} information."
              for section, category in SECTION_CATEGORIES.items() if category not in decision.categories}
    cases = db.session.scalars(
        select(Case).where(Case.family_id == family.id).order_by(Case.opened_at.desc())
        .options(selectinload(Case.transitions))).all()
    from caseflow.auth.models import User

    worker_ids = {c.keyworker_id for c in cases if c.keyworker_id}
    workers = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(worker_ids)))} if worker_ids else {}
    requests = []
    if "requests" not in hidden:
        requests = db.session.scalars(
            select(RequestForHelp).where(RequestForHelp.family_id == family.id)
            .order_by(RequestForHelp.received_at.desc())).all()
    partner_events = []
    if "flags" not in hidden:
        from caseflow.notify.models import PartnerEvent

        partner_events = db.session.scalars(select(PartnerEvent).where(PartnerEvent.family_id == family.id)
                                            .order_by(PartnerEvent.received_at.desc())).all()
    db.session.commit()
    return FamilyView(family, decision, list(family.memberships), list(cases), list(requests), hidden, workers,
                      list(partner_events))


@dataclass
class SearchResult:
    family: Family
    members: list[FamilyMember]
    open_case: Case | None


def _parse_search_date(text: str) -> date | None:
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def search_families(actor, q: str, page: int = 1, per_page: int = 20) -> tuple[list[SearchResult], int]:
    """Find families by name, date of birth, postcode, NHS number, UPN or reference, among the
    families this user may see. Unknown families are simply not found."""
    from caseflow.frontdoor.models import RequestForHelp

    require(actor, "family.search", object_type="family_search", purpose="search")
    q = (q or "").strip()
    if not q:
        db.session.commit()
        return [], 0
    if len(q) > 100:
        raise ServiceValidationError("Search for 100 characters or fewer.", {"q": ["Search for 100 characters or fewer"]})
    person_match = _person_clause(q)
    upper = q.upper()
    by_reference = or_(
        Family.reference == upper,
        Family.id.in_(select(Case.family_id).where(Case.reference == upper)),
        Family.id.in_(select(RequestForHelp.family_id).where(RequestForHelp.reference == upper)),
    )
    matching = or_(by_reference, Family.id.in_(
        select(FamilyMember.family_id).join(Person, Person.id == FamilyMember.person_id).where(person_match)))
    query = select(Family).where(matching, family_visibility_clause(actor))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    families = db.session.scalars(
        query.order_by(Family.name, Family.reference).limit(per_page).offset((page - 1) * per_page)
        .options(selectinload(Family.memberships).joinedload(FamilyMember.person))).all()
    open_cases = {c.family_id: c for c in db.session.scalars(
        select(Case).where(Case.family_id.in_([f.id for f in families]), Case.closed_at.is_(None)))}
    db.session.commit()
    return [SearchResult(f, list(f.memberships), open_cases.get(f.id)) for f in families], total


def _person_clause(q: str):
    dob = _parse_search_date(q)
    if dob is not None:
        return Person.date_of_birth == dob
    digits = clean_nhs_number(q)
    if re.fullmatch(r"\d{10}", digits):
        return Person.nhs_number == digits
    if re.fullmatch(r"[A-Za-z]\d{11}[0-9A-Za-z]", q):
        return Person.upn == q.upper()
    postcode = format_postcode(q)
    if postcode is not None:
        return Person.postcode_norm == postcode.replace(" ", "")
    words = [normalise_name(w) for w in q.split() if normalise_name(w)]
    if not words:
        return Person.id.is_(None)
    clauses = []
    for word in words:  # every word must match a first or last name, in either order
        clauses.append(or_(Person.given_name_norm.startswith(word), Person.family_name_norm.startswith(word)))
    return and_(*clauses)


def access_log(actor, family_id: str, page: int = 1, per_page: int = 50):
    family = db.session.get(Family, family_id)
    if family is None:
        raise NotFound("No family with that id.")
    require(actor, "family.access_log", family, object_type="family", family_id=family.id,
            purpose="access log")
    audit.chain_pending()  # this reading is on the trail it shows
    query = select(AuditEvent).where(AuditEvent.family_id == family.id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    events = db.session.scalars(query.order_by(AuditEvent.seq.desc()).limit(per_page)
                                .offset((page - 1) * per_page)).all()
    db.session.commit()
    return family, events, total
