"""Operation Encompass (DOMAIN.md, "Partner notices"): after police attend a domestic abuse
incident, each child's school key adult is told before the next school day with a minimum data
set, and nothing else: the child's name and date of birth, the police reference, the date, time
and place, whether the child was present, what the child said or did, and the circumstances.
Children home-educated or not on a school roll go to the council's named Operation Encompass
lead instead of a school.

The notice is built field by field from ENCOMPASS_FIELDS, so nothing outside the minimum data set
(the police's own account in the event's summary, the family's other members, the case) can
reach a school through it."""
from __future__ import annotations

from datetime import date

from caseflow.core import timescales

# The minimum data set, in the order a school reads it. A notice has exactly these keys.
ENCOMPASS_FIELDS = {
    "child": "Child",
    "date_of_birth": "Date of birth",
    "police_reference": "Police reference",
    "date": "Date of the incident",
    "time": "Time of the incident",
    "place": "Place",
    "child_present": "Child present",
    "child_said_or_did": "What the child said or did",
    "circumstances": "Circumstances",
}
NOT_GIVEN = "Not given by the police"
TITLE = "Operation Encompass"


def place_children(event, positions: dict[int, str]) -> None:
    """Record which matched person each Encompass child entry is about: the police number their
    children by position in the event's people, and matching turns positions into people."""
    if not event.encompass or not event.encompass.get("children"):
        return
    children = [{**c, "person_id": positions.get(c["person"], c.get("person_id"))} for c in event.encompass["children"]]
    event.encompass = {**event.encompass, "children": children}  # a new value, so the change is saved


def is_child(person, on: date) -> bool:
    """Under 18 on the day of the incident (someone whose age is not known counts when a school
    has them on its roll: routing asks that separately)."""
    dob = person.date_of_birth
    return dob is not None and (on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))) < 18


def child_notice(event, person) -> dict[str, str]:
    """One child's Operation Encompass notice: exactly the minimum data set."""
    data = event.encompass or {}
    entry = next((c for c in data.get("children") or [] if c.get("person_id") == person.id), {})
    when = timescales.to_london(event.occurred_at)
    present = entry.get("present")
    notice = {
        "child": f"{person.given_name} {person.family_name}",
        "date_of_birth": timescales.format_uk_date(person.date_of_birth) or "Not known",
        "police_reference": event.source_reference,
        "date": timescales.format_uk_date(when),
        "time": f"{when:%H:%M}",
        "place": (data.get("place") or "").strip() or NOT_GIVEN,
        "child_present": "Not known" if present is None else ("Yes" if present else "No"),
        "child_said_or_did": (entry.get("said_or_did") or "").strip() or NOT_GIVEN,
        "circumstances": (data.get("circumstances") or "").strip() or NOT_GIVEN,
    }
    return notice


def render(notices: list[dict[str, str]]) -> str:
    """The notification body: one block of "Label: value" lines per child."""
    return "\n\n".join("\n".join(f"{ENCOMPASS_FIELDS[key]}: {notice[key]}" for key in ENCOMPASS_FIELDS)
                       for notice in notices)


def title(people) -> str:
    return f"{TITLE}: " + ", ".join(f"{p.given_name} {p.family_name}" for p in people)
