"""The front-door officer's decision on a possible match ("is this the Leah we already know?").

A request with a possible match sits on a provisional family made for it, with provisional
people for everyone not confidently known. Confirming a candidate merges the provisional person
into the known one and, the first time, moves the request, its case and its people onto the known
family and drops the provisional one. Rejecting keeps the new record. When nobody on the request
is left to check, it is ready for triage, and the open-case and re-referral rules are applied
again now that the family is known.
"""
from __future__ import annotations

from sqlalchemy import func, select

from caseflow.core import stages as flow
from caseflow.cases.models import Case
from caseflow.core import audit
from caseflow.core.access import require
from caseflow.core.database import utcnow
from caseflow.core.extensions import db
from caseflow.families import services as families
from caseflow.families.duplicates import suggest_duplicate
from caseflow.families.matching import CLEAR_WINNER_MARGIN, MAX_SCORE
from caseflow.families.models import Family, FamilyMember, Person
from caseflow.frontdoor.models import MatchStatus, RequestForHelp, RequestPerson, RequestStatus
from caseflow.frontdoor.services import _fill_gaps, apply_re_referral, get_request, open_case_of
from caseflow.core.errors import NotFound, ServiceValidationError

DECISIONS = ("confirm", "reject")


def resolve_match(actor, request_person_id: str, decision: str, candidate_person_id: str | None = None,
                  *, request_id: str | None = None) -> RequestForHelp:
    """Confirm that a person named on a request is someone already known, or reject the
    candidates. `request_id`, when given, must be the request the person is named on."""
    rp = db.session.get(RequestPerson, request_person_id)
    if rp is None or (request_id is not None and rp.request_id != request_id):
        raise NotFound("That person is not on this request.")
    request = get_request(rp.request_id, lock=True)  # re-read under lock: no double decision
    require(actor, "request.resolve_match", request, object_type="request_for_help",
            family_id=request.family_id, purpose="confirm a possible match")
    if decision not in DECISIONS:
        raise ServiceValidationError("Decision must be confirm or reject.",
                                     {"decision": ["Decision must be confirm or reject"]})
    if rp.match_status != MatchStatus.NEEDS_REVIEW:
        raise ServiceValidationError("This person's match has already been decided.",
                                     {"decision": ["Already decided"]})
    if decision == "confirm":
        candidate = next((c for c in rp.candidates if c["person_id"] == candidate_person_id), None)
        existing = db.session.get(Person, candidate_person_id) if candidate else None
        if existing is None:
            raise ServiceValidationError("Choose one of the listed candidates.",
                                         {"person_id": ["Choose one of the listed candidates"]})
        provisional = _on_provisional_family(request)
        _suggest_close_rivals(rp, candidate)
        _merge_person(rp, existing)
        rp.match_status = MatchStatus.CONFIRMED
        target = _known_family(candidate, request.family_id)
        if provisional and target is not None:
            _fold_provisional_family(request.family_id, target)
    else:
        rp.match_status = MatchStatus.REJECTED
    rp.resolved_by_id, rp.resolved_at = actor.id, utcnow()
    db.session.flush()
    audit.record(actor, f"request.match_{decision}", "request_person", rp.id,
                 family_id=request.family_id, categories=["identity"], purpose="matching")
    if all(p.match_status != MatchStatus.NEEDS_REVIEW for p in request.people):
        _finish_review(actor, request)
    db.session.flush()
    return request


def _suggest_close_rivals(rp: RequestPerson, chosen: dict) -> None:
    """Candidates the matcher could hardly tell from the one the officer chose are likely the same
    person held twice: they go on the potential-duplicates list for an officer to compare."""
    margin = CLEAR_WINNER_MARGIN / MAX_SCORE
    for other in rp.candidates:
        if other["person_id"] != chosen["person_id"] and other["score"] >= chosen["score"] - margin \
                and db.session.get(Person, other["person_id"]) is not None:
            suggest_duplicate("person", chosen["person_id"], other["person_id"], source="matcher",
                              score=other["score"], reasons=other.get("reasons", []))


def _on_provisional_family(request: RequestForHelp) -> bool:
    """A request waiting for a match check starts on a family made for it; the first confirmed
    candidate with a family moves it there. Until then its family is provisional."""
    if request.status != RequestStatus.NEEDS_REVIEW:
        return False
    for rp in request.people:
        if rp.match_status == MatchStatus.CONFIRMED:
            chosen = next((c for c in rp.candidates if c["person_id"] == rp.person_id), None)
            if chosen and request.family_id in chosen["family_ids"]:
                return False
    return True


def _known_family(candidate: dict, current_family_id: str) -> Family | None:
    """The candidate's family (the oldest membership when they are in several)."""
    for family_id in candidate["family_ids"]:
        if family_id != current_family_id and (family := db.session.get(Family, family_id)):
            return family
    return None


def _merge_person(rp: RequestPerson, existing: Person) -> None:
    """The provisional person was `existing` all along: keep what we did not know, point every
    request and membership at the known person, and delete the duplicate."""
    provisional = db.session.get(Person, rp.person_id)
    if provisional is None or provisional.id == existing.id:
        rp.person_id = existing.id
        return
    _fill_gaps(existing, rp.submitted | {"date_of_birth": rp.date_of_birth})
    for other in db.session.scalars(select(RequestPerson).where(RequestPerson.person_id == provisional.id)):
        other.person_id = existing.id
    for member in list(db.session.scalars(select(FamilyMember).where(FamilyMember.person_id == provisional.id))):
        families.add_member(member.family, existing, member.relationship_to_family, member.in_household)
        db.session.delete(member)
    db.session.flush()
    db.session.expire(provisional)
    db.session.delete(provisional)
    db.session.flush()


def _fold_provisional_family(old_family_id: str, target: Family) -> None:
    """Move everything on the provisional family (this request, any request routed to its case,
    the case, the people) onto the known family, then drop the empty provisional family."""
    for member in list(db.session.scalars(select(FamilyMember).where(FamilyMember.family_id == old_family_id))):
        families.add_member(target, member.person, member.relationship_to_family, member.in_household)
        db.session.delete(member)
    for row in db.session.scalars(select(Case).where(Case.family_id == old_family_id)):
        row.family_id = target.id
    for req in db.session.scalars(select(RequestForHelp).where(RequestForHelp.family_id == old_family_id)):
        req.family_id = target.id
    db.session.flush()
    old = db.session.get(Family, old_family_id)
    db.session.expire(old)
    if not db.session.scalar(select(func.count()).select_from(FamilyMember)
                             .where(FamilyMember.family_id == old_family_id)):
        db.session.delete(old)
    db.session.flush()


def _finish_review(actor, request: RequestForHelp) -> None:
    """Everyone is checked: the request is ready for triage, unless the family turned out to
    have an open case already, in which case it joins that case like any other request would."""
    statuses = {p.match_status for p in request.people}
    request.match_status = (MatchStatus.LINKED if statuses & {MatchStatus.CONFIRMED, MatchStatus.LINKED}
                            else MatchStatus.NEW)
    request.status = RequestStatus.NEW
    case = db.session.get(Case, request.case_id)
    other_open = open_case_of(request.family_id, excluding=case.id)
    if other_open is not None and case.stage == flow.Stage.REQUESTED and len(case.transitions) <= 1:
        for req in db.session.scalars(select(RequestForHelp).where(RequestForHelp.case_id == case.id)):
            req.case_id = other_open.id
            req.status = RequestStatus.ROUTED
        db.session.flush()  # no request may point at the case when it goes
        db.session.delete(case)
        audit.record(actor, "request.route", "request_for_help", request.id,
                     family_id=request.family_id, purpose="join the family's open case")
        return
    apply_re_referral(case, request)
