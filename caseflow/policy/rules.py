"""The access rules: who may see or do what to which record (DESIGN.md §4).

The engine (can, require, Decision) is caseflow.core.access; this module registers the rules for
every action and holds the relationships they are built from (referrer, keyworker, team, TAF,
consent and lawful bases per person), in two forms: per record (`family_view_decision`) and as
SQL over families and people (`family_visibility_clause`, `person_visibility_clause`) for every
list, search and count.
"""
from __future__ import annotations

from dataclasses import replace
from enum import StrEnum

from sqlalchemy import String, and_, exists, false, literal, or_, select, true, union, union_all

from caseflow.core.access import (
    ALL_CATEGORIES, SERVICE_BASIS, Decision, allow, can, deny, provide_family_scope, public, rule,
)
from caseflow.core.database import remembered
from caseflow.core.extensions import db
from caseflow.core.roles import Role
from caseflow.core.vocab import Category, KeyworkerRole
from caseflow.core.stages import TRANSITIONS

# Roles whose job is the whole front door and caseload: they see everything the service holds,
# on the lawful basis of the council's early help function (recorded as the basis).
FRONT_DOOR_ROLES = frozenset({Role.FRONT_DOOR, Role.TEAM_MANAGER, Role.PANEL_CHAIR})


# --- relationships -------------------------------------------------------------------------

def _referrer_clause(user):
    """Requests this user made (a partner system: any its organisation made)."""
    from caseflow.frontdoor.models import RequestForHelp

    clause = RequestForHelp.submitted_by_id == user.id
    if user.role == Role.PARTNER_SYSTEM and user.organisation_id:
        clause = or_(clause, RequestForHelp.referrer_organisation_id == user.organisation_id)
    return clause


def _referred_people_query(user):
    """(family_id, person_id) of each family member this user named in a request for help: a
    referrer knows the people they told us about, and no one else in the household."""
    from caseflow.families.models import FamilyMember
    from caseflow.frontdoor.models import RequestForHelp, RequestPerson

    return (select(FamilyMember.family_id, FamilyMember.person_id)
            .join(RequestPerson, RequestPerson.person_id == FamilyMember.person_id)
            .join(RequestForHelp, and_(RequestForHelp.id == RequestPerson.request_id,
                                       RequestForHelp.family_id == FamilyMember.family_id))
            .where(_referrer_clause(user)))


def _referred_family(user, family_id: str) -> bool:
    """The user (or, for a partner system, its organisation) named someone in this family in a
    request for help."""
    return db.session.execute(select(_referred_people_query(user).where(_member_family_in([family_id]))
                                     .exists())).scalar()


def _works_with_family(user, family_id: str) -> bool:
    """Allocated keyworker, or in the team holding a case on this family."""
    def ask() -> bool:  # the SQL is built only when not already answered (building it is not free)
        from caseflow.cases.models import Case

        clause = Case.keyworker_id == user.id
        if user.team_id:
            clause = clause | (Case.team_id == user.team_id)
        return db.session.execute(select(exists().where(Case.family_id == family_id, clause))).scalar()

    return remembered(db.session, ("works_with_family", user.id, user.team_id, family_id), ask)


# --- consent, lawful bases and break-glass, per person ------------------------------------------

def _recipient_match(table, user):
    """SQL: a recipients row naming the user's organisation or its type (never a row that names
    neither, and nothing at all for a user with no organisation)."""
    org = getattr(user, "organisation", None)
    org_id, org_type = getattr(user, "organisation_id", None), getattr(org, "type", None)
    clauses = []
    if org_id:
        clauses.append(table.organisation_id == org_id)
    if org_type:
        clauses.append(table.organisation_type == org_type)
    return or_(*clauses) if clauses else false()


def _consent_grants(user, today):
    """SELECT family_id, person_id, category, consent id for every consent that is current today
    (given, not expired, not withdrawn), names the user's organisation or its type, and covers
    a person who is still a member of the family it was recorded on."""
    from caseflow.consent.models import Consent, ConsentCategory, ConsentPerson, ConsentRecipient
    from caseflow.families.models import FamilyMember

    return (select(Consent.family_id.label("family_id"), ConsentPerson.person_id.label("person_id"),
                   ConsentCategory.category.label("category"), Consent.id.label("grant_id"))
            .join(ConsentPerson, ConsentPerson.consent_id == Consent.id)
            .join(ConsentCategory, ConsentCategory.consent_id == Consent.id)
            .join(FamilyMember, and_(FamilyMember.family_id == Consent.family_id,
                                     FamilyMember.person_id == ConsentPerson.person_id))
            .where(Consent.withdrawn_at.is_(None), Consent.given_on <= today,
                   or_(Consent.expires_on.is_(None), Consent.expires_on >= today),
                   exists().where(ConsentRecipient.consent_id == Consent.id, _recipient_match(ConsentRecipient, user))))


def _basis_grants(user, today):
    """The same for lawful bases that have not ended and whose agreement (if they cite one) is
    in force today: an expired agreement stops the grant counting."""
    from caseflow.agreements.models import in_force_clause
    from caseflow.consent.models import LawfulBasis, LawfulBasisCategory, LawfulBasisPerson, LawfulBasisRecipient
    from caseflow.families.models import FamilyMember

    return (select(LawfulBasis.family_id.label("family_id"), LawfulBasisPerson.person_id.label("person_id"),
                   LawfulBasisCategory.category.label("category"), LawfulBasis.id.label("grant_id"))
            .join(LawfulBasisPerson, LawfulBasisPerson.lawful_basis_id == LawfulBasis.id)
            .join(LawfulBasisCategory, LawfulBasisCategory.lawful_basis_id == LawfulBasis.id)
            .join(FamilyMember, and_(FamilyMember.family_id == LawfulBasis.family_id,
                                     FamilyMember.person_id == LawfulBasisPerson.person_id))
            .where(LawfulBasis.ended_at.is_(None), in_force_clause(LawfulBasis.agreement_id, today),
                   exists().where(LawfulBasisRecipient.lawful_basis_id == LawfulBasis.id,
                                  _recipient_match(LawfulBasisRecipient, user))))


def _grants(user):
    """Every current grant to the user's organisation, one row per (family, person, category):
    the SQL the per-person decision, the visibility clauses and searches all start from."""
    from caseflow.core import timescales

    today = timescales.today_london()
    return union_all(
        _consent_grants(user, today).add_columns(literal("consent", String).label("kind")),
        _basis_grants(user, today).add_columns(literal("lawful_basis", String).label("kind"))).subquery("grants")


def sharing_grants(user, family_ids) -> tuple[dict[str, dict[str, set[str]]], dict[str, list[str]]]:
    """Per family and per person, the data categories this user's organisation may receive from
    current consents and lawful bases, with the bases as text per family. Read on every request,
    so a withdrawal, an expiry or an agreement ending takes effect on the next one."""
    from caseflow.consent.models import Consent, LawfulBasis

    family_ids = [family_ids] if isinstance(family_ids, str) else list(family_ids)
    people: dict[str, dict[str, set[str]]] = {}
    grant_ids: dict[str, set[str]] = {}
    if not family_ids:
        return people, {}
    grants = _grants(user)
    for family_id, person_id, category, grant_id, kind in db.session.execute(
            select(grants.c.family_id, grants.c.person_id, grants.c.category, grants.c.grant_id, grants.c.kind)
            .where(grants.c.family_id.in_(family_ids))):
        people.setdefault(family_id, {}).setdefault(person_id, set()).add(category)
        grant_ids.setdefault(kind, set()).add(grant_id)
    bases: dict[str, list[str]] = {}
    if grant_ids.get("consent"):
        for c in db.session.scalars(select(Consent).where(Consent.id.in_(grant_ids["consent"]))
                                    .order_by(Consent.given_on)):
            bases.setdefault(c.family_id, []).append(f"consent given {c.given_on.isoformat()} by {c.given_by}")
    if grant_ids.get("lawful_basis"):
        for b in db.session.scalars(select(LawfulBasis).where(LawfulBasis.id.in_(grant_ids["lawful_basis"]))
                                    .order_by(LawfulBasis.recorded_at)):
            bases.setdefault(b.family_id, []).append(f"lawful basis: {b.basis}")
    return people, bases


BREAK_GLASS_BASIS = "break-glass"  # "break-glass <grant id> ...": the audit rows' reference to the grant


def _active_break_glass(user):
    from caseflow.consent.models import BreakGlass, BreakGlassPerson
    from caseflow.core.database import utcnow

    return (select(BreakGlass.family_id, BreakGlassPerson.person_id, BreakGlass.expires_at, BreakGlass.id)
            .join(BreakGlassPerson, BreakGlassPerson.break_glass_id == BreakGlass.id)
            .where(BreakGlass.user_id == user.id, BreakGlass.expires_at > utcnow()))


# Work not yet allocated to a team: every manager may pick it up (DESIGN.md §4).
UNALLOCATED_STAGES = ("requested", "triaged", "awaiting_panel", "stepped_down", "signposted")


def _manager_families(user):
    """SELECT family ids a team manager oversees: their team's families and everything not yet
    allocated to a team (the front door, panel and step-downs)."""
    from caseflow.cases.models import Case

    return select(Case.family_id).where(or_(Case.team_id == user.team_id, Case.team_id.is_(None),
                                            Case.stage.in_(UNALLOCATED_STAGES)))


def _manager_scope(user, family_id: str) -> bool:
    """A team manager oversees their team's families and everything not yet allocated to a
    team (the front door, panel and step-downs). A manager with no team runs the service."""
    if not user.team_id:
        return True
    return db.session.execute(select(_manager_families(user).where(_case_family_in([family_id])).exists())).scalar()


def _break_glass(user, family_id: str):
    """The user's newest break-glass grant on this family still running, if any."""
    from caseflow.consent.models import BreakGlass
    from caseflow.core.database import utcnow

    return db.session.scalar(select(BreakGlass).where(
        BreakGlass.user_id == user.id, BreakGlass.family_id == family_id, BreakGlass.expires_at > utcnow())
        .order_by(BreakGlass.expires_at.desc()).limit(1))


def people_decisions(user, family_ids) -> dict[str, dict[str, frozenset[str]] | None]:
    """For each family this user may see, the per-person categories (None: every member, with
    the decision's categories). The batch form of family_view_decision's `people`, for pages
    that show many families (search results)."""
    family_ids = list(family_ids)
    if user.role in PARTNER_ROLES:
        shared, _ = sharing_grants(user, family_ids)
        out: dict[str, dict[str, frozenset[str]] | None] = {}
        for family_id, person_id in db.session.execute(
                _referred_people_query(user).where(_member_family_in(family_ids))):
            shared.setdefault(family_id, {}).setdefault(person_id, set()).update({Category.IDENTITY, Category.REFERRAL})
        for family_id, person_id in db.session.execute(  # a partner leading a case works with everyone
                _members_of_led_families(user).where(_member_family_in(family_ids))):
            shared.setdefault(family_id, {}).setdefault(person_id, set()).update(CASEWORK_CATEGORIES)
        for family_id, people in shared.items():
            out[family_id] = {p: frozenset(c | {Category.IDENTITY}) for p, c in people.items()}
        return out
    if user.role == Role.TEAM_MANAGER and user.team_id:
        in_scope = set(db.session.scalars(_manager_families(user).where(_case_family_in(family_ids))))
        glass: dict[str, dict[str, frozenset[str]]] = {}
        for family_id, person_id, _, _ in db.session.execute(
                _active_break_glass(user).where(_glass_family_in(family_ids))):
            glass.setdefault(family_id, {})[person_id] = ALL_CATEGORIES
        return {f: None if f in in_scope else glass.get(f, {}) for f in family_ids}
    return {f: None for f in family_ids}


def _members_of_led_families(user):
    """SELECT (family_id, person_id) of every member of a family whose case the user leads."""
    from caseflow.families.models import FamilyMember

    return (select(FamilyMember.family_id, FamilyMember.person_id)
            .where(FamilyMember.family_id.in_(_led_families(user))))


def _member_family_in(family_ids):
    from caseflow.families.models import FamilyMember

    return FamilyMember.family_id.in_(family_ids)


def _case_family_in(family_ids):
    from caseflow.cases.models import Case

    return Case.family_id.in_(family_ids)


def _glass_family_in(family_ids):
    from caseflow.consent.models import BreakGlass

    return BreakGlass.family_id.in_(family_ids)


def _break_glass_decision(user, family_id: str) -> Decision | None:
    """A manager's running break-glass on this family: the people it names, in every category."""
    glass = db.session.execute(_active_break_glass(user).where(_glass_family_in([family_id]))).all()
    if not glass:
        return None
    until = max(g.expires_at for g in glass)
    # The basis goes into every audit row of the reads it allows: it names the grant, whose
    # reason is kept encrypted on the grant itself, never the reason in plain text.
    grant = next(g.id for g in glass if g.expires_at == until)
    return allow("Break-glass access.", basis=f"{BREAK_GLASS_BASIS} {grant} until {until:%H:%M}",
                 people={g.person_id: ALL_CATEGORIES for g in glass})


def family_view_decision(user, family_id: str) -> Decision:
    """May this user see this family, and which people in it, in which categories.

    Household-level facts follow their own rule: the family's name and reference, whether it has
    an open case, and who its keyworker is are shown to anyone this decision allows, because a
    recipient with any grant for any member needs to know whose family it is and whom to call.
    Everything about a person (names, dates of birth, identifiers, what they said) follows
    `categories_for(person_id)`, from grants that name that person; the working of a case
    (stage, level of need, history) follows the case notes category."""
    if user.role in {Role.FRONT_DOOR, Role.PANEL_CHAIR}:
        return allow("Front door and panel see the whole service's records.")
    if user.role == Role.TEAM_MANAGER:
        if _manager_scope(user, family_id):
            return allow("Your team, or not yet allocated to a team.")
        return _break_glass_decision(user, family_id) or deny(
            "This family is held by another team. A duty manager can break glass, with a reason.")
    if user.role == Role.SOCIAL_WORKER:
        return allow("Children's social care: statutory functions (Children Act 1989).",
                     basis="statutory: Children Act 1989")
    if user.role == Role.KEYWORKER:
        if _works_with_family(user, family_id):
            return allow("You or your team hold a case for this family.")
        return deny("You are not the keyworker or team for this family.")
    if user.role in PARTNER_ROLES:
        shared, bases = sharing_grants(user, family_id)
        people = {p: set(c) for p, c in shared.get(family_id, {}).items()}
        basis = list(bases.get(family_id, []))
        referred = db.session.execute(_referred_people_query(user).where(_member_family_in([family_id]))).all()
        for _, person_id in referred:
            people.setdefault(person_id, set()).update({Category.IDENTITY, Category.REFERRAL})
        if referred:
            basis.append("referrer's own request")
        if not people:
            return deny("Your organisation has no consent or lawful basis to see this family.")
        per_person = {p: frozenset(c | {Category.IDENTITY}) for p, c in people.items()}
        return Decision(True, "What consent or a lawful basis lets your organisation see, person by person.",
                        frozenset().union(*per_person.values()), "; ".join(basis), per_person)
    return deny("Your role does not give access to family records.")


def visible_families(user, family_ids) -> set[str]:
    """Which of these families `user` may see (family.view / case.view), in one query: the set
    form of family_view_decision, for work over many families at once (routing a burst)."""
    from caseflow.families.models import Family

    family_ids = set(family_ids)
    if not family_ids or not getattr(user, "is_active", False):
        return set()
    return set(db.session.scalars(select(Family.id).where(Family.id.in_(family_ids),
                                                          family_visibility_clause(user))))


def family_visibility_clause(user):
    """The same relationships as family_decision, as SQL over Family.id, so searches and
    lists filter in the database and never reveal families the user may not know about."""
    from caseflow.families.models import Family

    by_role = _job_role_families(user)
    if by_role is None:  # the service's own roles: every family
        return true()
    # One IN over a UNION of index look-ups, never an OR of IN (...): PostgreSQL can only test an
    # OR family by family, reading all 250,000 of a county (tests/test_query_plans.py).
    return Family.id.in_(union(_led_families(user), *by_role))


def _led_families(user):
    """SELECT family ids of the cases the user leads (keyworker or lead professional, whatever
    organisation they work for)."""
    from caseflow.cases.models import Case

    return select(Case.family_id).where(or_(Case.keyworker_id == user.id, Case.lead_professional_id == user.id))


def _job_role_families(user) -> list | None:
    """family_view_decision as SQL: SELECTs of the family ids the job role, team, referrals and
    consent open to the user (None: every family)."""
    from caseflow.cases.models import Case

    if user.role in {Role.FRONT_DOOR, Role.PANEL_CHAIR, Role.SOCIAL_WORKER} or (
            user.role == Role.TEAM_MANAGER and not user.team_id):
        return None
    if user.role == Role.TEAM_MANAGER:
        return [_manager_families(user), select(_active_break_glass(user).subquery().c.family_id)]
    if user.role == Role.KEYWORKER:
        held = [select(Case.family_id).where(Case.keyworker_id == user.id)]
        if user.team_id:
            held.append(select(Case.family_id).where(Case.team_id == user.team_id))
        return held
    if user.role in PARTNER_ROLES:
        referred = _referred_people_query(user).subquery()
        return [select(referred.c.family_id), select(_grants(user).c.family_id)]
    return []


def person_visibility_clause(user, category: str = Category.IDENTITY):
    """SQL over FamilyMember (family_id, person_id): the members of visible families whose data
    in `category` this user may see. Searches match only on these people, so a school cannot
    find a family by the pupil number of a child no one consented to share."""
    from caseflow.families.models import FamilyMember

    if user.role == Role.TEAM_MANAGER and user.team_id:
        glass = _active_break_glass(user).subquery()
        return or_(FamilyMember.family_id.in_(_manager_families(user)), exists().where(
            glass.c.family_id == FamilyMember.family_id, glass.c.person_id == FamilyMember.person_id))
    if user.role in PARTNER_ROLES:
        grants = _grants(user)
        granted = exists().where(grants.c.family_id == FamilyMember.family_id,
                                 grants.c.person_id == FamilyMember.person_id,
                                 *([] if category == Category.IDENTITY else [grants.c.category == category]))
        if category in CASEWORK_CATEGORIES:  # leading a case: every member, for the casework
            granted = or_(granted, FamilyMember.family_id.in_(_led_families(user)))
        if category not in (Category.IDENTITY, Category.REFERRAL):
            return granted
        referred = _referred_people_query(user).subquery()
        return or_(granted, exists().where(referred.c.family_id == FamilyMember.family_id,
                                           referred.c.person_id == FamilyMember.person_id))
    return true()


# --- case roles ------------------------------------------------------------------------------
#
# Job roles say what kind of work someone does; case roles say what they are to this case. A
# partner (a school's safeguarding lead, a health visitor) allocated as keyworker or named lead
# professional does that casework, whatever organisation they work for; a TAF member reads the
# plan and records progress on the actions they own; a team manager oversees the cases their
# team holds and the work not yet allocated to a team.

class CaseRole(StrEnum):
    KEYWORKER = "keyworker"                  # the allocated keyworker
    LEAD_PROFESSIONAL = "lead_professional"  # the named lead professional (often a partner)
    TEAM_COLLEAGUE = "team_colleague"        # a keyworker in the team holding the case (duty cover)
    TEAM_MANAGER = "team_manager"            # manages the team holding it, or it is not yet a team's
    SOCIAL_WORKER = "social_worker"          # the allocated social worker
    TAF_MEMBER = "taf_member"                # in the Team Around the Family now
    ACTION_OWNER = "action_owner"            # named on the plan as owning an action (and not removed from the TAF)


# Whoever leads the casework does all of it: the assessment, the plan, visits, reviews, closure.
LEADS_CASEWORK = frozenset({CaseRole.KEYWORKER, CaseRole.LEAD_PROFESSIONAL})
# What leading the casework needs to see of every member, whichever agency the lead works for:
# the family's agreement to early help with this lead covers the casework itself. Other
# categories (health, education, police, social care...) still come only from consent or a
# lawful basis given to the lead's organisation.
CASEWORK_CATEGORIES = frozenset({Category.IDENTITY, Category.REFERRAL, Category.CASE_NOTES, Category.PLAN})
CASE_ROLE_BASIS = "case role: the family agreed to early help with this lead"


def case_roles(user, case) -> frozenset[CaseRole]:
    """What `user` is to `case`, read from the database on every request, so removal from the
    TAF or a re-allocation takes effect at once (a page asking many times is answered from the
    first asking until the transaction writes: core.database.remembered)."""
    if case is None or user is None:
        return frozenset()
    roles = set()
    if case.keyworker_id == user.id:
        roles.add(CaseRole.KEYWORKER)
    if case.lead_professional_id == user.id:
        roles.add(CaseRole.LEAD_PROFESSIONAL)
    if case.social_worker_id == user.id:
        roles.add(CaseRole.SOCIAL_WORKER)
    if user.role == Role.KEYWORKER and user.team_id and case.team_id == user.team_id:
        roles.add(CaseRole.TEAM_COLLEAGUE)
    if user.role == Role.TEAM_MANAGER and _manages_case(user, case):
        roles.add(CaseRole.TEAM_MANAGER)
    if case.id is None:
        return frozenset(roles)
    return frozenset(roles | remembered(db.session, ("taf_roles", case.id, user.id), lambda: _taf_roles(user, case)))


def _taf_roles(user, case) -> frozenset[CaseRole]:
    """The user's part in the case's Team Around the Family and plan (case_roles' queries)."""
    from caseflow.plans.models import Plan, PlanAction, TafMember

    memberships = list(db.session.scalars(select(TafMember.left_at).where(
        TafMember.case_id == case.id, TafMember.user_id == user.id)))
    if any(left is None for left in memberships):
        return frozenset({CaseRole.TAF_MEMBER})
    if memberships:  # removal from the TAF ends every part in the plan, even an action still in their name
        return frozenset()
    owns_an_action = db.session.execute(select(exists().where(
        PlanAction.plan_id == Plan.id, Plan.case_id == case.id, PlanAction.owner_user_id == user.id))).scalar()
    return frozenset({CaseRole.ACTION_OWNER}) if owns_an_action else frozenset()


def _manages_case(user, case) -> bool:
    """A team manager oversees the cases their team holds and everything not yet allocated to a
    team (the front door, panel and step-downs). A manager with no team runs the service."""
    if user.role != Role.TEAM_MANAGER or case is None:
        return False
    return (not user.team_id or case.team_id is None or case.team_id == user.team_id
            or case.stage in UNALLOCATED_STAGES)


def managed_cases_clause(user):
    """_manages_case as SQL over Case, for lists a manager reads (overdue work, caseloads)."""
    from caseflow.cases.models import Case

    if not user.team_id:
        return true()
    return or_(Case.team_id == user.team_id, Case.team_id.is_(None), Case.stage.in_(UNALLOCATED_STAGES))


def _leads_casework_for_family(user, family_id: str) -> bool:
    from caseflow.cases.models import Case

    return db.session.execute(select(_led_families(user).where(Case.family_id == family_id).exists())).scalar()


def widen(decision: Decision, categories, reason: str, basis: str, family_id: str) -> Decision:
    """The decision with `categories` added for every member of the family (a case role adds the
    casework categories to whatever consent already gave, person by person)."""
    from caseflow.families.models import FamilyMember

    extra = frozenset(categories)
    people = decision.people
    if decision.allowed and extra <= decision.categories and people is None:
        return decision
    changes = {"allowed": True, "categories": decision.categories | extra,
               "reason": decision.reason if decision.allowed else reason,
               "basis": "; ".join(b for b in (decision.basis if decision.allowed else None, basis) if b)}
    if people is not None:  # consent per person: the lead works with every member
        members = db.session.scalars(select(FamilyMember.person_id).where(FamilyMember.family_id == family_id))
        changes["people"] = {person: frozenset(people.get(person, ())) | extra for person in {*people, *members}}
    return replace(decision, **changes)


def family_decision(user, family_id: str) -> Decision:
    """family_view_decision, and for whoever leads casework on one of the family's cases, the
    casework categories (whatever organisation they work for)."""
    decision = family_view_decision(user, family_id)
    if _leads_casework_for_family(user, family_id):
        return widen(decision, CASEWORK_CATEGORIES, "You lead casework for this family.", CASE_ROLE_BASIS, family_id)
    return decision


def case_decision(user, case) -> Decision:
    """Which people and categories of this case's family `user` may see. Managers see a case
    their team holds (or that no team holds yet, or under break-glass); partners what consent
    or a lawful basis gives their organisation; a case role adds what leading the casework needs."""
    if case is None:
        return deny("No case given.")
    if case.id is None:
        return _case_decision(user, case)
    # A page asks this for every panel and link it shows (the case page: some eight times).
    # Remembered like the look-ups it is built from (until the transaction next writes), keyed
    # by everything of the user and the case the answer depends on besides the database.
    key = ("case_decision", user.id, user.role, user.team_id, user.organisation_id, case.id, case.family_id,
           case.stage, case.team_id, case.keyworker_id, case.lead_professional_id, case.social_worker_id)
    return remembered(db.session, key, lambda: _case_decision(user, case))


def _case_decision(user, case) -> Decision:
    if user.role == Role.TEAM_MANAGER:
        decision = _manager_decision(user, case)
    else:
        decision = family_view_decision(user, case.family_id)
    if case_roles(user, case) & LEADS_CASEWORK:
        return widen(decision, CASEWORK_CATEGORIES, "You lead this case's casework.", CASE_ROLE_BASIS,
                     case.family_id)
    return decision


def _manager_decision(user, case) -> Decision:
    if _manages_case(user, case):
        return allow("Your team's case, or not yet allocated to a team.")
    return _break_glass_decision(user, case.family_id) or deny(
        "This case is held by another team. A duty manager can break glass, with a reason.")


# --- rules -----------------------------------------------------------------------------------

@rule("request.create")
def _request_create(user, obj):
    if user.role in {Role.ADMIN, Role.ANALYST}:
        return deny("Administrators and analysts do not make requests for help.")
    return allow("Any practitioner can ask for help for a family.", {Category.REFERRAL,
                 Category.IDENTITY}, basis="referral")


@rule("request.self_refer")
@public
def _request_self_refer(user, obj):
    return allow("Families can ask for help themselves.", {Category.REFERRAL, Category.IDENTITY},
                 basis="consent (self-referral)")


@rule("request.queue")
def _request_queue(user, obj):
    if user.role in FRONT_DOOR_ROLES:
        return allow("Front-door officers and managers work the queue.")
    return deny("Only the front door and managers see the front-door queue.")


@rule("request.view")
def _request_view(user, req):
    """A request for help and what it says. A manager reads those of their team's cases and of
    work not yet allocated; a partner their own (a school must not read the police's referral),
    or those of a case they lead."""
    if req is None:
        return deny("No request given.")
    if user.role in {Role.FRONT_DOOR, Role.PANEL_CHAIR}:
        return allow("Front door and panel see every request.")
    if req.submitted_by_id == user.id:
        return allow("You made this request.", {Category.IDENTITY, Category.REFERRAL},
                     basis="referrer's own request")
    case = _case_of(req)
    if user.role == Role.TEAM_MANAGER:
        return _manager_decision(user, case) if case is not None else deny("This request has no case.")
    if user.role in PARTNER_ROLES:
        if user.role == Role.PARTNER_SYSTEM and req.referrer_organisation_id == user.organisation_id:
            return allow("Your organisation made this request.", {Category.IDENTITY, Category.REFERRAL},
                         basis="referrer's own request")
        if case_roles(user, case) & LEADS_CASEWORK:
            return allow("You lead this case's casework.", {Category.IDENTITY, Category.REFERRAL},
                         basis=CASE_ROLE_BASIS)
        # Having referred a family does not open other agencies' requests about it.
        return deny("You can only see requests you made.")
    return family_view_decision(user, req.family_id)


def _case_of(req):
    from caseflow.cases.models import Case

    return db.session.get(Case, req.case_id) if req.case_id else None


@rule("request.resolve_match")
def _request_resolve_match(user, req):
    if user.role in {Role.FRONT_DOOR, Role.TEAM_MANAGER}:
        return allow("Front-door officers confirm or reject possible matches.")
    return deny("Only front-door officers and managers confirm matches.")


@rule("family.search")
def _family_search(user, obj):
    if user.role in {Role.ADMIN, Role.ANALYST}:
        return deny("Your role does not search family records.")
    # Every other role may search; results are filtered per family by family.view.
    return allow("Search is filtered to families you may see.", {Category.IDENTITY})


@rule("family.view")
def _family_view(user, family):
    return family_decision(user, family.id)


@rule("case.view")
def _case_view(user, case):
    return case_decision(user, case)


@rule("admin.users.manage")
def _admin_users(user, obj):
    if user.role == Role.ADMIN:
        return allow("Administrators manage people's accounts.", set(), basis=None)
    return deny("Only administrators add people and manage their accounts and roles.")


@rule("admin.orgs.manage")
def _admin_orgs(user, obj):
    if user.role == Role.ADMIN:
        return allow("Administrators manage organisations and teams.", set(), basis=None)
    return deny("Only administrators add and change organisations and teams.")


@rule("admin.tokens.manage")
def _admin_tokens(user, obj):
    if user.role == Role.ADMIN:
        return allow("Administrators see and revoke API tokens.", set(), basis=None)
    return deny("Only administrators see and revoke API tokens.")


@rule("imports.run")
def _imports_run(user, obj):
    """The migration import (caseflow.imports): bringing a whole area's records in is a data
    job, not casework. What it brings in is then seen only as every family is: by this policy."""
    if user.role in {Role.ADMIN, Role.ANALYST}:
        return allow("Analysts and administrators import data.", set(), basis=None)
    return deny("Only analysts and administrators import data.")


@rule("family.access_log")
def _family_access_log(user, family):
    if user.role in {Role.FRONT_DOOR, Role.PANEL_CHAIR}:
        return allow("The front door can see who has looked at a family's records.",
                     set(), basis=SERVICE_BASIS)
    if user.role == Role.TEAM_MANAGER and family is not None and _manager_scope(user, family.id):
        return allow("Managers can see who has looked at their teams' families' records.",
                     set(), basis=SERVICE_BASIS)
    if user.role == Role.KEYWORKER and family is not None and _works_with_family(user, family.id):
        return allow("You work with this family.", set(), basis=SERVICE_BASIS)
    return deny("Only the family's worker, the front door and managers see the access log.")


# --- triage, panels, allocation, inbox (caseflow.triage, caseflow.notify) ------------------------

@rule("inbox.view")
def _inbox_view(user, obj):
    return allow("Everyone reads their own notifications.", set(), basis=None)


def _manages(user, case) -> bool:
    """A manager of this case (or, with no case given, a manager at all: offering a link)."""
    return user.role == Role.TEAM_MANAGER and (case is None or _manages_case(user, case))


@rule("case.triage")
def _case_triage(user, case):
    if user.role == Role.FRONT_DOOR or _manages(user, case):
        return allow("Front-door officers and managers triage requests.")
    if user.role == Role.TEAM_MANAGER:
        return deny("This case is held by another team.")
    return deny("Only the front door and managers record triage decisions.")


@rule("case.triage.amend")
def _case_triage_amend(user, case):
    """Changing a triage decision is its own act: a manager's, with a reason."""
    if _manages_case(user, case):
        return allow("Managers amend triage decisions, with a reason.")
    return deny("Only a team manager can amend a triage decision.")


@rule("case.signpost")
def _case_signpost(user, case):
    """Closing at the door: the front door at triage, the panel chair and managers at panel."""
    if user.role in {Role.FRONT_DOOR, Role.PANEL_CHAIR} or _manages(user, case):
        return allow("The front door, the panel and managers signpost families.")
    return deny("Only the front door, the panel and managers signpost a family.")


@rule("panel.manage")
def _panel_manage(user, obj):
    if user.role in {Role.PANEL_CHAIR, Role.TEAM_MANAGER}:
        return allow("Panel chairs and managers run panels.")
    return deny("Only panel chairs and managers run panels and record their decisions.")


@rule("panel.view")
def _panel_view(user, panel):
    if user.role in FRONT_DOOR_ROLES or user.role == Role.SOCIAL_WORKER:
        return allow("Service staff see the whole panel.")
    if user.role == Role.PANEL_MEMBER and panel is not None and any(
            m.organisation_id == user.organisation_id for m in panel.members):
        # A partner at the table sees who is discussed and what was decided; the detail of
        # each family is shared only under that family's consent or a lawful basis.
        return allow("Your organisation sits on this panel.", {Category.IDENTITY},
                     basis="panel membership (information sharing agreement)")
    return deny("Your organisation is not a member of this panel.")


@rule("panel.list")
def _panel_list(user, obj):
    if user.role in FRONT_DOOR_ROLES or user.role in {Role.SOCIAL_WORKER, Role.PANEL_MEMBER}:
        return allow("Panel meetings you may attend.", set(), basis=None)
    return deny("Your role does not attend panels.")


@rule("panel.amend")
def _panel_amend(user, item):
    """Changing a panel's decision: the chair, or a manager of the case, with a reason."""
    case = getattr(item, "case", None)
    if user.role == Role.PANEL_CHAIR or _manages(user, case):
        return allow("Panel chairs and managers amend panel decisions, with a reason.")
    return deny("Only the panel chair or a manager can amend a panel decision.")


# Action & Impact (escalation) panels, partners' contributions, localities (caseflow.panels)

def _sits_on(user, panel) -> bool:
    return bool(panel is not None and user.organisation_id and any(
        m.organisation_id == user.organisation_id for m in panel.members))


@rule("escalation.nominate")
def _escalation_nominate(user, case):
    """Putting a stuck case to the Action & Impact panel: its keyworker or a manager of it."""
    if case is not None and (case.keyworker_id == user.id or _manages_case(user, case)):
        return allow("The case's keyworker and managers bring a stuck case to Action and Impact.")
    return deny("Only the case's keyworker or its team manager can bring it to Action and Impact.")


@rule("panel.contributions")
def _panel_contributions(user, panel):
    """The contributions page: the panel's staff read every organisation's; a partner whose
    organisation sits on the panel sees the families it may see and its own notes."""
    if user.role in FRONT_DOOR_ROLES or user.role == Role.SOCIAL_WORKER:
        return allow("Service staff read every partner's contribution.")
    if user.role in PARTNER_ROLES and _sits_on(user, panel):
        return allow("Your organisation sits on this panel.", set(),
                     basis="panel membership (information sharing agreement)")
    return deny("Your organisation is not a member of this panel.")


@rule("panel.contribute")
def _panel_contribute(user, target):
    """A partner adds what its own systems hold about a family on the agenda: only an
    organisation on the panel, and only where the family's consent or a lawful basis covers it."""
    panel, case = target if target else (None, None)
    if user.role not in PARTNER_ROLES or not _sits_on(user, panel):
        return deny("Only partner organisations sitting on this panel add contributions.")
    decision = family_view_decision(user, case.family_id)
    if not decision:
        return deny("Your organisation has no consent or lawful basis to share about this family.")
    return allow("Consent or a lawful basis covers your organisation for this family.", decision.categories,
                 basis=decision.basis, people=decision.people)


@rule("locality.view")
def _locality_view(user, obj):
    if user.role == Role.ADMIN or user.role in FRONT_DOOR_ROLES:
        return allow("Localities and their teams.", set(), basis=None)
    return deny("Only administrators, the front door, panel chairs and managers see localities.")


@rule("locality.manage")
def _locality_manage(user, obj):
    if user.role == Role.ADMIN:
        return allow("Administrators maintain localities.", set(), basis=None)
    return deny("Only administrators maintain localities.")


@rule("locality.place_family")
def _locality_place_family(user, family):
    """Placing a family in a locality (where it lives), so its requests reach that panel."""
    if user.role in FRONT_DOOR_ROLES:
        return allow("The front door, panel chairs and managers place families in localities.", {Category.IDENTITY})
    return deny("Only the front door, panel chairs and managers place families in localities.")


@rule("case.allocate")
def _case_allocate(user, case):
    if user.role == Role.PANEL_CHAIR or _manages(user, case):
        return allow("Panel chairs and managers allocate cases.")
    if user.role == Role.TEAM_MANAGER:
        return deny("This case is held by another team.")
    return deny("Only panel chairs and team managers allocate cases.")


@rule("case.reallocate")
def _case_reallocate(user, case):
    if _manages_case(user, case):
        return allow("Team managers re-allocate their team's cases.")
    if user.role == Role.TEAM_MANAGER:
        return deny("This case is held by another team.")
    return deny("Only team managers re-allocate cases.")


@rule("caseload.view")
def _caseload_view(user, keyworker):
    if user.role in {Role.FRONT_DOOR, Role.PANEL_CHAIR}:
        return allow("The front door and panel chairs see caseloads.", {Category.IDENTITY})
    if user.role == Role.TEAM_MANAGER and (keyworker is None or not user.team_id
                                           or keyworker.team_id in (None, user.team_id)):
        return allow("Managers see their team's caseloads.", {Category.IDENTITY})
    if keyworker is not None and keyworker.id == user.id:
        return allow("Your own caseload.", {Category.IDENTITY})
    return deny("You can see only your own caseload.")


@rule("cases.unallocated")
def _cases_unallocated(user, obj):
    if user.role in FRONT_DOOR_ROLES:
        return allow("Front door, panel chairs and managers see unallocated cases.", {Category.IDENTITY})
    return deny("Only the front door, panel chairs and managers see unallocated cases.")


@rule("local_criteria.manage")
def _local_criteria(user, obj):
    if user.role == Role.ADMIN:
        return allow("Administrators configure local criteria.", set(), basis=None)
    return deny("Only administrators configure local eligibility criteria.")


# --- casework: assessment, plan, contacts, reviews, closure (caseflow.plans) --------------------

PARTNER_ROLES = frozenset({Role.PARTNER, Role.PARTNER_SYSTEM, Role.PANEL_MEMBER})
# Who does a case's casework: its keyworker or lead professional (any organisation), a keyworker
# colleague in the team holding it (duty cover), and the manager of that team.
DOES_CASEWORK = LEADS_CASEWORK | {CaseRole.TEAM_COLLEAGUE}
IN_THE_TAF = frozenset({CaseRole.TAF_MEMBER, CaseRole.ACTION_OWNER})


@rule("casework.view")
def _casework_view(user, case):
    """The assessment, contacts, reviews and chronology: the people doing the work. A partner
    needs consent (or a lawful basis) that covers case notes, or to lead the case: an education
    consent opens the school's section of the family record, not the keyworker's notes."""
    if case is None:
        return deny("No case given.")
    decision = case_decision(user, case)
    if decision and user.role in PARTNER_ROLES and Category.CASE_NOTES not in decision.categories:
        return deny("Your organisation's consent or lawful basis does not cover case notes.")
    return decision


@rule("triage.view")
def _triage_view(user, case):
    """The triage page is the front door's working: partners hear the outcome, not the working."""
    if case is None or user.role in PARTNER_ROLES:
        return deny("Triage is recorded by the front door; partners are told the outcome.")
    return case_decision(user, case)


@rule("casework.record")
def _casework_record(user, case):
    from caseflow.core.stages import Stage

    if case is None:
        return deny("No case given.")
    roles = case_roles(user, case)
    if CaseRole.TEAM_MANAGER in roles:
        return allow("Team managers oversee and can record their team's casework.")
    in_social_care = case.stage == Stage.SOCIAL_CARE
    if user.role == Role.SOCIAL_WORKER and in_social_care:
        return allow("Children's social care leads this case.", basis="statutory: Children Act 1989")
    if roles & DOES_CASEWORK:
        if in_social_care and case.keyworker_role != KeyworkerRole.JOINT:
            return deny("You stepped back when the case went to children's social care.")
        return case_decision(user, case)
    if user.role == Role.TEAM_MANAGER:
        return deny("This case is held by another team.")
    return deny("Only the family's keyworker or lead professional, their team and its manager record casework.")


@rule("case.close")
def _case_close(user, case):
    return _casework_record(user, case)


@rule("plan.view")
def _plan_view(user, case):
    if case is None:
        return deny("No case given.")
    staff = case_decision(user, case)
    if staff and (user.role not in PARTNER_ROLES or Category.PLAN in staff.categories):
        return staff
    if case_roles(user, case) & IN_THE_TAF:
        # The TAF shares the plan: the family agreed to it being shared when they agreed the plan.
        consented = staff.categories if staff else frozenset()
        return allow("You are in this family's Team Around the Family.",
                     {Category.IDENTITY, Category.PLAN} | consented, basis="consent (family plan shared with the TAF)")
    return deny("Only the family's keyworker, the Team Around the Family and managers see the plan.")


@rule("plan.action.progress")
def _plan_action_progress(user, action):
    """Progress on one action of the plan: whoever does the casework, on any action; a TAF
    member on the actions they own (and nothing else)."""
    from caseflow.cases.models import Case

    if action is None:
        return deny("No action given.")
    case = db.session.get(Case, action.plan.case_id)
    casework = _casework_record(user, case)
    if casework:
        return casework
    if action.owner_user_id == user.id and case_roles(user, case) & IN_THE_TAF:
        return allow("You own this action in the family plan.", {Category.IDENTITY, Category.PLAN},
                     basis="consent (family plan shared with the TAF)")
    return deny("Only the action's owner and the people doing the casework record its progress.")


@rule("taf.manage")
def _taf_manage(user, case):
    return _casework_record(user, case)


@rule("engagement.extend")
def _engagement_extend(user, case):
    if _manages_case(user, case):
        return allow("Team managers decide to keep trying to engage a family.")
    if user.role == Role.TEAM_MANAGER:
        return deny("This case is held by another team.")
    return deny("Only a team manager can extend the engagement period.")


@rule("casework.overdue")
def _casework_overdue(user, obj):
    if user.role in FRONT_DOOR_ROLES or user.role == Role.KEYWORKER:
        return allow("Overdue assessments and reviews on the caseloads you hold or oversee.",
                     {Category.IDENTITY})
    return deny("Only keyworkers and managers see overdue casework.")


# --- step-up and step-down (caseflow.socialcare) ------------------------------------------------

@rule("case.step_up")
def _case_step_up(user, case):
    if user.role in {Role.FRONT_DOOR, Role.PANEL_CHAIR, Role.SOCIAL_WORKER}:
        return allow("Front door, panel and social care can step a case up.")
    roles = case_roles(user, case)
    if CaseRole.TEAM_MANAGER in roles:
        return allow("You manage the team holding this case.")
    if roles & DOES_CASEWORK:
        return allow("You do this case's casework.")
    if user.role == Role.TEAM_MANAGER:
        return deny("This case is held by another team.")
    return deny("Only the family's keyworker, the front door, managers and social care step a case up.")


@rule("case.step_down")
def _case_step_down(user, case):
    if user.role == Role.SOCIAL_WORKER or _manages_case(user, case):
        return allow("Social workers and managers step a case down.", basis="statutory: Children Act 1989")
    if user.role == Role.TEAM_MANAGER:
        return deny("This case is held by another team.")
    return deny("Only children's social care and managers step a case down.")


@rule("socialcare.record")
def _socialcare_record(user, case):
    if user.role == Role.SOCIAL_WORKER or _manages_case(user, case):
        return allow("Social care records the statutory status and who leads.",
                     basis="statutory: Children Act 1989")
    if user.role == Role.TEAM_MANAGER:
        return deny("This case is held by another team.")
    return deny("Only children's social care and managers record the statutory status.")


@rule("socialcare.respond")
def _socialcare_respond(user, case):
    """Social care's answer to a step-up (a step-up is a request: DOMAIN.md)."""
    if user.role == Role.SOCIAL_WORKER:
        return allow("Children's social care decides what happens to a step-up.",
                     basis="statutory: Children Act 1989")
    return deny("Only children's social care responds to a step-up.")


@rule("socialcare.response.amend")
def _socialcare_response_amend(user, case):
    """Changing social care's recorded answer is its own act, with a reason."""
    if user.role == Role.SOCIAL_WORKER:
        return allow("Children's social care amends its response, with a reason.",
                     basis="statutory: Children Act 1989")
    return deny("Only children's social care amends its response to a step-up.")


@rule("case.handover_pack")
def _handover_pack(user, case):
    """The whole history for whoever takes the case on, cut to what their role may see."""
    if case is None:
        return deny("No case given.")
    staff = case_decision(user, case)
    if staff:
        return staff  # the pack withholds, by name, each section the reader's categories do not cover
    if case_roles(user, case) & IN_THE_TAF:
        return allow("You are in this family's Team Around the Family: the plan only.",
                     {Category.IDENTITY, Category.PLAN}, basis="consent (family plan shared with the TAF)")
    return deny("Only the people taking the case on, and the TAF for the plan, see the handover pack.")


# --- case moves (caseflow.core.stages) --------------------------------------------------------
#
# The stage graph (caseflow.core.stages) says which moves exist from each stage and what each
# needs; who may make a move is answered here, by the same rule the service that makes the move
# asks, so the moves a case offers are exactly the ones its services accept.

MOVE_RULES = {
    "triage": "case.triage", "send_to_panel": "case.triage", "signpost": "case.signpost",
    "allocate": "case.allocate", "resume_planning": "case.allocate", "resume_reviews": "case.allocate",
    "start_assessment": "casework.record", "complete_assessment": "casework.record",
    "agree_plan": "casework.record", "close": "case.close",
    "step_up": "case.step_up", "step_down": "case.step_down",
    # A step-up social care did not accept goes back by its response (or an amended one).
    **{t.action: "socialcare.respond" for t in TRANSITIONS if t.action.startswith("not_accepted_back_to_")},
}


def _move_rule(action: str):
    def decide(user, case):
        return can(user, action, case)
    return decide


for _move, _action in MOVE_RULES.items():
    rule(f"case.move.{_move}")(_move_rule(_action))


@rule("reports.transitions")
def _reports_transitions(user, obj):
    if user.role in {Role.TEAM_MANAGER, Role.ANALYST, Role.PANEL_CHAIR}:
        return allow("Managers and analysts see the service's figures (counts, no personal data).",
                     set(), basis=None)
    return deny("Only managers and analysts see the service's figures.")


@rule("reports.oscillation")
def _reports_oscillation(user, obj):
    if user.role in {Role.TEAM_MANAGER, Role.PANEL_CHAIR}:
        return allow("Managers see families moving back and forth, to act on them.", {Category.IDENTITY})
    return deny("Only managers see which families keep moving between services.")


# --- dashboards and the analyst's workspace (caseflow.readmodels.reports) -------------------------

REPORT_STAFF = frozenset({Role.TEAM_MANAGER, Role.PANEL_CHAIR, Role.ANALYST})
# A partner's figures are about its own organisation's requests and notifications: the demand
# dashboard only, counted over what the organisation sent and received.
PARTNER_DASHBOARDS = frozenset({"demand"})


@rule("reports.dashboard")
def _reports_dashboard(user, dashboard):
    if user.role in REPORT_STAFF:
        return allow("Managers and analysts see the service's figures (counts, no personal data).",
                     set(), basis=None)
    if user.role in {Role.PARTNER, Role.PARTNER_SYSTEM} and user.organisation_id and dashboard in PARTNER_DASHBOARDS:
        return allow("Partners see figures about their own organisation's requests and notifications.",
                     set(), basis=None)
    return deny("Only managers, analysts and (for their own requests) partners see the service's figures.")


@rule("reports.case_list")
def _reports_case_list(user, obj):
    """The case references behind a figure (the cases that missed a target), to act on them."""
    if user.role in {Role.TEAM_MANAGER, Role.PANEL_CHAIR}:
        return allow("Managers see which of the cases they oversee missed a target, to act on them.",
                     {Category.IDENTITY})
    return deny("Only managers see which cases are behind a figure; analysts see counts and pseudonymised rows.")


@rule("reports.extract")
def _reports_extract(user, obj):
    if user.role == Role.ANALYST:
        return allow("Analysts take pseudonymised record-level extracts (no names, no notes, ages in bands).",
                     set(), basis="UK GDPR Article 6(1)(e): pseudonymised for service planning")
    return deny("Only analysts take pseudonymised extracts.")


def report_case_clause(user):
    """SQL over Case: the cases a user's figures count. A team manager's dashboard counts the
    cases they oversee (managed_cases_clause: their team's, and those no team holds yet); panel
    chairs and analysts the whole service; a partner the cases its organisation asked for."""
    from caseflow.cases.models import Case
    from caseflow.frontdoor.models import RequestForHelp

    if user.role == Role.TEAM_MANAGER:
        return managed_cases_clause(user)
    if user.role in {Role.PANEL_CHAIR, Role.ANALYST}:
        return true()
    if user.role in {Role.PARTNER, Role.PARTNER_SYSTEM} and user.organisation_id:
        return exists().where(RequestForHelp.case_id == Case.id,
                              RequestForHelp.referrer_organisation_id == user.organisation_id)
    return false()


def report_request_clause(user):
    """SQL over RequestForHelp (joined to its Case): the requests a user's figures count."""
    from caseflow.frontdoor.models import RequestForHelp

    if user.role in {Role.PARTNER, Role.PARTNER_SYSTEM}:
        return RequestForHelp.referrer_organisation_id == user.organisation_id if user.organisation_id else false()
    return report_case_clause(user)


def report_daily_clause(user, team_column, organisation_column):
    """report_case_clause and report_request_clause over the dashboards' daily aggregates, kept
    by team and requesting organisation ('' for none): a team manager counts their team and
    what no team holds yet; a partner what its organisation asked for; others all."""
    if user.role == Role.TEAM_MANAGER:
        return or_(team_column == user.team_id, team_column == "") if user.team_id else true()
    if user.role in {Role.PANEL_CHAIR, Role.ANALYST}:
        return true()
    if user.role in {Role.PARTNER, Role.PARTNER_SYSTEM} and user.organisation_id:
        return organisation_column == user.organisation_id
    return false()


def report_open_cases_clause(user, team_column, category_column):
    """managed_cases_clause over the refresh's snapshot of the open cases (readmodels.
    report_aggregates, measure 'open'), kept by the team holding each case and a category that
    starts with the case's stage: a team manager counts their team's, those no team holds and
    those at an unallocated stage; panel chairs and analysts all. Partners count none (the
    snapshot is not kept by requesting organisation, and workload is not a partner's page)."""
    if user.role == Role.TEAM_MANAGER:
        if not user.team_id:
            return true()
        return or_(team_column == user.team_id, team_column == "",
                   *[category_column.startswith(f"{stage}:", autoescape=True) for stage in UNALLOCATED_STAGES])
    if user.role in {Role.PANEL_CHAIR, Role.ANALYST}:
        return true()
    return false()


def report_overdue_notifications_clause(user, team_column, organisation_column, category_column):
    """report_notification_clause over the refresh's count of overdue notifications (readmodels.
    report_aggregates, measure 'notification.overdue'): kept by the team holding the case, the
    recipient's organisation and a category "<A|T|N>:<recipient's team>:<type>" (A: a case every
    manager oversees). A partner counts its own people's; a team manager those on cases they
    oversee or sent to their team; other report staff all."""
    if user.role in {Role.PARTNER, Role.PARTNER_SYSTEM}:
        return organisation_column == user.organisation_id if user.organisation_id else false()
    if user.role == Role.TEAM_MANAGER and user.team_id:
        return or_(team_column == user.team_id, category_column.startswith("A:"),
                   category_column.contains(f":{user.team_id}:", autoescape=True))
    if user.role in REPORT_STAFF:
        return true()
    return false()


def report_notification_clause(user):
    """SQL over Notification: a partner counts the notifications its own organisation's people
    received; a team manager those on cases they oversee or sent to their team; others all."""
    from caseflow.auth.models import User
    from caseflow.cases.models import Case
    from caseflow.notify.models import Notification

    if user.role in {Role.PARTNER, Role.PARTNER_SYSTEM}:
        if not user.organisation_id:
            return false()
        return Notification.recipient_id.in_(select(User.id).where(User.organisation_id == user.organisation_id))
    if user.role == Role.TEAM_MANAGER and user.team_id:
        return or_(Notification.case_id.in_(select(Case.id).where(managed_cases_clause(user))),
                   Notification.recipient_id.in_(select(User.id).where(User.team_id == user.team_id)))
    if user.role in REPORT_STAFF:
        return true()
    return false()


# --- consent, lawful basis, break-glass, subject access (caseflow.consent.records) ---------------

CASEWORK_ROLES = {Role.FRONT_DOOR, Role.TEAM_MANAGER, Role.PANEL_CHAIR, Role.KEYWORKER, Role.SOCIAL_WORKER}


@rule("consent.view")
def _consent_view(user, family):
    if user.role in CASEWORK_ROLES and family is not None:
        decision = family_view_decision(user, family.id)
        if decision:
            return allow("You work with this family.", {Category.IDENTITY}, decision.basis)
    return deny("Only the people working with the family see its consent records.")


@rule("consent.record")
def _consent_record(user, family):
    return _consent_view(user, family)


@rule("lawful_basis.record")
def _lawful_basis_record(user, family):
    return _consent_view(user, family)


# --- family records over time: corrections, households, merges (caseflow.records) -------------

@rule("person.correct")
def _person_correct(user, family):
    """The people working with the family keep its records right."""
    return _consent_view(user, family)


@rule("person.history")
def _person_history(user, family):
    return _consent_view(user, family)


@rule("household.change")
def _household_change(user, family):
    return _consent_view(user, family)


RECORD_KEEPERS = frozenset({Role.FRONT_DOOR, Role.TEAM_MANAGER})


@rule("records.merge")
def _records_merge(user, obj):
    """Merging, unmerging and splitting records is the front door's matching work, like
    confirming a possible match: the officers who confirm matches, and managers."""
    if user.role in RECORD_KEEPERS:
        return allow("Front-door officers and managers put duplicate records right.")
    return deny("Only front-door officers and managers merge, unmerge or split records.")


@rule("records.duplicates")
def _records_duplicates(user, obj):
    return _records_merge(user, obj)


@rule("break_glass.use")
def _break_glass_use(user, family):
    if user.role == Role.TEAM_MANAGER:
        return allow("Duty managers may break glass, with a reason, for a short time.", {Category.IDENTITY},
                     basis="break-glass")
    return deny("Only a duty manager can break glass.")


@rule("reports.access")
def _reports_access(user, obj):
    if user.role == Role.TEAM_MANAGER:
        return allow("Managers review sharing without consent and break-glass use.", {Category.IDENTITY})
    return deny("Only managers see the sharing and break-glass report.")


@rule("person.subject_access")
def _subject_access(user, person):
    """Everything held about a person, from every family they belong to: a manager whose
    oversight covers each of those families (a manager with no team runs the service)."""
    from caseflow.families.models import FamilyMember

    if user.role != Role.TEAM_MANAGER:
        return deny("Only a team manager can produce a subject access export.")
    family_ids = [] if person is None else list(db.session.scalars(
        select(FamilyMember.family_id).where(FamilyMember.person_id == person.id)))
    if all(_manager_scope(user, family_id) for family_id in family_ids):
        return allow("Managers answer subject access requests for the service.", basis="UK GDPR Article 15")
    return deny("This person's family is held by another team: ask its manager or the service manager.")



# --- partner events, flags and the notification queue (caseflow.notify) -------------------------

@rule("event.submit")
def _event_submit(user, obj):
    if user.role in PARTNER_ROLES or user.role in FRONT_DOOR_ROLES:
        return allow("Partners report contacts and incidents under the information sharing agreement.",
                     {Category.IDENTITY, Category.POLICE}, basis="information sharing agreement")
    return deny("Only partners and the front door report events.")


@rule("event.view")
def _event_view(user, event):
    """An event and (field by field: the summary needs the category its type belongs to) what it
    says. Events not yet placed are front-door work; a placed one follows the family's rule."""
    from caseflow.notify.vocab import event_category

    if event is None:
        return deny("No event given.")
    if user.role in {Role.FRONT_DOOR, Role.PANEL_CHAIR} or (user.role == Role.TEAM_MANAGER and not event.family_id):
        return allow("The front door and managers see every event.")
    if event.source_organisation_id == user.organisation_id and user.role in PARTNER_ROLES:
        return allow("Your organisation sent this event.", {Category.IDENTITY, event_category(event.type)},
                     basis="the sender's own report")
    if event.family_id:
        return family_decision(user, event.family_id)
    return deny("Only the sender and the front door see an event not yet matched to a family.")


@rule("event.review")
def _event_review(user, obj):
    if user.role in {Role.FRONT_DOOR, Role.TEAM_MANAGER}:
        return allow("Front-door officers and managers confirm who an event is about.")
    return deny("Only the front door and managers resolve events the matcher could not place.")


@rule("event.decide")
def _event_decide(user, event):
    from caseflow.cases.models import Case

    if event is None:
        return deny("No event given.")
    case = db.session.get(Case, event.case_id) if event.case_id else None
    if user.role == Role.TEAM_MANAGER and (case is None or _manages_case(user, case)):
        return allow("Team managers open a new case from a notification.")
    if user.role == Role.KEYWORKER and case is not None and case.keyworker_id == user.id:
        return allow("You were this family's keyworker.")
    return deny("Only the family's last keyworker and team managers decide on this notification.")


@rule("flags.query")
def _flags_query(user, obj):
    if user.role in {Role.ADMIN, Role.ANALYST}:
        return deny("Your role does not check flags.")
    return allow("Whether a person is open to early help (a flag, not the record).", {Category.IDENTITY},
                 basis="information sharing agreement (flag check)")


@rule("notifications.dashboard")
def _notifications_dashboard(user, obj):
    if user.role in FRONT_DOOR_ROLES:
        return allow("Managers watch deadlines and delivery.", {Category.IDENTITY})
    return deny("Only managers and the front door see the notifications dashboard.")


@rule("outbox.manage")
def _outbox_manage(user, obj):
    if user.role == Role.ADMIN:
        return allow("Administrators see failed deliveries and replay them.", set(), basis=None)
    return deny("Only administrators manage deliveries.")


@rule("routing.manage")
def _routing_manage(user, obj):
    if user.role == Role.ADMIN:
        return allow("Administrators edit routing rules and school holidays.", set(), basis=None)
    return deny("Only administrators edit routing rules.")



# --- outcomes and payment by results (caseflow.outcomes) ----------------------------------------
#
# Analysts work the outcomes evidence and the claims for the whole programme, on the basis the
# programme's data-sharing gives them (payment by results), in the categories outcomes are
# measured in, never case notes. Casework staff see and record a family's outcomes as they see the
# family. Partner systems send the evidence of their own kind (a school attendance, the police
# incidents, the Jobcentre employment) and read nothing back.

PBR_BASIS = "payment by results: the programme's outcomes data-sharing"
OUTCOME_CATEGORIES = frozenset({Category.IDENTITY, Category.EDUCATION, Category.POLICE, Category.FINANCES,
                                Category.PLAN})
PARTNER_EVIDENCE = {"school": {Category.EDUCATION}, "police": {Category.POLICE},
                    "jobcentre": {Category.FINANCES}}
OUTCOME_CASEWORK_ROLES = {Role.KEYWORKER, Role.TEAM_MANAGER, Role.FRONT_DOOR, Role.PANEL_CHAIR, Role.SOCIAL_WORKER}


@rule("outcomes.plan.view")
def _outcomes_plan_view(user, obj):
    return allow("The Outcomes Plan is the area's published framework (no personal data).", set(), basis=None)


@rule("outcomes.plan.edit")
def _outcomes_plan_edit(user, obj):
    if user.role == Role.ADMIN:
        return allow("Administrators keep the Outcomes Plan and the unit costs.", set(), basis=None)
    return deny("Only an administrator edits the Outcomes Plan.")


@rule("outcomes.view")
def _outcomes_view(user, target):
    """A family's outcomes and the evidence behind them. `target` is {"family_id"}."""
    family_id = (target or {}).get("family_id")
    if not family_id:
        return deny("No family given.")
    if user.role == Role.ANALYST:
        return allow("Analysts measure outcomes for the programme.", OUTCOME_CATEGORIES, basis=PBR_BASIS)
    if user.role in OUTCOME_CASEWORK_ROLES:
        return family_decision(user, family_id)
    return deny("Only the service's staff and its analysts see a family's outcomes.")


@rule("outcomes.evidence.record")
def _outcomes_evidence_record(user, target):
    """Record evidence about a person: {"family_id", "person_id", "category"}."""
    target = target or {}
    category = target.get("category")
    if user.role == Role.PARTNER_SYSTEM:
        org_type = getattr(getattr(user, "organisation", None), "type", None)
        if category in PARTNER_EVIDENCE.get(org_type, set()):
            return allow("Partner systems send the outcomes evidence they hold.", {Category.IDENTITY, category},
                         basis="information sharing agreement (outcomes evidence)")
        return deny("Your organisation does not send this kind of evidence.")
    if user.role not in {Role.ANALYST, Role.KEYWORKER, Role.TEAM_MANAGER}:
        return deny("Only keyworkers, managers, analysts and partner systems record outcomes evidence.")
    decision = _outcomes_view(user, target)
    if decision and category in decision.categories_for(target.get("person_id")):
        return decision
    return decision if not decision else deny("You may not record this kind of evidence about this person.")


@rule("outcomes.evidence.import")
def _outcomes_evidence_import(user, target):
    """Write a partner's file as evidence (caseflow.imports feeds): a data job for analysts and
    administrators, on the information sharing agreement with the partner that sent it. The
    evidence is then seen only as each family's outcomes are (outcomes.view). `target` is
    {"category"}."""
    category = (target or {}).get("category")
    if user.role in {Role.ANALYST, Role.ADMIN}:
        return allow("Analysts and administrators import partners' data.", {Category.IDENTITY, category} - {None},
                     basis="information sharing agreement (partner data feed)")
    if user.role == Role.FRONT_DOOR and (target or {}).get("matched_by_officer"):
        return allow("The front door confirms which person a partner's row is about.",
                     {Category.IDENTITY, category} - {None}, basis="information sharing agreement (partner data feed)")
    return deny("Only analysts and administrators import partners' data.")


@rule("imports.feed_match.resolve")
def _imports_feed_match_resolve(user, obj):
    """A partner's row the bulk linker was unsure of: the front door decides, side by side, as
    for a request's possible match (analysts and administrators, who ran the import, too)."""
    if user.role in {Role.FRONT_DOOR, Role.ANALYST, Role.ADMIN}:
        return allow("The front door decides possible matches.", {Category.IDENTITY}, basis=SERVICE_BASIS)
    return deny("Only the front door decides whether a partner's row is about someone already known.")


@rule("outcomes.evidence.send")
def _outcomes_evidence_send(user, obj):
    """Whether someone records outcomes evidence at all, asked before the evidence is read; each
    record is then decided by outcomes.evidence.record (the person, their family, the kind)."""
    if user.role == Role.PARTNER_SYSTEM:
        org_type = getattr(getattr(user, "organisation", None), "type", None)
        if PARTNER_EVIDENCE.get(org_type):
            return allow("Partner systems send the outcomes evidence they hold.", set(),
                         basis="information sharing agreement (outcomes evidence)")
        return deny("Your organisation does not send outcomes evidence.")
    if user.role in {Role.ANALYST, Role.KEYWORKER, Role.TEAM_MANAGER}:
        return allow("Keyworkers, managers and analysts record outcomes evidence about families they may see.",
                     set(), basis=None)
    return deny("Only keyworkers, managers, analysts and partner systems record outcomes evidence.")


@rule("outcomes.claims.view")
def _outcomes_claims_view(user, obj):
    if user.role in {Role.ANALYST, Role.TEAM_MANAGER}:
        return allow("Analysts and team managers work the payment-by-results claims.", OUTCOME_CATEGORIES,
                     basis=PBR_BASIS)
    return deny("Only analysts and team managers see claims.")


@rule("outcomes.claims.run")
def _outcomes_claims_run(user, obj):
    return _outcomes_claims_view(user, obj)


@rule("outcomes.claim.validate")
def _outcomes_claim_validate(user, claim):
    if user.role == Role.ANALYST:
        return allow("Analysts validate each claim against its evidence.", OUTCOME_CATEGORIES, basis=PBR_BASIS)
    return deny("Only an analyst validates a claim.")


@rule("outcomes.claim.reject")
def _outcomes_claim_reject(user, claim):
    return _outcomes_claims_view(user, claim)


@rule("outcomes.claim.approve")
def _outcomes_claim_approve(user, claim):
    if user.role == Role.TEAM_MANAGER:
        return allow("Team managers approve claims an analyst has validated.", OUTCOME_CATEGORIES, basis=PBR_BASIS)
    return deny("Only a team manager approves a claim.")


@rule("outcomes.claims.submit")
def _outcomes_claims_submit(user, obj):
    return _outcomes_claims_view(user, obj)


@rule("outcomes.claim.paid")
def _outcomes_claim_paid(user, claim):
    return _outcomes_claim_validate(user, claim)


@rule("outcomes.returns")
def _outcomes_returns(user, obj):
    if user.role == Role.ANALYST:
        return allow("Analysts produce the national returns, with pseudonymous identifiers.", OUTCOME_CATEGORIES,
                     basis=PBR_BASIS)
    return deny("Only analysts produce the national returns.")


@rule("outcomes.unit_costs.edit")
def _outcomes_unit_costs_edit(user, obj):
    return _outcomes_plan_edit(user, obj)


# --- data identification (caseflow.identification) ------------------------------------------------
#
# Analysts match the partners' data to find families who meet the programme's eligibility rules
# and are not yet known to the service; the front door (and its managers) then contact each
# family, or dismiss the proposal. All of them see the proposed families and the evidence behind
# each problem on the basis of the programme's data-sharing for identification, in the categories
# the evidence is in; nobody else sees the list.

IDENTIFICATION_BASIS = "data identification: the programme's partner data-sharing"
IDENTIFICATION_CATEGORIES = frozenset({Category.IDENTITY, Category.EDUCATION, Category.POLICE, Category.FINANCES})
IDENTIFICATION_READERS = frozenset({Role.ANALYST, Role.FRONT_DOOR, Role.TEAM_MANAGER})


@rule("identification.run")
def _identification_run(user, obj):
    if user.role in {Role.ANALYST, Role.TEAM_MANAGER}:
        return allow("Analysts and managers run the data identification.", IDENTIFICATION_CATEGORIES,
                     basis=IDENTIFICATION_BASIS)
    return deny("Only analysts and managers run the data identification.")


@rule("identification.view")
def _identification_view(user, target):
    """The identified families list, and one family's evidence (`target` {"family_id"})."""
    if user.role in IDENTIFICATION_READERS:
        return allow("Analysts, the front door and managers work the identified families.",
                     IDENTIFICATION_CATEGORIES, basis=IDENTIFICATION_BASIS)
    return deny("Only analysts, the front door and managers see the identified families.")


@rule("identification.decide")
def _identification_decide(user, target):
    """Start a request for help from an identified family, or dismiss it."""
    if user.role in {Role.FRONT_DOOR, Role.TEAM_MANAGER}:
        return allow("The front door decides what happens to an identified family.", IDENTIFICATION_CATEGORIES,
                     basis=IDENTIFICATION_BASIS)
    return deny("Only the front door and managers start a request from, or dismiss, an identified family.")


# The family decision lower packages ask is the whole one: job role, relationships, consent and
# the casework a case role adds (family_visibility_clause is its SQL form).
provide_family_scope(decision=family_decision, clause=family_visibility_clause, visible=visible_families,
                     managed_cases=managed_cases_clause)


# --- oversight: supervision and case file audit (caseflow.oversight) ------------------------------
#
# Supervision notes are between the keyworker and the managers overseeing the case: nobody else
# (not the lead professional, the TAF, the front door, social care) reads them.

@rule("supervision.record")
def _supervision_record(user, case):
    if case is None:
        return deny("No case given.")
    if user.role == Role.TEAM_MANAGER and CaseRole.TEAM_MANAGER in case_roles(user, case):
        return allow("You manage the team holding this case: you supervise its work.", {Category.IDENTITY, Category.CASE_NOTES})
    return deny("Only the manager of the team holding the case records its supervision.")


@rule("supervision.view")
def _supervision_view(user, case):
    if case is None:
        return deny("No case given.")
    if user.role == Role.TEAM_MANAGER and CaseRole.TEAM_MANAGER in case_roles(user, case):
        return allow("You manage the team holding this case.", {Category.IDENTITY, Category.CASE_NOTES})
    if user.role == Role.KEYWORKER and case.keyworker_id == user.id:
        return allow("Your own supervision on the case you hold.", {Category.IDENTITY, Category.CASE_NOTES})
    return deny("Supervision is seen by the case's keyworker and the managers overseeing it only.")


@rule("supervision.overdue")
def _supervision_overdue(user, obj):
    if user.role == Role.TEAM_MANAGER:
        return allow("Managers see which of their team's cases are due supervision.", {Category.IDENTITY})
    return deny("Only managers see overdue supervision.")


@rule("audit.manage")
def _case_audit_manage(user, obj):
    """Drawing samples, grading files and changing the checklist: managers' quality assurance.
    Grading a file reads it: each graded case is audited against its family."""
    if user.role == Role.TEAM_MANAGER:
        return allow("Managers audit their service's case files.", {Category.IDENTITY, Category.CASE_NOTES, Category.PLAN})
    return deny("Only managers audit case files.")


@rule("audit.actions")
def _case_audit_actions(user, case):
    """The actions an audit set for the keyworker: the keyworker and the case's managers."""
    if case is None:
        return deny("No case given.")
    if user.role == Role.TEAM_MANAGER and CaseRole.TEAM_MANAGER in case_roles(user, case):
        return allow("You manage the team holding this case.", {Category.IDENTITY, Category.CASE_NOTES})
    if user.role == Role.KEYWORKER and case.keyworker_id == user.id:
        return allow("Actions from an audit of your case file.", {Category.IDENTITY, Category.CASE_NOTES})
    return deny("Audit actions are for the case's keyworker and managers.")


# --- practice tools (caseflow.practice) ------------------------------------------------------------

@rule("risk.view")
def _risk_view(user, case):
    """A DASH checklist holds what an adult victim told their worker about the abuse: the people
    doing the casework and their managers, and a partner only when they lead the case (a TAF
    member's consent to case notes does not open it)."""
    if case is None:
        return deny("No case given.")
    if user.role in PARTNER_ROLES and not (case_roles(user, case) & LEADS_CASEWORK):
        return deny("A DASH risk checklist is seen by the people doing the casework and their managers.")
    return _casework_view(user, case)


@rule("risk.record")
def _risk_record(user, case):
    return _casework_record(user, case)


@rule("wheel.view")
def _wheel_view(user, case):
    return _casework_view(user, case)


@rule("wheel.record")
def _wheel_record(user, case):
    return _casework_record(user, case)


@rule("wheel.areas.manage")
def _wheel_areas_manage(user, obj):
    if user.role == Role.ADMIN:
        return allow("Administrators maintain the outcome wheel's areas.", set(), basis=None)
    return deny("Only administrators change the outcome wheel's areas.")


# --- after closure, the directory, joint visits and the advice line (issue 20, points 8-10) ----------

@rule("directory.manage")
def _directory_manage(user, obj):
    if user.role == Role.ADMIN:
        return allow("Administrators keep the directory of local services.", set(), basis=None)
    return deny("Only administrators add and change services in the directory.")


@rule("directory.view")
def _directory_view(user, obj):
    """The directory describes services, not people: every member of staff and partner who may
    point a family somewhere reads it; a partner's system has no use for it."""
    if user.role != Role.PARTNER_SYSTEM:
        return allow("The directory of local services holds no personal data.", set(), basis=None)
    return deny("Partner systems do not signpost families.")


@rule("monitoring.view")
def _monitoring_view(user, case):
    """The check-ins and the outcome review after closure are casework: the same people."""
    return can(user, "casework.view", case)


@rule("monitoring.record")
def _monitoring_record(user, case):
    """Check-ins and the outcome review: whoever records the case's casework."""
    return can(user, "casework.record", case)


rule("case.move.close_to_monitoring")(_move_rule("case.close"))
rule("case.move.end_monitoring")(_move_rule("monitoring.record"))


ADVICE_LINE_ROLES = frozenset({Role.FRONT_DOOR, Role.TEAM_MANAGER, Role.PANEL_CHAIR})


@rule("advice.record")
def _advice_record(user, obj):
    if user.role in ADVICE_LINE_ROLES:
        return allow("The front door answers the advice line.", set(), basis=None)
    return deny("Only the front door and its managers keep the advice line log.")


@rule("advice.view")
def _advice_view(user, call):
    """A consultation about no known family is the front door's own working; one linked to a
    family is read as that family's record is (and audited against it)."""
    if user.role not in ADVICE_LINE_ROLES:
        return deny("Only the front door and its managers read the advice line log.")
    family_id = getattr(call, "family_id", None)
    if family_id:
        return family_decision(user, family_id)
    return allow("The front door's own log of consultations.", {Category.REFERRAL}, basis=SERVICE_BASIS)


@rule("contact.own")
def _contact_own(user, contact):
    """A practitioner who took part in a visit (recorded it, or went jointly) sees that it
    happened in their own list; its notes follow casework.view on the case."""
    if contact is None:
        return deny("No contact given.")
    from caseflow.plans.models import ContactPractitioner

    if contact.recorded_by_id == user.id or db.session.scalar(select(exists().where(
            ContactPractitioner.contact_id == contact.id, ContactPractitioner.user_id == user.id))):
        return allow("You took part in this visit.", {Category.IDENTITY}, basis="practitioner present")
    return deny("You did not take part in this visit.")


@rule("visits.own")
def _visits_own(user, obj):
    """A practitioner's own list of the visits they went on (recorded, or jointly): filtered in
    SQL to those visits (contact.own per visit); a partner's system makes no visits."""
    if user.role != Role.PARTNER_SYSTEM:
        return allow("Your own visits.", {Category.IDENTITY}, basis="practitioner present")
    return deny("Partner systems make no visits.")
