"""The access policy engine (DESIGN.md §4): the one place access is decided.

`can(user, action, obj)` answers "may they, and which data categories may they see?" by asking
the rule registered for the action; `require()` asks, audits the answer against the family it
touched and raises AccessDenied when refused. Domain packages register their rules with
@rule(action) (see caseflow/policy/rules.py); an action with no rule is refused, so a new
endpoint that forgets to declare its policy fails closed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

from caseflow.core.vocab import Category

ALL_CATEGORIES = frozenset(Category)
# Service staff see records on the lawful basis of the council's early help function.
SERVICE_BASIS = "early help service function"

@dataclass(frozen=True)
class Decision:
    """The policy's answer: may they, and which data categories of which people may they see.

    `categories` is every category the decision opens for someone: it gates records that belong
    to the family as a whole (the request's text, case notes, the plan) and is what the audit
    trail records. `people` says which categories each person's own data is open in: person id
    -> categories. None means `categories` apply to every member (service staff, who work on the
    service's own basis); a person missing from the mapping is not shared at all, not even their
    name. Anything that renders one person's data asks `categories_for(person.id)`."""

    allowed: bool
    reason: str
    categories: frozenset[str] = field(default_factory=frozenset)
    basis: str | None = None
    people: Mapping[str, frozenset[str]] | None = field(default=None, hash=False)

    def __bool__(self) -> bool:
        return self.allowed

    def categories_for(self, person_id: str | None) -> frozenset[str]:
        """The categories of this person's data the decision opens (none when refused)."""
        if not self.allowed:
            return frozenset()
        if self.people is None:
            return self.categories
        return self.people.get(person_id, frozenset()) if person_id else frozenset()

    def shows_person(self, person_id: str | None) -> bool:
        """Whether the person may be named at all (their identity category)."""
        return Category.IDENTITY in self.categories_for(person_id)


def allow(reason: str, categories=ALL_CATEGORIES, basis: str | None = SERVICE_BASIS,
          people: Mapping[str, frozenset[str]] | None = None) -> Decision:
    return Decision(True, reason, frozenset(categories), basis,
                    None if people is None else {p: frozenset(c) for p, c in people.items()})


def deny(reason: str) -> Decision:
    return Decision(False, reason)


class AccessDenied(Exception):
    def __init__(self, decision: Decision, family_id: str | None = None):
        super().__init__(decision.reason)
        self.decision = decision
        self.family_id = family_id  # lets the refusal page offer a duty manager break-glass


_RULES: dict[str, Callable] = {}


def rule(action: str):
    def register(fn):
        _RULES[action] = fn
        return fn
    return register


def registered_actions() -> frozenset[str]:
    return frozenset(_RULES)


def _unproxied(user):
    """The user itself when given Flask-Login's current_user: views pass the proxy, and a rule
    reads the user's role, id and team many times over, each read through the proxy a look-up."""
    unwrap = getattr(user, "_get_current_object", None)
    return unwrap() if unwrap is not None else user


def can(user, action: str, obj=None) -> Decision:
    user = _unproxied(user)
    if user is None or not getattr(user, "is_authenticated", False):
        fn = _RULES.get(action)
        if fn is not None and getattr(fn, "public", False):
            return fn(None, obj)
        return deny("You need to sign in.")
    if not getattr(user, "is_active", False):
        return deny("This account is disabled.")
    fn = _RULES.get(action)
    if fn is None:
        return deny(f"No access rule covers '{action}'.")
    return fn(user, obj)


def require(user, action: str, obj=None, *, object_type: str | None = None,
            object_id: str | None = None, family_id: str | None = None,
            purpose: str | None = None, audit: bool = True) -> Decision:
    """Ask the policy; audit the access (granted or refused); raise AccessDenied if refused."""
    from caseflow.core import audit as audit_trail

    user = _unproxied(user)
    decision = can(user, action, obj)
    if audit:
        audit_trail.record(
            user, action if decision else f"denied:{action}",
            object_type or (type(obj).__name__.lower() if obj is not None else "service"),
            object_id or getattr(obj, "id", None),
            family_id=family_id if family_id is not None else getattr(obj, "family_id", None),
            categories=decision.categories, purpose=purpose, basis=decision.basis,
        )
    if not decision:
        raise AccessDenied(decision, family_id if family_id is not None else getattr(obj, "family_id", None))
    return decision


def public(fn):
    """Mark a rule that also answers for anonymous callers (e.g. the self-referral form)."""
    fn.public = True
    return fn


def require_list(user, action: str, obj=None, *, object_type: str, purpose: str) -> Decision:
    """Ask the policy for a read that shows many families (a search, a queue, an agenda): a
    refusal is audited and raised here; a grant is audited by the caller once it knows which
    families it showed (audit.record_reads), so each family's access log has the read."""
    decision = can(user, action, obj)
    if not decision:
        require(user, action, obj, object_type=object_type, purpose=purpose)
    return decision


def person_categories(decision: Decision, person_id: str | None) -> frozenset[str]:
    """The categories `decision` opens for one person (consent is given per person); with no
    person named, what it opens for the family as a whole."""
    if person_id is None:
        return decision.categories
    return decision.categories_for(person_id)


# --- field by field: data about a case that is itself social care information ------------------
# That the family is (or was) open to children's social care is social care data: readers
# without that category see such a case as open, and not the moves into or out of it.
SOCIAL_CARE_STAGES = frozenset({"social_care", "stepped_down"})
STAGE_WITHHELD = "open"


def shown_stage(decision: Decision, stage: str) -> str:
    """The stage as this reader may see it: social care involvement is social care data."""
    if stage in SOCIAL_CARE_STAGES and Category.SOCIAL_CARE not in decision.categories:
        return STAGE_WITHHELD
    return stage


def shows_move(decision: Decision, from_stage: str | None, to_stage: str | None) -> bool:
    """Whether a stage change may be shown: moves into or out of social care are social care data."""
    return Category.SOCIAL_CARE in decision.categories or not (
        {from_stage, to_stage} & SOCIAL_CARE_STAGES)




# --- the family scope: one rule, asked per record and as SQL -----------------------------------
# Which families a user may see depends on relationships held by the domain packages (referrer,
# keyworker, team, TAF, consent, lawful basis, break-glass). Those rules live above the domain
# (caseflow.policy.rules) and plug in here at start-up, so any package can ask the one authority
# without importing the packages the answer is built from.

_FAMILY_SCOPE: dict[str, Callable] = {}


def provide_family_scope(*, decision: Callable, clause: Callable, visible: Callable,
                         managed_cases: Callable) -> None:
    _FAMILY_SCOPE.update(decision=decision, clause=clause, visible=visible, managed_cases=managed_cases)


def _scope(name: str) -> Callable:
    try:
        return _FAMILY_SCOPE[name]
    except KeyError:
        raise RuntimeError("The access rules are not loaded: import caseflow.policy.rules "
                           "(create_app does).") from None


def family_view_decision(user, family_id: str) -> Decision:
    """May `user` see this family, and which people and categories of it? (Job role,
    relationships, consent and lawful bases, and what a case role on one of its cases adds.)"""
    return _scope("decision")(user, family_id)


def family_visibility_clause(user):
    """The same rule as SQL over Family.id, for every list, search, count and export."""
    return _scope("clause")(user)


def visible_families(user, family_ids) -> set[str]:
    """Which of these families `user` may see, in one query (work over many families at once)."""
    return _scope("visible")(user, family_ids)


def managed_cases_clause(user):
    """SQL over Case: the cases a team manager oversees (their team's, and work not yet
    allocated to a team; every case for a manager with no team), for the lists a manager reads."""
    return _scope("managed_cases")(user)
