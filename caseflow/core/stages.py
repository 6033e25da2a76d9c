"""The case stage graph (DESIGN.md §3): every stage and every move, declared once.

The graph says which moves exist from each stage and what each needs. Every stage change in the
product goes through `transition()`, which checks the graph, records who/when/why as a
CaseTransition, and raises IllegalTransition (HTTP 409 in the API) for a move the graph does not
have. Who may make a move is the access policy's answer (the rule `case.move.<action>`, 403 when
refused), asked by the service making the move. Pages and API responses list only
`available_actions()`: moves the graph has that the policy allows the user.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from caseflow.core.access import can
from caseflow.core.database import utcnow


class Stage(StrEnum):
    REQUESTED = "requested"
    TRIAGED = "triaged"
    AWAITING_PANEL = "awaiting_panel"
    ALLOCATED = "allocated"
    ASSESSING = "assessing"
    PLANNING = "planning"
    REVIEWING = "reviewing"
    CLOSED = "closed"
    SIGNPOSTED = "signposted"
    SOCIAL_CARE = "social_care"
    STEPPED_DOWN = "stepped_down"
    # After closure, before the case is fully closed: light-touch check-ins for a set period
    # (Settings.monitoring_months), ending with the outcome review (caseflow.plans.monitoring).
    MONITORING = "monitoring"


STAGE_LABELS = {
    Stage.REQUESTED: "Requested",
    Stage.TRIAGED: "Triaged",
    Stage.AWAITING_PANEL: "Awaiting panel",
    Stage.ALLOCATED: "Allocated",
    Stage.ASSESSING: "Assessing",
    Stage.PLANNING: "Planning",
    Stage.REVIEWING: "Reviewing",
    Stage.CLOSED: "Closed",
    Stage.SIGNPOSTED: "Signposted",
    Stage.SOCIAL_CARE: "Children's social care",
    Stage.STEPPED_DOWN: "Stepped down",
    Stage.MONITORING: "Monitoring after closure",
}

CLOSED_STAGES = frozenset({Stage.CLOSED, Stage.SIGNPOSTED})
OPEN_STAGES = frozenset(Stage) - CLOSED_STAGES
EARLY_HELP_OPEN = frozenset(
    {Stage.REQUESTED, Stage.TRIAGED, Stage.AWAITING_PANEL, Stage.ALLOCATED,
     Stage.ASSESSING, Stage.PLANNING, Stage.REVIEWING, Stage.STEPPED_DOWN, Stage.MONITORING}
)

def step_up_return_stage(from_stage) -> Stage:
    """Where a step-up social care did not accept sends the case back to."""
    return Stage.TRIAGED if from_stage == Stage.REQUESTED else Stage(from_stage)


def step_up_returns_by(stage) -> str:
    """The move back to early help after a step-up was not accepted, to `stage`."""
    return f"not_accepted_back_to_{Stage(stage).value}"


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[Stage]
    target: Stage
    label: str
    requires: tuple[str, ...] = field(default=())  # data the caller must supply (e.g. "reason")


def _t(action, sources, target, label, requires=()):
    return Transition(action, frozenset(sources), target, label, tuple(requires))


TRANSITIONS: tuple[Transition, ...] = (
    _t("triage", {Stage.REQUESTED}, Stage.TRIAGED, "Record triage decision", ["rationale"]),
    _t("send_to_panel", {Stage.REQUESTED, Stage.TRIAGED, Stage.STEPPED_DOWN},
       Stage.AWAITING_PANEL, "Send to panel", ["rationale"]),
    _t("signpost", {Stage.REQUESTED, Stage.TRIAGED, Stage.AWAITING_PANEL}, Stage.SIGNPOSTED,
       "Signpost and close at the door", ["rationale", "signposted_to"]),
    _t("allocate", {Stage.TRIAGED, Stage.AWAITING_PANEL, Stage.STEPPED_DOWN}, Stage.ALLOCATED,
       "Allocate a keyworker", ["keyworker_id"]),
    _t("start_assessment", {Stage.ALLOCATED}, Stage.ASSESSING, "Start assessment"),
    _t("complete_assessment", {Stage.ASSESSING}, Stage.PLANNING, "Complete assessment"),
    _t("agree_plan", {Stage.PLANNING}, Stage.REVIEWING, "Agree the family plan"),
    _t("step_up", EARLY_HELP_OPEN, Stage.SOCIAL_CARE, "Step up to children's social care", ["reason"]),
    _t("step_down", {Stage.SOCIAL_CARE}, Stage.STEPPED_DOWN, "Step down to early help", ["reason"]),
    # A stepped-down case re-allocated in early help carries on where its work stopped: the
    # same plan, not a new start (called by allocation, never offered as a separate action).
    _t("resume_planning", {Stage.ALLOCATED}, Stage.PLANNING, "Carry on with the plan after step-down"),
    _t("resume_reviews", {Stage.ALLOCATED}, Stage.REVIEWING, "Carry on with the agreed plan after step-down"),
    _t("close", OPEN_STAGES - {Stage.REQUESTED, Stage.MONITORING}, Stage.CLOSED, "Close the case", ["reason"]),
    # Closing with a monitoring period: the work ends (reason, summary, outcomes marked, as for
    # `close`), the check-ins run, and the outcome review at the end closes the case fully. A
    # case in monitoring can still be stepped up if concerns return.
    _t("close_to_monitoring", OPEN_STAGES - {Stage.REQUESTED, Stage.MONITORING}, Stage.MONITORING,
       "Close the case with a monitoring period", ["reason"]),
    _t("end_monitoring", {Stage.MONITORING}, Stage.CLOSED,
       "Record the outcome review and close the case fully", ["reason"]),
    # Social care does not accept a step-up (advice back to early help): the case goes back to
    # the early help stage it left, its keyworker and plan as they were. A request stepped up
    # before triage finished comes back triaged (its triage decision was the step-up). Made by
    # social care's response, never offered as a separate action.
    *(_t(step_up_returns_by(stage), {Stage.SOCIAL_CARE}, stage,
         f"Back to early help ({STAGE_LABELS[stage].lower()}): step-up not accepted", ["reason"])
      for stage in sorted(EARLY_HELP_OPEN - {Stage.REQUESTED})),
)

TRANSITIONS_BY_ACTION = {t.action: t for t in TRANSITIONS}


class IllegalTransition(Exception):
    """A move the table does not allow. `reason` is safe to show the user."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# Done by allocation (resuming) or by social care's response (a step-up not accepted), not offered;
# closing with a monitoring period is a choice on the closure form, offered as "Close the case".
AUTOMATIC = frozenset({"resume_planning", "resume_reviews", "close_to_monitoring",
                       *(t.action for t in TRANSITIONS if t.action.startswith("not_accepted_back_to_"))})


def move_rule(action: str) -> str:
    """The access policy's rule for who may make this move."""
    return f"case.move.{action}"


def available_actions(case, user) -> list[Transition]:
    """What this user may do to this case now: moves the graph has from the case's stage that
    the policy lets this user make. The only actions the UI and API offer."""
    return [t for t in TRANSITIONS
            if case.stage in t.sources and t.action not in AUTOMATIC and can(user, move_rule(t.action), case)]


def check(case, action: str, data: dict | None = None) -> Transition:
    """The move, if the graph has it from the case's stage (and, given `data`, with what it needs)."""
    t = TRANSITIONS_BY_ACTION.get(action)
    if t is None:
        raise IllegalTransition(f"'{action}' is not a case action.")
    if case.stage not in t.sources:
        raise IllegalTransition(
            f"A case that is {STAGE_LABELS[Stage(case.stage)].lower()} cannot be moved by "
            f"'{t.label.lower()}'."
        )
    missing = [name for name in t.requires if data is not None and not data.get(name)]
    if missing:
        raise IllegalTransition(f"'{t.label}' needs: {', '.join(missing)}.")
    return t


def transition(session, case, action: str, user, reason: str | None = None, **data):
    """Move `case` by `action`, recording the change. The one way a stage ever changes."""
    if reason is not None:
        data.setdefault("reason", reason)
        data.setdefault("rationale", reason)
    t = check(case, action, data)
    now = utcnow()
    record = case.record_transition(from_stage=case.stage, to_stage=t.target, action=t.action,
                                    actor_id=getattr(user, "id", None), reason=reason, at=now)
    case.stage = t.target
    if t.target in CLOSED_STAGES:
        case.closed_at = now
    session.add(record)
    return record


def open_case(session, case, user, reason: str | None = None):
    """A new case enters the flow at `requested`: the only transition without a source stage."""
    record = case.record_transition(from_stage=None, to_stage=Stage.REQUESTED, action="request",
                                    actor_id=getattr(user, "id", None), reason=reason, at=utcnow())
    case.stage = Stage.REQUESTED
    session.add(record)
    return record
