"""Partner events: accept them fast, resolve the ones the matcher could not, and let the last
keyworker or manager open a new case from one (or record why not)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from caseflow.auth.models import User
from caseflow.core import audit
from caseflow.core.access import Decision, can, person_categories, require
from caseflow.core.database import new_id, utcnow
from caseflow.core.extensions import db
from caseflow.families.models import FamilyMember
from caseflow.families.services import unused_reference
from caseflow.notify import outbox
from caseflow.notify.models import PartnerEvent
from caseflow.notify.schemas import (EventDecisionSchema, PartnerEventBatchSchema, PartnerEventSchema,
                                     ReviewResolutionSchema)
from caseflow.notify.vocab import EVENT_CONCERNS, EVENT_TYPES, event_category
from caseflow.core.errors import Conflict, NotFound, ServiceValidationError, load
from caseflow.core.unit_of_work import savepoint
from caseflow.notify.vocab import EventStatus


def accept(actor, raw: dict) -> tuple[PartnerEvent, bool]:
    """Record the event and its routing job in one transaction. Returns (event, created): the
    same source reference from the same organisation returns the first event (idempotent)."""
    require(actor, "event.submit", object_type="partner_event", audit=False)
    data = load(PartnerEventSchema, raw)
    # No look-up first: the unique constraint on (organisation, source reference) decides, so a
    # burst of new events costs one insert each and a repeat is recognised even when concurrent.
    event = _new_event(actor, data)
    try:
        with savepoint():  # a repeat undoes this insert only, not the rest of the caller's work
            db.session.add(event)
            db.session.flush()  # the event before its outbox row, which refers to it
    except IntegrityError:  # the same report again: the first one stands
        existing = _by_source(actor, data["source_reference"])
        if existing is None:  # the random reference collided (vanishingly rare): try again
            return accept(actor, raw)
        return existing, False
    outbox.add("route", event_id=event.id)
    audit.record(actor, "event.submit", "partner_event", event.id, categories=["identity", "police"],
                 purpose="partner notification", basis="information sharing agreement")
    return event, True


def accept_batch(actor, raw: dict) -> list[tuple[PartnerEvent, bool]]:
    """Accept many events in one transaction, each exactly as accept() would (idempotent on its
    source reference). Validation is all or nothing, with each problem named by the event's
    position, so a partner fixes and resends the batch; repeats in the resend are recognised.
    Returns (event, created) in the order sent."""
    from collections import Counter

    require(actor, "event.submit", object_type="partner_event", audit=False)
    items = load(PartnerEventBatchSchema, raw)["events"]
    refs = [item["source_reference"] for item in items]
    repeated = sorted(ref for ref, n in Counter(refs).items() if n > 1)
    if repeated:
        raise ServiceValidationError("Each event in a batch needs its own source_reference.", {
            "events": [f"source_reference {ref} appears more than once in this batch" for ref in repeated[:10]]})
    for _ in range(3):  # a concurrent call with one of the same references: look again
        known = {e.source_reference: e for e in db.session.scalars(select(PartnerEvent).where(
            PartnerEvent.source_organisation_id == actor.organisation_id, PartnerEvent.source_reference.in_(refs)))}
        fresh = {item["source_reference"]: _new_event(actor, item) for item in items
                 if item["source_reference"] not in known}
        try:
            with savepoint():  # a clash undoes this attempt's inserts only
                db.session.add_all(fresh.values())
                db.session.flush()  # the events before their outbox rows, which refer to them
        except IntegrityError:
            continue
        for event in fresh.values():
            outbox.add("route", event_id=event.id)
            audit.record(actor, "event.submit", "partner_event", event.id, categories=["identity", "police"],
                         purpose="partner notification", basis="information sharing agreement")
        return [(fresh[ref], True) if ref in fresh else (known[ref], False) for ref in refs]
    raise Conflict("Another submission with the same references is in progress; send the batch again.")


def _new_event(actor, data: dict) -> PartnerEvent:
    return PartnerEvent(id=new_id(), reference=unused_reference(PartnerEvent, "PE"),
                        source_organisation_id=actor.organisation_id, submitted_by_id=actor.id,
                        source_reference=data["source_reference"], type=data["type"],
                        occurred_at=data["occurred_at"], summary=data.get("summary"),
                        people=[_jsonable(p) for p in data["people"]], encompass=data.get("encompass"),
                        status=EventStatus.RECEIVED, received_at=utcnow())


def _jsonable(person: dict) -> dict:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in person.items() if v not in (None, "")}


def _by_source(actor, source_reference: str) -> PartnerEvent | None:
    return db.session.scalar(select(PartnerEvent).where(
        PartnerEvent.source_organisation_id == actor.organisation_id,
        PartnerEvent.source_reference == source_reference))


def get(actor, event_id: str, action: str = "event.view") -> PartnerEvent:
    event = db.session.get(PartnerEvent, event_id)
    if event is None:
        raise NotFound("No notification event with that id.")
    require(actor, action, event, object_type="partner_event", family_id=event.family_id,
            purpose="partner notification")
    return event


WITHHELD_SUMMARY = ("Withheld: what happened is {category} information, and you have no consent or lawful "
                    "basis to see it.")


@dataclass
class EventView:
    """An event as this reader may see it, field by field: the account of what happened belongs
    to the event type's data category (a police incident is police data), per person named."""
    event: PartnerEvent
    decision: Decision

    @property
    def category(self) -> str:
        return event_category(self.event.type)

    @property
    def summary_shown(self) -> bool:
        people = self.event.person_ids or [None]
        return any(self.category in person_categories(self.decision, person_id) for person_id in people)

    @property
    def summary(self) -> str | None:
        return self.event.summary if self.summary_shown else None

    @property
    def withheld(self) -> str:
        return WITHHELD_SUMMARY.format(category=self.category.replace("_", " "))

    @property
    def people_named(self) -> list[dict]:
        """Who the event names, as this reader may see them. Whoever may name everyone (the front
        door, the sender, the family's workers) sees the details as sent; a reader who sees the
        family person by person sees only the matched people their grants name, from the record,
        never the details as sent (which would name a sibling no one agreed to share)."""
        if self.decision.people is None:
            return list(self.event.people or [])
        from caseflow.families.models import Person

        ids = [p for p in self.event.person_ids or [] if self.decision.shows_person(p)]
        people = db.session.scalars(select(Person).where(Person.id.in_(ids))).all() if ids else []
        return [{"given_name": p.given_name, "family_name": p.family_name,
                 "date_of_birth": p.date_of_birth.isoformat() if p.date_of_birth else None} for p in people]

    @property
    def people_withheld(self) -> bool:
        """Someone the event names is not shown to this reader (said, without naming anyone)."""
        return len(self.people_named) < len(self.event.people or [])


def read(actor, event_id: str) -> EventView:
    """The event page: the audited read (with the categories it opened) and what it shows."""
    event = db.session.get(PartnerEvent, event_id)
    if event is None:
        raise NotFound("No notification event with that id.")
    decision = require(actor, "event.view", event, object_type="partner_event", family_id=event.family_id,
                       purpose="partner notification")
    return EventView(event, decision)


def shown(actor, event: PartnerEvent) -> EventView:
    """The same view for a page shown again after a form error (the read is already audited)."""
    return EventView(event, can(actor, "event.view", event))


def review_queue(actor) -> list[PartnerEvent]:
    require(actor, "event.review", object_type="partner_event", purpose="events to check")  # names and dates of birth
    return list(db.session.scalars(select(PartnerEvent).where(PartnerEvent.status == EventStatus.NEEDS_REVIEW)
                                   .order_by(PartnerEvent.received_at)))


def resolve_review(actor, event_id: str, raw: dict) -> PartnerEvent:
    """The front door says who the event is about (a known person), or that it is nobody the
    service knows (then it is kept only for the retention period)."""
    from caseflow.notify import routing

    event = get(actor, event_id, "event.review")
    data = load(ReviewResolutionSchema, raw)
    if event.status != EventStatus.NEEDS_REVIEW:
        raise Conflict("This event has already been resolved.")
    event.decided_by_id, event.decided_at = actor.id, utcnow()
    if data["decision"] == "not_known":
        event.status, event.purge_after = "not_open", (utcnow() + timedelta(
            days=current_app.extensions["caseflow.settings"].unmatched_event_days)).date()
        audit.record(actor, "event.not_known", "partner_event", event.id, purpose="partner notification")
        return event
    family_id = db.session.scalar(select(FamilyMember.family_id).where(FamilyMember.person_id == data["person_id"]))
    offered = {c["person_id"] for p in (event.candidates or []) for c in p.get("candidates", [])}
    if family_id is None or data["person_id"] not in offered:
        raise ServiceValidationError("Choose one of the people offered.", {"person_id": ["Choose one of the people offered"]})
    event.person_ids = [data["person_id"]]
    from caseflow.notify import encompass

    encompass.place_children(event, {i: data["person_id"] for i, named in enumerate(event.candidates or [])
                                     if data["person_id"] in {c.get("person_id") for c in named.get("candidates", [])}})
    audit.record(actor, "event.match_confirmed", "partner_event", event.id, family_id=family_id,
                 categories=["identity"], purpose="partner notification")
    routing.deliver_to_family(event, family_id)
    return event


def decide(actor, event_id: str, raw: dict):
    """On an event about a recently closed case: open a new case from it (a re-referral that
    goes straight to the front door's triage queue), or record why not."""
    from caseflow.frontdoor.models import Source
    from caseflow.frontdoor.services import submit_request

    event = get(actor, event_id, "event.decide")
    data = load(EventDecisionSchema, raw)
    if event.status != EventStatus.CLOSED_RECENTLY:
        raise Conflict("A decision is recorded only on an event about a recently closed case.")
    event.decided_by_id, event.decided_at = actor.id, utcnow()
    event.decision_reason = data["reason"].strip()
    if data["decision"] == "no_further_action":
        event.status = EventStatus.NO_FURTHER_ACTION
        audit.record(actor, "event.no_further_action", "partner_event", event.id, family_id=event.family_id,
                     purpose="partner notification")
        return event
    people = [{"given_name": p["given_name"], "family_name": p["family_name"], "date_of_birth": p.get("date_of_birth"),
               "relationship": p.get("relationship") or "child", "postcode": p.get("postcode"),
               **{k: p[k] for k in ("nhs_number", "upn", "sex") if p.get(k)}} for p in event.people]
    submitter = db.session.get(User, event.submitted_by_id)
    raw_request = {"referrer": {"name": submitter.name, "organisation": submitter.organisation.name,
                                "role": f"Notification {event.reference}", "email": submitter.email},
                   "safeguarding_concern": True,  # shared without consent on the safeguarding basis
                   "people": people, "concerns": EVENT_CONCERNS.get(event.type, ["children_need_help"]),
                   "details": f"{EVENT_TYPES.get(event.type, event.type)} on {event.occurred_at:%d %B %Y}. "
                              f"{event.summary or ''} Re-referral decision: {event.decision_reason}",
                   "consent_given": False, "urgency": "urgent"}
    event.status = EventStatus.REOPENED
    db.session.flush()
    submission = submit_request(actor, raw_request, Source.PARTNER_SYSTEM)  # in this transaction
    event.new_case_id = submission.case.id
    audit.record(actor, "event.reopen", "partner_event", event.id, family_id=submission.family.id,
                 purpose="re-referral from a partner notification")
    return event


def purge_expired(today) -> int:
    """Events about people not open to the service are erased when their time is up."""
    rows = list(db.session.scalars(select(PartnerEvent).where(PartnerEvent.purge_after.is_not(None),
                                                             PartnerEvent.purge_after < today,
                                                             PartnerEvent.status != EventStatus.PURGED)))
    for event in rows:
        event.people, event.summary, event.candidates, event.status = None, None, None, "purged"
        event.encompass = None
    db.session.flush()
    return len(rows)
