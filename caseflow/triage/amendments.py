"""Amending a triage decision: its own action (case.triage.amend), with a reason, kept beside the
original (caseflow.cases.amendments). A changed route moves the case through the stage graph, so
a move the graph lacks (a signposted case back to the panel) is a conflict; a case that has
moved on since the decision (the panel has allocated it) keeps it. A panel's decision is amended
the same way by caseflow.panels.amendments, which builds on the helpers here.

Services flush; the entry point commits."""
from __future__ import annotations

from sqlalchemy import select

from caseflow.cases import amendments
from caseflow.cases.amendments import DecisionKind
from caseflow.cases.models import Case
from caseflow.core import audit
from caseflow.core import stages as flow
from caseflow.core.access import require
from caseflow.core.errors import Conflict, NotFound, load
from caseflow.core.extensions import db
from caseflow.triage import services
from caseflow.triage.models import TriageDecision
from caseflow.triage.schemas import TriageAmendmentSchema

# Where a triage decision leaves the case: a changed route is possible only from there.
AFTER_TRIAGE = {"panel": {flow.Stage.AWAITING_PANEL}, "signpost": {flow.Stage.SIGNPOSTED},
                "step_up": {flow.Stage.SOCIAL_CARE}}


def locked_case(case_id: str) -> Case:
    """The case, locked for the amendment (two people amending at once: one waits, then sees
    what the other did)."""
    case = db.session.scalar(select(Case).where(Case.id == case_id).with_for_update(of=Case)
                             .execution_options(populate_existing=True))
    if case is None:
        raise NotFound("No case with that id.")
    return case


def moved_on(case: Case, what: str) -> Conflict:
    label = flow.STAGE_LABELS[flow.Stage(case.stage)].lower()
    return Conflict(f"The case has moved on since the {what} (it is now {label}): that decision "
                    "stands, and the case's next step is taken from where it is now.")


def triage_snapshot(d: TriageDecision) -> dict:
    return {"decision": d.decision, "level_of_need": d.level_of_need, "rag": d.rag, "eligible": d.eligible,
            "headline_problems": d.headline_problems, "local_criteria": d.local_criteria,
            "rationale": d.rationale, "signposted_to": d.signposted_to}


def amend_triage(actor, case_id: str, raw: dict):
    case = locked_case(case_id)
    require(actor, "case.triage.amend", case, object_type="case", family_id=case.family_id,
            purpose="triage amendment")
    decision = services.current_triage(case.id)
    if decision is None:
        raise Conflict("This case has no triage decision to amend: record the triage decision.")
    data = load(TriageAmendmentSchema, raw)
    services.check_local_criteria(data)
    previous = triage_snapshot(decision)
    if data["decision"] != decision.decision:
        if case.stage not in AFTER_TRIAGE[decision.decision]:
            raise moved_on(case, "triage decision")
        services.route_after_triage(actor, case, data)
        if data["decision"] == "signpost":  # named from the directory when picked from it
            data["signposted_to"] = case.signposted_to
    codes = [p["code"] for p in data["headline_problems"]]
    decision.level_of_need, decision.rag, decision.decision = data["level_of_need"], data["rag"], data["decision"]
    decision.headline_problems, decision.local_criteria = data["headline_problems"], sorted(set(data["local_criteria"]))
    decision.eligible = services.is_eligible(codes, data["local_criteria"])
    decision.rationale, decision.signposted_to = data["rationale"], data.get("signposted_to")
    case.level_of_need, case.rag, case.eligible = decision.level_of_need, decision.rag, decision.eligible
    amendment = amendments.record(actor, case, DecisionKind.TRIAGE, decision.id, previous,
                                  triage_snapshot(decision), data["reason"])
    if data["decision"] != previous["decision"]:
        services.tell_referrers_outcome(case, data, f"triage-amended:{amendment.id}")
    audit.record(actor, "case.triage.amend", "case", case.id, family_id=case.family_id,
                 categories=["referral"], purpose="triage amendment", basis="early help service function")
    db.session.flush()
    return decision, amendment
