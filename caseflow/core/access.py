"""The access policy engine (DESIGN.md §4): the one place access is decided.

`can(user, action, obj)` answers "may they, and which data categories may they see?" by asking
the rule registered for the action; `require()` asks, audits the answer against the family it
touched and raises AccessDenied when refused. Domain packages register their rules with
@rule(action) (see caseflow/consent/policy.py); an action with no rule is refused, so a new
endpoint that forgets to declare its policy fails closed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from caseflow.core.vocab import Category

ALL_CATEGORIES = frozenset(Category)
# Service staff see records on the lawful basis of the council's early help function.
SERVICE_BASIS = "early help service function"

@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    categories: frozenset[str] = field(default_factory=frozenset)
    basis: str | None = None

    def __bool__(self) -> bool:
        return self.allowed


def allow(reason: str, categories=ALL_CATEGORIES, basis: str | None = SERVICE_BASIS) -> Decision:
    return Decision(True, reason, frozenset(categories), basis)


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


def can(user, action: str, obj=None) -> Decision:
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


