"""Triage, the multi-agency panel, allocation and caseloads.

Every stage change goes through caseflow.flow; every decision is audited, and the people who
need to know are notified in the same transaction (caseflow.notify).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import case as sql_case
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from caseflow import flow, timescales
from caseflow.auth.models import Team, User
from caseflow.auth.roles import Role
from caseflow.cases.amendments import DecisionMade
from caseflow.cases.models import Case
from caseflow.consent import audit
from caseflow.consent.policy import require, require_list
from caseflow.database import utcnow
from caseflow.extensions import db
from caseflow.families.models import Family
from caseflow.frontdoor.models import RequestForHelp, RequestStatus
from caseflow.notify.services import notify
from caseflow.plans import deadlines
from caseflow.socialcare import services as socialcare
from caseflow.services_errors import Conflict, NotFound, ServiceValidationError, load
from caseflow.triage.models import Allocation, LocalCriterion, Panel, PanelItem, PanelMember, TriageDecision
from caseflow.triage.schemas import AllocationSchema, PanelDecisionSchema, PanelSchema, TriageSchema

AWAITING_ALLOCATION = (flow.Stage.TRIAGED, flow.Stage.AWAITING_PANEL, flow.Stage.STEPPED_DOWN)
HELD_STAGES = (flow.Stage.ALLOCATED, flow.Stage.ASSESSING, flow.Stage.PLANNING, flow.Stage.REVIEWING)
RAG_ORDER = {"red": 0, "amber": 1, "green": 2}


class OverCapacity(Conflict):
    """Allocating would take a keyworker past their caseload capacity: confirm to go ahead."""

    code = "over_capacity"


def _case(case_id: str) -> Case:
    case = db.session.get(Case, case_id)
    if case is None:
        raise NotFound("No case with that id.")
    return case


def _referrer_ids(case: Case) -> set[str]:
    return set(db.session.scalars(select(RequestForHelp.submitted_by_id).where(
        RequestForHelp.case_id == case.id, RequestForHelp.submitted_by_id.is_not(None))))


# --- triage ------------------------------------------------------------------------------------------

def active_local_criteria() -> list[LocalCriterion]:
    return list(db.session.scalars(select(LocalCriterion).where(LocalCriterion.active)
                                   .order_by(LocalCriterion.label)))


def is_eligible(headline_codes: list[str], local_codes: list[str]) -> bool:
    """Programme eligibility: at least two of the six headline problems; an area's local
    criteria count towards the two, but at least one national headline problem is needed."""
    return len(set(headline_codes)) >= 1 and len(set(headline_codes)) + len(set(local_codes)) >= 2


def current_triage(case_id: str) -> TriageDecision | None:
    return db.session.scalar(select(TriageDecision).where(TriageDecision.case_id == case_id)
                             .order_by(TriageDecision.decided_at).limit(1))


def triage(actor, case_id: str, raw: dict) -> TriageDecision:
    case = _case(case_id)
    require(actor, "case.triage", case, object_type="case", family_id=case.family_id,
            purpose="triage")
    # A decision is made once: a second, different one would silently undo the first (take a
    # case off the panel's agenda). Changing it is an amendment, with a reason.
    made = current_triage(case.id)
    if made is not None:
        raise DecisionMade(f"This case was triaged on {timescales.format_uk_date(made.decided_at)} "
                       f"({made.decision.replace('_', ' ')}). To change that decision, amend it with a reason.")
    data = load(TriageSchema, raw)
    check_local_criteria(data)
    waiting_review = db.session.scalar(select(func.count()).select_from(RequestForHelp).where(
        RequestForHelp.case_id == case.id, RequestForHelp.status == RequestStatus.NEEDS_REVIEW))
    if waiting_review:
        raise Conflict("Confirm or reject the possible matches on this request before triage, "
                       "so the decision is made on the right family's history.")
    codes = [p["code"] for p in data["headline_problems"]]
    decision = TriageDecision(
        case_id=case.id, decided_by_id=actor.id, level_of_need=data["level_of_need"],
        headline_problems=data["headline_problems"], local_criteria=sorted(set(data["local_criteria"])),
        eligible=is_eligible(codes, data["local_criteria"]), rag=data["rag"],
        decision=data["decision"], rationale=data["rationale"], signposted_to=data.get("signposted_to"))
    route_after_triage(actor, case, data)
    case.level_of_need, case.rag, case.eligible = decision.level_of_need, decision.rag, decision.eligible
    db.session.add(decision)
    for req in db.session.scalars(select(RequestForHelp).where(RequestForHelp.case_id == case.id,
                                                               RequestForHelp.status == RequestStatus.NEW)):
        req.status = RequestStatus.TRIAGED
    tell_referrers_outcome(case, data, f"triage:{case.id}:{decision.decided_at.isoformat()}")
    db.session.flush()
    audit.record(actor, "case.triage", "case", case.id, family_id=case.family_id,
                 categories=["referral"], purpose="triage", basis="early help service function")
    db.session.commit()
    return decision


def check_local_criteria(data: dict) -> None:
    known_local = {c.code for c in active_local_criteria()}
    unknown = [c for c in data["local_criteria"] if c not in known_local]
    if unknown:
        raise ServiceValidationError("Unknown local criteria.", {"local_criteria": [
            f"Not a local criterion: {', '.join(unknown)}"]})


def route_after_triage(actor, case: Case, data: dict) -> None:
    """The move a triage decision makes, through the stage graph (409 for a move it lacks)."""
    if data["decision"] == "panel":
        if case.stage == flow.Stage.REQUESTED:
            flow.transition(db.session, case, "triage", actor, reason=data["rationale"])
        flow.transition(db.session, case, "send_to_panel", actor, reason="Triage: to panel")
    elif data["decision"] == "signpost":
        flow.transition(db.session, case, "signpost", actor, reason=data["rationale"],
                        signposted_to=data["signposted_to"])
        case.closure_reason, case.signposted_to = "signposted", data["signposted_to"]
    else:
        socialcare.step_up_from_triage(actor, case, data["rationale"])


def tell_referrers_outcome(case: Case, data: dict, key: str) -> None:
    outcome = {"panel": "is going to the next multi-agency panel",
               "signpost": f"has been signposted to {data.get('signposted_to')}",
               "step_up": "has been passed to children's social care"}[data["decision"]]
    for referrer in _referrer_ids(case):
        notify(referrer, "triage_outcome", key, f"Your request for help {outcome}",
               f"Case {case.reference} {outcome}.", case_id=case.id, family_id=case.family_id)


# --- panels ------------------------------------------------------------------------------------------

def next_panel_date(after: date | None = None) -> date:
    """The next meeting date on the configured cadence, moved to a working day."""
    cadence = current_app.extensions["caseflow.settings"].panel_cadence_days
    last = db.session.scalar(select(func.max(Panel.meets_on)))
    start = after or (last + timedelta(days=cadence) if last else date.today())
    return timescales.working_day_on_or_after(start)


def create_panel(actor, raw: dict) -> Panel:
    require(actor, "panel.manage", object_type="panel", purpose="panel")
    data = load(PanelSchema, raw)
    panel = Panel(name=data["name"], meets_on=data["date"], chair_id=actor.id if actor.role == Role.PANEL_CHAIR else None,
                  created_by_id=actor.id)
    for org_id in dict.fromkeys(data["members"]):
        panel.members.append(PanelMember(organisation_id=org_id))
    db.session.add(panel)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise ServiceValidationError("Unknown organisation.", {"members": ["Choose organisations from the list"]}) from None
    audit.record(actor, "panel.create", "panel", panel.id, purpose="panel")
    db.session.commit()
    return panel


def list_panels(actor, limit: int = 20) -> list[Panel]:
    """Recent and upcoming panels; a partner member sees those their organisation sits on."""
    require(actor, "panel.list", object_type="panel_list", audit=False)
    query = select(Panel).order_by(Panel.meets_on.desc()).limit(limit).options(selectinload(Panel.items))
    if actor.role == Role.PANEL_MEMBER:
        query = query.where(Panel.id.in_(select(PanelMember.panel_id).where(
            PanelMember.organisation_id == actor.organisation_id)))
    panels = list(db.session.scalars(query))
    db.session.commit()
    return panels


def get_panel(actor, panel_id: str, action: str = "panel.view"):
    panel = db.session.scalar(select(Panel).where(Panel.id == panel_id)
                              .options(selectinload(Panel.members), selectinload(Panel.items)))
    if panel is None:
        raise NotFound("No panel with that id.")
    decision = require(actor, action, panel, object_type="panel", purpose="panel")
    return panel, decision


def record_attendance(actor, panel_id: str, attended_org_ids: list[str]) -> Panel:
    panel, _ = get_panel(actor, panel_id, "panel.manage")
    for member in panel.members:
        member.attended = member.organisation_id in set(attended_org_ids)
    db.session.commit()
    return panel


@dataclass
class AgendaItem:
    case: Case
    family: Family
    waiting_working_days: int
    previous_deferrals: list[PanelItem]
    decided: PanelItem | None


@dataclass
class Agenda:
    panel: Panel
    items: list[AgendaItem]
    decision: object
    waiting_total: int
    page: int
    per_page: int


def agenda(actor, panel_id: str, page: int = 1, per_page: int = 25, waiting: bool = True) -> Agenda:
    """Cases awaiting panel (step-downs first, then highest risk, then oldest), a page at a
    time, plus the items this panel has already decided. A fixed number of queries."""
    panel, decision = get_panel(actor, panel_id)
    decided = {item.case_id: item for item in panel.items}
    priority = sql_case((Case.stage == flow.Stage.STEPPED_DOWN, 0), else_=1)
    risk = sql_case((Case.rag == "red", 0), (Case.rag == "amber", 1), (Case.rag == "green", 2), else_=3)
    awaiting = Case.stage.in_([flow.Stage.AWAITING_PANEL, flow.Stage.STEPPED_DOWN])
    if not waiting:  # minutes: only what this panel decided
        awaiting = Case.id.is_(None)
    waiting_total = db.session.scalar(select(func.count()).select_from(Case).where(awaiting))
    waiting = db.session.execute(
        select(Case, Family).join(Family, Family.id == Case.family_id).where(awaiting)
        .order_by(priority, risk, Case.opened_at, Case.id).limit(per_page).offset((page - 1) * per_page)).all()
    decided_rows = db.session.execute(
        select(Case, Family).join(Family, Family.id == Case.family_id)
        .where(Case.id.in_(list(decided)))).all() if decided else []
    case_ids = [c.id for c, _ in waiting]
    deferrals: dict[str, list[PanelItem]] = {}
    if case_ids:
        for item in db.session.scalars(select(PanelItem).where(
                PanelItem.case_id.in_(case_ids), PanelItem.decision == "defer",
                PanelItem.panel_id != panel.id).order_by(PanelItem.decided_at)):
            deferrals.setdefault(item.case_id, []).append(item)
    today = timescales.to_london(utcnow()).date()
    items = [AgendaItem(c, f, timescales.working_days_between(timescales.to_london(c.opened_at).date(), today),
                        deferrals.get(c.id, []), decided.get(c.id))
             for c, f in list(waiting) + [r for r in decided_rows if r[0].id not in case_ids]]
    audit.record_reads(actor, "panel.view", "panel", [i.family.id for i in items], object_id=panel.id,
                       categories=decision.categories, purpose="panel", basis=decision.basis)
    db.session.commit()  # the audited read of the panel
    return Agenda(panel, items, decision, waiting_total, page, per_page)


def decide(actor, panel_id: str, raw: dict) -> PanelItem:
    panel, _ = get_panel(actor, panel_id, "panel.manage")
    data = load(PanelDecisionSchema, raw)
    case = _case(data["case_id"])
    if any(item.case_id == case.id for item in panel.items):
        raise DecisionMade("This panel has already made its decision about this case. "
                       "To change it, amend the decision with a reason.")
    if case.stage not in (flow.Stage.AWAITING_PANEL, flow.Stage.STEPPED_DOWN):
        raise flow.IllegalTransition(
            f"Case {case.reference} is {flow.STAGE_LABELS[flow.Stage(case.stage)].lower()}, not awaiting panel.")
    item = PanelItem(panel_id=panel.id, case_id=case.id, decision=data["decision"],
                     rationale=data["rationale"], decided_by_id=actor.id,
                     team_id=data.get("team_id"), keyworker_id=data.get("keyworker_id"))
    if data["decision"] == "allocate":
        _may_allocate(actor, case)
        _allocate(actor, case, data, reason=f"Panel {panel.name} on {timescales.format_uk_date(panel.meets_on)}")
    elif data["decision"] == "signpost":
        flow.transition(db.session, case, "signpost", actor, reason=data["rationale"],
                        signposted_to=data["signposted_to"])
        case.closure_reason, case.signposted_to = "signposted", data["signposted_to"]
    elif data["decision"] == "step_up":
        socialcare.step_up_from_triage(actor, case, data["rationale"])
    db.session.add(item)
    try:
        db.session.flush()
    except IntegrityError:  # two chairs deciding at once: the second loses cleanly
        db.session.rollback()
        raise DecisionMade("This panel has already made its decision about this case.") from None
    audit.record(actor, f"panel.{data['decision']}", "case", case.id, family_id=case.family_id,
                 purpose="panel decision")
    db.session.commit()
    return item


# --- allocation --------------------------------------------------------------------------------------

def open_caseload_count(keyworker_id: str) -> int:
    return db.session.scalar(select(func.count()).select_from(Case).where(
        Case.keyworker_id == keyworker_id, Case.stage.in_(HELD_STAGES))) or 0


def allocate(actor, case_id: str, raw: dict) -> Allocation:
    case = _case(case_id)
    _may_allocate(actor, case)  # refuse before reading the body: a refusal is not a form error
    data = load(AllocationSchema, raw)
    allocation = _allocate(actor, case, data, reason=data.get("reason"))
    audit.record(actor, "case.allocate", "case", case.id, family_id=case.family_id, purpose="allocation")
    db.session.commit()
    return allocation


def _may_allocate(actor, case: Case) -> None:
    require(actor, "case.reallocate" if case.stage in HELD_STAGES else "case.allocate", case,
            object_type="case", family_id=case.family_id, purpose="allocation")


def _allocate(actor, case: Case, data: dict, reason: str | None) -> Allocation:
    reallocating = case.stage in HELD_STAGES
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
                            allocated_by_id=actor.id, allocated_at=now, reason=reason or data.get("reason"))
    db.session.add(allocation)
    db.session.flush()
    family = db.session.get(Family, case.family_id)
    notify(keyworker.id, "allocation", f"allocation:{allocation.id}",
           f"{family.display_name} has been allocated to you",
           f"Case {case.reference} ({family.display_name}) is now on your caseload."
           + (f" Reason: {reason}" if reallocating and reason else ""), case_id=case.id, family_id=case.family_id)
    team = db.session.get(Team, team_id) if team_id else None
    for referrer in _referrer_ids(case):
        notify(referrer, "allocation", f"allocation:{allocation.id}",
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
    total = db.session.scalar(select(func.count()).select_from(Case).where(*clauses))
    rows = db.session.execute(query.order_by(Case.opened_at).limit(per_page).offset((page - 1) * per_page)).all()
    audit.record_reads(actor, "cases.unallocated", "case_list", [f.id for _, f in rows],
                       categories=decision.categories, purpose="unallocated cases", basis=decision.basis)
    db.session.commit()
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
    """Every keyworker with the number of families they hold: two queries."""
    require(actor, "caseload.view", None, object_type="caseloads", purpose="allocation")
    counts = dict(db.session.execute(
        select(Case.keyworker_id, func.count()).where(Case.stage.in_(HELD_STAGES), Case.keyworker_id.is_not(None))
        .group_by(Case.keyworker_id)).all())
    query = select(User).where(User.role == Role.KEYWORKER, User.active)
    if team_id:
        query = query.where(User.team_id == team_id)
    keyworkers = db.session.scalars(query.order_by(User.name)).all()
    db.session.commit()
    return [CaseloadRow(k, counts.get(k.id, 0)) for k in keyworkers]


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
    db.session.commit()
    return keyworker, rows, total


# --- timeliness ---------------------------------------------------------------------------------------

def timeliness_many(cases: list[Case]) -> dict[str, dict[str, int | None]]:
    """Working days from the request to triage, to panel and to allocation, per case (None: not
    yet). Two queries however many cases, so lists can show it on every row."""
    from caseflow.cases.models import CaseTransition

    ids = [c.id for c in cases]
    if not ids:
        return {}
    triaged: dict[str, datetime] = {}
    allocated: dict[str, datetime] = {}
    for case_id, action, at in db.session.execute(
            select(CaseTransition.case_id, CaseTransition.action, CaseTransition.at)
            .where(CaseTransition.case_id.in_(ids),
                   CaseTransition.action.in_(["triage", "signpost", "step_up", "allocate"]))
            .order_by(CaseTransition.at)):
        target = allocated if action == "allocate" else triaged
        target.setdefault(case_id, at)
    paneled = dict(db.session.execute(select(PanelItem.case_id, func.min(PanelItem.decided_at))
                                      .where(PanelItem.case_id.in_(ids)).group_by(PanelItem.case_id)).all())
    out = {}
    for case in cases:
        opened = timescales.to_london(case.opened_at).date()

        def days_to(moment):
            return None if moment is None else timescales.working_days_between(
                opened, timescales.to_london(moment).date())

        out[case.id] = {"to_triage": days_to(triaged.get(case.id)), "to_panel": days_to(paneled.get(case.id)),
                        "to_allocation": days_to(allocated.get(case.id))}
    return out


def timeliness(case: Case) -> dict[str, int | None]:
    return timeliness_many([case])[case.id]


# --- local criteria (administrators) --------------------------------------------------------------

def add_local_criterion(actor, code: str, label: str) -> LocalCriterion:
    require(actor, "local_criteria.manage", object_type="local_criterion", audit=False)
    code = "_".join((code or label or "").lower().split())[:60]
    if not code or not (label or "").strip():
        raise ServiceValidationError("Give the criterion a name.", {"label": ["Enter the criterion, for example 'Parental substance misuse'"]})
    if db.session.scalar(select(LocalCriterion).where(LocalCriterion.code == code)):
        raise ServiceValidationError("That criterion exists already.", {"label": ["A criterion with this name exists already"]})
    criterion = LocalCriterion(code=code, label=label.strip())
    db.session.add(criterion)
    db.session.flush()
    audit.record(actor, "local_criterion.add", "local_criterion", criterion.id, purpose="configuration")
    db.session.commit()
    return criterion


def set_local_criterion_active(actor, criterion_id: str, active: bool) -> LocalCriterion:
    require(actor, "local_criteria.manage", object_type="local_criterion", audit=False)
    criterion = db.session.get(LocalCriterion, criterion_id)
    if criterion is None:
        raise NotFound("No such criterion.")
    criterion.active = active
    audit.record(actor, "local_criterion." + ("activate" if active else "retire"), "local_criterion",
                 criterion.id, purpose="configuration")
    db.session.commit()
    return criterion


def all_local_criteria(actor) -> list[LocalCriterion]:
    require(actor, "local_criteria.manage", object_type="local_criterion", audit=False)
    return list(db.session.scalars(select(LocalCriterion).order_by(LocalCriterion.label)))


# --- the signposting letter -----------------------------------------------------------------------

@dataclass
class SignpostLetter:
    case: Case
    family: Family
    addressee: object  # the Person the letter is addressed to
    reference: str


def signpost_letter(actor, case_id: str) -> SignpostLetter:
    """A plain-English letter telling the family where they have been signposted (Journey 4)."""
    case = _case(case_id)
    require(actor, "case.triage", case, object_type="case", family_id=case.family_id,
            purpose="signposting letter")
    if case.stage != flow.Stage.SIGNPOSTED:
        raise Conflict("Only a case closed at the door by signposting has a signposting letter.")
    family = db.session.get(Family, case.family_id)
    parents = [m.person for m in family.memberships if m.relationship_to_family == "parent_carer"]
    addressee = (parents or [m.person for m in family.memberships])[0]
    request = db.session.scalar(select(RequestForHelp).where(RequestForHelp.case_id == case.id)
                                .order_by(RequestForHelp.received_at).limit(1))
    db.session.commit()
    return SignpostLetter(case, family, addressee, request.reference if request else case.reference)
