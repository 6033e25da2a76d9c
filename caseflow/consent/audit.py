"""Append-only, hash-chained audit events (DESIGN.md §4).

Each event's hash covers its own fields and the previous event's hash, so editing or deleting any
row breaks the chain from that point on: `verify_chain()` (and `caseflow audit verify`) finds it.
Events are added to the caller's transaction, so a change and its audit record commit together.
"""
from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass

from flask import g, has_request_context, request
from sqlalchemy import select

from caseflow.consent.models import AuditChainHead, AuditEvent
from caseflow.database import utcnow
from caseflow.extensions import db

GENESIS_HASH = "0" * 64


def _request_id() -> str | None:
    if not has_request_context():
        return None
    if "request_id" not in g:
        g.request_id = request.headers.get("X-Request-Id") or uuid.uuid4().hex
    return g.request_id


def _client_ip() -> str | None:
    return request.remote_addr if has_request_context() else None


def event_hash(event: AuditEvent, prev_hash: str) -> str:
    payload = {
        "seq": event.seq,
        "at": event.at.isoformat(timespec="microseconds"),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "actor_org_id": event.actor_org_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "family_id": event.family_id,
        "categories": sorted(event.categories or []),
        "purpose": event.purpose,
        "basis": event.basis,
        "request_id": event.request_id,
        "prev_hash": prev_hash,
    }
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()


def record(actor, action: str, object_type: str, object_id: str | None = None, *,
           family_id: str | None = None, categories=(), purpose: str | None = None,
           basis: str | None = None, session=None) -> AuditEvent:
    """Append one event to the chain inside the current transaction."""
    session = session or db.session
    head = session.execute(
        select(AuditChainHead).where(AuditChainHead.id == 1).with_for_update()
    ).scalar_one_or_none()
    if head is None:
        head = AuditChainHead(id=1, last_seq=0, last_hash=GENESIS_HASH)
        session.add(head)
    event = AuditEvent(
        seq=head.last_seq + 1,
        at=utcnow(),
        actor_id=getattr(actor, "id", None),
        actor_label=getattr(actor, "email", None) or (actor if isinstance(actor, str) else "anonymous"),
        actor_org_id=getattr(actor, "organisation_id", None),
        action=action,
        object_type=object_type,
        object_id=object_id,
        family_id=family_id,
        categories=sorted(set(categories)),
        purpose=purpose,
        basis=basis,
        request_id=_request_id(),
        ip=_client_ip(),
        prev_hash=head.last_hash,
    )
    event.hash = event_hash(event, head.last_hash)
    head.last_seq = event.seq
    head.last_hash = event.hash
    session.add(event)
    return event


@dataclass
class ChainReport:
    ok: bool
    events_checked: int
    problems: list[str]


def verify_chain(session=None, batch: int = 5000) -> ChainReport:
    """Walk the chain in order; report every broken link, gap or edited row."""
    session = session or db.session
    problems: list[str] = []
    prev_hash, expected_seq, checked = GENESIS_HASH, 1, 0
    last_seen = 0
    while True:
        rows = session.execute(
            select(AuditEvent).where(AuditEvent.seq > last_seen).order_by(AuditEvent.seq).limit(batch)
        ).scalars().all()
        if not rows:
            break
        for ev in rows:
            if ev.seq != expected_seq:
                problems.append(f"events {expected_seq}..{ev.seq - 1} are missing (deleted?)")
            if ev.prev_hash != prev_hash:
                problems.append(f"event {ev.seq}: link to the previous event is broken")
            if event_hash(ev, ev.prev_hash) != ev.hash:
                problems.append(f"event {ev.seq}: contents do not match its hash (edited?)")
            prev_hash, expected_seq, last_seen = ev.hash, ev.seq + 1, ev.seq
            checked += 1
        session.expunge_all()
    head = session.get(AuditChainHead, 1)
    if head is not None and head.last_seq != last_seen:
        problems.append(f"the chain should end at event {head.last_seq} but ends at {last_seen}")
    return ChainReport(ok=not problems, events_checked=checked, problems=problems)
