"""Casework deadlines: the assessment is due N weeks after allocation, TAF reviews every N weeks
(Settings.assessment_due_weeks / review_interval_weeks, default 6). A due date on a weekend or
bank holiday moves to the next working day, when the team is there to do it."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import current_app

from caseflow.core import timescales


def _settings():
    return current_app.extensions["caseflow.settings"]


def _day(value: date | datetime) -> date:
    return timescales.to_london(value).date() if isinstance(value, datetime) else value


def assessment_due_on(allocated: date | datetime) -> date:
    weeks = _settings().assessment_due_weeks
    return timescales.working_day_on_or_after(_day(allocated) + timedelta(weeks=weeks))


def next_review_on(last: date | datetime) -> date:
    weeks = _settings().review_interval_weeks
    return timescales.working_day_on_or_after(_day(last) + timedelta(weeks=weeks))
