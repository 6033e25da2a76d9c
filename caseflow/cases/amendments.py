"""Decisions are made once (DESIGN.md §3): a triage decision, a panel decision and social care's
response to a step-up. Deciding again is refused; changing one is an amendment, its own action
with its own rule and a reason, kept beside what the decision was so the history shows both.

Each capability amends its own decision (caseflow.triage.amendments, caseflow.panels.amendments,
caseflow.socialcare.responses); this module records the amendment and words it for the
chronology (which passes in social care's wording of its responses: cases sits below socialcare)."""
from __future__ import annotations

from collections.abc import Mapping

from marshmallow import fields, validate
from sqlalchemy import select

from caseflow.cases.models import Case, DecisionAmendment, DecisionKind
from caseflow.core.extensions import db
from caseflow.core.errors import Conflict


class DecisionMade(Conflict):
    """The decision was made already: deciding again is refused; amend it, with a reason."""

    code = "decision_already_made"


KIND_LABELS = {DecisionKind.TRIAGE: "Triage decision", DecisionKind.PANEL: "Panel decision",
               DecisionKind.STEP_UP_RESPONSE: "Social care's response to the step-up"}

def amend_reason() -> fields.String:
    """The reason an amendment must give (a schema field)."""
    return fields.String(required=True, validate=validate.Length(
        min=3, max=2000, error="Say why the decision is changing"),
        error_messages={"required": "Say why the decision is changing", "null": "Say why the decision is changing"})


def record(actor, case: Case, kind: DecisionKind, record_id: str, previous: dict, amended: dict,
           reason: str) -> DecisionAmendment:
    amendment = DecisionAmendment(case_id=case.id, kind=kind, record_id=record_id, previous=previous,
                                  amended=amended, reason=reason.strip(), amended_by_id=actor.id)
    db.session.add(amendment)
    db.session.flush()
    return amendment


def for_case(case_id: str) -> list[DecisionAmendment]:
    return list(db.session.scalars(select(DecisionAmendment).where(DecisionAmendment.case_id == case_id)
                                   .order_by(DecisionAmendment.amended_at)))


def describe(kind: str, snapshot: dict, response_labels: Mapping[str, str] | None = None) -> str:
    """A decision in a few words, as the chronology shows it (`response_labels`: how social care
    words each response to a step-up)."""
    decision = str(snapshot.get("decision") or "").replace("_", " ")
    if kind == DecisionKind.TRIAGE:
        return f"{decision} (level {snapshot.get('level_of_need')}, {snapshot.get('rag')} risk)"
    if kind == DecisionKind.STEP_UP_RESPONSE:
        return (response_labels or {}).get(snapshot.get("decision"), decision).lower()
    return decision


def involves_step_up(amendment: DecisionAmendment) -> bool:
    """Whether the amendment says anything about children's social care (social care data)."""
    return amendment.kind == DecisionKind.STEP_UP_RESPONSE or "step_up" in (
        (amendment.previous or {}).get("decision"), (amendment.amended or {}).get("decision"))


def summary(amendment: DecisionAmendment, response_labels: Mapping[str, str] | None = None) -> tuple[str, str]:
    """(title, detail) for the chronology: what it was, what it is now, and why."""
    label = KIND_LABELS.get(amendment.kind, "Decision")
    return (f"{label} amended",
            f"Was: {describe(amendment.kind, amendment.previous or {}, response_labels)}. "
            f"Now: {describe(amendment.kind, amendment.amended or {}, response_labels)}. Reason: {amendment.reason}")
