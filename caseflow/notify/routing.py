"""Routing a partner event: match its people, find the family's case, and notify the people the
routing rules name, each with a deadline in working time and content cut to what the policy
lets them see. Runs as a queued job (caseflow.notify.outbox), idempotently."""
from __future__ import annotations

from datetime import timedelta

from dateutil.relativedelta import relativedelta
from flask import current_app
from sqlalchemy import select

from caseflow import flow, timescales
from caseflow.auth.models import Organisation, User
from caseflow.auth.roles import Role
from caseflow.cases.models import Case
from caseflow.consent.policy import can
from caseflow.database import utcnow
from caseflow.extensions import db
from caseflow.families.matching import SubmittedPerson, match_person
from caseflow.families.models import FamilyMember, Person
from caseflow.notify import deadlines
from caseflow.notify.models import PartnerEvent, RoutingRule
from caseflow.notify.services import notify
from caseflow.notify.vocab import EVENT_TYPES


def _settings():
    return current_app.extensions["caseflow.settings"]


def active_rules(event_type: str) -> list[RoutingRule]:
    from caseflow.notify.rules import seed_defaults

    seed_defaults()  # an area that has never edited its rules starts with the defaults (one query)
    return list(db.session.scalars(select(RoutingRule).where(
        RoutingRule.event_type == event_type, RoutingRule.active).order_by(RoutingRule.recipient, RoutingRule.channel)))


def route_event(event_id: str) -> None:
    event = db.session.scalar(select(PartnerEvent).where(PartnerEvent.id == event_id).with_for_update())
    if event is None or event.status != "received":
        return  # already routed (a job run twice) or purged
    matches = [match_person(db.session, _submitted(p)) for p in event.people or []]
    if any(m.status == "needs_review" for m in matches) or not any(m.status == "linked" for m in matches):
        _to_review(event, matches)  # ambiguous, or nobody recognised: a person checks before it is dropped
        return
    person_ids = [m.person_id for m in matches if m.status == "linked"]
    family_ids = sorted(set(db.session.scalars(select(FamilyMember.family_id).where(
        FamilyMember.person_id.in_(person_ids))))) if person_ids else []
    if not family_ids:
        _not_open(event)
        return
    event.person_ids = person_ids
    # Someone can belong to two families (a father living apart, say): tell the one being worked with.
    open_family = db.session.scalar(select(Case.family_id).where(Case.family_id.in_(family_ids),
                                                                Case.stage.not_in(flow.CLOSED_STAGES))
                                    .order_by(Case.opened_at.desc()).limit(1))
    deliver_to_family(event, open_family or family_ids[0])


def _submitted(p: dict) -> SubmittedPerson:
    from datetime import date

    dob = p.get("date_of_birth")
    return SubmittedPerson(given_name=p.get("given_name") or "", family_name=p.get("family_name") or "",
                           date_of_birth=date.fromisoformat(dob) if isinstance(dob, str) and dob else None,
                           sex=p.get("sex"), postcode=p.get("postcode"), nhs_number=p.get("nhs_number"),
                           upn=p.get("upn"))


def _to_review(event: PartnerEvent, matches) -> None:
    event.status = "needs_review"
    event.candidates = [{"status": m.status, "person_id": m.person_id,
                         "candidates": [c.as_dict() for c in m.candidates]} for m in matches]
    event.routed_at = utcnow()
    for officer_id in db.session.scalars(select(User.id).where(User.role == Role.FRONT_DOOR, User.active)):
        notify(officer_id, "event_review", f"event-review:{event.id}", f"Check who this is about: {_label(event)}",
               f"{event.reference}: the people named could not be matched with certainty. Confirm who it is, "
               "or mark it as nobody known to us.", event_id=event.id)
    db.session.commit()


def _not_open(event: PartnerEvent) -> None:
    """Not someone the service works with: keep it only as long as policy allows, then erase."""
    event.status = "not_open"
    event.routed_at = utcnow()
    event.purge_after = (utcnow() + timedelta(days=_settings().unmatched_event_days)).date()
    db.session.commit()


def deliver_to_family(event: PartnerEvent, family_id: str) -> None:
    """Route a matched event: the open case's workers, or (closed recently) the last keyworker
    and team manager, who may open a new case from it; otherwise it is not ours to keep."""
    event.family_id = family_id
    case = db.session.scalar(select(Case).where(Case.family_id == family_id, Case.stage.not_in(flow.CLOSED_STAGES))
                             .order_by(Case.opened_at.desc()).limit(1))
    event.routed_at = utcnow()
    if case is not None:
        event.case_id, event.status = case.id, "routed"
        _notify_by_rules(event, case)
        _audit(event, "event.route")
        db.session.commit()
        return
    window = utcnow() - relativedelta(months=_settings().re_referral_months)
    last = db.session.scalar(select(Case).where(Case.family_id == family_id, Case.closed_at.is_not(None),
                                                Case.closed_at >= window)
                             .order_by(Case.closed_at.desc()).limit(1))
    if last is None:
        _not_open(event)
        return
    event.case_id, event.status = last.id, "closed_recently"
    for user_id in [last.keyworker_id, *team_managers(last)]:
        notify(user_id, "re_referral", f"event:{event.id}", f"{_label(event)}: {last.family.display_name} (case closed)",
               f"{event.reference}: {event.summary or ''} The family's case {last.reference} closed on "
               f"{last.closed_at:%d %B %Y}. Open a new case from this notification, or record why not.",
               case_id=last.id, family_id=family_id, event_id=event.id,
               deadline_at=deadlines.add_working_hours(event.received_at, 16))
    _audit(event, "event.route_closed_case")
    db.session.commit()


def _audit(event: PartnerEvent, action: str) -> None:
    """The queue itself matched people and told the people working with them: on the record."""
    from caseflow.consent import audit

    audit.record("notification queue", action, "partner_event", event.id, family_id=event.family_id,
                 categories=["identity", "police"], purpose="partner notification routing",
                 basis="information sharing agreement")


def _label(event: PartnerEvent) -> str:
    return EVENT_TYPES.get(event.type, event.type)


def team_managers(case: Case) -> list[str]:
    query = select(User.id).where(User.role == Role.TEAM_MANAGER, User.active)
    managers = list(db.session.scalars(query.where(User.team_id == case.team_id))) if case.team_id else []
    return managers or list(db.session.scalars(query.where(User.team_id.is_(None))))


class _Family:
    """What routing needs to know about the family, read once per event (not once per rule)."""

    def __init__(self, event: PartnerEvent, case: Case):
        from sqlalchemy import func, or_

        self.event, self.case = event, case
        self.people = list(db.session.scalars(select(Person).join(FamilyMember, FamilyMember.person_id == Person.id)
                                              .where(FamilyMember.family_id == case.family_id)))
        ids = {p.school_id for p in self.people if p.school_id}
        names = {p.school_name.strip().lower() for p in self.people if not p.school_id and p.school_name}
        schools = list(db.session.scalars(select(Organisation).where(Organisation.type == "school", or_(
            Organisation.id.in_(ids), func.lower(Organisation.name).in_(names))))) if ids or names else []
        by_name = {o.name.lower(): o for o in schools}
        by_id = {o.id: o for o in schools}
        # Each pupil's school: by id, or by the name given on a request when no id was recorded.
        self.school_of = {p.id: by_id.get(p.school_id) or by_name.get((p.school_name or "").strip().lower())
                          for p in self.people}

    def pupils_at(self, school_id: str) -> list[Person]:
        return [p for p in self.people if (self.school_of.get(p.id) or _NO_SCHOOL).id == school_id]

    def key_adults(self) -> list[str]:
        """Each child's school's key adult (Operation Encompass): the children named in the
        event, or every child at a school when the event names only adults."""
        pupils = [p for p in self.people if self.school_of.get(p.id)]
        named = [p for p in pupils if p.id in (self.event.person_ids or [])]
        return list(dict.fromkeys(self.school_of[p.id].key_adult_id for p in (named or pupils)
                                  if self.school_of[p.id].key_adult_id))


class _NoSchool:
    id = None


_NO_SCHOOL = _NoSchool()


def recipients(kind: str, family: _Family) -> list[User]:
    """The people a rule's recipient kind names, for this event's case."""
    case = family.case
    ids: list[str | None] = []
    if kind == "keyworker":
        ids = [case.keyworker_id]
    elif kind == "social_worker":
        ids = [case.social_worker_id]
    elif kind == "team_manager":
        ids = team_managers(case)
    elif kind == "school_key_adult":
        ids = family.key_adults()
    elif kind == "health_visitor":
        ids = _health_visitors(case)
    ids = list(dict.fromkeys(i for i in ids if i))
    users = list(db.session.scalars(select(User).where(User.id.in_(ids), User.active))) if ids else []
    return sorted(users, key=lambda u: ids.index(u.id))


def _health_visitors(case: Case) -> list[str]:
    from caseflow.plans.models import TafMember

    return list(db.session.scalars(select(TafMember.user_id).join(User, User.id == TafMember.user_id)
                                   .join(Organisation, Organisation.id == User.organisation_id)
                                   .where(TafMember.case_id == case.id, TafMember.left_at.is_(None),
                                          Organisation.type == "health_visiting")))


def _notify_by_rules(event: PartnerEvent, case: Case) -> None:
    family = _Family(event, case)
    holidays = deadlines.school_holidays()
    by_kind: dict[str, list[RoutingRule]] = {}
    for rule in active_rules(event.type):
        by_kind.setdefault(rule.recipient, []).append(rule)
    by_user: dict[str, dict] = {}
    for kind, rules in by_kind.items():
        for user in recipients(kind, family):
            plan = by_user.setdefault(user.id, {"user": user, "channels": set(), "deadline": None})
            for rule in rules:
                plan["channels"].add(rule.channel)
                due = deadlines.deadline_for(rule.deadline, rule.deadline_hours, event.received_at, holidays)
                if due is not None and (plan["deadline"] is None or due < plan["deadline"]):
                    plan["deadline"] = due
    source = event_source(event)
    for user_id, plan in by_user.items():
        title, body, basis = message_for(plan["user"], event, case, family, source)
        notify(user_id, "partner_event", f"event:{event.id}", title, body, case_id=case.id,
               family_id=case.family_id, event_id=event.id, deadline_at=plan["deadline"],
               channels=plan["channels"], basis=basis, recipient=plan["user"], fresh=True)


ENCOMPASS_BASIS = "information sharing agreement (Operation Encompass)"
STAFF_ROLES = (Role.KEYWORKER, Role.TEAM_MANAGER, Role.SOCIAL_WORKER, Role.FRONT_DOOR, Role.PANEL_CHAIR)


def message_for(user: User, event: PartnerEvent, case: Case, family: _Family | None = None,
                source: str | None = None) -> tuple[str, str, str | None]:
    """What this recipient may read: the detail to staff who may see the family's records;
    the fact, with the child's name, to a school key adult told under the area's information
    sharing agreement; never more than the policy allows."""
    label = _label(event)
    when = f"{timescales.to_london(event.occurred_at):%d %B %Y at %H:%M}"
    name = case.family.display_name
    if user.role in STAFF_ROLES and can(user, "case.view", case):
        return (f"{label}: {name}", f"{event.reference} from {source or event_source(event)}, {when}. "
                f"{event.summary or ''} Case {case.reference}.", None)
    family = family or _Family(event, case)
    children = [f"{p.given_name} {p.family_name}" for p in family.pupils_at(user.organisation_id)]
    return (f"{label}: {', '.join(children) or name}",
            f"{event.reference}: {label.lower()} on {when} involving a child at your school. "
            "Please make sure a key adult is available to support them. (Under the area's information "
            "sharing agreement; no further detail is shared.)", ENCOMPASS_BASIS)


def event_source(event: PartnerEvent) -> str:
    org = db.session.get(Organisation, event.source_organisation_id)
    return org.name if org else "a partner"
