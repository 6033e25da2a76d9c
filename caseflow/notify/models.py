"""In-app notifications, written in the same transaction as the change that caused them
(a transactional outbox: later channels such as email and webhooks deliver from these rows)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from caseflow.core.crypto import EncryptedJSON, EncryptedText
from caseflow.core.database import Base, UTCDateTime, closed_set, new_id, utcnow
from caseflow.notify.vocab import (Channel, Deadline, DeliveryKind, DeliveryStatus, EventStatus, EventType,
                                   NotificationType, Recipient)


class Notification(Base):
    __tablename__ = "notifications"
    # Someone's inbox, newest first, a page at a time from a keyset cursor (migration 0017
    # replaced recipient_id's own index with this one).
    __table_args__ = (
        Index("ix_notifications_inbox", "recipient_id", "created_at", "id"),
        # The workload dashboard's notifications past their deadline that nobody acknowledged:
        # only those rows are in the index, so the count stays small whatever the history.
        Index("ix_notifications_overdue_unacknowledged", "deadline_at",
              postgresql_where=text("acknowledged_at IS NULL AND deadline_at IS NOT NULL"),
              sqlite_where=text("acknowledged_at IS NULL AND deadline_at IS NOT NULL")),
        # The worker's escalation sweep, every two seconds: only alerts not yet acknowledged or
        # escalated, so escalated ones left unacknowledged are never read again (migration 0034).
        Index("ix_notifications_awaiting_escalation", "deadline_at",
              postgresql_where=text("acknowledged_at IS NULL AND escalated_at IS NULL AND deadline_at IS NOT NULL"),
              sqlite_where=text("acknowledged_at IS NULL AND escalated_at IS NULL AND deadline_at IS NOT NULL")),
        # The count of someone's unacknowledged notifications, in every page's header (0032).
        Index("ix_notifications_unacknowledged", "recipient_id",
              postgresql_where=text("acknowledged_at IS NULL"), sqlite_where=text("acknowledged_at IS NULL")),
        # The notifications dashboard: those with a deadline, newest first (migration 0031).
        Index("ix_notifications_with_deadline_newest", "created_at",
              postgresql_where=text("deadline_at IS NOT NULL"), sqlite_where=text("deadline_at IS NOT NULL")),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    # Idempotency: the same event never notifies the same person twice.
    delivery_key: Mapped[str] = mapped_column(String(200), unique=True)
    recipient_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    type: Mapped[NotificationType] = mapped_column(closed_set(NotificationType, "type", 40))
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"), index=True)
    # Indexed so a merge of duplicate family records finds its notifications (caseflow.records).
    family_id: Mapped[str | None] = mapped_column(String(32), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(EncryptedText)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A partner event's notifications: the event, the deadline to acknowledge by (escalated to
    # the duty contact once it passes) and, when not consent, the basis it was shared on.
    event_id: Mapped[str | None] = mapped_column(ForeignKey("partner_events.id"), index=True)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    basis: Mapped[str | None] = mapped_column(String(120))
    # The people the content is about (a partner event's matched people), so a partner reads it
    # only while their grants still cover each of them.
    person_ids: Mapped[list | None] = mapped_column(JSON)


class PartnerEvent(Base):
    """A partner's report of a contact or incident (POST /api/v1/notifications). Accepting it
    writes this row and its routing job to the outbox in one transaction; matching and routing
    happen in the worker, so a burst of incidents is accepted quickly and nothing is lost."""
    __tablename__ = "partner_events"
    __table_args__ = (UniqueConstraint("source_organisation_id", "source_reference",
                                       name="uq_partner_events_source"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    source_organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    submitted_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    source_reference: Mapped[str] = mapped_column(String(120))
    type: Mapped[EventType] = mapped_column(closed_set(EventType, "type", 40))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    summary: Mapped[str | None] = mapped_column(EncryptedText)
    people: Mapped[list | None] = mapped_column(EncryptedJSON)  # identifying details as sent
    # Operation Encompass minimum data sent with a domestic abuse incident: place, circumstances
    # and, per child, whether present and what they said or did (caseflow.notify.encompass).
    encompass: Mapped[dict | None] = mapped_column(EncryptedJSON)
    status: Mapped[EventStatus] = mapped_column(closed_set(EventStatus, "status", 24), default=EventStatus.RECEIVED,
                                               index=True)
    family_id: Mapped[str | None] = mapped_column(ForeignKey("families.id"), index=True)
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"), index=True)
    person_ids: Mapped[list | None] = mapped_column(JSON)
    candidates: Mapped[list | None] = mapped_column(JSON)  # per person, for the review queue
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    routed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    purge_after: Mapped[date | None] = mapped_column(Date, index=True)
    decided_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(EncryptedText)
    new_case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"))


class RoutingRule(Base):
    """Who hears about an event type, through which channel, and by when (administrators edit)."""
    __tablename__ = "routing_rules"
    __table_args__ = (UniqueConstraint("event_type", "recipient", "channel", name="uq_routing_rule"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    event_type: Mapped[EventType] = mapped_column(closed_set(EventType, "event_type", 40), index=True)
    recipient: Mapped[Recipient] = mapped_column(closed_set(Recipient, "recipient", 40))
    channel: Mapped[Channel] = mapped_column(closed_set(Channel, "channel", 16))
    deadline: Mapped[Deadline] = mapped_column(closed_set(Deadline, "deadline", 24), default=Deadline.NONE)
    deadline_hours: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The information sharing agreement the rule relies on (e.g. Operation Encompass for a
    # school's key adult): the rule stops counting the day after that agreement ends.
    agreement_id: Mapped[str | None] = mapped_column(ForeignKey("sharing_agreements.id"), index=True)
    updated_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SchoolHoliday(Base):
    """School holidays the area configures, so 'next school day' deadlines skip them."""
    __tablename__ = "school_holidays"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)


class Delivery(Base):
    """The outbox: one row per job that must happen because of a committed change (route an
    event, send an email, call a webhook). Written in the same transaction as the change; a
    dispatcher puts it on the queue; the job is idempotent and marks the row delivered. Failures
    retry with backoff and end as 'dead' for an administrator to replay."""
    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_due", "status", "next_attempt_at"),
                      # The administrators' list, newest first, whole or by status (keyset paged).
                      Index("ix_deliveries_newest", "created_at", "id"),
                      Index("ix_deliveries_status_newest", "status", "created_at", "id"))

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    kind: Mapped[DeliveryKind] = mapped_column(closed_set(DeliveryKind, "kind", 16))
    event_id: Mapped[str | None] = mapped_column(ForeignKey("partner_events.id"), index=True)
    notification_id: Mapped[str | None] = mapped_column(ForeignKey("notifications.id"), index=True)
    target: Mapped[str | None] = mapped_column(EncryptedText)  # an email address or webhook URL
    status: Mapped[DeliveryStatus] = mapped_column(closed_set(DeliveryStatus, "status", 16),
                                                  default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ConcernPattern(Base):
    """Two or more concerns about the same child within seven days (requests for help, partner
    events): the front door and the family's keyworkers are told once, when the pattern forms;
    later concerns join it without telling them again (caseflow.notify.concerns)."""
    __tablename__ = "concern_patterns"
    # A child's latest pattern (is this concern part of one still running?), and a family's patterns.
    __table_args__ = (Index("ix_concern_patterns_person_latest", "person_id", "last_at"),
                      Index("ix_concern_patterns_family_latest", "family_id", "last_at"))

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    family_id: Mapped[str] = mapped_column(ForeignKey("families.id"))
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    first_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # [{"kind": "request" | "event", "id": ..., "at": ISO timestamp}] in the order they arrived:
    # references only; what each concern says is read through the policy from its own record.
    concerns: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
