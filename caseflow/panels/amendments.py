"""Amending a panel's decision: its own action (panel.amend, the chair or a manager of the case),
with a reason, kept beside the original (caseflow.cases.amendments), the same way a triage
decision is amended (caseflow.triage.amendments). A changed decision moves the case through the
stage graph from where the panel left it; a case that has moved on since keeps the decision.

Services flush; the entry point commits."""
from __future__ import annotations

from sqlalchemy import select

from caseflow.allocation import services as allocation
from caseflow.cases import amendments
from caseflow.cases.amendments import DecisionKind
from caseflow.core import audit
from caseflow.core import stages as flow
from caseflow.core.access import require
from caseflow.core.errors import Conflict, NotFound, load
from caseflow.core.extensions import db
from caseflow.panels.models import PanelItem
from caseflow.panels.schemas import PanelAmendmentSchema
from caseflow.triage import services as triage
from caseflow.directory.vocab import SignpostContext
from caseflow.triage.amendments import locked_case, moved_on

# Where each panel decision leaves the case: a changed decision is possible only from there.
AFTER_PANEL = {"allocate": {flow.Stage.ALLOCATED}, "signpost": {flow.Stage.SIGNPOSTED},
               "step_up": {flow.Stage.SOCIAL_CARE},
               "defer": {flow.Stage.AWAITING_PANEL, flow.Stage.STEPPED_DOWN}}


def panel_snapshot(item: PanelItem) -> dict:
    return {"decision": item.decision, "rationale": item.rationale, "team_id": item.team_id,
            "keyworker_id": item.keyworker_id}


def amend_panel_decision(actor, panel_id: str, case_id: str, raw: dict):
    item = db.session.scalar(select(PanelItem).where(PanelItem.panel_id == panel_id, PanelItem.case_id == case_id))
    if item is None:
        raise NotFound("This panel has made no decision about that case.")
    case = locked_case(case_id)
    require(actor, "panel.amend", item, object_type="case", object_id=case.id, family_id=case.family_id,
            purpose="panel decision amendment")
    data = load(PanelAmendmentSchema, raw)
    previous = panel_snapshot(item)
    reason = f"Panel decision amended: {data['reason'].strip()}"
    if data["decision"] != item.decision:
        if case.stage not in AFTER_PANEL[item.decision]:
            raise moved_on(case, "panel's decision")
        if data["decision"] == "defer":
            label = flow.STAGE_LABELS[flow.Stage(case.stage)].lower()
            raise flow.IllegalTransition(f"A case that is {label} cannot go back to wait for the panel.")
        if data["decision"] == "allocate":
            allocation.allocate(actor, case, data, reason=reason)
        elif data["decision"] == "signpost":
            triage.signpost(actor, case, data["rationale"], data.get("signposted_to"), data.get("service_ids"),
                            SignpostContext.PANEL)
        else:
            triage.step_up(actor, case, data["rationale"])
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
