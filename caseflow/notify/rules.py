"""Administrators edit who hears about each event type, how, and by when; and the school
holidays 'next school day' deadlines skip."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from caseflow.core import timescales
from caseflow.agreements.models import SharingAgreement, in_force_clause
from caseflow.core import audit
from caseflow.core.access import require
from caseflow.core.database import new_id, utcnow
from caseflow.core.extensions import db
from caseflow.notify.models import RoutingRule, SchoolHoliday
from caseflow.notify.schemas import RoutingRuleSchema
from caseflow.notify.vocab import DEFAULT_RULES
from caseflow.core.errors import ServiceValidationError, load


def seed_defaults(session=None) -> int:
    """An area starts with the default rules (run by `caseflow db upgrade` and the demo)."""
    session = session or db.session
    if session.scalar(select(RoutingRule.id).limit(1)) is not None:
        return 0
    # Two workers may both find no rules: "on conflict do nothing" lets the first one win
    # without failing the other's transaction.
    insert = (pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert)(RoutingRule)
    rows = [{"id": new_id(), "event_type": event_type, "recipient": recipient, "channel": channel,
             "deadline": deadline, "deadline_hours": hours, "active": True, "updated_at": utcnow()}
            for event_type, recipient, channel, deadline, hours in DEFAULT_RULES]
    session.execute(insert.values(rows).on_conflict_do_nothing())
    return len(DEFAULT_RULES)


def in_force_rules_query():
    """The rules that count today: switched on, and relying on no agreement or one in force. A
    rule whose agreement has ended stops (and is on the managers' sharing report)."""
    return select(RoutingRule).where(RoutingRule.active, in_force_clause(RoutingRule.agreement_id,
                                                                          timescales.today_london()))


def all_rules(actor) -> list[RoutingRule]:
    require(actor, "routing.manage", object_type="routing_rule", audit=False)
    return list(db.session.scalars(select(RoutingRule).order_by(RoutingRule.event_type, RoutingRule.recipient,
                                                                RoutingRule.channel)))


def save(actor, raw: dict) -> RoutingRule:
    require(actor, "routing.manage", object_type="routing_rule", audit=False)
    seed_defaults()  # changing one rule first must not stop the area getting the others
    data = load(RoutingRuleSchema, raw)
    if data["deadline"] == "working_hours" and not data.get("deadline_hours"):
        raise ServiceValidationError("Say how many working hours.", {"deadline_hours": ["Enter the number of working hours"]})
    agreement = db.session.get(SharingAgreement, data["agreement_id"]) if data.get("agreement_id") else None
    if data.get("agreement_id") and (agreement is None or not agreement.in_force(timescales.today_london())):
        raise ServiceValidationError("Choose an agreement in force.", {
            "agreement_id": ["Choose an agreement that is in force today from the register"]})
    rule = db.session.scalar(select(RoutingRule).where(RoutingRule.event_type == data["event_type"],
                                                       RoutingRule.recipient == data["recipient"],
                                                       RoutingRule.channel == data["channel"]))
    if rule is None:
        rule = RoutingRule(event_type=data["event_type"], recipient=data["recipient"], channel=data["channel"])
        db.session.add(rule)
    rule.deadline = data["deadline"]
    rule.deadline_hours = data.get("deadline_hours") if data["deadline"] == "working_hours" else None
    rule.active, rule.updated_by_id = data["active"], actor.id
    rule.agreement_id = agreement.id if agreement else None
    db.session.flush()
    audit.record(actor, "routing_rule.save", "routing_rule", rule.id, purpose="notification routing")
    return rule


def school_holidays() -> list[SchoolHoliday]:
    return list(db.session.scalars(select(SchoolHoliday).order_by(SchoolHoliday.starts_on)))


def add_school_holiday(actor, name: str, starts_on, ends_on) -> SchoolHoliday:
    from datetime import date

    require(actor, "routing.manage", object_type="school_holiday", audit=False)
    starts_on = date.fromisoformat(starts_on) if isinstance(starts_on, str) else starts_on
    ends_on = date.fromisoformat(ends_on) if isinstance(ends_on, str) else ends_on
    errors = {}
    if not (name or "").strip():
        errors["name"] = ["Enter a name, like Christmas holiday"]
    if starts_on is None:
        errors["starts_on"] = ["Enter the first day of the holiday"]
    if ends_on is None:
        errors["ends_on"] = ["Enter the last day of the holiday"]
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = ["The holiday must end on or after the day it starts"]
    if errors:
        raise ServiceValidationError("Some answers need changing.", errors)
    holiday = SchoolHoliday(name=name.strip(), starts_on=starts_on, ends_on=ends_on)
    db.session.add(holiday)
    db.session.flush()
    audit.record(actor, "school_holiday.add", "school_holiday", holiday.id, purpose="notification routing")
    return holiday
