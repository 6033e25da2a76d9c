"""Validation of the identifiers partners send: NHS number, Unique Pupil Number, postcode."""
from __future__ import annotations

import re

POSTCODE_RE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")
UPN_RE = re.compile(r"^[A-Z][0-9]{11}[0-9A-Z]$")


def clean_nhs_number(value: str) -> str:
    return re.sub(r"[\s-]", "", value or "")


def nhs_number_problem(value: str) -> str | None:
    """None if valid, else a plain-English reason. NHS numbers are 10 digits with a modulus 11
    check digit (NHS Data Dictionary)."""
    digits = clean_nhs_number(value)
    if not re.fullmatch(r"\d{10}", digits):
        return "NHS number must be 10 digits, like 485 777 3456"
    check = nhs_check_digit(digits[:9])
    if check is None or check != int(digits[9]):
        return "NHS number is not valid: check the digits have been copied correctly"
    return None


def upn_problem(value: str) -> str | None:
    """Unique Pupil Numbers are 13 characters: a check letter, 11 digits, a digit or letter."""
    if not UPN_RE.fullmatch((value or "").strip().upper()):
        return "Unique Pupil Number must be 13 characters: a letter followed by 12 digits (the last may be a letter)"
    return None


def format_postcode(value: str) -> str | None:
    """'sw1a1aa' -> 'SW1A 1AA'; None if it is not a UK postcode."""
    compact = re.sub(r"\s+", "", (value or "").upper())
    match = POSTCODE_RE.fullmatch(compact)
    if not match:
        return None
    return f"{match.group(1)} {match.group(2)}"


def nhs_check_digit(first_nine: str) -> int | None:
    """The modulus 11 check digit for nine digits, or None when no valid number can end them."""
    check = 11 - sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1))) % 11
    check = 0 if check == 11 else check
    return None if check == 10 else check


def random_nhs_number(rng) -> str:
    """A valid NHS number for demo and benchmark data (from `rng`, a random.Random)."""
    while True:
        first_nine = "".join(str(rng.randint(0, 9)) for _ in range(9))
        check = nhs_check_digit(first_nine)
        if check is not None:
            return first_nine + str(check)
