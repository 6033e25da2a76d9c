"""The advice line: practitioners calling the front door for a consultation (a teacher unsure
whether to make a request, a health visitor asking what early help offers).

The front door logs who called, from where, what they asked, the advice given, and whether it
became a request for help. No family is needed; when the family is known the call is linked to
it by the family's reference (and to the request by the request's reference), and is then read
as that family's record is: the policy asks about the family, and each read is in its access log."""
from __future__ import annotations

from marshmallow import fields, validate
from sqlalchemy import or_, select
from sqlalchemy.sql.elements import True_

from caseflow.core import audit, keyset
from caseflow.core.access import family_visibility_clause, require
from caseflow.core.errors import NotFound, ServiceValidationError, load
from caseflow.core.extensions import db
from caseflow.core.schemas import Strict, free_text
from caseflow.families.models import Family
from caseflow.frontdoor.models import AdviceCall, RequestForHelp


class AdviceCallSchema(Strict):
    caller_name = free_text("Enter the caller's name", 200)
    caller_organisation = free_text("Enter the caller's organisation", 200)
    caller_contact = free_text(max_length=300)
    question = free_text("Write what the caller asked", 5000)
    advice = free_text("Write the advice given", 5000)
    became_request = fields.Boolean(load_default=False)
    request_reference = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=20))
    family_reference = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=20))


def _by_reference(model, reference: str | None, field: str, label: str):
    if not (reference or "").strip():
        return None
    found = db.session.scalar(select(model).where(model.reference == reference.strip().upper()))
    if found is None:
        raise ServiceValidationError("Some answers need changing.", {field: [f"No {label} has that reference"]})
    return found


def record(actor, raw: dict) -> AdviceCall:
    require(actor, "advice.record", object_type="advice_call", audit=False)  # before reading the body
    data = load(AdviceCallSchema, raw)
    family = _by_reference(Family, data.get("family_reference"), "family_reference", "family")
    request = _by_reference(RequestForHelp, data.get("request_reference"), "request_reference", "request for help")
    if request is not None:
        if family is not None and request.family_id and request.family_id != family.id:
            raise ServiceValidationError("Some answers need changing.", {
                "request_reference": ["That request is about another family"]})
        family = family or (db.session.get(Family, request.family_id) if request.family_id else None)
    call = AdviceCall(caller_name=data["caller_name"].strip(), caller_organisation=data["caller_organisation"].strip(),
                      caller_contact=(data.get("caller_contact") or "").strip() or None,
                      question=data["question"].strip(), advice=data["advice"].strip(),
                      became_request=bool(data["became_request"] or request is not None),
                      request_id=request.id if request else None, family_id=family.id if family else None,
                      answered_by_id=actor.id)
    if family is not None:  # linking a call to a family is a read of that family's record
        require(actor, "advice.view", call, object_type="family", object_id=family.id, family_id=family.id,
                purpose="advice line")
    db.session.add(call)
    db.session.flush()
    audit.record(actor, "advice.record", "advice_call", call.id, family_id=call.family_id,
                 categories=["referral"], purpose="advice line")
    return call


def listing(actor, page: int = 1, per_page: int = 50):
    """The log, newest first: calls about no known family, and calls about families the reader
    may see (the same rule as SQL). Each family shown is in its access log."""
    require(actor, "advice.record", object_type="advice_call", audit=False)
    clause = family_visibility_clause(actor)
    query = select(AdviceCall)
    if not isinstance(clause, True_):  # the service's own roles see every family: no filter to apply
        query = query.where(or_(AdviceCall.family_id.is_(None),
                                AdviceCall.family_id.in_(select(Family.id).where(clause))))
    total = keyset.bounded_count(query)
    rows = list(db.session.scalars(query.order_by(AdviceCall.called_at.desc(), AdviceCall.id.desc())
                                   .offset((page - 1) * per_page).limit(per_page)))
    audit.record_reads(actor, "advice.view", "advice_call", [c.family_id for c in rows],
                       categories=["referral"], purpose="advice line")
    families = {f.id: f for f in db.session.scalars(select(Family).where(
        Family.id.in_({c.family_id for c in rows if c.family_id})))}
    return rows, total, families


def get(actor, call_id: str) -> tuple[AdviceCall, Family | None]:
    call = db.session.get(AdviceCall, call_id)
    if call is None:
        require(actor, "advice.record", object_type="advice_call", audit=False)
        raise NotFound("No such advice call.")
    require(actor, "advice.view", call, object_type="advice_call", object_id=call.id, family_id=call.family_id,
            purpose="advice line")
    return call, (db.session.get(Family, call.family_id) if call.family_id else None)
