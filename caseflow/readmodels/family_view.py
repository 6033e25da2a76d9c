"""The single family view, family search and the family's access log (a read model).

Everything the service holds about a family, cut to what the policy lets the reader see, person
by person, each read audited against the family."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, func, or_, select, union
from sqlalchemy.orm import selectinload

from caseflow.cases.models import Case
from caseflow.core import audit
from caseflow.core.audit import AuditEvent
from caseflow.core.vocab import Category
from caseflow.core.access import (
    SOCIAL_CARE_STAGES, Decision, can, family_visibility_clause, require, require_list, shown_stage, shows_move,
)
from caseflow.consent.models import BreakGlass
from caseflow.policy.rules import BREAK_GLASS_BASIS, people_decisions, person_visibility_clause
from caseflow.core.database import planned_for_these_values
from caseflow.core.extensions import db
from caseflow.core import keyset
from caseflow.core.keyset import bounded_count
from caseflow.core.stages import STAGE_LABELS
from caseflow.families.identifiers import clean_nhs_number, format_postcode
from caseflow.families.matching import name_words
from caseflow.families.models import Family, FamilyMember, Person, PersonName
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


STAGE_WITHHELD_LABEL = "Open"


@dataclass
class SeenTransition:
    from_stage: str | None
    to_stage: str
    action: str
    at: datetime
    actor_id: str | None

    @property
    def to_label(self) -> str:
        return STAGE_LABELS.get(self.to_stage, self.to_stage)


@dataclass
class SeenCase:
    """A case as this reader may see it: the stage is social care data when it says the family
    is (or was) with children's social care, so readers without that category see it as open."""
    id: str
    reference: str
    stage: str
    is_open: bool
    opened_at: datetime
    closed_at: datetime | None
    closure_reason: str | None
    is_re_referral: bool
    keyworker_id: str | None
    team_id: str | None
    level_of_need: int | None
    rag: str | None
    signposted_to: str | None
    transitions: list[SeenTransition]

    @property
    def stage_label(self) -> str:
        return STAGE_LABELS.get(self.stage, STAGE_WITHHELD_LABEL)


def seen_case(case: Case, decision: Decision) -> SeenCase:
    return SeenCase(case.id, case.reference, shown_stage(decision, case.stage), case.is_open, case.opened_at,
                    case.closed_at, case.closure_reason, case.is_re_referral, case.keyworker_id, case.team_id,
                    case.level_of_need, case.rag, case.signposted_to,
                    [SeenTransition(t.from_stage, t.to_stage, t.action, t.at, t.actor_id) for t in case.transitions
                     if shows_move(decision, t.from_stage, t.to_stage)])


@dataclass
class SeenRequest:
    """A request for help in the family view, as its own rule (request.view) lets this reader
    see it: another agency's referral is not readable here when it is not on its own page."""
    id: str
    reference: str
    received_at: datetime
    source: str
    referrer_name: str
    referrer_organisation: str | None
    concerns: list[str]
    details: str | None
    case_id: str | None


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
    """The single family view, cut to the reader's decision: `members` holds only the people the
    reader may name (decision.shows_person); each person's fields follow
    decision.categories_for(person id). The household-level facts (name, reference, whether a
    case is open, the keyworker) are shown to anyone allowed the view; a case's working (stage
    detail, level of need, risk, history) only with the case notes category."""

    family: Family
    decision: Decision
    members: list[FamilyMember]
    cases: list[SeenCase]
    requests: list = field(default_factory=list)
    hidden: dict[str, str] = field(default_factory=dict)  # section -> why it is redacted
    workers: dict = field(default_factory=dict)  # user id -> User, for each case's keyworker
    partner_events: list = field(default_factory=list)  # police, A&E, school notifications, newest first
    others_withheld: bool = False  # someone in the household is not covered by the reader's grants
    as_of: date | None = None  # the household as it was on this day (None: today)
    former_members: list = field(default_factory=list)  # on the record, not living there on that day
    merged_into: Family | None = None  # this record was merged into another (caseflow.records)
    # Two or more concerns about a child within seven days (caseflow.notify.concerns), as the
    # reader may see them: children they may not name are left out.
    concern_patterns: list = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        """A family with an open case carries the flag partners' systems see."""
        return any(c.is_open for c in self.cases)

    @property
    def shows_case_working(self) -> bool:
        return Category.CASE_NOTES in self.decision.categories or self.decision.people is None

    def shows(self, section: str) -> bool:
        return section not in self.hidden

    def categories_for(self, person_id: str) -> frozenset[str]:
        return self.decision.categories_for(person_id)

    @property
    def shown_members(self) -> list[MemberShown]:
        """Each member with the categories of their own data the reader may see."""
        return [MemberShown(m, self.categories_for(m.person_id)) for m in self.members]


def view_family(actor, family_id: str, purpose: str = "single family view", as_of: date | None = None) -> FamilyView:
    """`as_of`: the household as it was on that day (who lived there, from the membership
    dates); by default, today."""
    from caseflow.core.timescales import today_london
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
        for r in db.session.scalars(select(RequestForHelp).where(RequestForHelp.family_id == family.id)
                                    .order_by(RequestForHelp.received_at.desc())):
            allowed = can(actor, "request.view", r)  # item by item, field by field
            if allowed:
                requests.append(SeenRequest(r.id, r.reference, r.received_at, r.source, r.referrer_name,
                                            r.referrer_organisation, r.concerns,
                                            r.details if Category.REFERRAL in allowed.categories else None, r.case_id))
    partner_events = []
    if "flags" not in hidden:
        from caseflow.notify.models import PartnerEvent

        partner_events = db.session.scalars(select(PartnerEvent).where(PartnerEvent.family_id == family.id)
                                            .order_by(PartnerEvent.received_at.desc())).all()
    day = as_of or today_london()
    on_record = [m for m in family.memberships if m.person.merged_into_id is None]  # merged: shown as the survivor
    household = [m for m in on_record if m.lived_there_on(day)]
    members = [m for m in household if decision.shows_person(m.person_id)]
    former = [m for m in on_record if not m.lived_there_on(day) and decision.shows_person(m.person_id)]
    merged_into = db.session.get(Family, family.merged_into_id) if family.merged_into_id else None
    from caseflow.notify.concerns import shown_patterns

    return FamilyView(family, decision, members, [seen_case(c, decision) for c in cases], requests, hidden,
                      workers, list(partner_events), others_withheld=len(members) < len(household),
                      as_of=as_of, former_members=former, merged_into=merged_into,
                      concern_patterns=shown_patterns(family.id, decision))


@dataclass
class SearchResult:
    family: Family
    members: list[FamilyMember]  # only the people the user may name
    open_case: Case | None
    per_person: bool = False  # the user sees some people only (a partner): household facts only
    open_stage: str | None = None  # the open case's stage as this reader may see it

    @property
    def open_stage_label(self) -> str | None:
        return None if self.open_stage is None else STAGE_LABELS.get(self.open_stage, STAGE_WITHHELD_LABEL)


def _parse_search_date(text: str) -> date | None:
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


# A search matching more people than this asks the searcher to narrow it (the search page).
# Finding, ordering and counting every family of a common surname costs in proportion to how
# many share it: "Lee" matches 6,670 people in 3,848 families in a county of 1,000,000 (about
# 90 ms of PostgreSQL), and nobody reads 190 pages of them. Checking that more than this many
# match reads this many index entries, whatever the county's size.
BROAD_SEARCH_PEOPLE = 1_000


class SearchTooBroad(ServiceValidationError):
    """More people match than BROAD_SEARCH_PEOPLE: add a first name, a date of birth or a postcode."""


def search_families(actor, q: str, page: int = 1, per_page: int = 20, *,
                    refuse_broad: bool = False) -> tuple[list[SearchResult], int]:
    """Find families by name, date of birth, postcode, NHS number, UPN or reference, among the
    families this user may see. Unknown families are simply not found. `refuse_broad` (the search
    page): a search matching more than BROAD_SEARCH_PEOPLE people raises SearchTooBroad rather
    than listing their families. The API keeps listing them, as it always has."""
    from caseflow.frontdoor.models import RequestForHelp

    decision = require_list(actor, "family.search", object_type="family_search", purpose="search")
    q = (q or "").strip()
    if not q:
        return [], 0
    if len(q) > 100:
        raise ServiceValidationError("Search for 100 characters or fewer.", {"q": ["Search for 100 characters or fewer"]})
    person_match, category = _person_clause(q)
    if refuse_broad and _matches_more_people_than(
            BROAD_SEARCH_PEOPLE, person_match, person_visibility_clause(actor, category)):
        _record_search(actor, decision, [])  # a search asked for is a read, even one refused
        raise SearchTooBroad(
            f"More than {BROAD_SEARCH_PEOPLE:,} people match this search. Add a first name, a date of birth or a "
            "postcode to narrow it.", {"q": ["Add a first name, a date of birth or a postcode"]})
    upper = q.upper()
    previous = _name_clause(q, PersonName)  # a corrected or changed name still finds them
    # The families found each way, as one UNION of index look-ups: an OR across these tables
    # would make PostgreSQL read every family to test each branch (tests/test_query_plans.py).
    # Only people the user may see in the searched-for category are matched: a school finds a
    # family by a pupil number only when it may see that pupil's education data.
    matching_ids = union(
        select(Family.id).where(Family.reference == upper),
        select(Case.family_id).where(Case.reference == upper),
        select(RequestForHelp.family_id).where(RequestForHelp.reference == upper,
                                               RequestForHelp.family_id.is_not(None)),
        select(FamilyMember.family_id).join(Person, Person.id == FamilyMember.person_id)
        .where(person_match, Person.merged_into_id.is_(None), person_visibility_clause(actor, category)),
        *([] if previous is None else [
            select(FamilyMember.family_id).join(Person, Person.id == FamilyMember.person_id)
            .join(PersonName, PersonName.person_id == Person.id)
            .where(previous, Person.merged_into_id.is_(None), person_visibility_clause(actor, Category.IDENTITY))]),
    )
    query = select(Family).where(Family.id.in_(matching_ids), Family.merged_into_id.is_(None),
                                 family_visibility_clause(actor))
    ids, total = keyset.page_and_count(query, Family.id, (Family.name, Family.reference), page, per_page)
    loaded = {f.id: f for f in db.session.scalars(
        select(Family).where(Family.id.in_(ids))
        .options(selectinload(Family.memberships).joinedload(FamilyMember.person)))}
    families = [loaded[family_id] for family_id in ids]
    open_cases = {c.family_id: c for c in db.session.scalars(
        select(Case).where(Case.family_id.in_([f.id for f in families]), Case.closed_at.is_(None)))}
    people = people_decisions(actor, [f.id for f in families])
    _record_search(actor, decision, [f.id for f in families])
    results = []
    for f in families:
        case = open_cases.get(f.id)
        stage = None if case is None else (
            shown_stage(can(actor, "family.view", f), case.stage) if case.stage in SOCIAL_CARE_STAGES else case.stage)
        results.append(SearchResult(f, _shown_members(f, people.get(f.id)), case, people.get(f.id) is not None,
                                    stage))
    return results, total


def _record_search(actor, decision, family_ids: list[str]) -> None:
    """A search on each shown family's access log (or one event naming none)."""
    audit.record_reads(actor, "family.search", "family_search", family_ids,
                       categories=decision.categories, purpose="search", basis=decision.basis)


def _matches_more_people_than(limit: int, *clauses) -> bool:
    """Whether more than `limit` members of families (people not merged away) meet the clauses,
    as the search's own look-up by person finds them (the visibility clause speaks of the
    membership): at most limit + 1 of them are read, never all."""
    some = (select(FamilyMember.family_id).join(Person, Person.id == FamilyMember.person_id)
            .where(*clauses, Person.merged_into_id.is_(None)).limit(limit + 1).subquery())
    with planned_for_these_values(db.session):
        return db.session.scalar(select(func.count()).select_from(some)) > limit


def _shown_members(family: Family, people) -> list[FamilyMember]:
    """The members a search result may name: everyone (staff), or those the user's grants cover."""
    if people is None:
        return list(family.memberships)
    return [m for m in family.memberships if Category.IDENTITY in people.get(m.person_id, frozenset())]


def _person_clause(q: str):
    """The SQL for what was typed, and the data category the user needs to search by it."""
    dob = _parse_search_date(q)
    if dob is not None:
        return Person.date_of_birth == dob, Category.IDENTITY
    digits = clean_nhs_number(q)
    if re.fullmatch(r"\d{10}", digits):
        return Person.nhs_number == digits, FIELD_CATEGORIES["nhs_number"]
    if re.fullmatch(r"[A-Za-z]\d{11}[0-9A-Za-z]", q):
        return Person.upn == q.upper(), FIELD_CATEGORIES["upn"]
    postcode = format_postcode(q)
    if postcode is not None:
        return Person.postcode_norm == postcode.replace(" ", ""), Category.IDENTITY
    clause = _name_clause(q, Person)
    return (Person.id.is_(None) if clause is None else clause), Category.IDENTITY


def _name_clause(q: str, names):
    """Every word typed starts a first or last name of `names` (Person, or PersonName for the
    names someone had before); None when what was typed is not a name (a date, a number)."""
    if (_parse_search_date(q) is not None or re.fullmatch(r"\d{10}", clean_nhs_number(q))
            or re.fullmatch(r"[A-Za-z]\d{11}[0-9A-Za-z]", q) or format_postcode(q) is not None):
        return None
    words = name_words(q)  # in any script: compared by transliteration (families.matching)
    if not words:
        return None

    def starts_a_name(key: str):
        return or_(names.given_name_norm.startswith(key),
                   names.family_name_norm.startswith(key))

    clauses = []
    for whole, *characters in words:  # every word must match a first or last name, in either order
        clause = starts_a_name(whole)
        if characters:  # "李伟": the whole word, or each character starting a name
            clause = or_(clause, and_(*[starts_a_name(c) for c in characters]))
        clauses.append(clause)
    return and_(*clauses)


ACCESS_LOG_KEYS = 1  # keyset paged on AuditEvent.seq (ix_audit_events_family_seq)


def access_log(actor, family_id: str, page: int = 1, per_page: int = 50, before: tuple | None = None):
    """A page of the family's access log, newest first, with the cursor of the next (older) page."""
    family = db.session.get(Family, family_id)
    if family is None:
        raise NotFound("No family with that id.")
    require(actor, "family.access_log", family, object_type="family", family_id=family.id,
            purpose="access log")
    audit.chain_pending()  # this reading is on the trail it shows
    # Audit rows are never rewritten: a family that absorbed duplicates shows their trail too,
    # through the merge records (caseflow.records.merging.absorbed_ids).
    from caseflow.records.merging import absorbed_ids

    family_ids = [family.id, *absorbed_ids("family", family.id)]
    query = select(AuditEvent).where(AuditEvent.family_id.in_(family_ids) if len(family_ids) > 1
                                     else AuditEvent.family_id == family.id)
    total = bounded_count(query)  # a family read every day for years: "1,000+"
    events, next_cursor = keyset.page(query, (AuditEvent.seq,), before, per_page, page)
    return family, _with_break_glass_reasons(events), total, next_cursor


class AccessLogEntry:
    """An audit event as the access log shows it: a break-glass event with its reason, read from
    the grant it names (the reason is kept encrypted there, never in the audit row)."""

    def __init__(self, event: AuditEvent, reason: str | None):
        self._event, self._reason = event, reason

    def __getattr__(self, name):
        return getattr(self._event, name)

    @property
    def purpose(self) -> str | None:
        if self._reason is not None and self._event.action == "BREAK_GLASS":
            return f"{self._event.purpose}: {self._reason}"
        return self._event.purpose

    @property
    def basis(self) -> str | None:  # a read the break-glass allowed
        if self._reason is not None and self._event.action != "BREAK_GLASS":
            return f"{self._event.basis}: {self._reason}"
        return self._event.basis


def _break_glass_grant(event: AuditEvent) -> str | None:
    """The grant an audit row names in its basis ("break-glass <id>" or "break-glass <id> until ...")."""
    words = (event.basis or "").split()
    if len(words) >= 2 and words[0] == BREAK_GLASS_BASIS:
        return words[1]
    return None


def _with_break_glass_reasons(events) -> list[AccessLogEntry]:
    grants = {g for g in map(_break_glass_grant, events) if g}
    reasons = dict(db.session.execute(select(BreakGlass.id, BreakGlass.reason)
                                      .where(BreakGlass.id.in_(grants))).all()) if grants else {}
    return [AccessLogEntry(e, reasons.get(_break_glass_grant(e))) for e in events]
