"""Amending a triage or panel decision: its own action (case.triage.amend, panel.amend), with a
reason, kept beside the original (caseflow.cases.amendments). A changed route moves the case
through the stage graph, so a move the graph lacks (a signposted case back to the panel) is a
conflict; a case that has moved on since the decision (the panel has allocated it) keeps it.

Services flush; the entry point commits."""
from __future__ import annotations

from sqlalchemy import select

from caseflow import flow
from caseflow.cases import amendments
from caseflow.cases.amendments import DecisionKind
from caseflow.cases.models import Case
from caseflow.consent import audit
from caseflow.consent.policy import require
from caseflow.extensions import db
from caseflow.services_errors import Conflict, NotFound, load
from caseflow.socialcare import services as socialcare
from caseflow.triage import services
from caseflow.triage.models import PanelItem, TriageDecision
from caseflow.triage.schemas import PanelAmendmentSchema, TriageAmendmentSchema

# Where each decision leaves the case: a changed route is possible only from there.
AFTER_TRIAGE = {"panel": {flow.Stage.AWAITING_PANEL}, "signpost": {flow.Stage.SIGNPOSTED},
                "step_up": {flow.Stage.SOCIAL_CARE}}
AFTER_PANEL = {"allocate": {flow.Stage.ALLOCATED}, "signpost": {flow.Stage.SIGNPOSTED},
               "step_up": {flow.Stage.SOCIAL_CARE},
               "defer": {flow.Stage.AWAITING_PANEL, flow.Stage.STEPPED_DOWN}}


def _locked_case(case_id: str) -> Case:
    case = db.session.scalar(select(Case).where(Case.id == case_id).with_for_update(of=Case)
                             .execution_options(populate_existing=True))
    if case is None:
        raise NotFound("No case with that id.")
    return case


def _moved_on(case: Case, what: str) -> Conflict:
    label = flow.STAGE_LABELS[flow.Stage(case.stage)].lower()
    return Conflict(f"The case has moved on since the {what} (it is now {label}): that decision "
                    "stands, and the case's next step is taken from where it is now.")


def triage_snapshot(d: TriageDecision) -> dict:
    return {"decision": d.decision, "level_of_need": d.level_of_need, "rag": d.rag, "eligible": d.eligible,
            "headline_problems": d.headline_problems, "local_criteria": d.local_criteria,
            "rationale": d.rationale, "signposted_to": d.signposted_to}


def amend_triage(actor, case_id: str, raw: dict):
    case = _locked_case(case_id)
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
            raise _moved_on(case, "triage decision")
        services.route_after_triage(actor, case, data)
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


def panel_snapshot(item: PanelItem) -> dict:
    return {"decision": item.decision, "rationale": item.rationale, "team_id": item.team_id,
            "keyworker_id": item.keyworker_id}


def amend_panel_decision(actor, panel_id: str, case_id: str, raw: dict):
    item = db.session.scalar(select(PanelItem).where(PanelItem.panel_id == panel_id, PanelItem.case_id == case_id))
    if item is None:
        raise NotFound("This panel has made no decision about that case.")
    case = _locked_case(case_id)
    require(actor, "panel.amend", item, object_type="case", object_id=case.id, family_id=case.family_id,
            purpose="panel decision amendment")
    data = load(PanelAmendmentSchema, raw)
    previous = panel_snapshot(item)
    reason = f"Panel decision amended: {data['reason'].strip()}"
    if data["decision"] != item.decision:
        if case.stage not in AFTER_PANEL[item.decision]:
            raise _moved_on(case, "panel's decision")
        if data["decision"] == "defer":
            label = flow.STAGE_LABELS[flow.Stage(case.stage)].lower()
            raise flow.IllegalTransition(f"A case that is {label} cannot go back to wait for the panel.")
        if data["decision"] == "allocate":
            services._may_allocate(actor, case)
            services._allocate(actor, case, data, reason=reason)
        elif data["decision"] == "signpost":
            flow.transition(db.session, case, "signpost", actor, reason=data["rationale"],
                            signposted_to=data["signposted_to"])
            case.closure_reason, case.signposted_to = "signposted", data["signposted_to"]
        else:
            socialcare.step_up_from_triage(actor, case, data["rationale"])
    elif data["decision"] == "allocate" and data.get("keyworker_id") != item.keyworker_id:
        raise Conflict("To give the case a different keyworker, re-allocate it (with a reason).")
    item.decision, item.rationale = data["decision"], data["rationale"]
    item.team_id = data.get("team_id") or (case.team_id if data["decision"] == "allocate" else None)
    item.keyworker_id = data.get("keyworker_id") if data["decision"] == "allocate" else None
    amendment = amendments.record(actor, case, DecisionKind.PANEL, item.id, previous, panel_snapshot(item),
                                  data["reason"])
    audit.record(actor, "panel.amend", "case", case.id, family_id=case.family_id,
                 purpose="panel decision amendment")
    db.session.flush()
    return item, amendment
