"""Routing a partner event: match its people, find the family's case, and notify the people the
routing rules name, each with a deadline in working time and content cut to what the policy
lets them see. Runs as a queued job (caseflow.notify.outbox), idempotently."""
from __future__ import annotations

from datetime import timedelta

from dateutil.relativedelta import relativedelta
from flask import current_app
from sqlalchemy import select

from caseflow.core import timescales
from caseflow.auth.models import User
from caseflow.core.roles import Role
from caseflow.cases.models import Case
from caseflow.core.database import utcnow
from caseflow.core.extensions import db
from caseflow.families.matching import SubmittedPerson, match_person
from caseflow.families.models import MatchStatus
from caseflow.notify import concerns, deadlines, encompass
from caseflow.notify.lookups import FamilyAtSchool, RoutingBatch
from caseflow.notify.models import PartnerEvent, RoutingRule
from caseflow.notify.services import notify, notify_all, notify_many
from caseflow.notify.vocab import EVENT_TYPES, EventStatus, EventType, NotificationType, Recipient


def _settings():
    return current_app.extensions["caseflow.settings"]


def route_events(event_ids: list[str]) -> None:
    """Route received events together, in the caller's transaction (the caller commits).

    Set-based: each step asks the database once for what every event in the batch needs (their
    families, open cases, people, schools, recipients, rules), so a burst of incidents costs the
    matcher's queries per person plus a handful per batch, not two dozen per event. Events
    already routed (a job run twice) or purged are skipped."""
    # No autoflush: the batch's lookups (and the policy's) never need its own new notifications,
    # and flushing them one by one before each lookup would undo the single bulk insert at commit.
    with db.session.no_autoflush:
        _route_events(event_ids)


def _route_events(event_ids: list[str]) -> None:
    events = list(db.session.scalars(select(PartnerEvent).where(
        PartnerEvent.id.in_(event_ids), PartnerEvent.status == EventStatus.RECEIVED)
        .order_by(PartnerEvent.received_at).with_for_update()))
    if not events:
        return
    batch = RoutingBatch()
    linked: dict[str, list[str]] = {}
    for event in events:
        matches = [match_person(db.session, _submitted(p), families_when_linked=False) for p in event.people or []]
        if any(m.status == MatchStatus.NEEDS_REVIEW for m in matches) or not any(m.status == MatchStatus.LINKED for m in matches):
            _to_review(event, matches, batch)  # ambiguous, or nobody recognised: a person checks before it is dropped
        else:
            linked[event.id] = [m.person_id for m in matches if m.status == MatchStatus.LINKED]
            encompass.place_children(event, {i: m.person_id for i, m in enumerate(matches)
                                             if m.status == MatchStatus.LINKED})
    families_of = batch.families_of_people({p for ids in linked.values() for p in ids})
    open_cases = batch.open_cases({f for fs in families_of.values() for f in fs})
    placed = []
    for event in events:
        if event.id not in linked:
            continue
        event.person_ids = linked[event.id]
        family_ids = sorted({f for p in event.person_ids for f in families_of.get(p, ())})
        if not family_ids:
            _not_open(event)
            continue
        # Someone can belong to two families (a father living apart, say): tell the one being worked with.
        working = [open_cases[f] for f in family_ids if f in open_cases]
        family_id = max(working, key=lambda c: c.opened_at).family_id if working else family_ids[0]
        placed.append((event, family_id))
    _deliver(placed, batch, open_cases)


def _submitted(p: dict) -> SubmittedPerson:
    from datetime import date

    dob = p.get("date_of_birth")
    return SubmittedPerson(given_name=p.get("given_name") or "", family_name=p.get("family_name") or "",
                           date_of_birth=date.fromisoformat(dob) if isinstance(dob, str) and dob else None,
                           sex=p.get("sex"), postcode=p.get("postcode"), nhs_number=p.get("nhs_number"),
                           upn=p.get("upn"))


def _to_review(event: PartnerEvent, matches, batch: RoutingBatch) -> None:
    event.status = EventStatus.NEEDS_REVIEW
    event.candidates = [{"status": m.status, "person_id": m.person_id,
                         "candidates": [c.as_dict() for c in m.candidates]} for m in matches]
    event.routed_at = utcnow()
    notify_all(dict.fromkeys(batch.front_door_officers()), NotificationType.EVENT_REVIEW, f"event-review:{event.id}",
               f"Check who this is about: {_label(event)}",
               f"{event.reference}: the people named could not be matched with certainty. Confirm who it is, "
               "or mark it as nobody known to us.", event_id=event.id)


def _not_open(event: PartnerEvent) -> None:
    """Not someone the service works with: keep it only as long as policy allows, then erase."""
    event.status = EventStatus.NOT_OPEN
    event.routed_at = utcnow()
    event.purge_after = (utcnow() + timedelta(days=_settings().unmatched_event_days)).date()


def deliver_to_family(event: PartnerEvent, family_id: str) -> None:
    """Route one event the front door has placed with a family (in the caller's transaction)."""
    batch = RoutingBatch()
    _deliver([(event, family_id)], batch, batch.open_cases({family_id}))


def _deliver(placed: list[tuple[PartnerEvent, str]], batch: RoutingBatch, open_cases: dict[str, Case]) -> None:
    """Matched events: the open case's workers, or (closed recently) the last keyworker and team
    manager, who may open a new case from it; otherwise it is not ours to keep."""
    batch.prepare([open_cases[f] for _, f in placed if f in open_cases])
    for event, family_id in placed:
        event.family_id, event.routed_at = family_id, utcnow()
        case = open_cases.get(family_id)
        if case is not None:
            event.case_id, event.status = case.id, EventStatus.ROUTED
            _notify_by_rules(event, case, batch)
            _audit(event, "event.route")
        else:
            _closed_recently(event, family_id)
    notify_many(batch.notes)  # the inbox rows for the whole batch, in one insert
    batch.notes.clear()
    db.session.flush()  # the batch's events as placed, so each sees the others when looking for patterns
    for event, _ in placed:
        concerns.note_event(event)


def _closed_recently(event: PartnerEvent, family_id: str) -> None:
    window = utcnow() - relativedelta(months=_settings().re_referral_months)
    last = db.session.scalar(select(Case).where(Case.family_id == family_id, Case.closed_at.is_not(None),
                                                Case.closed_at >= window)
                             .order_by(Case.closed_at.desc()).limit(1))
    if last is None:
        _not_open(event)
        return
    event.case_id, event.status = last.id, EventStatus.CLOSED_RECENTLY
    for user_id in [last.keyworker_id, *team_managers(last)]:
        notify(user_id, NotificationType.RE_REFERRAL, f"event:{event.id}", f"{_label(event)}: {last.family.display_name} (case closed)",
               f"{event.reference}: {event.summary or ''} The family's case {last.reference} closed on "
               f"{last.closed_at:%d %B %Y}. Open a new case from this notification, or record why not.",
               case_id=last.id, family_id=family_id, event_id=event.id,
               deadline_at=deadlines.add_working_hours(event.received_at, 16))
    _audit(event, "event.route_closed_case")


def _audit(event: PartnerEvent, action: str) -> None:
    """The queue itself matched people and told the people working with them: on the record."""
    from caseflow.core import audit

    audit.record("notification queue", action, "partner_event", event.id, family_id=event.family_id,
                 categories=["identity", "police"], purpose="partner notification routing",
                 basis="information sharing agreement")


def _label(event: PartnerEvent) -> str:
    return EVENT_TYPES.get(event.type, event.type)


def team_managers(case: Case) -> list[str]:
    query = select(User.id).where(User.role == Role.TEAM_MANAGER, User.active)
    managers = list(db.session.scalars(query.where(User.team_id == case.team_id))) if case.team_id else []
    return managers or list(db.session.scalars(query.where(User.team_id.is_(None))))


def _recipient_ids(kind: str, event: PartnerEvent, case: Case, batch: RoutingBatch) -> list[str | None]:
    """The people a rule's recipient kind names, for this event's case."""
    if kind == Recipient.KEYWORKER:
        return [case.keyworker_id]
    if kind == Recipient.SOCIAL_WORKER:
        return [case.social_worker_id]
    if kind == Recipient.TEAM_MANAGER:
        return batch.team_managers(case)
    if kind == Recipient.SCHOOL_KEY_ADULT:
        family = batch.families[case.family_id]
        if event.type != EventType.DOMESTIC_ABUSE:
            return family.key_adults(event.person_ids)
        # Operation Encompass: each child's school, and the council's lead for any child not on a roll.
        children = family.encompass_children(event)
        leads = batch.encompass_leads(case) if any(not family.on_roll(p) for p in children) else []
        return [*family.key_adults_of(children), *leads]
    if kind == Recipient.HEALTH_VISITOR:
        return batch.visitors.get(case.id, [])
    return []


def _notify_by_rules(event: PartnerEvent, case: Case, batch: RoutingBatch) -> None:
    by_kind: dict[str, list[RoutingRule]] = {}
    for rule in batch.rules_for(event.type):
        by_kind.setdefault(rule.recipient, []).append(rule)
    wanted = {kind: list(dict.fromkeys(i for i in _recipient_ids(kind, event, case, batch) if i)) for kind in by_kind}
    batch.load_users(i for ids in wanted.values() for i in ids)
    by_user: dict[str, dict] = {}
    for kind, rules in by_kind.items():
        for user in (batch.users[i] for i in wanted[kind] if i in batch.users):  # active users only
            plan = by_user.setdefault(user.id, {"user": user, "channels": set(), "deadline": None})
            for rule in rules:
                plan["channels"].add(rule.channel)
                due = deadlines.deadline_for(rule.deadline, rule.deadline_hours, event.received_at, batch.holidays())
                if due is not None and (plan["deadline"] is None or due < plan["deadline"]):
                    plan["deadline"] = due
    source = batch.organisation(event.source_organisation_id)
    for plan in by_user.values():
        title, body, basis = message_for(plan["user"], event, case, batch.families[case.family_id],
                                         source.name if source else "a partner", batch)
        batch.notes.append({"recipient": plan["user"], "type": NotificationType.PARTNER_EVENT, "delivery_key": f"event:{event.id}",
                            "title": title, "body": body, "case_id": case.id, "family_id": case.family_id,
                            "event_id": event.id, "deadline_at": plan["deadline"], "channels": plan["channels"],
                            "basis": basis, "person_ids": list(event.person_ids or [])})


ENCOMPASS_BASIS = "information sharing agreement (Operation Encompass)"
STAFF_ROLES = (Role.KEYWORKER, Role.TEAM_MANAGER, Role.SOCIAL_WORKER, Role.FRONT_DOOR, Role.PANEL_CHAIR)


def message_for(user: User, event: PartnerEvent, case: Case, family: FamilyAtSchool, source: str,
                batch: RoutingBatch) -> tuple[str, str, str | None]:
    """What this recipient may read: the detail to staff who may see the family's records;
    the fact, with the child's name, to a school key adult told under the area's information
    sharing agreement; never more than the policy allows."""
    label = _label(event)
    when = f"{timescales.to_london(event.occurred_at):%d %B %Y at %H:%M}"
    name = case.family.display_name
    if user.role in STAFF_ROLES and batch.may_see(user, case):  # the policy's case.view, asked per batch
        body = f"{event.reference} from {source}, {when}. {event.summary or ''} Case {case.reference}."
        if event.type == EventType.DOMESTIC_ABUSE and event.encompass:  # what the schools were told, too
            body += "\n\n" + encompass.render([encompass.child_notice(event, p)
                                                 for p in family.encompass_children(event)])
        return f"{label}: {name}", body, None
    if event.type == EventType.DOMESTIC_ABUSE:
        # Operation Encompass: the minimum data set for the children this school has on its roll
        # (and, to the council's lead, the children on no school's roll), and nothing else.
        children = family.encompass_children(event)
        told = [p for p in children if family.on_roll_at(p, user.organisation_id)]
        if user.id in batch.encompass_leads(case):
            told += [p for p in children if not family.on_roll(p)]
        return (encompass.title(told) if told else f"{encompass.TITLE}: {name}",
                encompass.render([encompass.child_notice(event, p) for p in told]), ENCOMPASS_BASIS)
    # Per person: the children the event is about who are on this school's roll (every pupil
    # there only when the event names adults alone), never their brothers and sisters.
    pupils = family.pupils_at(user.organisation_id)
    named = [p for p in pupils if p.id in (event.person_ids or [])]
    children = [f"{p.given_name} {p.family_name}" for p in named or pupils]
    return (f"{label}: {', '.join(children) or name}",
            f"{event.reference}: {label.lower()} on {when} involving a child at your school. "
            "Please make sure a key adult is available to support them. (Under the area's information "
            "sharing agreement; no further detail is shared.)", ENCOMPASS_BASIS)
