"""Flags: a family with an open case carries one. Partners' systems ask about a person they
hold; the answer is yes (with whom to contact), no, or (when the matcher cannot tell who they
mean and one of the people it might be is open) "possible match: check with the front door";
never the record itself, and never a "no" that is not certain. The flag is not stored: it is
the open case, so it goes the moment the case closes."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from caseflow.core import stages as flow
from caseflow.auth.models import User
from caseflow.cases.models import Case
from caseflow.core import audit
from caseflow.core.access import require
from caseflow.core.extensions import db
from caseflow.families.matching import SubmittedPerson, match_person
from caseflow.families.models import FamilyMember, MatchStatus
from caseflow.core.errors import ServiceValidationError
from caseflow.notify.vocab import FlagStatus


FLAG_MESSAGES = {
    FlagStatus.FLAGGED: "Open to early help: contact the keyworker named.",
    FlagStatus.NOT_FLAGGED: "Not open to early help.",
    FlagStatus.POSSIBLE_MATCH: ("Possible match, check with the front door: someone open to early help may be "
                                "this person, but the details given are not enough to be sure. Give a postcode, "
                                "NHS number or UPN, or call the front door."),
}
FRONT_DOOR_CONTACT = "Early help front door"


@dataclass
class Flag:
    flagged: bool | None  # None: not certain either way (see status)
    since: datetime | None = None
    case_reference: str | None = None
    contact: str | None = None
    needs_review: bool = False
    status: FlagStatus = FlagStatus.NOT_FLAGGED

    @property
    def message(self) -> str:
        return FLAG_MESSAGES[self.status]


def _open_case(family_ids) -> Case | None:
    if not family_ids:
        return None
    return db.session.scalar(select(Case).where(Case.family_id.in_(list(family_ids)),
                                                Case.stage.not_in(flow.CLOSED_STAGES))
                             .order_by(Case.opened_at).limit(1))


def lookup(actor, query: dict) -> Flag:
    decision = require(actor, "flags.query", object_type="flag", audit=False)
    # An identifier alone could be a typo pointing at a stranger: the matcher needs the date of
    # birth (or the name) to agree before it says yes.
    if not (query.get("date_of_birth") and (query.get("nhs_number") or query.get("upn") or
                                            (query.get("given_name") and query.get("family_name")))):
        raise ServiceValidationError("Say who you are asking about.", {"date_of_birth": [
            "Give the date of birth with an NHS number, a UPN, or a first and last name"]})
    match = match_person(db.session, SubmittedPerson(
        given_name=query.get("given_name") or "", family_name=query.get("family_name") or "",
        date_of_birth=query.get("date_of_birth"), postcode=query.get("postcode"),
        nhs_number=query.get("nhs_number"), upn=query.get("upn")))
    flag = Flag(False, needs_review=match.status == MatchStatus.NEEDS_REVIEW, status=FlagStatus.NOT_FLAGGED)
    touched: list[str] = []  # the families this look-up read, for their access logs
    if match.status == MatchStatus.LINKED:
        touched = list(db.session.scalars(select(FamilyMember.family_id).where(FamilyMember.person_id == match.person_id)))
        case = _open_case(touched)
        if case is not None:
            keyworker = db.session.get(User, case.keyworker_id) if case.keyworker_id else None
            flag = Flag(True, case.opened_at, case.reference,
                        f"{keyworker.name} ({keyworker.email})" if keyworker else FRONT_DOOR_CONTACT,
                        status=FlagStatus.FLAGGED)
    elif match.status == MatchStatus.NEEDS_REVIEW:
        # Not sure who this is. If none of the people it might be is open, "no" is still certain;
        # if one is, the only honest answer is "possibly": never a false "not flagged".
        touched = sorted({family_id for c in match.candidates for family_id in c.family_ids})
        if _open_case(touched) is not None:
            flag = Flag(None, contact=FRONT_DOOR_CONTACT, needs_review=True, status=FlagStatus.POSSIBLE_MATCH)
    # Every look is on the record, flagged or not: each family's access log shows who asked.
    audit.record_reads(actor, "flags.query", "family" if touched else "flag", touched,
                       categories=["identity"], purpose="police flag check", basis=decision.basis)
    return flag
