"""The caller's notifications (API.md `GET /api/v1/inbox`, `POST /api/v1/inbox/{id}/acknowledge`)."""
from __future__ import annotations

from marshmallow import fields

from marshmallow import validate

from caseflow.api.kit import api_blueprint, endpoint, json_object
from caseflow.api.schemas import PageQuerySchema
from caseflow.notify import dashboard, events, flags, outbox, partners, rules, services
from caseflow.notify.schemas import (EventDecisionSchema, FlagAnswerSchema, FlagQuerySchema, PartnerEventBatchSchema,
                                     PartnerEventSchema, ReviewResolutionSchema, RoutingRuleSchema)

bp = api_blueprint("notify_api", __name__)


class InboxQuery(PageQuerySchema):
    unacknowledged = fields.Boolean(load_default=False)


class DeliveryQuery(PageQuerySchema):
    status = fields.String(load_default=None, validate=validate.OneOf(["pending", "queued", "delivered", "dead"]))


def note_json(n) -> dict:
    return {"id": n.id, "type": n.type, "title": n.title, "body": n.body, "case_id": n.case_id,
            "family_id": n.family_id, "created_at": n.created_at.isoformat(),
            "read_at": n.read_at.isoformat() if n.read_at else None,
            "acknowledged_at": n.acknowledged_at.isoformat() if n.acknowledged_at else None,
            "event_id": n.event_id, "deadline_at": n.deadline_at.isoformat() if n.deadline_at else None}


@endpoint(bp, "/inbox", "GET", summary="Your notifications, newest first", query=InboxQuery)
def inbox(user, data):
    items, total = services.inbox(user, data["page"], data["per_page"], data["unacknowledged"])
    return {"items": [note_json(n) for n in items], "page": data["page"], "per_page": data["per_page"],
            "total": total}


@endpoint(bp, "/inbox/<notification_id>/acknowledge", "POST", summary="Acknowledge a notification")
def acknowledge(user, data, notification_id):
    return note_json(services.acknowledge(user, notification_id))


# --- partner events, flags, the review queue and the outbox (DESIGN.md §5) -------------------------

def event_json(e) -> dict:
    return {"id": e.id, "reference": e.reference, "type": e.type, "status": e.status,
            "source_reference": e.source_reference, "occurred_at": e.occurred_at.isoformat(),
            "received_at": e.received_at.isoformat(), "routed_at": e.routed_at.isoformat() if e.routed_at else None,
            "family_id": e.family_id, "case_id": e.case_id, "new_case_id": e.new_case_id}


@endpoint(bp, "/notifications", "POST", status=202, documented_body=PartnerEventSchema,
          summary="A partner reports a contact or incident about people (idempotent on source_reference)")
def submit_event(user, data):
    event, created = events.accept(user, json_object())
    return {**event_json(event), "duplicate": not created}, (202 if created else 200)


@endpoint(bp, "/notifications/batch", "POST", status=202, documented_body=PartnerEventBatchSchema,
          summary="Many events in one call (up to 500), each idempotent on its source_reference")
def submit_events(user, data):
    accepted = events.accept_batch(user, json_object())
    created = sum(1 for _, new in accepted if new)
    return ({"items": [{**event_json(e), "duplicate": not new} for e, new in accepted],
             "accepted": created, "duplicates": len(accepted) - created}, 202 if created else 200)


@endpoint(bp, "/notifications/<event_id>", "GET", summary="An event's routing status")
def get_event(user, data, event_id):
    return event_json(events.get(user, event_id))


@endpoint(bp, "/flags", "GET", summary="Is this person in a family open to early help?", query=FlagQuerySchema,
          response=FlagAnswerSchema)
def get_flag(user, data):
    flag = flags.lookup(user, data)
    return {"flagged": flag.flagged, "status": flag.status, "message": flag.message,
            "since": flag.since.isoformat() if flag.since else None,
            "case_reference": flag.case_reference, "contact": flag.contact, "needs_review": flag.needs_review}


@endpoint(bp, "/events/review", "GET", summary="Events the matcher could not place, for the front door")
def review_queue(user, data):
    items = events.review_queue(user)
    return {"items": [{**event_json(e), "people": e.people, "candidates": e.candidates} for e in items],
            "total": len(items)}


@endpoint(bp, "/events/<event_id>/review", "POST", summary="Say who an event is about, or that it is nobody known",
          documented_body=ReviewResolutionSchema)
def resolve_review(user, data, event_id):
    return event_json(events.resolve_review(user, event_id, json_object()))


@endpoint(bp, "/events/<event_id>/decision", "POST", documented_body=EventDecisionSchema,
          summary="On an event about a recently closed case: open a new case, or record why not")
def decide_event(user, data, event_id):
    return event_json(events.decide(user, event_id, json_object()))


@endpoint(bp, "/deliveries", "GET", summary="Deliveries by status (administrators; e.g. ?status=dead)",
          query=DeliveryQuery)
def list_deliveries(user, data):
    rows, total = dashboard.deliveries(user, data["status"], data["page"], data["per_page"])
    return {"items": [delivery_json(d) for d in rows], "page": data["page"], "per_page": data["per_page"], "total": total}


@endpoint(bp, "/deliveries/<delivery_id>/replay", "POST", summary="Send a dead delivery again")
def replay_delivery(user, data, delivery_id):
    return delivery_json(outbox.replay(user, delivery_id))


def delivery_json(d) -> dict:
    return {"id": d.id, "kind": d.kind, "status": d.status, "attempts": d.attempts, "last_error": d.last_error,
            "event_id": d.event_id, "notification_id": d.notification_id, "created_at": d.created_at.isoformat(),
            "delivered_at": d.delivered_at.isoformat() if d.delivered_at else None}


@endpoint(bp, "/routing-rules", "GET", summary="The routing rules (administrators)")
def list_rules(user, data):
    return {"items": [rule_json(r) for r in rules.all_rules(user)]}


@endpoint(bp, "/routing-rules", "PUT", summary="Add or change one routing rule (administrators)",
          documented_body=RoutingRuleSchema)
def put_rule(user, data):
    return rule_json(rules.save(user, json_object()))


def rule_json(r) -> dict:
    return {"id": r.id, "event_type": r.event_type, "recipient": r.recipient, "channel": r.channel,
            "deadline": r.deadline, "deadline_hours": r.deadline_hours, "active": r.active,
            "agreement_id": r.agreement_id}


@endpoint(bp, "/organisations/<org_id>/notification-settings", "PUT",
          summary="Duty contact and email, school key adult, webhook address (administrators)")
def organisation_settings(user, data, org_id):
    org, secret = partners.configure(user, org_id, json_object())
    body = {"id": org.id, "name": org.name, "duty_contact_id": org.duty_contact_id, "duty_email": org.duty_email,
            "key_adult_id": org.key_adult_id, "webhook_url": org.webhook_url}
    if secret:
        body["webhook_secret"] = secret  # shown once; only the encrypted copy is kept
    return body
