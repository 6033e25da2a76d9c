"""Families moving back and forth between early help and social care, and the monthly figures.

The programme's evaluation found families who step up and down repeatedly are the ones who fall
through the gaps, so a family with N+ moves (default 3) in M months (default 12) is flagged to
the managers the moment it happens and listed on their dashboard."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from caseflow.core import timescales
from caseflow.auth.models import User
from caseflow.core.roles import Role
from caseflow.cases.models import Case, CaseTransition
from caseflow.core.access import require
from caseflow.core.database import utcnow
from caseflow.core.extensions import db
from caseflow.families.models import Family
from caseflow.notify.services import notify
from caseflow.notify.vocab import NotificationType

MOVES = ("step_up", "step_down")


def _window_start(months: int | None = None) -> datetime:
    months = months or current_app.extensions["caseflow.settings"].oscillation_months
    return utcnow() - timedelta(days=round(months * 30.44))


def moves_for_family(family_id: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(CaseTransition).join(Case, Case.id == CaseTransition.case_id)
        .where(Case.family_id == family_id, CaseTransition.action.in_(MOVES),
               CaseTransition.at >= _window_start())) or 0


def check_oscillation(case) -> None:
    """Called after every step-up and step-down (in the same transaction)."""
    settings = current_app.extensions["caseflow.settings"]
    count = moves_for_family(case.family_id)
    if count < settings.oscillation_transitions:
        return
    family = db.session.get(Family, case.family_id)
    for manager_id in db.session.scalars(select(User.id).where(User.role == Role.TEAM_MANAGER, User.active)):
        notify(manager_id, NotificationType.OSCILLATION, f"oscillation:{case.family_id}:{count}",
               f"{family.display_name} has moved between services {count} times",
               f"Case {case.reference}: {count} step-ups and step-downs in {settings.oscillation_months} months. "
               "Families who move back and forth are the ones who fall through the gaps: consider a "
               "joint review.", case_id=case.id, family_id=case.family_id)


@dataclass
class Oscillating:
    family_id: str
    family_name: str
    moves: int
    last_move: datetime
    case_id: str


def oscillating(actor) -> list[Oscillating]:
    require(actor, "reports.oscillation", object_type="family_list", purpose="oscillation watch")
    settings = current_app.extensions["caseflow.settings"]
    rows = db.session.execute(
        select(Case.family_id, func.count(), func.max(CaseTransition.at), func.max(Case.id))
        .join(Case, Case.id == CaseTransition.case_id)
        .where(CaseTransition.action.in_(MOVES), CaseTransition.at >= _window_start())
        .group_by(Case.family_id).having(func.count() >= settings.oscillation_transitions)).all()
    names = dict(db.session.execute(select(Family.id, Family.name).where(
        Family.id.in_([r[0] for r in rows]))).all()) if rows else {}
    return sorted((Oscillating(f, f"{names.get(f, '')} family", n, last, case_id) for f, n, last, case_id in rows),
                  key=lambda o: (-o.moves, o.family_name))


def monthly_transitions(actor, months: int = 12) -> list[dict]:
    """Step-ups, step-downs and re-referrals per calendar month (London), newest last: counts
    only, for the manager dashboard and returns. Two queries over the window."""
    require(actor, "reports.transitions", object_type="report", purpose="transition figures")
    today = timescales.today_london()
    first = today.replace(day=1)
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    since = datetime(first.year, first.month, 1, tzinfo=timescales.LONDON)
    counts: Counter = Counter()
    for action, at in db.session.execute(select(CaseTransition.action, CaseTransition.at).where(
            CaseTransition.action.in_(MOVES), CaseTransition.at >= since)):
        counts[(timescales.to_london(at).strftime("%Y-%m"), action)] += 1
    for (opened_at,) in db.session.execute(select(Case.opened_at).where(Case.is_re_referral, Case.opened_at >= since)):
        counts[(timescales.to_london(opened_at).strftime("%Y-%m"), "re_referral")] += 1
    out, month = [], first
    for _ in range(months):
        key = month.strftime("%Y-%m")
        out.append({"month": key, "step_ups": counts[(key, "step_up")], "step_downs": counts[(key, "step_down")],
                    "re_referrals": counts[(key, "re_referral")]})
        month = (month + timedelta(days=32)).replace(day=1)
    return out
