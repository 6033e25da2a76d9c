"""Social care's response to a step-up. A step-up is a request (DOMAIN.md): the social care
front door decides (accepted for assessment, a strategy discussion, or not accepted with advice
back to early help), once. Changing the response is an amendment with a reason, and the history
keeps both. Whoever asked for the step-up, and the keyworker, are told either way.

The case's stage follows the decision: accepted for assessment or a strategy discussion, it stays
with social care; not accepted, it goes back to the early help stage it left (its keyworker,
assessment and plan as they were, due dates running again), with social care's advice on it. An
amendment that turns one into the other moves the case the same way. Recording the decision
answers the step-up's deadline notifications, so an answered step-up never escalates.

Services flush; the entry point commits."""
from __future__ import annotations

from caseflow.core import stages as flow, timescales
from caseflow.cases import amendments
from caseflow.cases.amendments import DecisionKind, DecisionMade
from caseflow.core import audit
from caseflow.core.database import utcnow
from caseflow.core.extensions import db
from caseflow.notify.services import answer, notify
from caseflow.cases.services import load_case
from caseflow.core.errors import Conflict, load
from caseflow.socialcare.models import StepUp
from caseflow.socialcare.schemas import StepUpResponseAmendmentSchema, StepUpResponseSchema
from caseflow.socialcare.services import back_to_early_help, latest, returned_to_early_help
from caseflow.socialcare.vocab import STEP_UP_RESPONSES, StepUpResponse
from caseflow.notify.vocab import NotificationType


def _step_up(actor, case_id: str, action: str, purpose: str):
    case, _ = load_case(actor, case_id, action, purpose, lock=True)
    record = latest(StepUp, case.id)
    if case.stage != flow.Stage.SOCIAL_CARE and not returned_to_early_help(case, record):
        raise Conflict("This case is not with children's social care: there is no step-up to respond to.")
    if record is None:
        raise Conflict("This case has no step-up to respond to.")
    return case, record



def snapshot(record: StepUp) -> dict:
    return {"decision": record.response, "note": record.response_note}


def respond(actor, case_id: str, raw: dict) -> StepUp:
    case, record = _step_up(actor, case_id, "socialcare.respond", "response to a step-up")
    if record.response is not None:
        raise DecisionMade(f"Social care responded to this step-up on {timescales.format_uk_date(record.responded_at)} "
                       f"({STEP_UP_RESPONSES[record.response].lower()}). To change it, amend the response with a reason.")
    data = load(StepUpResponseSchema, raw)
    _apply(actor, record, data)
    _follow(actor, case, record, previous=None)
    answer(f"step-up:{record.id}")
    _tell(case, record, f"step-up-response:{record.id}", "Step-up response")
    audit.record(actor, "case.step_up_response", "case", case.id, family_id=case.family_id,
                 categories=["social_care"], purpose="response to a step-up", basis="statutory: Children Act 1989")
    db.session.flush()
    return record


def amend(actor, case_id: str, raw: dict):
    case, record = _step_up(actor, case_id, "socialcare.response.amend", "amend a response to a step-up")
    if record.response is None:
        raise Conflict("Social care has not responded to this step-up yet: record the response.")
    data = load(StepUpResponseAmendmentSchema, raw)
    previous = snapshot(record)
    _apply(actor, record, data)
    _follow(actor, case, record, previous=previous["decision"])
    amendment = amendments.record(actor, case, DecisionKind.STEP_UP_RESPONSE, record.id, previous,
                                  snapshot(record), data["reason"])
    _tell(case, record, f"step-up-response-amended:{amendment.id}", "Step-up response amended")
    audit.record(actor, "case.step_up_response.amend", "case", case.id, family_id=case.family_id,
                 categories=["social_care"], purpose="amend a response to a step-up",
                 basis="statutory: Children Act 1989")
    db.session.flush()
    return record, amendment


def _follow(actor, case, record: StepUp, previous: str | None) -> None:
    """The case's stage follows the decision (and an amended one)."""
    declined = record.response == StepUpResponse.NOT_ACCEPTED
    was_declined = previous == StepUpResponse.NOT_ACCEPTED
    if declined and not was_declined:
        back = flow.step_up_return_stage(record.from_stage)
        flow.transition(db.session, case, flow.step_up_returns_by(back), actor,
                        reason=f"Step-up not accepted: {record.response_note or 'advice back to early help'}")
        back_to_early_help(case)
    elif was_declined and not declined:
        flow.transition(db.session, case, "step_up", actor,
                        reason=f"Step-up response amended: {STEP_UP_RESPONSES[record.response].lower()}")
        case.keyworker_role = record.keyworker_role
        case.assessment_due_on = case.review_due_on = None


def _apply(actor, record: StepUp, data: dict) -> None:
    words = (data.get("advice") if data["decision"] == "not_accepted" else data.get("note")) or data.get("note")
    record.response, record.response_note = data["decision"], (words or "").strip() or None
    record.responded_by_id, record.responded_at = actor.id, utcnow()


def _tell(case, record: StepUp, key: str, title: str) -> None:
    """Whoever asked for the step-up, and the keyworker (who may be staying on jointly)."""
    body = f"Case {case.reference}: {STEP_UP_RESPONSES[record.response]}." + (
        f" {record.response_note}" if record.response_note else "")
    for user_id in sorted({record.requested_by_id, case.keyworker_id} - {None}):
        notify(user_id, NotificationType.STEP_UP_RESPONSE, key, f"{title}: {case.family.display_name} ({case.reference})", body,
               case_id=case.id, family_id=case.family_id)
