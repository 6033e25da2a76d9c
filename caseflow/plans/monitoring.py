"""After closure: the monitoring period, its light-touch check-ins and the outcome review, and the
named contact of a step-down to universal services.

A keyworker may close a case with a monitoring period (the stage graph's `close_to_monitoring`):
the work ends as in any closure, then for Settings.monitoring_months (never more than a year)
the keyworker checks in every Settings.monitoring_check_in_weeks. The outcome review at the end
(`end_monitoring`) records whether the change lasted and closes the case fully. A case in
monitoring can be stepped up like any early help case if concerns come back."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from flask import current_app
from sqlalchemy import select

from caseflow.core import audit, stages as flow, timescales
from caseflow.core.database import utcnow
from caseflow.core.errors import Conflict, NotFound, ServiceValidationError, load
from caseflow.core.extensions import db
from caseflow.cases.services import load_case
from caseflow.plans.models import MonitoringCheckIn, MonitoringPeriod, StepDownContact
from caseflow.plans.schemas import CheckInSchema, OutcomeReviewSchema
from caseflow.plans.vocab import SUSTAINED_OUTCOMES


def _settings():
    return current_app.extensions["caseflow.settings"]


def schedule(start: date) -> tuple[date, list[date]]:
    """The outcome review's date and the check-ins before it, each on a working day."""
    settings = _settings()
    ends_on = timescales.working_day_on_or_after(start + relativedelta(months=settings.monitoring_months))
    every = timedelta(weeks=settings.monitoring_check_in_weeks)
    due, check_ins = start + every, []
    while due < ends_on:
        check_ins.append(timescales.working_day_on_or_after(due))
        due += every
    return ends_on, list(dict.fromkeys(d for d in check_ins if d < ends_on))


def start(actor, case) -> MonitoringPeriod:
    """Called by closure, which has asked the policy and audits the closure."""
    today = timescales.today_london()
    ends_on, check_ins = schedule(today)
    period = MonitoringPeriod(case_id=case.id, started_on=today, ends_on=ends_on, started_by_id=actor.id)
    period.check_ins = [MonitoringCheckIn(due_on=d) for d in check_ins]
    db.session.add(period)
    return period


def record_step_down_contact(actor, case, data: dict | None) -> StepDownContact | None:
    """Called by closure: who the family can go to now, in universal services."""
    if not data:
        return None
    contact = StepDownContact(case_id=case.id, person_name=data["person_name"].strip(),
                              organisation=data["organisation"].strip(), how_to_reach=data["how_to_reach"].strip(),
                              service_id=data.get("service_id") or None, recorded_by_id=actor.id)
    db.session.add(contact)
    return contact


@dataclass
class Monitoring:
    case: object
    period: MonitoringPeriod | None
    contact: StepDownContact | None
    today: date

    @property
    def case_id(self):
        return self.case.id

    @property
    def stage(self):
        return self.case.stage

    def __getattr__(self, name):  # the period's fields, for the API's schema
        if name in {"started_on", "ends_on", "check_ins", "review_outcome", "review_summary", "reviewed_on"}:
            return getattr(self.period, name) if self.period is not None else None
        raise AttributeError(name)

    @property
    def step_down_contact(self):
        return self.contact

    @property
    def next_check_in(self) -> MonitoringCheckIn | None:
        return next((c for c in self.period.check_ins if c.done_on is None), None) if self.period else None

    @property
    def review_due(self) -> bool:
        return self.period is not None and self.case.stage == flow.Stage.MONITORING

    @property
    def outcome_label(self) -> str | None:
        return SUSTAINED_OUTCOMES.get(self.period.review_outcome) if self.period and self.period.review_outcome else None


def _period(case_id: str) -> MonitoringPeriod | None:
    return db.session.scalar(select(MonitoringPeriod).where(MonitoringPeriod.case_id == case_id))


def read(actor, case_id: str) -> Monitoring:
    case, _ = load_case(actor, case_id, "monitoring.view", "monitoring after closure")
    period = _period(case.id)
    contact = db.session.scalar(select(StepDownContact).where(StepDownContact.case_id == case.id))
    if period is None and contact is None:
        raise NotFound("This case was not closed with a monitoring period or a step-down contact.")
    return Monitoring(case, period, contact, timescales.today_london())


def _open_period(actor, case_id: str, doing: str):
    case, _ = load_case(actor, case_id, "monitoring.record", "monitoring after closure", lock=True)
    period = _period(case.id)
    if period is None:
        raise NotFound("This case was not closed with a monitoring period.")
    if case.stage != flow.Stage.MONITORING:
        raise Conflict(f"The monitoring period has ended: you cannot {doing}.")
    return case, period


def record_check_in(actor, case_id: str, check_in_id: str, raw: dict) -> MonitoringCheckIn:
    case, period = _open_period(actor, case_id, "record a check-in")
    data = load(CheckInSchema, raw)
    check_in = next((c for c in period.check_ins if c.id == check_in_id), None)
    if check_in is None:
        raise NotFound("No such check-in on this case.")
    if check_in.done_on is not None:
        raise Conflict("This check-in is recorded already.")
    if data["date"] < period.started_on:
        raise ServiceValidationError("Some answers need changing.",
                                     {"date": ["The check-in cannot be before the monitoring period began"]})
    check_in.done_on, check_in.outcome = data["date"], data["outcome"]
    check_in.note = (data.get("note") or "").strip() or None
    check_in.recorded_by_id, check_in.recorded_at = actor.id, utcnow()
    db.session.flush()
    audit.record(actor, "monitoring.check_in", "case", case.id, family_id=case.family_id,
                 categories=["case_notes"], purpose="monitoring after closure")
    return check_in


def record_review(actor, case_id: str, raw: dict) -> MonitoringPeriod:
    """The outcome review: whether the change lasted; the case closes fully."""
    case, period = _open_period(actor, case_id, "record the outcome review")
    data = load(OutcomeReviewSchema, raw)
    flow.transition(db.session, case, "end_monitoring", actor,
                    reason=f"Outcome review: {SUSTAINED_OUTCOMES[data['outcome']].split(':')[0].lower()}")
    period.review_outcome, period.review_summary = data["outcome"], data["summary"].strip()
    period.reviewed_on, period.reviewed_by_id = timescales.today_london(), actor.id
    db.session.flush()
    audit.record(actor, "monitoring.review", "case", case.id, family_id=case.family_id,
                 categories=["case_notes"], purpose="monitoring after closure")
    return period
