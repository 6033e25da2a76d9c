"""The caller's notifications (API.md `GET /api/v1/inbox`, `POST /api/v1/inbox/{id}/acknowledge`)."""
from __future__ import annotations

from marshmallow import fields

from caseflow.api.kit import api_blueprint, endpoint
from caseflow.api.schemas import PageQuerySchema
from caseflow.notify import services

bp = api_blueprint("notify_api", __name__)


class InboxQuery(PageQuerySchema):
    unacknowledged = fields.Boolean(load_default=False)


def note_json(n) -> dict:
    return {"id": n.id, "type": n.type, "title": n.title, "body": n.body, "case_id": n.case_id,
            "family_id": n.family_id, "created_at": n.created_at.isoformat(),
            "read_at": n.read_at.isoformat() if n.read_at else None,
            "acknowledged_at": n.acknowledged_at.isoformat() if n.acknowledged_at else None}


@endpoint(bp, "/inbox", "GET", summary="Your notifications, newest first", query=InboxQuery)
def inbox(user, data):
    items, total = services.inbox(user, data["page"], data["per_page"], data["unacknowledged"])
    return {"items": [note_json(n) for n in items], "page": data["page"], "per_page": data["per_page"],
            "total": total}


@endpoint(bp, "/inbox/<notification_id>/acknowledge", "POST", summary="Acknowledge a notification")
def acknowledge(user, data, notification_id):
    return note_json(services.acknowledge(user, notification_id))
