"""The front door: every request for help (web form, self-referral, API) enters here.

`submit_request` validates, matches each named person to people already known ("tell the story
once"), attaches the request to the right family and case, and commits it all in one transaction
so a request is never half-saved. `resolve_match` is the front-door officer's decision on a
possible match.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dateutil.relativedelta import relativedelta
from flask import current_app
from marshmallow import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from caseflow import flow, timescales
from caseflow.api.kit import flatten_messages
from caseflow.cases.models import Case
from caseflow.consent import audit
from caseflow.consent.policy import require
from caseflow.database import utcnow
from caseflow.extensions import db
from caseflow.families import services as families
from caseflow.families.matching import PersonMatch, SubmittedPerson, match_person
from caseflow.families.models import Family, FamilyMember, Person
from caseflow.frontdoor.models import (
    URGENCY_ORDER,
    MatchStatus,
    RequestForHelp,
    RequestPerson,
    RequestStatus,
    Source,
)
from caseflow.frontdoor.schemas import RequestInSchema, clean_people
from caseflow.services_errors import NotFound, ServiceValidationError

QUEUE_STATUSES = (RequestStatus.NEW, RequestStatus.NEEDS_REVIEW)


def validate_request(raw: dict) -> dict:
    try:
        data = RequestInSchema().load(raw)
    except ValidationError as exc:
        raise ServiceValidationError("Some fields are missing or not valid.",
                                     flatten_messages(exc.messages)) from None
    data["people"] = clean_people(data["people"])
    return data


@dataclass
class Submission:
    request: RequestForHelp
    case: Case
    family: Family


def submit_request(actor, raw: dict, source: str) -> Submission:
    """Validate and record a request for help. `actor` is None for a self-referral."""
    action = "request.self_refer" if source == Source.SELF_REFERRAL else "request.create"
    require(actor, action, object_type="request_for_help", audit=False)
    data = validate_request(raw)

    matches = [match_person(db.session, _submitted(p)) for p in data["people"]]
    family, match_status = _choose_family(matches, data["people"])
    request = RequestForHelp(
        reference=families.new_reference("RFH"),
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
    audit.record(actor or f"self-referral: {request.referrer_name}", "request.create",
                 "request_for_help", request.id, family_id=family.id,
                 categories=["identity", "referral"], purpose="request for help",
                 basis="consent" if request.consent_given else "safeguarding")
    db.session.commit()
    return Submission(request, case, family)


def _submitted(p: dict) -> SubmittedPerson:
    return SubmittedPerson(given_name=p["given_name"], family_name=p["family_name"],
                           date_of_birth=p.get("date_of_birth"), sex=p.get("sex"),
                           postcode=p.get("postcode"), nhs_number=p.get("nhs_number"),
                           upn=p.get("upn"))


def _jsonable(p: dict) -> dict:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in p.items()}


def _choose_family(matches: list[PersonMatch], people: list[dict]) -> tuple[Family, str]:
    """One existing family when every confident link points to it and nothing is uncertain;
    otherwise a new (possibly provisional) family the officer can merge after review."""
    linked_families: set[str] = set()
    for match in matches:
        if match.status == MatchStatus.LINKED:
            best = match.candidates[0] if match.candidates else None
            linked_families.update(best.family_ids if best else [])
    uncertain = any(m.status == MatchStatus.NEEDS_REVIEW for m in matches)
    if len(linked_families) == 1 and not uncertain:
        return db.session.get(Family, linked_families.pop()), MatchStatus.LINKED
    if len(linked_families) > 1:
        uncertain = True  # linked people belong to different households: a person must decide
    surname = next((p["family_name"] for p in people if p["relationship"] == "parent_carer"),
                   people[0]["family_name"])
    family = families.create_family(surname)
    db.session.flush()
    return family, (MatchStatus.NEEDS_REVIEW if uncertain else
                    (MatchStatus.LINKED if linked_families else MatchStatus.NEW))


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
    """Route to the family's open case if there is one; otherwise open a new case, flagged as a
    re-referral when a case closed within the look-back window."""
    open_case = db.session.scalar(
        select(Case).where(Case.family_id == family.id, Case.stage.not_in(flow.CLOSED_STAGES))
        .order_by(Case.opened_at.desc()).limit(1))
    if open_case is not None and request.status != RequestStatus.NEEDS_REVIEW:
        request.status = RequestStatus.ROUTED
        return open_case
    months = current_app.extensions["caseflow.settings"].re_referral_months
    previous = db.session.scalar(
        select(Case).where(Case.family_id == family.id, Case.closed_at.is_not(None))
        .order_by(Case.closed_at.desc()).limit(1))
    case = Case(reference=families.new_reference("CF"), family_id=family.id,
                stage=flow.Stage.REQUESTED, urgency=request.urgency, opened_at=request.received_at)
    if previous is not None:
        case.previous_case_id = previous.id
        case.is_re_referral = previous.closed_at >= request.received_at - relativedelta(months=months)
    request.is_re_referral = case.is_re_referral
    db.session.add(case)
    flow.open_case(db.session, case, actor, reason=f"Request for help {request.reference}")
    db.session.flush()
    return case


# --- the front-door officer's decisions -------------------------------------------------------------

def resolve_match(actor, request_id: str, request_person_id: str, decision: str,
                  candidate_person_id: str | None = None) -> RequestForHelp:
    """Confirm that a named person is someone already known (merging the provisional record into
    theirs, and moving the request to their family) or reject the candidates."""
    request = get_request(request_id)
    require(actor, "request.resolve_match", request, object_type="request_for_help",
            family_id=request.family_id, purpose="confirm a possible match")
    rp = next((p for p in request.people if p.id == request_person_id), None)
    if rp is None:
        raise NotFound("That person is not on this request.")
    if rp.match_status != MatchStatus.NEEDS_REVIEW:
        raise ServiceValidationError("This person's match has already been decided.",
                                     {"decision": ["Already decided"]})
    now = utcnow()
    if decision == "reject":
        rp.match_status = MatchStatus.REJECTED
    elif decision == "confirm":
        if candidate_person_id not in {c["person_id"] for c in rp.candidates}:
            raise ServiceValidationError("Choose one of the listed candidates.",
                                         {"person_id": ["Choose one of the listed candidates"]})
        _merge_into(request, rp, db.session.get(Person, candidate_person_id))
        rp.match_status = MatchStatus.CONFIRMED
    else:
        raise ServiceValidationError("Decision must be confirm or reject.",
                                     {"decision": ["Decision must be confirm or reject"]})
    rp.resolved_by_id, rp.resolved_at = actor.id, now
    if all(p.match_status != MatchStatus.NEEDS_REVIEW for p in request.people):
        _finish_review(actor, request)
    audit.record(actor, f"request.match_{decision}", "request_person", rp.id,
                 family_id=request.family_id, categories=["identity"], purpose="matching")
    db.session.commit()
    return request


def _merge_into(request: RequestForHelp, rp: RequestPerson, existing: Person) -> None:
    provisional = db.session.get(Person, rp.person_id)
    target_family_id = _family_of(existing.id)
    if provisional is not None and provisional.id != existing.id:
        _fill_gaps(existing, rp.submitted | {"date_of_birth": rp.date_of_birth})
        for member in db.session.scalars(select(FamilyMember).where(FamilyMember.person_id == provisional.id)):
            db.session.delete(member)
        rp.person_id = existing.id
        db.session.flush()
        if not _still_referenced(provisional.id):
            db.session.delete(provisional)
    if target_family_id and target_family_id != request.family_id:
        _move_request_to_family(request, db.session.get(Family, target_family_id))


def _family_of(person_id: str) -> str | None:
    return db.session.scalar(select(FamilyMember.family_id).where(FamilyMember.person_id == person_id)
                             .order_by(FamilyMember.created_at.desc()).limit(1))


def _still_referenced(person_id: str) -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(RequestPerson)
                                  .where(RequestPerson.person_id == person_id)))


def _move_request_to_family(request: RequestForHelp, target: Family) -> None:
    """The provisional family was the same household all along: move the case and the people
    named on the request into the existing family, and drop the provisional family if empty."""
    old_family_id = request.family_id
    case = db.session.get(Case, request.case_id)
    for rp in request.people:
        person = db.session.get(Person, rp.person_id)
        for member in db.session.scalars(select(FamilyMember).where(
                FamilyMember.person_id == person.id, FamilyMember.family_id == old_family_id)):
            db.session.delete(member)
        families.add_member(target, person, rp.relationship_to_family,
                            rp.submitted.get("in_household", True))
    request.family_id = target.id
    case.family_id = target.id
    db.session.flush()
    leftover = db.session.scalar(select(func.count()).select_from(FamilyMember)
                                 .where(FamilyMember.family_id == old_family_id))
    other = db.session.scalar(select(func.count()).select_from(Case)
                              .where(Case.family_id == old_family_id))
    if not leftover and not other:
        db.session.delete(db.session.get(Family, old_family_id))


def _finish_review(actor, request: RequestForHelp) -> None:
    statuses = {p.match_status for p in request.people}
    request.match_status = (MatchStatus.LINKED if MatchStatus.CONFIRMED in statuses
                            or MatchStatus.LINKED in statuses else MatchStatus.NEW)
    request.status = RequestStatus.NEW
    case = db.session.get(Case, request.case_id)
    # Now we know the family: if it already has another open case, route the request there.
    other_open = db.session.scalar(
        select(Case).where(Case.family_id == request.family_id, Case.id != case.id,
                           Case.stage.not_in(flow.CLOSED_STAGES)).limit(1))
    if other_open is not None and case.stage == flow.Stage.REQUESTED and len(case.transitions) <= 1:
        request.case_id = other_open.id
        request.status = RequestStatus.ROUTED
        db.session.delete(case)
        return
    previous = db.session.scalar(
        select(Case).where(Case.family_id == request.family_id, Case.closed_at.is_not(None))
        .order_by(Case.closed_at.desc()).limit(1))
    if previous is not None:
        months = current_app.extensions["caseflow.settings"].re_referral_months
        case.previous_case_id = previous.id
        case.is_re_referral = previous.closed_at >= request.received_at - relativedelta(months=months)
        request.is_re_referral = case.is_re_referral


# --- reading ---------------------------------------------------------------------------------------

def get_request(request_id: str) -> RequestForHelp:
    request = db.session.scalar(select(RequestForHelp).where(RequestForHelp.id == request_id)
                                .options(selectinload(RequestForHelp.people)))
    if request is None:
        raise NotFound("No request for help with that id.")
    return request


def view_request(actor, request_id: str):
    request = get_request(request_id)
    decision = require(actor, "request.view", request, object_type="request_for_help",
                       family_id=request.family_id, purpose="front door")
    db.session.commit()
    return request, decision


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


def front_door_queue(actor, status: str | None = None, urgency: str | None = None,
                     page: int = 1, per_page: int = 50) -> tuple[list[QueueRow], int]:
    """Requests waiting for the front door, oldest first. Two queries whatever the size."""
    require(actor, "request.queue", object_type="front_door_queue", purpose="front door queue")
    query = select(RequestForHelp)
    statuses = [status] if status in QUEUE_STATUSES else list(QUEUE_STATUSES)
    query = query.where(RequestForHelp.status.in_(statuses))
    if urgency:
        query = query.where(RequestForHelp.urgency == urgency)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.execute(
        query.add_columns(Family).join(Family, Family.id == RequestForHelp.family_id)
        .order_by(RequestForHelp.received_at, RequestForHelp.id)
        .limit(per_page).offset((page - 1) * per_page)).all()
    now = utcnow()
    out = []
    for req, family in rows:
        due = triage_due_at(req)
        out.append(QueueRow(req, family, timescales.working_hours_between(req.received_at, now),
                            due, now > due))
    db.session.commit()  # the audited queue read
    return out, total


def sort_key_urgency(row: QueueRow):
    return (URGENCY_ORDER.get(row.request.urgency, 9), row.request.received_at)


def case_history_for_families(family_ids: list[str]) -> dict[str, list[Case]]:
    """Previous and current cases per family, for the side-by-side match view (one query)."""
    history: dict[str, list[Case]] = {fid: [] for fid in family_ids}
    if not family_ids:
        return history
    for case in db.session.scalars(select(Case).where(Case.family_id.in_(family_ids))
                                   .order_by(Case.opened_at.desc())):
        history[case.family_id].append(case)
    return history
