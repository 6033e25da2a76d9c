"""Panel meetings: who sits on them and who came, the agenda of cases awaiting panel, and the
panel's one decision about each case (allocate, signpost, step up or defer).

Panels build on triage (signposting and stepping up are its functions) and on allocation (a
panel's 'allocate' decision is an allocation); neither of those imports panels.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import case as sql_case
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from caseflow.core import stages as flow, timescales
from caseflow.allocation import services as allocation
from caseflow.core.roles import Role
from caseflow.cases.amendments import DecisionMade
from caseflow.cases.models import Case
from caseflow.cases.services import get_case
from caseflow.core import audit
from caseflow.core.access import require
from caseflow.core.database import utcnow
from caseflow.core.extensions import db
from caseflow.core.keyset import bounded_count
from caseflow.families.models import Family
from caseflow.panels import localities
from caseflow.panels.models import Panel, PanelCadence, PanelItem, PanelKind, PanelMember, PanelOutcome
from caseflow.panels.schemas import PanelDecisionSchema, PanelSchema
from caseflow.core.errors import NotFound, ServiceValidationError, load
from caseflow.triage import services as triage
from caseflow.core.vocab import Rag
from caseflow.directory.vocab import SignpostContext


def next_panel_date(after: date | None = None, kind: str = PanelKind.ALLOCATION, locality=None) -> date:
    """The next meeting date on its cadence, moved to a working day: a locality's allocation
    meeting sits on the locality's cadence (daily, weekly...), Action and Impact monthly, and the
    service-wide allocation panel on the configured number of days."""
    last = db.session.scalar(select(func.max(Panel.meets_on)).where(
        Panel.kind == kind, Panel.locality_id == locality.id if locality is not None else Panel.locality_id.is_(None)))
    if after is None and last is not None:
        if kind == PanelKind.ESCALATION:
            after = localities.after_cadence(last, PanelCadence.MONTHLY)
        elif locality is not None:
            after = localities.after_cadence(last, locality.cadence)
        else:
            after = last + timedelta(days=current_app.extensions["caseflow.settings"].panel_cadence_days)
    return timescales.working_day_on_or_after(after or timescales.today_london())


PANEL_NAMES = {PanelKind.ALLOCATION: "Early help allocation panel", PanelKind.ESCALATION: "Action and Impact panel"}


def create_panel(actor, raw: dict) -> Panel:
    require(actor, "panel.manage", object_type="panel", purpose="panel")
    data = load(PanelSchema, raw)
    locality = localities.get_locality(data.get("locality_id"))
    if not raw.get("name") and locality is not None:  # "North Herts daily allocation meeting"
        meeting = "daily allocation meeting" if locality.cadence == PanelCadence.DAILY else "allocation panel"
        data["name"] = (f"{locality.name} {meeting}" if data["kind"] == PanelKind.ALLOCATION
                        else f"{locality.name} Action and Impact panel")[:120]
    elif not raw.get("name"):
        data["name"] = PANEL_NAMES[PanelKind(data["kind"])]
    panel = Panel(name=data["name"], meets_on=data["date"], chair_id=actor.id if actor.role == Role.PANEL_CHAIR else None,
                  created_by_id=actor.id, kind=data["kind"], locality_id=locality.id if locality else None)
    for org_id in dict.fromkeys(data["members"]):
        panel.members.append(PanelMember(organisation_id=org_id))
    db.session.add(panel)
    try:
        db.session.flush()
    except IntegrityError:  # the failed flush is undone by whoever called (a savepoint, the API)
        raise ServiceValidationError("Unknown organisation.", {"members": ["Choose organisations from the list"]}) from None
    audit.record(actor, "panel.create", "panel", panel.id, purpose="panel")
    return panel


def list_panels(actor, limit: int = 20) -> list[Panel]:
    """Recent and upcoming panels; a partner member sees those their organisation sits on."""
    require(actor, "panel.list", object_type="panel_list", audit=False)
    query = select(Panel).order_by(Panel.meets_on.desc()).limit(limit).options(selectinload(Panel.items))
    if actor.role == Role.PANEL_MEMBER:
        query = query.where(Panel.id.in_(select(PanelMember.panel_id).where(
            PanelMember.organisation_id == actor.organisation_id)))
    panels = list(db.session.scalars(query))
    return panels


def kind_of(panel_id: str) -> str | None:
    """Which kind of meeting a panel is (no one's data: the page chooses its template by it)."""
    return db.session.scalar(select(Panel.kind).where(Panel.id == panel_id))


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
    return panel


@dataclass
class AgendaItem:
    case: Case
    family: Family
    waiting_working_days: int
    previous_deferrals: list[PanelItem]
    decided: PanelItem | None
    # What the panel reads before deciding (referral data: shown only with that category):
    # the request's concerns and its account, and triage's level, problems and reasoning.
    concerns: list[str] = None
    request_summary: str | None = None
    triage: object | None = None


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
    risk = sql_case((Case.rag == Rag.RED, 0), (Case.rag == Rag.AMBER, 1), (Case.rag == Rag.GREEN, 2), else_=3)
    awaiting = Case.stage.in_([flow.Stage.AWAITING_PANEL, flow.Stage.STEPPED_DOWN])
    if panel.locality_id:  # a locality's panel hears its own families
        awaiting = awaiting & localities.case_in_locality(panel.locality_id)
    if not waiting or panel.kind == PanelKind.ESCALATION:  # minutes, or Action and Impact's own agenda
        awaiting = Case.id.is_(None)
    waiting_total = bounded_count(select(Case.id).where(awaiting))  # counted up to 1,000 ("1,000+")
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
                PanelItem.case_id.in_(case_ids), PanelItem.decision == PanelOutcome.DEFER,
                PanelItem.panel_id != panel.id).order_by(PanelItem.decided_at)):
            deferrals.setdefault(item.case_id, []).append(item)
    today = timescales.to_london(utcnow()).date()
    rows = list(waiting) + [r for r in decided_rows if r[0].id not in case_ids]
    requests, decisions = _what_the_panel_reads([c.id for c, _ in rows])
    items = [AgendaItem(c, f, timescales.working_days_between(timescales.to_london(c.opened_at).date(), today),
                        deferrals.get(c.id, []), decided.get(c.id),
                        concerns=list(requests[c.id].concerns or []) if c.id in requests else [],
                        request_summary=requests[c.id].details if c.id in requests else None,
                        triage=decisions.get(c.id))
             for c, f in rows]
    audit.record_reads(actor, "panel.view", "panel", [i.family.id for i in items], object_id=panel.id,
                       categories=decision.categories, purpose="panel", basis=decision.basis)
    return Agenda(panel, items, decision, waiting_total, page, per_page)


def _what_the_panel_reads(case_ids: list[str]):
    """Each case's request for help and latest triage decision: two queries for the page."""
    from caseflow.frontdoor.models import RequestForHelp
    from caseflow.triage.models import TriageDecision

    requests, decisions = {}, {}
    if case_ids:
        for request in db.session.scalars(select(RequestForHelp).where(RequestForHelp.case_id.in_(case_ids))
                                          .order_by(RequestForHelp.received_at)):
            requests[request.case_id] = request  # the latest request on the case
        for decision in db.session.scalars(select(TriageDecision).where(TriageDecision.case_id.in_(case_ids))
                                           .order_by(TriageDecision.decided_at)):
            decisions[decision.case_id] = decision
    return requests, decisions


def decide(actor, panel_id: str, raw: dict) -> PanelItem:
    panel, _ = get_panel(actor, panel_id, "panel.manage")
    if panel.kind == PanelKind.ESCALATION:
        raise flow.IllegalTransition("An Action and Impact panel agrees actions on open cases; "
                                     "allocation decisions are made at an allocation panel.")
    data = load(PanelDecisionSchema, raw)
    case = get_case(data["case_id"])
    if any(item.case_id == case.id for item in panel.items):
        raise DecisionMade("This panel has already made its decision about this case. "
                           "To change it, amend the decision with a reason.")
    if case.stage not in (flow.Stage.AWAITING_PANEL, flow.Stage.STEPPED_DOWN):
        raise flow.IllegalTransition(
            f"Case {case.reference} is {flow.STAGE_LABELS[flow.Stage(case.stage)].lower()}, not awaiting panel.")
    item = PanelItem(panel_id=panel.id, case_id=case.id, decision=data["decision"],
                     rationale=data["rationale"], decided_by_id=actor.id,
                     team_id=data.get("team_id"), keyworker_id=data.get("keyworker_id"))
    if data["decision"] == PanelOutcome.ALLOCATE:
        allocation.allocate(actor, case, data,
                            reason=f"Panel {panel.name} on {timescales.format_uk_date(panel.meets_on)}")
    elif data["decision"] == PanelOutcome.SIGNPOST:
        triage.signpost(actor, case, data["rationale"], data.get("signposted_to"), data.get("service_ids"),
                        SignpostContext.PANEL)
    elif data["decision"] == PanelOutcome.STEP_UP:
        triage.step_up(actor, case, data["rationale"])
    db.session.add(item)
    try:
        db.session.flush()
    except IntegrityError:  # two chairs deciding at once: the second loses cleanly (its caller undoes it)
        raise DecisionMade("This panel has already made its decision about this case.") from None
    audit.record(actor, f"panel.{data['decision']}", "case", case.id, family_id=case.family_id,
                 purpose="panel decision")
    return item


# --- what timeliness needs from panels -------------------------------------------------------------

def first_decided_at(case_ids: list[str]) -> dict[str, datetime]:
    """When each case first came before a panel (its first panel decision, a deferral included)."""
    return dict(db.session.execute(select(PanelItem.case_id, func.min(PanelItem.decided_at))
                                   .where(PanelItem.case_id.in_(case_ids)).group_by(PanelItem.case_id)).all())


triage.register_milestone("to_panel", first_decided_at)
