"""When a notification must be acknowledged by, in working time.

"Before 09:00 on the next school day" skips weekends, English bank holidays and the school
holidays an administrator has configured: an incident on the Friday evening before a bank
holiday Monday is due at 09:00 on Tuesday.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from caseflow.core import timescales
from caseflow.core.extensions import db
from caseflow.notify.vocab import Deadline

SCHOOL_DAY_START = time(9, 0)


def school_holidays() -> list[tuple[date, date]]:
    from caseflow.notify.models import SchoolHoliday

    return [(h.starts_on, h.ends_on) for h in db.session.scalars(select(SchoolHoliday))]


def is_school_day(day: date, holidays: list[tuple[date, date]] | None = None) -> bool:
    holidays = school_holidays() if holidays is None else holidays
    return timescales.is_working_day(day) and not any(start <= day <= end for start, end in holidays)


def next_school_day_start(moment: datetime, holidays: list[tuple[date, date]] | None = None) -> datetime:
    """The first 09:00 (London) on a school day strictly after `moment`."""
    holidays = school_holidays() if holidays is None else holidays
    local = timescales.to_london(moment)
    day = local.date()
    if not (is_school_day(day, holidays) and local.time() < SCHOOL_DAY_START):
        day += timedelta(days=1)
        while not is_school_day(day, holidays):
            day += timedelta(days=1)
    return datetime.combine(day, SCHOOL_DAY_START, tzinfo=timescales.LONDON)


def add_working_hours(moment: datetime, hours: int) -> datetime:
    """`hours` of working time (09:00-17:00, working days) after `moment`."""
    local = timescales.to_london(moment)
    remaining = timedelta(hours=hours)
    day, at = local.date(), local.time()
    while True:
        if timescales.is_working_day(day):
            start = max(at, timescales.WORKDAY_START)
            end = timescales.WORKDAY_END
            if start < end:
                available = datetime.combine(day, end) - datetime.combine(day, start)
                if remaining <= available:
                    return datetime.combine(day, start, tzinfo=timescales.LONDON) + remaining
                remaining -= available
        day, at = day + timedelta(days=1), time(0, 0)


def deadline_for(kind: str, hours: int | None, moment: datetime,
                 holidays: list[tuple[date, date]] | None = None) -> datetime | None:
    if kind == Deadline.NEXT_SCHOOL_DAY:
        return next_school_day_start(moment, holidays)
    if kind == Deadline.WORKING_HOURS:
        return add_working_hours(moment, hours or 8)
    return None
