"""Flags: a family with an open case carries one. Partners' systems ask about a person they
hold; the answer is yes (with whom to contact) or no, never the record itself. The flag is not
stored: it is the open case, so it goes the moment the case closes."""
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
from caseflow.families.models import FamilyMember
from caseflow.core.errors import ServiceValidationError


@dataclass
class Flag:
    flagged: bool
    since: datetime | None = None
    case_reference: str | None = None
    contact: str | None = None
    needs_review: bool = False


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
    flag = Flag(False, needs_review=match.status == "needs_review")
    family_id = None
    if match.status == "linked":
        family_id = db.session.scalar(select(FamilyMember.family_id).where(FamilyMember.person_id == match.person_id))
        case = db.session.scalar(select(Case).where(Case.family_id == family_id, Case.stage.not_in(flow.CLOSED_STAGES))
                                 .order_by(Case.opened_at).limit(1)) if family_id else None
        if case is not None:
            keyworker = db.session.get(User, case.keyworker_id) if case.keyworker_id else None
            flag = Flag(True, case.opened_at, case.reference,
                        f"{keyworker.name} ({keyworker.email})" if keyworker else "Early help front door")
    # Every look is on the record, flagged or not: the family's access log shows who asked.
    audit.record(actor, "flags.query", "family" if family_id else "flag", family_id, family_id=family_id,
                 categories=["identity"], purpose="police flag check", basis=decision.basis)
    return flag
