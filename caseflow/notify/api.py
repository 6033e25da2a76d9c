"""The caller's notifications (API.md `GET /api/v1/inbox`, `POST /api/v1/inbox/{id}/acknowledge`)."""
from __future__ import annotations

from marshmallow import fields, validate

from caseflow.api.kit import api_blueprint, endpoint, json_object
from caseflow.api.schemas import PageQuerySchema, cursor_query
from caseflow.notify import dashboard, dispatcher, events, flags, partners, rules, schemas, services
from caseflow.notify.schemas import (EventDecisionSchema, FlagQuerySchema, OrganisationSettingsInSchema,
                                     PartnerEventBatchSchema, PartnerEventSchema, ReviewResolutionSchema,
                                     RoutingRuleSchema)
from caseflow.notify.vocab import DeliveryStatus

bp = api_blueprint("notify_api", __name__)


class InboxQuery(PageQuerySchema):
    unacknowledged = fields.Boolean(load_default=False)
    before = cursor_query(services.INBOX_KEYS)


class DeliveryQuery(PageQuerySchema):
    status = fields.String(load_default=None, validate=validate.OneOf(list(DeliveryStatus)))
    before = cursor_query(dashboard.DELIVERY_KEYS)


@endpoint(bp, "/inbox", "GET", summary="Your notifications, newest first", query=InboxQuery, response=schemas.InboxSchema)
def inbox(user, data):
    items, total, next_cursor = services.inbox(user, data["page"], data["per_page"], data["unacknowledged"],
                                               data["before"])
    return schemas.InboxSchema().dump({"items": items, "page": data["page"], "per_page": data["per_page"],
                                       "total": total, "next_cursor": next_cursor})


@endpoint(bp, "/inbox/<notification_id>/acknowledge", "POST", summary="Acknowledge a notification",
          response=schemas.NotificationOutSchema)
def acknowledge(user, data, notification_id):
    return schemas.NotificationOutSchema().dump(services.acknowledge(user, notification_id))


# --- partner events, flags, the review queue and the outbox (DESIGN.md §5) -------------------------

class _Accepted:
    """An event as accepted from a partner: new, or one they had sent before."""

    def __init__(self, event, created: bool):
        self.event, self.duplicate = event, not created

    def __getattr__(self, name):
        return getattr(self.event, name)


@endpoint(bp, "/notifications", "POST", status=202, documented_body=PartnerEventSchema,
          summary="A partner reports a contact or incident about people (idempotent on source_reference)",
          response=schemas.EventAcceptedSchema, also={200: "This source_reference was sent before: that event "
                                                           "(duplicate: true); nothing new is kept."})
def submit_event(user, data):
    event, created = events.accept(user, json_object())
    return schemas.EventAcceptedSchema().dump(_Accepted(event, created)), (202 if created else 200)


@endpoint(bp, "/notifications/batch", "POST", status=202, documented_body=PartnerEventBatchSchema,
          summary="Many events in one call (up to 500), each idempotent on its source_reference",
          response=schemas.EventBatchAcceptedSchema, also={200: "Every event was sent before: nothing new."})
def submit_events(user, data):
    accepted = events.accept_batch(user, json_object())
    created = sum(1 for _, new in accepted if new)
    return (schemas.EventBatchAcceptedSchema().dump({"items": [_Accepted(e, new) for e, new in accepted],
                                                     "accepted": created, "duplicates": len(accepted) - created}),
            202 if created else 200)


@endpoint(bp, "/notifications/<event_id>", "GET", summary="An event's routing status", response=schemas.EventOutSchema)
def get_event(user, data, event_id):
    return schemas.EventOutSchema().dump(events.get(user, event_id))


@endpoint(bp, "/flags", "GET", summary="Is this person in a family open to early help?", query=FlagQuerySchema,
          response=schemas.FlagOutSchema, errors=(422,))
def get_flag(user, data):
    return schemas.FlagOutSchema().dump(flags.lookup(user, data))


@endpoint(bp, "/events/review", "GET", summary="Events the matcher could not place, for the front door",
          response=schemas.ReviewQueueSchema)
def review_queue(user, data):
    items = events.review_queue(user)
    return schemas.ReviewQueueSchema().dump({"items": items, "total": len(items)})


@endpoint(bp, "/events/<event_id>/review", "POST", summary="Say who an event is about, or that it is nobody known",
          documented_body=ReviewResolutionSchema, response=schemas.EventOutSchema)
def resolve_review(user, data, event_id):
    return schemas.EventOutSchema().dump(events.resolve_review(user, event_id, json_object()))


@endpoint(bp, "/events/<event_id>/decision", "POST", documented_body=EventDecisionSchema,
          summary="On an event about a recently closed case: open a new case, or record why not",
          response=schemas.EventOutSchema)
def decide_event(user, data, event_id):
    return schemas.EventOutSchema().dump(events.decide(user, event_id, json_object()))


@endpoint(bp, "/deliveries", "GET", summary="Deliveries by status (administrators; e.g. ?status=dead)",
          query=DeliveryQuery, response=schemas.DeliveryListSchema)
def list_deliveries(user, data):
    rows, total, next_cursor = dashboard.deliveries(user, data["status"], data["page"], data["per_page"],
                                                    data["before"])
    return schemas.DeliveryListSchema().dump({"items": rows, "page": data["page"], "per_page": data["per_page"],
                                              "total": total, "next_cursor": next_cursor})


@endpoint(bp, "/deliveries/<delivery_id>/replay", "POST", summary="Send a dead delivery again",
          response=schemas.DeliveryOutSchema)
def replay_delivery(user, data, delivery_id):
    return schemas.DeliveryOutSchema().dump(dispatcher.replay(user, delivery_id))


@endpoint(bp, "/routing-rules", "GET", summary="The routing rules (administrators)", response=schemas.RoutingRulesSchema)
def list_rules(user, data):
    return schemas.RoutingRulesSchema().dump({"items": rules.all_rules(user)})


@endpoint(bp, "/routing-rules", "PUT", summary="Add or change one routing rule (administrators)",
          documented_body=RoutingRuleSchema, response=schemas.RoutingRuleOutSchema)
def put_rule(user, data):
    return schemas.RoutingRuleOutSchema().dump(rules.save(user, json_object()))


@endpoint(bp, "/organisations/<org_id>/notification-settings", "PUT",
          summary="Duty contact and email, school key adult, Operation Encompass lead, webhook address (administrators)",
          documented_body=OrganisationSettingsInSchema, response=schemas.OrganisationSettingsSchema)
def organisation_settings(user, data, org_id):
    org, secret = partners.configure(user, org_id, json_object())
    # The secret is shown once; only the encrypted copy is kept.
    return schemas.OrganisationSettingsSchema(exclude=() if secret else ("webhook_secret",)).dump(
        {"org": org, "webhook_secret": secret})
