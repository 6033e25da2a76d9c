"""The triage decision at the front door, the area's local eligibility criteria, the
signposting letter, and how long each case waited for triage, panel and allocation.

Every stage change goes through caseflow.flow; every decision is audited, and the people who
need to know are notified in the same transaction (caseflow.notify). Panels and allocation build
on this package (they import it); it never imports them.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, inspect, select

from caseflow.core import stages as flow, timescales
from caseflow.cases.amendments import DecisionMade
from caseflow.cases.models import Case, CaseTransition
from caseflow.cases.services import load_case
from caseflow.core import audit, signals
from caseflow.core.access import require
from caseflow.core.extensions import db
from caseflow.families.models import Family
from caseflow.frontdoor.models import RequestForHelp, RequestStatus
from caseflow.frontdoor.services import referrer_ids
from caseflow.notify.services import notify
from caseflow.core.errors import Conflict, NotFound, ServiceValidationError, load
from caseflow.triage.models import LocalCriterion, TriageDecision, TriageOutcome
from caseflow.triage.schemas import TriageSchema
from caseflow.notify.vocab import NotificationType
from caseflow.core.vocab import ClosureReason
from caseflow.directory import services as directory
from caseflow.directory.vocab import SignpostContext


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
    # Locked: two people triaging the same case at once queue, and the second finds it decided.
    case, _ = load_case(actor, case_id, "case.triage", "triage", lock=True)
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
    if data["decision"] == TriageOutcome.SIGNPOST:  # named from the directory when picked from it
        decision.signposted_to = data["signposted_to"] = case.signposted_to
    case.level_of_need, case.rag, case.eligible = decision.level_of_need, decision.rag, decision.eligible
    db.session.add(decision)
    for req in db.session.scalars(select(RequestForHelp).where(RequestForHelp.case_id == case.id,
                                                               RequestForHelp.status == RequestStatus.NEW)):
        req.status = RequestStatus.TRIAGED
    tell_referrers_outcome(case, data, f"triage:{case.id}:{decision.decided_at.isoformat()}")
    db.session.flush()
    audit.record(actor, "case.triage", "case", case.id, family_id=case.family_id,
                 categories=["referral"], purpose="triage", basis="early help service function")
    return decision


def check_local_criteria(data: dict) -> None:
    known_local = {c.code for c in active_local_criteria()}
    unknown = [c for c in data["local_criteria"] if c not in known_local]
    if unknown:
        raise ServiceValidationError("Unknown local criteria.", {"local_criteria": [
            f"Not a local criterion: {', '.join(unknown)}"]})


def route_after_triage(actor, case: Case, data: dict) -> None:
    """The move a triage decision makes, through the stage graph (409 for a move it lacks)."""
    if data["decision"] == TriageOutcome.PANEL:
        if case.stage == flow.Stage.REQUESTED:
            flow.transition(db.session, case, "triage", actor, reason=data["rationale"])
        flow.transition(db.session, case, "send_to_panel", actor, reason="Triage: to panel")
    elif data["decision"] == TriageOutcome.SIGNPOST:
        signpost(actor, case, data["rationale"], data.get("signposted_to"), data.get("service_ids"))
    else:
        step_up(actor, case, data["rationale"])


def tell_referrers_outcome(case: Case, data: dict, key: str) -> None:
    outcome = {TriageOutcome.PANEL: "is going to the next multi-agency panel",
               TriageOutcome.SIGNPOST: f"has been signposted to {data.get('signposted_to')}",
               TriageOutcome.STEP_UP: "has been passed to children's social care"}[data["decision"]]
    for referrer in referrer_ids(case):
        notify(referrer, NotificationType.TRIAGE_OUTCOME, key, f"Your request for help {outcome}",
               f"Case {case.reference} {outcome}.", case_id=case.id, family_id=case.family_id)


# --- the two ways a case leaves early help before allocation (triage or panel decides) ---------------

def signpost(actor, case: Case, rationale: str, signposted_to: str | None, service_ids=(),
             context: SignpostContext = SignpostContext.TRIAGE) -> None:
    """Close the case by pointing the family to another service; they get a letter saying where
    (signpost_letter), with what each service picked from the directory offers and how to reach
    it. Without words of its own, `signposted_to` names the services picked. The caller audits
    its own decision."""
    chosen = directory.signpost(actor, case, service_ids, context)
    signposted_to = (signposted_to or "").strip() or directory.signposted_names(chosen)
    flow.transition(db.session, case, "signpost", actor, reason=rationale, signposted_to=signposted_to)
    case.closure_reason, case.signposted_to = ClosureReason.SIGNPOSTED, signposted_to


def step_up(actor, case: Case, rationale: str):
    """Pass the case straight to children's social care: socialcare (which sits above triage)
    keeps the step-up record and tells its duty team, on the step_up_at_triage signal. The
    caller audits its own decision. Returns the step-up record."""
    return signals.send_handled(signals.step_up_at_triage, actor, case=case, rationale=rationale)


# --- timeliness ---------------------------------------------------------------------------------------

# Working days from the request to each milestone. Triage and allocation are moves on the stage
# history; when a case first came before a panel is the panels package's to say (a deferral
# moves no stage), so it registers a look-up here: triage does not import the stages after it.
MILESTONES = ("to_triage", "to_panel", "to_allocation")
FirstReached = Callable[[list[str]], dict[str, datetime]]  # case ids -> when each first got there
_milestone_lookups: dict[str, FirstReached] = {}


def register_milestone(name: str, first_reached: FirstReached) -> None:
    """A later stage tells timeliness when cases first reached it (one query for many cases)."""
    if name not in MILESTONES:
        raise ValueError(f"Not a timeliness milestone: {name}")
    _milestone_lookups[name] = first_reached


_MILESTONE_ACTIONS = ("triage", "signpost", "step_up", "allocate")


def timeliness_many(cases: list[Case]) -> dict[str, dict[str, int | None]]:
    """Working days from the request to triage, to panel and to allocation, per case (None: not
    yet). Two queries however many cases, so lists can show it on every row."""
    ids = [c.id for c in cases]
    if not ids:
        return {}
    return _timeliness(cases, db.session.execute(
        select(CaseTransition.case_id, CaseTransition.action, CaseTransition.at)
        .where(CaseTransition.case_id.in_(ids), CaseTransition.action.in_(_MILESTONE_ACTIONS))
        .order_by(CaseTransition.at)))


def _timeliness(cases: list[Case], transitions) -> dict[str, dict[str, int | None]]:
    """timeliness_many from the cases' (case id, action, at) transitions, oldest first."""
    ids = [c.id for c in cases]
    reached: dict[str, dict[str, datetime]] = {"to_triage": {}, "to_allocation": {}}
    for case_id, action, at in transitions:
        if action in _MILESTONE_ACTIONS:
            reached["to_allocation" if action == "allocate" else "to_triage"].setdefault(case_id, at)
    for name in MILESTONES:
        if name not in reached:
            if name not in _milestone_lookups:  # a wrong figure would look plausible: fail loudly
                raise RuntimeError(f"Nothing reports the {name} milestone: is caseflow.panels imported?")
            reached[name] = _milestone_lookups[name](ids)
    out = {}
    for case in cases:
        opened = timescales.to_london(case.opened_at).date()

        def days_to(moment):
            return None if moment is None else timescales.working_days_between(
                opened, timescales.to_london(moment).date())

        out[case.id] = {name: days_to(reached[name].get(case.id)) for name in MILESTONES}
    return out


def timeliness(case: Case) -> dict[str, int | None]:
    if "transitions" not in inspect(case).unloaded:  # the case page loaded them with the case
        return _timeliness([case], sorted(((case.id, t.action, t.at) for t in case.transitions),
                                          key=lambda row: row[2]))[case.id]
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
    return criterion


def set_local_criterion_active(actor, criterion_id: str, active: bool) -> LocalCriterion:
    require(actor, "local_criteria.manage", object_type="local_criterion", audit=False)
    criterion = db.session.get(LocalCriterion, criterion_id)
    if criterion is None:
        raise NotFound("No such criterion.")
    criterion.active = active
    audit.record(actor, "local_criterion." + ("activate" if active else "retire"), "local_criterion",
                 criterion.id, purpose="configuration")
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
    services: list = field(default_factory=list)  # picked from the directory, with how to reach each


def signpost_letter(actor, case_id: str) -> SignpostLetter:
    """A plain-English letter telling the family where they have been signposted (Journey 4)."""
    case, _ = load_case(actor, case_id, "case.triage", "signposting letter")
    if case.stage != flow.Stage.SIGNPOSTED:
        raise Conflict("Only a case closed at the door by signposting has a signposting letter.")
    family = db.session.get(Family, case.family_id)
    parents = [m.person for m in family.memberships if m.relationship_to_family == "parent_carer"]
    addressee = (parents or [m.person for m in family.memberships])[0]
    request = db.session.scalar(select(RequestForHelp).where(RequestForHelp.case_id == case.id)
                                .order_by(RequestForHelp.received_at).limit(1))
    return SignpostLetter(case, family, addressee, request.reference if request else case.reference,
                          [s.service for s in directory.signposts_for(case.id)])
