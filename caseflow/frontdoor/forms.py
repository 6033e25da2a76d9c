"""Turn the HTML request forms into the API's request dictionary, and errors back again.

The forms post flat GOV.UK-style fields (people-0-given_name, people-0-dob-day...); validation
lives in the service's schema so every intake route applies the same rules.
"""
from __future__ import annotations

from caseflow.web import forms as web_forms

PERSON_FIELDS = ("given_name", "family_name", "sex", "relationship", "postcode", "address",
                 "nhs_number", "upn", "school", "gp_practice")
MAX_PEOPLE = 6


def _blank(value) -> bool:
    return value is None or str(value).strip() == ""


def parse_date(form, prefix: str) -> tuple[str | None, str | None]:
    return web_forms.parse_date(form, prefix, "Date of birth")


def people_from_form(form) -> tuple[list[dict], dict[str, list[str]]]:
    people, errors = [], {}
    for i in range(MAX_PEOPLE):
        values = {f: form.get(f"people-{i}-{f}", "").strip() for f in PERSON_FIELDS}
        dob, dob_error = parse_date(form, f"people-{i}-dob")
        if all(_blank(values[f]) for f in ("given_name", "family_name")) and dob is None and not dob_error:
            continue  # an unused person row
        person = {k: v for k, v in values.items() if v}
        person["date_of_birth"] = dob
        person.setdefault("relationship", "parent_carer" if i == 0 else "child")
        person["in_household"] = form.get(f"people-{i}-in_household", "yes") != "no"
        if dob_error:
            errors[f"people.{len(people)}.date_of_birth"] = [dob_error]
        person["_row"] = i
        people.append(person)
    return people, errors


def request_from_form(form, self_referral: bool) -> tuple[dict, dict[str, list[str]], list[int]]:
    """Returns (request dict, early errors, form row of each person)."""
    people, errors = people_from_form(form)
    rows = [p.pop("_row") for p in people]
    referrer = {k: form.get(f"referrer-{k}", "").strip() or None
                for k in ("name", "organisation", "role", "email", "phone")}
    data = {
        "referrer": referrer,
        "people": people,
        "concerns": form.getlist("concerns"),
        "details": form.get("details", ""),
        "urgency": form.get("urgency") or "routine",
        "safeguarding_concern": form.get("safeguarding_concern") == "yes",
    }
    consent = form.get("consent_given")
    if consent in ("yes", "no"):
        data["consent_given"] = consent == "yes"
    if self_referral:
        data["consent_given"] = consent == "yes"
        if consent != "yes":
            errors["consent_given"] = ["Tell us if you agree to us contacting you and the services "
                                       "named about your request"]
        referrer["role"] = "Family member (self-referral)"
        if people:  # the parent asking is the first person named: no need to type it twice
            referrer["name"] = f"{people[0].get('given_name', '')} {people[0].get('family_name', '')}".strip() or None
            people[0].setdefault("relationship", "parent_carer")
    return data, errors, rows


def error_key_to_field(key: str, rows: list[int], self_referral: bool = False) -> str:
    """'people.1.nhs_number' -> the HTML id of the field the user must fix."""
    parts = key.split(".")
    if parts[0] == "people" and len(parts) >= 3 and parts[1].isdigit():
        index = int(parts[1])
        row = rows[index] if index < len(rows) else index
        name = "dob-day" if parts[2] == "date_of_birth" else parts[2]
        return f"people-{row}-{name}"
    if parts[0] == "people":
        return "people-0-given_name"
    if parts[0] == "referrer":
        if self_referral and parts[1:2] in ([], ["name"]):
            return "people-0-given_name"  # the parent's own name is the referrer's name
        return f"referrer-{parts[1]}" if len(parts) > 1 else "referrer-name"
    if parts[0] == "concerns":
        return "concerns"
    return parts[0]
