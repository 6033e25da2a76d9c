"""Supervision: the team manager's regular discussion of each case with its keyworker (date,
discussion, decisions, actions, next due). The notes are encrypted and seen by the keyworker and
the managers overseeing the case only (policy: supervision.view). A held case's supervision is
due every `supervision_interval_weeks` (the first that long after allocation); the managers'
overdue list is one bounded query whatever the caseload."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import and_, func, or_, select

from caseflow.allocation.services import HELD_STAGES
from caseflow.auth.models import User
from caseflow.cases.models import Case, CaseTransition
from caseflow.cases.services import load_case
from caseflow.core import audit, keyset, timescales
from caseflow.core.access import managed_cases_clause, require_list
from caseflow.core.errors import Conflict, ServiceValidationError, load
from caseflow.core.extensions import db
from caseflow.families.models import Family
from caseflow.oversight.models import Supervision
from caseflow.oversight.schemas import SupervisionSchema


def interval() -> timedelta:
    return timedelta(weeks=current_app.extensions["caseflow.settings"].supervision_interval_weeks)


def record(actor, case_id: str, raw: dict) -> Supervision:
    case, _ = load_case(actor, case_id, "supervision.record", "supervision", lock=True)
    if not case.is_open or not case.keyworker_id:
        raise Conflict("Supervision is of an open case with its keyworker: this case has none.")
    data = load(SupervisionSchema, raw)
    held = data["date"]
    next_due = data.get("next_due_on") or timescales.working_day_on_or_after(held + interval())
    if next_due <= held:
        raise ServiceValidationError("Some answers need changing.", {
            "next_due_on": ["The next supervision must be after this one"]})
    supervision = Supervision(case_id=case.id, held_on=held, supervisor_id=actor.id, keyworker_id=case.keyworker_id,
                              discussion=data["discussion"].strip(), decisions=data["decisions"].strip(),
                              actions=(data.get("actions") or "").strip() or None, next_due_on=next_due)
    db.session.add(supervision)
    db.session.flush()
    audit.record(actor, "supervision.record", "supervision", supervision.id, family_id=case.family_id,
                 categories=["case_notes"], purpose="supervision")
    return supervision


SUPERVISION_KEYS = 3  # keyset paged on (held_on, recorded_at, id): ix_supervisions_case_newest


def listing(actor, case_id: str, page: int = 1, per_page: int = 50, before: tuple | None = None):
    """A page of the case's supervision records, newest first, their total and the next cursor.
    Reading them is audited against the family (load_case)."""
    case, _ = load_case(actor, case_id, "supervision.view", "supervision")
    query = select(Supervision).where(Supervision.case_id == case.id)
    total = keyset.bounded_count(query)
    rows, next_cursor = keyset.page(query, (Supervision.held_on, Supervision.recorded_at, Supervision.id),
                                    before, per_page, page)
    return case, rows, total, next_cursor


def due_on(case) -> date | None:
    """When the case's next supervision is due: the last one's next date, or a supervision
    interval after allocation (None for a case nobody holds)."""
    if case.stage not in HELD_STAGES:
        return None
    last = db.session.scalar(select(func.max(Supervision.next_due_on)).where(Supervision.case_id == case.id))
    if last is not None:
        return last
    allocated = db.session.scalar(select(func.max(CaseTransition.at)).where(
        CaseTransition.case_id == case.id, CaseTransition.action == "allocate"))
    return timescales.to_london(allocated).date() + interval() if allocated else None


def overdue(actor, page: int = 1, per_page: int = 50):
    """The held cases of the manager's teams whose supervision is overdue, longest first: rows of
    (case, family, keyworker, due on, last held on), and the total (counted up to 1,000)."""
    decision = require_list(actor, "supervision.overdue", object_type="case_list", purpose="overdue supervision")
    today = timescales.today_london()
    first_due_before = datetime.combine(today - interval(), time(0), timescales.LONDON)
    # Correlated look-ups per held case (ix_supervisions_case_newest, ix_case_transitions_case_id),
    # never a pass over every supervision or move the county has recorded.
    due = (select(func.max(Supervision.next_due_on)).where(Supervision.case_id == Case.id)
           .correlate(Case).scalar_subquery())
    last = (select(func.max(Supervision.held_on)).where(Supervision.case_id == Case.id)
            .correlate(Case).scalar_subquery())
    allocated = (select(func.max(CaseTransition.at)).where(CaseTransition.case_id == Case.id,
                                                          CaseTransition.action == "allocate")
                 .correlate(Case).scalar_subquery())
    clauses = [Case.stage.in_(HELD_STAGES), managed_cases_clause(actor),
               or_(due < today, and_(due.is_(None), allocated < first_due_before))]
    total = keyset.bounded_count(select(Case.id).where(*clauses))
    rows = db.session.execute(
        select(Case, Family, User, due.label("due"), last.label("last"), allocated.label("allocated"))
        .join(Family, Family.id == Case.family_id).outerjoin(User, User.id == Case.keyworker_id)
        .where(*clauses).order_by(due.is_not(None), due, allocated, Case.reference)
        .limit(per_page).offset((page - 1) * per_page)).all()
    out = []
    for case, family, keyworker, due_on, last_on, allocated_at in rows:
        due_on = due_on or (timescales.to_london(allocated_at).date() + interval())
        out.append({"case": case, "family": family, "keyworker": keyworker, "due_on": due_on, "last_held_on": last_on})
    audit.record_reads(actor, "supervision.overdue", "case_list", [r["family"].id for r in out],
                       categories=decision.categories, purpose="overdue supervision", basis=decision.basis)
    return out, total, today
