"""Allocation: a keyworker and team for each case (and perhaps a lead professional from a
partner agency), re-allocation, caseloads against capacity and the cases still waiting.

Allocation builds on triage and is used by panels (a panel's 'allocate' decision); it imports
neither panels nor anything that imports panels.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from caseflow.core import stages as flow
from caseflow.allocation.models import Allocation
from caseflow.allocation.schemas import AllocationSchema
from caseflow.auth.models import Team, User
from caseflow.core.roles import Role
from caseflow.cases.models import Case
from caseflow.cases.services import get_case
from caseflow.core import audit
from caseflow.core.access import require, require_list
from caseflow.core.database import utcnow
from caseflow.core.extensions import db
from caseflow.core.keyset import bounded_count
from caseflow.families.models import Family
from caseflow.frontdoor.services import referrer_ids
from caseflow.notify.services import notify
from caseflow.plans import deadlines
from caseflow.core.errors import Conflict, NotFound, ServiceValidationError, load
from caseflow.socialcare import services as socialcare
from caseflow.notify.vocab import NotificationType

AWAITING_ALLOCATION = (flow.Stage.TRIAGED, flow.Stage.AWAITING_PANEL, flow.Stage.STEPPED_DOWN)
HELD_STAGES = (flow.Stage.ALLOCATED, flow.Stage.ASSESSING, flow.Stage.PLANNING, flow.Stage.REVIEWING)


class OverCapacity(Conflict):
    """Allocating would take a keyworker past their caseload capacity: confirm to go ahead."""

    code = "over_capacity"


# --- allocation --------------------------------------------------------------------------------------

def open_caseload_count(keyworker_id: str) -> int:
    return db.session.scalar(select(func.count()).select_from(Case).where(
        Case.keyworker_id == keyworker_id, Case.stage.in_(HELD_STAGES))) or 0


def allocate_case(actor, case_id: str, raw: dict) -> Allocation:
    """The allocation page and POST /api/v1/cases/{id}/allocation: allocate and audit (the page's
    request or the API call commits)."""
    case = get_case(case_id)
    allocation = allocate(actor, case, raw)
    audit.record(actor, "case.allocate", "case", case.id, family_id=case.family_id, purpose="allocation")
    return allocation


def allocate(actor, case: Case, raw: dict, reason: str | None = None) -> Allocation:
    """Give the case a keyworker (their team, or another, and perhaps a lead professional from a
    partner agency), or move a held case to another keyworker with a reason. The one way a case
    is allocated: the allocation page and API (allocate_case) and a panel's 'allocate' decision.
    Tells the keyworker and the referrers; the caller audits its own action."""
    reallocating = case.stage in HELD_STAGES
    require(actor, "case.reallocate" if reallocating else "case.allocate", case,
            object_type="case", family_id=case.family_id, purpose="allocation")
    data = load(AllocationSchema, raw)  # after the policy: a refusal is not a form error
    reason = reason or data.get("reason")
    stepped_down = case.stage == flow.Stage.STEPPED_DOWN
    keyworker = db.session.get(User, data.get("keyworker_id") or "")
    if keyworker is None or keyworker.role not in (Role.KEYWORKER, Role.TEAM_MANAGER, Role.SOCIAL_WORKER,
                                                   Role.PARTNER) or not keyworker.is_active:
        raise ServiceValidationError("Choose a keyworker.", {"keyworker_id": ["Choose a keyworker from the list"]})
    if reallocating and not (data.get("reason") or "").strip():
        raise ServiceValidationError("Give a reason for re-allocating.",
                                     {"reason": ["Give a reason for re-allocating this case"]})
    if reallocating and keyworker.id == case.keyworker_id:
        raise ServiceValidationError("That keyworker already holds this case.",
                                     {"keyworker_id": ["Choose a different keyworker to re-allocate to"]})
    held = open_caseload_count(keyworker.id)
    if held >= keyworker.caseload_capacity and not data.get("confirm_over_capacity"):
        raise OverCapacity(f"{keyworker.name} already holds {held} families (capacity "
                           f"{keyworker.caseload_capacity}). Confirm to allocate anyway.")
    lead_id = data.get("lead_professional_id")
    if lead_id and db.session.get(User, lead_id) is None:
        raise ServiceValidationError("Unknown lead professional.",
                                     {"lead_professional_id": ["Choose a lead professional from the list"]})
    team_id = data.get("team_id") or keyworker.team_id
    if team_id and db.session.get(Team, team_id) is None:
        raise ServiceValidationError("Unknown team.", {"team_id": ["Choose a team from the list"]})
    now = utcnow()
    previous = db.session.scalar(select(Allocation).where(Allocation.case_id == case.id,
                                                          Allocation.ended_at.is_(None)))
    if previous is not None:
        previous.ended_at = now
    if not reallocating:  # re-allocation keeps the stage: the Allocation rows are its record
        flow.transition(db.session, case, "allocate", actor, reason=reason or "Allocated",
                        keyworker_id=keyworker.id)
        case.assessment_due_on = deadlines.assessment_due_on(now)
        if stepped_down:  # the same assessment and plan carry on
            socialcare.resume_after_step_down(actor, case)
    case.keyworker_id, case.team_id = keyworker.id, team_id
    case.lead_professional_id = data.get("lead_professional_id")
    allocation = Allocation(case_id=case.id, keyworker_id=keyworker.id, team_id=team_id,
                            lead_professional_id=data.get("lead_professional_id"),
                            allocated_by_id=actor.id, allocated_at=now, reason=reason)
    db.session.add(allocation)
    db.session.flush()
    family = db.session.get(Family, case.family_id)
    notify(keyworker.id, NotificationType.ALLOCATION, f"allocation:{allocation.id}",
           f"{family.display_name} has been allocated to you",
           f"Case {case.reference} ({family.display_name}) is now on your caseload."
           + (f" Reason: {reason}" if reallocating and reason else ""), case_id=case.id, family_id=case.family_id)
    team = db.session.get(Team, team_id) if team_id else None
    for referrer in referrer_ids(case):
        notify(referrer, NotificationType.ALLOCATION, f"allocation:{allocation.id}",
               "A keyworker has been allocated to the family you referred",
               f"Case {case.reference}: {keyworker.name}" + (f", {team.name}" if team else "")
               + " will be the family's keyworker.", case_id=case.id, family_id=case.family_id)
    return allocation


# --- queues and caseloads -----------------------------------------------------------------------------

def unallocated(actor, page: int = 1, per_page: int = 50, stage: str | None = None, rag: str | None = None):
    decision = require_list(actor, "cases.unallocated", object_type="case_list", purpose="unallocated cases")
    clauses = [Case.stage.in_([stage] if stage in AWAITING_ALLOCATION else AWAITING_ALLOCATION)]
    if rag:
        clauses.append(Case.rag == rag)
    query = select(Case, Family).join(Family, Family.id == Case.family_id).where(*clauses)
    total = bounded_count(select(Case.id).where(*clauses))  # counted up to 1,000 ("1,000+")
    rows = db.session.execute(query.order_by(Case.opened_at).limit(per_page).offset((page - 1) * per_page)).all()
    audit.record_reads(actor, "cases.unallocated", "case_list", [f.id for _, f in rows],
                       categories=decision.categories, purpose="unallocated cases", basis=decision.basis)
    return rows, total


@dataclass
class CaseloadRow:
    keyworker: User
    held: int

    @property
    def over(self) -> bool:
        return self.held >= self.keyworker.caseload_capacity


def lead_professional_options(actor) -> list[User]:
    """Practitioners in partner agencies (a school, health visiting...) who may lead a case."""
    require(actor, "case.allocate", None, object_type="user_list", audit=False)
    return list(db.session.scalars(select(User).where(User.role == Role.PARTNER, User.active)
                                   .order_by(User.name)))


def caseloads(actor, team_id: str | None = None) -> list[CaseloadRow]:
    """Every keyworker (of one team, or of all) with the number of families they hold: two
    queries. An unknown team is a NotFound, not an empty list that looks like a team with no
    keyworkers."""
    require(actor, "caseload.view", None, object_type="caseloads", purpose="allocation")
    query = select(User).where(User.role == Role.KEYWORKER, User.active)
    if team_id:
        if db.session.get(Team, team_id) is None:
            raise NotFound("No such team.")
        query = query.where(User.team_id == team_id)
    keyworkers = db.session.scalars(query.order_by(User.name)).all()
    # Only the listed keyworkers' cases, found through ix_cases_keyworker_id: never every case the
    # county holds (a whole-table count once closed cases run to hundreds of thousands).
    counts = dict(db.session.execute(
        select(Case.keyworker_id, func.count()).where(Case.keyworker_id.in_([k.id for k in keyworkers]),
                                                      Case.stage.in_(HELD_STAGES))
        .group_by(Case.keyworker_id)).all()) if keyworkers else {}
    return [CaseloadRow(k, counts.get(k.id, 0)) for k in keyworkers]


CASELOAD_KEYS = 2  # keyset paged on (opened_at, id), newest first


def caseload_page(actor, keyworker_id: str, before: tuple | None = None, per_page: int = 50, page: int = 1):
    """The caseload page: every family the keyworker holds, a page at a time from a keyset
    cursor (so the page never stops at the first 50), with each case's next visit (the latest
    booked on a contact) and next TAF review. Returns (keyworker, rows of (case, family, next
    visit), total, next cursor); four queries whatever the caseload."""
    from caseflow.core import keyset
    from caseflow.plans.models import Contact

    keyworker = db.session.get(User, keyworker_id)
    if keyworker is None:
        raise NotFound("No such keyworker.")
    decision = require_list(actor, "caseload.view", keyworker, object_type="caseload", purpose="caseload")
    query = select(Case).where(Case.keyworker_id == keyworker.id, Case.stage.in_(HELD_STAGES))
    total = keyset.bounded_count(query)
    cases, next_cursor = keyset.page(query, (Case.opened_at, Case.id), before, per_page, page)
    ids = [c.id for c in cases]
    families = {f.id: f for f in db.session.scalars(select(Family).where(
        Family.id.in_({c.family_id for c in cases})))} if cases else {}
    visits = dict(db.session.execute(select(Contact.case_id, func.max(Contact.next_visit_on)).where(
        Contact.case_id.in_(ids), Contact.next_visit_on.is_not(None)).group_by(Contact.case_id)).all()) if ids else {}
    rows = [(c, families[c.family_id], visits.get(c.id)) for c in cases]
    audit.record_reads(actor, "caseload.view", "caseload", [c.family_id for c in cases], object_id=keyworker.id,
                       categories=decision.categories, purpose="caseload", basis=decision.basis)
    return keyworker, rows, total, next_cursor


def caseload(actor, keyworker_id: str, page: int = 1, per_page: int = 50):
    keyworker = db.session.get(User, keyworker_id)
    if keyworker is None:
        raise NotFound("No such keyworker.")
    decision = require_list(actor, "caseload.view", keyworker, object_type="caseload", purpose="caseload")
    query = select(Case, Family).join(Family, Family.id == Case.family_id).where(
        Case.keyworker_id == keyworker.id, Case.stage.in_(HELD_STAGES))
    total = db.session.scalar(select(func.count()).select_from(Case).where(
        Case.keyworker_id == keyworker.id, Case.stage.in_(HELD_STAGES)))
    rows = db.session.execute(query.order_by(Case.opened_at).limit(per_page).offset((page - 1) * per_page)).all()
    audit.record_reads(actor, "caseload.view", "caseload", [f.id for _, f in rows], object_id=keyworker.id,
                       categories=decision.categories, purpose="caseload", basis=decision.basis)
    return keyworker, rows, total
