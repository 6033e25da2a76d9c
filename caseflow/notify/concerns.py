"""Concern alerts: when two or more concerns about the same child (requests for help naming them,
partner events about them) arrive within seven days, the front door and the keyworker of any
open case on the family are told, once per pattern. A later concern within seven days of the
pattern's last one joins it without telling anyone again; one after a quiet week starts afresh.

Requests come from caseflow.frontdoor (below notify) on the concern_received signal; partner
events from routing (caseflow.notify.routing). The family page reads the patterns through the
family's policy decision (`shown_patterns`): a child the reader may not see is not listed, and
what each concern was, and who raised it, is shown only in the categories the reader holds."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from caseflow.auth.models import User
from caseflow.cases.models import Case
from caseflow.core import audit, signals, stages as flow, timescales
from caseflow.core.access import Decision
from caseflow.core.database import new_id
from caseflow.core.extensions import db
from caseflow.core.roles import Role
from caseflow.core.vocab import Category
from caseflow.families.models import FamilyMember, Person, Relationship
from caseflow.notify.models import ConcernPattern, PartnerEvent
from caseflow.notify.services import notify_all
from caseflow.notify.vocab import EVENT_TYPES, EventStatus, NotificationType, event_category

WINDOW = timedelta(days=7)
# Events placed with a family (routed, or about a recently closed case): each is a concern.
PLACED = (EventStatus.ROUTED, EventStatus.CLOSED_RECENTLY, EventStatus.REOPENED, EventStatus.NO_FURTHER_ACTION)


@signals.concern_received.connect
def _on_request(sender, *, request, **kwargs):
    note_request(request)


def note_request(request) -> list[ConcernPattern]:
    """A request for help has arrived: a concern about each child it names. A re-referral opened
    from a partner event (caseflow.notify.events.decide: the event is marked reopened, its new
    case not yet recorded) is that event again, already counted, not a new concern."""
    reopening = db.session.scalar(select(PartnerEvent.id).where(
        PartnerEvent.family_id == request.family_id, PartnerEvent.status == EventStatus.REOPENED,
        PartnerEvent.new_case_id.is_(None)).limit(1))
    if reopening is not None:
        return []
    return _note(request.family_id, [rp.person_id for rp in request.people],
                 {"kind": "request", "id": request.id, "at": request.received_at.isoformat()})


def note_event(event: PartnerEvent) -> list[ConcernPattern]:
    """A partner event has been placed with a family: a concern about each child it names."""
    if not event.family_id or not event.person_ids or event.status not in PLACED:
        return []
    return _note(event.family_id, list(event.person_ids),
                 {"kind": "event", "id": event.id, "at": event.received_at.isoformat()})


def _children(family_id: str, person_ids: list[str]) -> list[str]:
    return list(db.session.scalars(select(FamilyMember.person_id).where(
        FamilyMember.family_id == family_id, FamilyMember.person_id.in_(person_ids),
        FamilyMember.relationship_to_family == Relationship.CHILD).order_by(FamilyMember.person_id)))


def _note(family_id: str, person_ids: list[str], concern: dict) -> list[ConcernPattern]:
    formed = []
    at = datetime.fromisoformat(concern["at"])
    for person_id in _children(family_id, person_ids):
        running = db.session.scalar(select(ConcernPattern).where(
            ConcernPattern.person_id == person_id, ConcernPattern.last_at >= at - WINDOW)
            .order_by(ConcernPattern.last_at.desc()).limit(1))
        if running is not None:  # part of a pattern already told: it joins, nobody is told again
            if concern["id"] not in {c["id"] for c in running.concerns}:
                running.concerns = [*running.concerns, concern]
                running.last_at = max(running.last_at, at)
            continue
        earlier = [c for c in _concerns_about(family_id, person_id, at - WINDOW, at) if c["id"] != concern["id"]]
        if not earlier:
            continue
        together = sorted([*earlier, concern], key=lambda c: c["at"])
        pattern = ConcernPattern(id=new_id(), family_id=family_id, person_id=person_id,
                                 first_at=datetime.fromisoformat(together[0]["at"]), last_at=at, concerns=together)
        db.session.add(pattern)
        db.session.flush()
        _tell(pattern)
        formed.append(pattern)
    return formed


def _concerns_about(family_id: str, person_id: str, since: datetime, until: datetime) -> list[dict]:
    """The requests naming this child and the events placed about them that arrived in the window."""
    from caseflow.frontdoor.models import RequestForHelp, RequestPerson

    found = [{"kind": "request", "id": request_id, "at": received.isoformat()}
             for request_id, received in db.session.execute(
                 select(RequestForHelp.id, RequestForHelp.received_at)
                 .join(RequestPerson, RequestPerson.request_id == RequestForHelp.id)
                 .where(RequestPerson.person_id == person_id, RequestForHelp.received_at >= since,
                        RequestForHelp.received_at <= until))]
    # The family's events in the week (ix_partner_events_family_id), then those naming the child.
    found += [{"kind": "event", "id": event_id, "at": received.isoformat()}
              for event_id, received, named in db.session.execute(
                  select(PartnerEvent.id, PartnerEvent.received_at, PartnerEvent.person_ids)
                  .where(PartnerEvent.family_id == family_id, PartnerEvent.status.in_(PLACED),
                         PartnerEvent.received_at >= since, PartnerEvent.received_at <= until))
              if person_id in (named or [])]
    return found


def _recipients(family_id: str) -> list[tuple[str, str | None]]:
    """(user id, case id): every front-door officer, and the keyworker of each open case on the family."""
    officers = [(u, None) for u in db.session.scalars(select(User.id).where(User.role == Role.FRONT_DOOR, User.active)
                                                      .order_by(User.id))]
    keyworkers = [(k, c) for c, k in db.session.execute(select(Case.id, Case.keyworker_id).where(
        Case.family_id == family_id, Case.stage.not_in(flow.CLOSED_STAGES), Case.keyworker_id.is_not(None)))]
    chosen: dict[str, str | None] = {}
    for user_id, case_id in [*keyworkers, *officers]:
        chosen.setdefault(user_id, case_id)
    return list(chosen.items())


def _tell(pattern: ConcernPattern) -> None:
    """The front door and the keyworkers may see the whole family (their role, their case), so
    each reads the same account: which concerns, when and from whom."""
    child = db.session.get(Person, pattern.person_id)
    rows = describe(pattern.concerns, None)
    title = f"{len(rows)} concerns about {child.given_name} {child.family_name} within 7 days"
    body = (f"{len(rows)} concerns about {child.given_name} {child.family_name} arrived within seven days:\n"
            + "\n".join(f"- {r.when}: {r.what}, from {r.source}" for r in rows)
            + "\nLook at the family's record together rather than at each concern alone.")
    notify_all(dict(_recipients(pattern.family_id)), NotificationType.CONCERN_PATTERN, f"concern-pattern:{pattern.id}",
               title, body, family_id=pattern.family_id, person_ids=[pattern.person_id])
    audit.record("concern alerts", "concern_pattern.alert", "concern_pattern", pattern.id, family_id=pattern.family_id,
                 categories=["identity", "referral", "police"], purpose="concern alert",
                 basis="early help service function")


@dataclass
class ShownConcern:
    when: str
    what: str
    source: str


WITHHELD = "not shown: outside what you may see"


class Concerns:
    """The records behind many patterns' concerns, each kind loaded in one query."""

    def __init__(self, concerns: list[dict]):
        from caseflow.auth.models import Organisation
        from caseflow.frontdoor.models import RequestForHelp

        request_ids = {c["id"] for c in concerns if c["kind"] == "request"}
        event_ids = {c["id"] for c in concerns if c["kind"] == "event"}
        self.requests = {r.id: r for r in db.session.scalars(
            select(RequestForHelp).where(RequestForHelp.id.in_(request_ids)))} if request_ids else {}
        self.events = {e.id: e for e in db.session.scalars(
            select(PartnerEvent).where(PartnerEvent.id.in_(event_ids)))} if event_ids else {}
        org_ids = {e.source_organisation_id for e in self.events.values() if e.source_organisation_id}
        self.orgs = dict(db.session.execute(select(Organisation.id, Organisation.name)
                                            .where(Organisation.id.in_(org_ids))).all()) if org_ids else {}


def describe(concerns: list[dict], decision: Decision | None, person_id: str | None = None,
             loaded: Concerns | None = None) -> list[ShownConcern]:
    """Each concern as the reader may see it (decision None: service staff who see everything).
    A request's sender is referral information; an event's kind and sender belong to the event
    type's category (a police incident is police data)."""
    from caseflow.frontdoor.models import Source

    loaded = loaded or Concerns(concerns)
    held = decision.categories_for(person_id) if decision is not None else None
    out = []
    for c in sorted(concerns, key=lambda c: c["at"]):
        when = timescales.format_uk_datetime(datetime.fromisoformat(c["at"]))
        if c["kind"] == "request" and c["id"] in loaded.requests:
            r = loaded.requests[c["id"]]
            shown = held is None or Category.REFERRAL in held
            source = ("the family (self-referral)" if r.source == Source.SELF_REFERRAL
                      else r.referrer_organisation or "a professional")
            out.append(ShownConcern(when, f"Request for help {r.reference}" if shown else "Request for help",
                                    source if shown else WITHHELD))
        elif c["kind"] == "event" and c["id"] in loaded.events:
            e = loaded.events[c["id"]]
            shown = held is None or event_category(e.type) in held
            out.append(ShownConcern(when, f"{EVENT_TYPES.get(e.type, e.type)} ({e.reference})" if shown
                                    else "A partner notification",
                                    loaded.orgs.get(e.source_organisation_id, "a partner") if shown else WITHHELD))
    return out


@dataclass
class ShownPattern:
    child: Person
    first_at: datetime
    last_at: datetime
    concerns: list[ShownConcern]


def shown_patterns(family_id: str, decision: Decision, limit: int = 20) -> list[ShownPattern]:
    """The family's concern patterns, newest first, for a reader the family's policy decision
    already let in (the family page asked and audited it): children they may not see are left out."""
    patterns = list(db.session.scalars(select(ConcernPattern).where(ConcernPattern.family_id == family_id)
                                       .order_by(ConcernPattern.last_at.desc()).limit(limit)))
    people = {p.id: p for p in db.session.scalars(select(Person).where(
        Person.id.in_({p.person_id for p in patterns})))} if patterns else {}
    shown = [p for p in patterns if p.person_id in people and decision.shows_person(p.person_id)]
    loaded = Concerns([c for p in shown for c in p.concerns])  # three queries, however many patterns
    return [ShownPattern(people[p.person_id], p.first_at, p.last_at, describe(p.concerns, decision, p.person_id, loaded))
            for p in shown]
