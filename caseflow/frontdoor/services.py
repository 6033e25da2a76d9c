"""The front door: every request for help (web form, self-referral, API) enters here.

`submit_request` validates, matches each named person to people already known ("tell the story
once") and attaches the request to the right family and case, all in the caller's one
transaction so a request is never half-saved. `resolve_match` is the front-door officer's decision on a
possible match.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from dateutil.relativedelta import relativedelta
from flask import current_app
from marshmallow import ValidationError
from sqlalchemy import case as sql_case
from sqlalchemy import select
from sqlalchemy.orm import defer, selectinload

from caseflow.core import stages as flow, timescales
from caseflow.core.errors import flatten_messages
from caseflow.core.schemas import load_input
from caseflow.cases.models import Case
from caseflow.core import audit, signals
from caseflow.core.access import SERVICE_BASIS, can, require, require_list
from caseflow.core.database import utcnow
from caseflow.core.extensions import db
from caseflow.core.keyset import bounded_count
from caseflow.families import services as families
from caseflow.families.matching import PersonMatch, SubmittedPerson, match_person
from caseflow.families.models import Family, Person
from caseflow.frontdoor.models import (
    URGENCY_ORDER,
    MatchStatus,
    RequestForHelp,
    RequestPerson,
    RequestStatus,
    Source,
    WAITING_STATUSES,
)
from caseflow.frontdoor.schemas import RequestInSchema, clean_people
from caseflow.core.errors import NotFound, ServiceValidationError

QUEUE_STATUSES = WAITING_STATUSES  # the queue's partial index covers exactly these


def validate_request(raw: dict, source: str | None = None) -> dict:
    """Every intake route's rules, with every problem reported at once, field by field."""
    errors: dict[str, list[str]] = {}
    data = None
    try:
        data = load_input(RequestInSchema, raw)
    except ValidationError as exc:
        errors = flatten_messages(exc.messages)
    referrer = raw.get("referrer") if isinstance(raw, dict) else None
    if source == Source.PROFESSIONAL and isinstance(referrer, dict) \
            and not str(referrer.get("role") or "").strip():
        # A professional's role tells the front door whom they are talking to (DSL, GP...).
        errors.setdefault("referrer.role", ["Enter your role, like designated safeguarding lead"])
    if errors:
        raise ServiceValidationError("Some fields are missing or not valid.", errors)
    data["people"] = clean_people(data["people"])
    return data


@dataclass
class Submission:
    request: RequestForHelp
    case: Case
    family: Family


def submit_request(actor, raw: dict, source: str) -> Submission:
    """Validate and record a request for help. `actor` is None for a self-referral.

    Everything (people, family, case, request, audit) is written in the caller's transaction, so
    an accepted request is never half-saved and a rejected one leaves nothing behind."""
    action = "request.self_refer" if source == Source.SELF_REFERRAL else "request.create"
    decision = require(actor, action, object_type="request_for_help", audit=False)
    data = validate_request(raw, source)

    matches = _hold_split_links([match_person(db.session, _submitted(p)) for p in data["people"]])
    family, match_status = _choose_family(matches, data["people"])
    request = RequestForHelp(
        reference=families.unused_reference(RequestForHelp, "RFH"),
        source=source,
        status=RequestStatus.NEEDS_REVIEW if match_status == MatchStatus.NEEDS_REVIEW else RequestStatus.NEW,
        match_status=match_status,
        family_id=family.id,
        submitted_by_id=getattr(actor, "id", None),
        referrer_name=data["referrer"]["name"].strip(),
        referrer_organisation=data["referrer"].get("organisation") or (
            actor.organisation.name if actor is not None else None),
        referrer_organisation_id=getattr(actor, "organisation_id", None),
        referrer_role=data["referrer"].get("role"),
        referrer_email=data["referrer"].get("email"),
        referrer_phone=data["referrer"].get("phone"),
        concerns=sorted(set(data["concerns"])),
        details=(data.get("details") or "").strip() or None,
        consent_given=data["consent_given"],
        safeguarding_concern=data.get("safeguarding_concern", False),
        urgency=data["urgency"],
        received_at=utcnow(),
    )
    for position, (person_data, match) in enumerate(zip(data["people"], matches)):
        person = _person_for(family, person_data, match)
        request.people.append(RequestPerson(
            position=position, submitted=_jsonable(person_data), given_name=person_data["given_name"],
            family_name=person_data["family_name"], date_of_birth=person_data.get("date_of_birth"),
            relationship_to_family=person_data["relationship"], person_id=person.id,
            match_status=match.status, match_score=match.score,
            candidates=[c.as_dict() for c in match.candidates],
        ))
    case = _case_for(actor, family, request)
    request.case_id = case.id
    db.session.add(request)
    db.session.flush()
    # The actor label is in the append-only audit trail for good: no names of the public in it.
    audit.record(actor or "self-referral (public form)", action, "request_for_help", request.id,
                 family_id=family.id, categories=decision.categories, purpose="request for help",
                 basis="consent" if request.consent_given else "safeguarding")
    # Two or more concerns about a child within a week are told as a pattern (caseflow.notify.concerns).
    signals.send_handled(signals.concern_received, actor, request=request)
    return Submission(request, case, family)


def _submitted(p: dict) -> SubmittedPerson:
    return SubmittedPerson(given_name=p["given_name"], family_name=p["family_name"],
                           date_of_birth=p.get("date_of_birth"), sex=p.get("sex"),
                           postcode=p.get("postcode"), nhs_number=p.get("nhs_number"),
                           upn=p.get("upn"))


def _jsonable(p: dict) -> dict:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in p.items()}


SPLIT_LINK_REASON = "people on this request are recorded in different families: check which household"


def _hold_split_links(matches: list[PersonMatch]) -> list[PersonMatch]:
    """Confident links that point at different families (or one person in several) cannot all
    be right about the household: hand each of them to the officer instead of guessing."""
    linked = [m for m in matches if m.status == MatchStatus.LINKED]
    families_linked = {fid for m in linked for fid in _linked_family_ids(m)}
    if len(families_linked) <= 1:
        return matches
    held = []
    for m in matches:
        if m.status == MatchStatus.LINKED:
            for c in m.candidates:
                c.reasons = [*c.reasons, SPLIT_LINK_REASON]
            m = PersonMatch(MatchStatus.NEEDS_REVIEW, None, m.score, m.candidates)
        held.append(m)
    return held


def _linked_family_ids(match: PersonMatch) -> list[str]:
    best = next((c for c in match.candidates if c.person_id == match.person_id), None)
    return best.family_ids if best else []


def _choose_family(matches: list[PersonMatch], people: list[dict]) -> tuple[Family, str]:
    """The one existing family every confident link points to, when nothing is uncertain;
    otherwise a new family: provisional while an officer checks a possible match."""
    if not any(m.status == MatchStatus.NEEDS_REVIEW for m in matches):
        linked_families = {fid for m in matches if m.status == MatchStatus.LINKED
                           for fid in _linked_family_ids(m)}
        if linked_families:  # _hold_split_links leaves at most one
            return db.session.get(Family, linked_families.pop()), MatchStatus.LINKED
    surname = next((p["family_name"] for p in people if p["relationship"] == "parent_carer"),
                   people[0]["family_name"])
    family = families.create_family(surname)
    db.session.flush()
    if any(m.status == MatchStatus.NEEDS_REVIEW for m in matches):
        return family, MatchStatus.NEEDS_REVIEW
    return family, (MatchStatus.LINKED if any(m.status == MatchStatus.LINKED for m in matches)
                    else MatchStatus.NEW)


def _person_for(family: Family, data: dict, match: PersonMatch) -> Person:
    if match.status == MatchStatus.LINKED and match.person_id:
        person = db.session.get(Person, match.person_id)
        _fill_gaps(person, data)
    else:
        person = families.create_person(
            given_name=data["given_name"], family_name=data["family_name"],
            date_of_birth=data.get("date_of_birth"), sex=data.get("sex") or "unknown",
            address=data.get("address"), postcode=data.get("postcode"),
            nhs_number=data.get("nhs_number"), upn=data.get("upn"), phone=data.get("phone"),
            email=data.get("email"), school_name=data.get("school"),
            gp_practice_name=data.get("gp_practice"),
        )
    db.session.flush()
    families.add_member(family, person, data["relationship"], data.get("in_household", True))
    return person


def _fill_gaps(person: Person, data: dict) -> None:
    """A known person: add identifiers we did not have, never overwrite what we hold."""
    for attr, key in (("nhs_number", "nhs_number"), ("upn", "upn"), ("postcode", "postcode"),
                      ("address", "address"), ("school_name", "school"),
                      ("gp_practice_name", "gp_practice"), ("date_of_birth", "date_of_birth")):
        if getattr(person, attr) in (None, "") and data.get(key):
            setattr(person, attr, data[key])
    families.normalise(person)


def _case_for(actor, family: Family, request: RequestForHelp) -> Case:
    """Route to the family's open case if there is one ("if a lead professional exists, the
    request goes to them"); otherwise open a new case, flagged as a re-referral when a case
    closed within the look-back window."""
    open_case = open_case_of(family.id)
    if open_case is not None and request.status != RequestStatus.NEEDS_REVIEW:
        request.status = RequestStatus.ROUTED
        return open_case
    case = Case(reference=families.unused_reference(Case, "CF"), family_id=family.id,
                stage=flow.Stage.REQUESTED, urgency=request.urgency, opened_at=request.received_at)
    db.session.add(case)
    flow.open_case(db.session, case, actor, reason=f"Request for help {request.reference}")
    apply_re_referral(case, request)
    db.session.flush()
    return case


def open_case_of(family_id: str, excluding: str | None = None) -> Case | None:
    query = select(Case).where(Case.family_id == family_id, Case.stage.not_in(flow.CLOSED_STAGES))
    if excluding is not None:
        query = query.where(Case.id != excluding)
    return db.session.scalar(query.order_by(Case.opened_at.desc()).limit(1))


def apply_re_referral(case: Case, request: RequestForHelp) -> None:
    """Link the family's last closed case; a re-referral if it closed within the window."""
    previous = db.session.scalar(
        select(Case).where(Case.family_id == case.family_id, Case.closed_at.is_not(None),
                           Case.id != case.id)
        .order_by(Case.closed_at.desc()).limit(1))
    months = current_app.extensions["caseflow.settings"].re_referral_months
    case.previous_case_id = previous.id if previous is not None else None
    case.is_re_referral = bool(previous is not None and previous.closed_at
                               >= request.received_at - relativedelta(months=months))
    request.is_re_referral = case.is_re_referral


# --- reading ---------------------------------------------------------------------------------------

def get_request(request_id: str, lock: bool = False) -> RequestForHelp:
    query = (select(RequestForHelp).where(RequestForHelp.id == request_id)
             .options(selectinload(RequestForHelp.people)))
    if lock:  # two officers deciding the same match at once: the second waits, then sees it done
        query = query.with_for_update(of=RequestForHelp).execution_options(populate_existing=True)
    request = db.session.scalar(query)
    if request is None:
        raise NotFound("No request for help with that id.")
    return request


def referrer_ids(case: Case) -> set[str]:
    """The users who asked for help with this case: they hear what triage, panel and
    allocation decided."""
    return set(db.session.scalars(select(RequestForHelp.submitted_by_id).where(
        RequestForHelp.case_id == case.id, RequestForHelp.submitted_by_id.is_not(None))))


def view_request(actor, request_id: str):
    request = get_request(request_id)
    decision = require(actor, "request.view", request, object_type="request_for_help",
                       family_id=request.family_id, purpose="front door")
    return request, decision


def shown_people(request: RequestForHelp, decision) -> list[RequestPerson]:
    """The people a request names, as this reader may see them: a reader who sees the family
    person by person (a duty manager's break-glass for one child) sees only those people."""
    if decision.people is None:
        return list(request.people)
    return [rp for rp in request.people if decision.shows_person(rp.person_id)]


@dataclass
class MatchReview:
    """What the officer compares side by side: the known people each candidate points at, their
    families and those families' cases. Empty for anyone who may not decide matches."""
    allowed: bool
    people: dict[str, Person] = field(default_factory=dict)
    families: dict[str, Family] = field(default_factory=dict)
    history: dict[str, list[Case]] = field(default_factory=dict)


def match_review(actor, request: RequestForHelp) -> MatchReview:
    """Candidates are other families' records: only those who decide matches see them (a
    referrer must not learn who else is known), and each family's access log says so."""
    if not can(actor, "request.resolve_match", request):
        return MatchReview(False)
    pending = [c for rp in request.people if rp.match_status == MatchStatus.NEEDS_REVIEW
               for c in rp.candidates]
    if not pending:
        return MatchReview(True)
    people = {p.id: p for p in db.session.scalars(
        select(Person).where(Person.id.in_({c["person_id"] for c in pending})))}
    family_ids = {fid for c in pending for fid in c["family_ids"]}
    found = {f.id: f for f in db.session.scalars(select(Family).where(Family.id.in_(family_ids)))}
    for family_id in found:
        audit.record(actor, "request.review_candidates", "request_for_help", request.id,
                     family_id=family_id, categories=["identity"],
                     purpose="check a possible match", basis=SERVICE_BASIS)
    history = case_history_for_families(list(found))
    return MatchReview(True, people, found, history)


def triage_deadline(received_at: datetime) -> datetime:
    """A triage decision is due within `triage_due_working_days` (default 1) of receipt."""
    days = current_app.extensions["caseflow.settings"].triage_due_working_days
    return timescales.working_deadline(received_at, days)


def triage_due_at(request: RequestForHelp) -> datetime:
    return triage_deadline(request.received_at)


@dataclass
class QueueRow:
    request: RequestForHelp
    family: Family
    working_hours_waiting: float
    triage_due_at: datetime
    overdue: bool


QUEUE_SORTS = ("oldest", "urgency")


def front_door_queue(actor, status: str | None = None, urgency: str | None = None,
                     page: int = 1, per_page: int = 50, sort: str = "oldest") -> tuple[list[QueueRow], int]:
    """Requests waiting for the front door (new or needing a match check), oldest first, or
    immediate first when asked. Any request status can be listed by naming it. Two queries
    whatever the size."""
    decision = require_list(actor, "request.queue", object_type="front_door_queue", purpose="front door queue")
    statuses = [status] if status in set(RequestStatus) else list(QUEUE_STATUSES)
    query = select(RequestForHelp).where(RequestForHelp.status.in_(statuses))
    if urgency:
        query = query.where(RequestForHelp.urgency == urgency)
    total = bounded_count(query)  # counted up to 1,000 ("1,000+"): a queue never reads the whole table
    order = [RequestForHelp.received_at, RequestForHelp.id]
    if sort == "urgency":
        order.insert(0, sql_case({str(k): v for k, v in URGENCY_ORDER.items()},
                                  value=RequestForHelp.urgency, else_=9))
    rows = db.session.execute(
        query.add_columns(Family).join(Family, Family.id == RequestForHelp.family_id)
        # What the request says is not shown in the queue (page or API): not read, so fifty
        # rows are not fifty decryptions.
        .options(defer(RequestForHelp.details))
        .order_by(*order).limit(per_page).offset((page - 1) * per_page)).all()
    now = utcnow()
    out = []
    for req, family in rows:
        due = triage_due_at(req)
        out.append(QueueRow(req, family, timescales.working_hours_between(req.received_at, now),
                            due, now > due))
    audit.record_reads(actor, "request.queue", "front_door_queue", [row.family.id for row in out],
                       categories=decision.categories, purpose="front door queue", basis=decision.basis)
    return out, total


def case_history_for_families(family_ids: list[str]) -> dict[str, list[Case]]:
    """Previous and current cases per family, for the side-by-side match view (one query)."""
    history: dict[str, list[Case]] = {fid: [] for fid in family_ids}
    if not family_ids:
        return history
    for row in db.session.scalars(select(Case).where(Case.family_id.in_(family_ids))
                                  .order_by(Case.opened_at.desc())):
        history[row.family_id].append(row)
    return history


def concerns_raised(case_id: str) -> set[str]:
    """Every headline problem the requests behind a case raised (triage starts from them)."""
    concerns: set[str] = set()
    for req in db.session.scalars(select(RequestForHelp).where(RequestForHelp.case_id == case_id)):
        concerns.update(req.concerns)
    return concerns
