"""UK working time: Europe/London clocks, Monday to Friday, English bank holidays skipped.

Bank holidays come from the govuk-bank-holidays package's bundled copy of GOV.UK's
bank-holidays.json (no network at run time), division England and Wales.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from govuk_bank_holidays.bank_holidays import BankHolidays

LONDON = ZoneInfo("Europe/London")
WORKDAY_START = time(9, 0)
WORKDAY_END = time(17, 0)


@lru_cache(maxsize=1)
def _bank_holidays() -> frozenset[date]:
    calendar = BankHolidays(use_cached_holidays=True)
    return frozenset(h["date"] for h in calendar.get_holidays(division=BankHolidays.ENGLAND_AND_WALES))


def is_bank_holiday(day: date) -> bool:
    return day in _bank_holidays()


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and not is_bank_holiday(day)


def to_london(moment: datetime) -> datetime:
    return moment.astimezone(LONDON)


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (start itself is not counted)."""
    current, remaining = start, days
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def next_working_day(day: date) -> date:
    return add_working_days(day, 1)


def working_day_on_or_after(day: date) -> date:
    """`day` itself when it is a working day, else the next one (for due dates and meetings)."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def today_london() -> date:
    return datetime.now(LONDON).date()


@lru_cache(maxsize=1)
def _weekday_bank_holidays() -> tuple[date, ...]:
    return tuple(sorted(d for d in _bank_holidays() if d.weekday() < 5))


def _weekdays_before(day: date) -> int:
    """Monday-to-Friday days from 1 January of year 1 (a Monday) up to the day before `day`."""
    weeks, rest = divmod(day.toordinal() - 1, 7)
    return weeks * 5 + min(rest, 5)


def _working_days_in(first: date, last: date) -> int:
    """Working days from `first` to `last`, both included (0 when last < first), counted rather
    than walked: the front door queue asks it for every request waiting, some for months."""
    if last < first:
        return 0
    holidays = _weekday_bank_holidays()
    return (_weekdays_before(last + timedelta(days=1)) - _weekdays_before(first)
            - (bisect_right(holidays, last) - bisect_left(holidays, first)))


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    if end <= start:
        return 0
    return _working_days_in(start + timedelta(days=1), end)


WORKDAY_HOURS = 8.0  # 09:00 to 17:00 London time: the clocks change on Sunday nights, never within one


def working_hours_between(start: datetime, end: datetime) -> float:
    """Hours of the working day (09:00-17:00 London, working days only) between two instants."""
    if end <= start:
        return 0.0
    start_l, end_l = to_london(start), to_london(end)

    def within(day: date) -> float:  # the part of one day's working hours between the two instants
        if not is_working_day(day):
            return 0.0
        lo = max(datetime.combine(day, WORKDAY_START, LONDON), start_l)
        hi = min(datetime.combine(day, WORKDAY_END, LONDON), end_l)
        return (hi - lo).total_seconds() / 3600 if hi > lo else 0.0

    first, last = start_l.date(), end_l.date()
    if first == last:
        return within(first)
    # The first and last days in part; every working day between them in full.
    return (within(first) + WORKDAY_HOURS * _working_days_in(first + timedelta(days=1), last - timedelta(days=1))
            + within(last))


def working_deadline(start: datetime, working_days: int) -> datetime:
    """End of the working day `working_days` after `start` (London time), as UTC."""
    due_day = add_working_days(to_london(start).date(), working_days)
    return datetime.combine(due_day, WORKDAY_END, LONDON).astimezone(timezone.utc)


def format_uk_date(value: date | datetime | str | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):  # ISO dates kept verbatim from submitted forms and API bodies
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = to_london(value)
    return f"{value.day} {value:%B %Y}"


def format_uk_month(value: date | datetime | str | None) -> str:
    """A month as people write it: "January 2026" (from a date, or "2026-01")."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:7] + "-01")
    if isinstance(value, datetime):
        value = to_london(value)
    return f"{value:%B %Y}"


def format_hours(hours: float | None) -> str:
    """Working time as people say it: "2 hours 5 minutes", "45 minutes", "1 hour"."""
    if hours is None:
        return ""
    minutes = int(round(hours * 60))
    h, m = divmod(minutes, 60)
    parts = ([f"{h} hour{'s' if h != 1 else ''}"] if h else []) + ([f"{m} minute{'s' if m != 1 else ''}"] if m else [])
    return " ".join(parts) or "0 minutes"


def start_of_day(day: date) -> datetime:
    """Midnight (London) at the start of `day`, as UTC: the first moment of a UK date."""
    return datetime.combine(day, time(0, 0), LONDON).astimezone(timezone.utc)


def start_of_day_after(day: date) -> datetime:
    return start_of_day(day + timedelta(days=1))


def format_uk_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    local = to_london(value)
    return f"{local.day} {local:%B %Y} at {local:%H:%M}"
