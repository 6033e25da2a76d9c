"""The agreement form -> the service's dictionary."""
from __future__ import annotations

from caseflow.web.forms import parse_date, text


def agreement_from_form(form) -> tuple[dict, dict[str, list[str]]]:
    """(raw, early problems): dates a person typed that are not dates are reported at once."""
    raw, early = {"name": text(form, "name"), "party_ids": form.getlist("party_ids"),
                  "purposes": [line for line in (form.get("purposes") or "").splitlines() if line.strip()],
                  "categories": form.getlist("categories")}, {}
    for name, label in (("starts_on", "Start date"), ("review_on", "Review date"), ("ends_on", "End date")):
        value, problem = parse_date(form, name, label)
        if problem:
            early[name] = [problem]
        elif value:
            raw[name] = value
    return {k: v for k, v in raw.items() if v is not None}, early
