"""Overdue casework for the keyworker's and manager's dashboards: assessments past their due
date and TAF reviews past theirs. Two indexed queries, whatever the caseload."""
from __future__ import annotations

from sqlalchemy import func, or_, select

from caseflow.core import stages as flow, timescales
from caseflow.auth.models import User
from caseflow.core.roles import Role
from caseflow.cases.models import Case
from caseflow.core import audit
from caseflow.core.access import managed_cases_clause, require_list
from caseflow.core.extensions import db
from caseflow.core.keyset import bounded_count
from caseflow.families.models import Family
from caseflow.notify.vocab import NotificationType

HELD = (flow.Stage.ALLOCATED, flow.Stage.ASSESSING, flow.Stage.PLANNING, flow.Stage.REVIEWING,
        flow.Stage.STEPPED_DOWN)


def overdue(actor, page: int = 1, per_page: int = 50, keyworker_id: str | None = None):
    """(rows of (case, family, keyworker), total). Keyworkers see their own cases; managers,
    panel chairs and the front door see the whole service (optionally one keyworker's)."""
    decision = require_list(actor, "casework.overdue", object_type="case_list", purpose="overdue casework")
    today = timescales.today_london()
    clauses = [Case.stage.in_(HELD), or_(Case.assessment_due_on < today, Case.review_due_on < today)]
    if actor.role == Role.KEYWORKER:
        clauses.append(Case.keyworker_id == actor.id)
    elif keyworker_id:
        clauses.append(Case.keyworker_id == keyworker_id)
    if actor.role == Role.TEAM_MANAGER:  # a manager oversees their team's cases (all, with no team)
        clauses.append(managed_cases_clause(actor))
    total = bounded_count(select(Case.id).where(*clauses))  # a county's backlog: "1,000+"
    due = func.coalesce(Case.assessment_due_on, Case.review_due_on)
    rows = db.session.execute(
        select(Case, Family, User).join(Family, Family.id == Case.family_id)
        .outerjoin(User, User.id == Case.keyworker_id).where(*clauses)
        .order_by(due, Case.reference).limit(per_page).offset((page - 1) * per_page)).all()
    audit.record_reads(actor, "casework.overdue", "case_list", [f.id for _, f, _ in rows],
                       categories=decision.categories, purpose="overdue casework", basis=decision.basis)
    return rows, total, today


def notify_overdue_reviews(limit: int = 500) -> int:
    """The service's own 'review overdue' event, through the same notification queue: the
    keyworker and their team manager hear once per missed review date (the delivery key names
    the case and the date, so a sweep run again tells nobody twice).

    Two workers sweeping at the same moment would both find no notification yet and both write
    one, and the loser's whole sweep would fail on the unique delivery key. So each sweep locks
    the cases it tells about and passes over those another sweep holds (SKIP LOCKED): the other
    sweep tells them, and a later sweep finds its notifications. (SQLite runs one writing
    transaction at a time, so there the sweeps simply queue.) The locks last one short sweep."""
    from caseflow.notify.routing import team_managers
    from caseflow.notify.services import notify

    today = timescales.today_london()
    cases = db.session.scalars(select(Case).where(Case.stage == flow.Stage.REVIEWING, Case.review_due_on < today)
                               .order_by(Case.review_due_on).limit(limit)
                               .with_for_update(of=Case, skip_locked=True)).all()
    for case in cases:
        due = timescales.format_uk_date(case.review_due_on)
        for user_id in [case.keyworker_id, *team_managers(case)]:
            notify(user_id, NotificationType.REVIEW_OVERDUE, f"review-overdue:{case.id}:{case.review_due_on.isoformat()}",
                   f"TAF review overdue: {case.family.display_name}",
                   f"Case {case.reference}: the Team Around the Family review was due on {due}.",
                   case_id=case.id, family_id=case.family_id)
    return len(cases)
