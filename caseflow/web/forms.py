"""Form helpers shared by every package's HTML forms."""
from __future__ import annotations

from datetime import date


def parse_date(form, prefix: str, label: str = "Date") -> tuple[str | None, str | None]:
    """A GOV.UK date input (prefix-day, prefix-month, prefix-year) -> (ISO date, None), (None, an
    error message in the Design System's words) or (None, None) when left blank."""
    parts = [form.get(f"{prefix}-{p}", "").strip() for p in ("day", "month", "year")]
    if not any(parts):
        return None, None
    if not all(parts):
        return None, f"{label} must include a day, month and year"
    try:
        day, month, year = (int(p) for p in parts)
        if year < 100:
            return None, "Year must include 4 numbers"
        return date(year, month, day).isoformat(), None
    except (ValueError, OverflowError):  # a year of 30 digits overflows: still "not a real date"
        return None, f"{label} must be a real date"


def date_parts(value: date | str | None) -> dict[str, str]:
    """An ISO date or date -> the day/month/year strings a GOV.UK date input shows."""
    if not value:
        return {"day": "", "month": "", "year": ""}
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return {"day": str(value.day), "month": str(value.month), "year": str(value.year)}


def text(form, name: str) -> str | None:
    """A text field, stripped; None when blank (so the service's 'required' message shows)."""
    value = (form.get(name) or "").strip()
    return value or None
