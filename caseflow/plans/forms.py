"""Turn the casework HTML forms into the service's dictionaries, and its error keys back into
the ids of the fields on the page (so the GOV.UK error summary links to the right box)."""
from __future__ import annotations

from caseflow.plans.vocab import DOMAINS, ActionStatus, OutcomeStatus
from caseflow.web.forms import parse_date, text

MAX_NEW_OUTCOMES = 6
MAX_NEW_ACTIONS = 4


def assessment_from_form(form, members: list[dict]) -> dict:
    return {
        "version": int(form["version"]) if (form.get("version") or "").isdigit() else None,
        "members": [{"person_id": m["person_id"],
                     "worked_with": form.get(f"member-{m['person_id']}-worked_with") == "yes",
                     "voice": form.get(f"member-{m['person_id']}-voice", "")} for m in members],
        "domains": {code: {"strengths": form.get(f"domain-{code}-strengths", ""),
                           "needs": form.get(f"domain-{code}-needs", "")} for code in DOMAINS},
        "family_views": form.get("family_views", ""), "summary": form.get("summary", ""),
        "confirmed_problems": form.getlist("confirmed_problems"),
        "baseline": {key.removeprefix("baseline-"): value for key, value in form.items()
                     if key.startswith("baseline-") and value.strip()},
    }


def assessment_error_fields(fields: dict, members: list[dict]) -> dict[str, str]:
    out = {}
    for key, messages in fields.items():
        parts = key.split(".")
        if parts[0] == "members" and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(members):
            out[f"member-{members[int(parts[1])]['person_id']}-{parts[2]}"] = messages[0]
        elif parts[0] in ("baseline", "domains") and len(parts) >= 2:
            out[f"{parts[0]}-{parts[1]}" if parts[0] == "baseline" else f"domain-{parts[1]}-{parts[-1]}"] = messages[0]
        else:
            out.setdefault(parts[0], messages[0])
    return out


def _rows(form, prefix: str, fields: tuple[str, ...], dates: tuple[str, ...]) -> list[int]:
    """Indices of the rows the user filled in (blank spare rows are ignored)."""
    indices = sorted({int(k.split("-")[1]) for k in form if k.startswith(f"{prefix}-") and k.split("-")[1].isdigit()})
    filled = []
    for i in indices:
        values = [form.get(f"{prefix}-{i}-{f}", "").strip() for f in fields]
        values += [form.get(f"{prefix}-{i}-{d}-{p}", "").strip() for d in dates for p in ("day", "month", "year")]
        if any(values):
            filled.append(i)
    return filled


def plan_from_form(form) -> tuple[dict, dict[str, list[str]], list[int], list[int]]:
    """(plan body, date errors, outcome row indices, action row indices)."""
    errors: dict[str, list[str]] = {}
    outcome_rows = _rows(form, "outcomes", ("description", "measure"), ("target",))
    outcomes = []
    for n, i in enumerate(outcome_rows):
        target, problem = parse_date(form, f"outcomes-{i}-target", "Target date")
        if problem:
            errors[f"outcomes.{n}.target_date"] = [problem]
        outcomes.append({"id": text(form, f"outcomes-{i}-id"), "headline_problem": text(form, f"outcomes-{i}-headline_problem"),
                         "description": text(form, f"outcomes-{i}-description"),
                         "measure": text(form, f"outcomes-{i}-measure"), "target_date": target,
                         "status": text(form, f"outcomes-{i}-status") or OutcomeStatus.IN_PROGRESS})
    position = {i: n for n, i in enumerate(outcome_rows)}
    action_rows = _rows(form, "actions", ("description",), ("due",))
    actions = []
    for n, i in enumerate(action_rows):
        due, problem = parse_date(form, f"actions-{i}-due", "Due date")
        if problem:
            errors[f"actions.{n}.due_date"] = [problem]
        owner = form.get(f"actions-{i}-owner", "")
        kind, _, owner_id = owner.partition(":")
        outcome = form.get(f"actions-{i}-outcome", "")
        actions.append({"id": text(form, f"actions-{i}-id"), "description": text(form, f"actions-{i}-description"),
                        "owner_user_id": owner_id if kind == "user" else None,
                        "owner_organisation_id": owner_id if kind == "org" else None,
                        "outcome_index": position.get(int(outcome)) if outcome.isdigit() else None,
                        "due_date": due, "status": text(form, f"actions-{i}-status") or ActionStatus.NOT_STARTED})
    version = form.get("version", "")
    body = {"version": int(version) if version.isdigit() else None,
            "outcomes": [{k: v for k, v in o.items() if v is not None} for o in outcomes],
            "actions": [{k: v for k, v in a.items() if v is not None} for a in actions]}
    return body, errors, outcome_rows, action_rows


FIELD_IDS = {"target_date": "target-day", "due_date": "due-day", "outcome_index": "outcome"}


def plan_error_fields(fields: dict, outcome_rows: list[int], action_rows: list[int]) -> dict[str, str]:
    out = {}
    for key, messages in fields.items():
        parts = key.split(".")
        rows = {"outcomes": outcome_rows, "actions": action_rows}.get(parts[0])
        if rows is not None and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(rows):
            out.setdefault(f"{parts[0]}-{rows[int(parts[1])]}-{FIELD_IDS.get(parts[2], parts[2])}", messages[0])
        else:
            out.setdefault(parts[0], messages[0])
    return out


def _posted_rows(form, prefix: str) -> list[int]:
    return sorted({int(k.split("-")[1]) for k in form if k.startswith(f"{prefix}-") and k.split("-")[1].isdigit()})


def _date_of(form, prefix: str) -> dict[str, str]:
    return {p: form.get(f"{prefix}-{p}", "") for p in ("day", "month", "year")}


def plan_form_rows(plan, problems: list[str], form=None) -> tuple[list[dict], list[dict]]:
    """The rows the plan form shows: what was posted (after an error), else the saved plan plus
    blank rows: one for each confirmed problem still without an outcome, and spares."""
    from caseflow.web.forms import date_parts

    if form is not None:
        outcomes = [{"i": i, "id": form.get(f"outcomes-{i}-id", ""), "headline_problem": form.get(f"outcomes-{i}-headline_problem", ""),
                     "description": form.get(f"outcomes-{i}-description", ""), "measure": form.get(f"outcomes-{i}-measure", ""),
                     "target": _date_of(form, f"outcomes-{i}-target"), "status": form.get(f"outcomes-{i}-status", OutcomeStatus.IN_PROGRESS)}
                    for i in _posted_rows(form, "outcomes")]
        actions = [{"i": i, "id": form.get(f"actions-{i}-id", ""), "description": form.get(f"actions-{i}-description", ""),
                    "owner": form.get(f"actions-{i}-owner", ""), "outcome": form.get(f"actions-{i}-outcome", ""),
                    "due": _date_of(form, f"actions-{i}-due"), "status": form.get(f"actions-{i}-status", ActionStatus.NOT_STARTED)}
                   for i in _posted_rows(form, "actions")]
        return outcomes, actions
    saved = list(plan.outcomes) if plan else []
    outcomes = [{"i": i, "id": o.id, "headline_problem": o.headline_problem, "description": o.description,
                 "measure": o.measure, "target": date_parts(o.target_date), "status": o.status}
                for i, o in enumerate(saved)]
    covered = {o.headline_problem for o in saved}
    blanks = [p for p in problems if p not in covered][:MAX_NEW_OUTCOMES - 1] + [""]
    for code in blanks:
        outcomes.append({"i": len(outcomes), "id": "", "headline_problem": code, "description": "", "measure": "",
                         "target": date_parts(None), "status": OutcomeStatus.IN_PROGRESS})
    row_of = {o.id: str(n) for n, o in enumerate(saved)}
    actions = [{"i": i, "id": a.id, "description": a.description,
                "owner": f"user:{a.owner_user_id}" if a.owner_user_id else f"org:{a.owner_organisation_id}",
                "outcome": row_of.get(a.outcome_id, ""), "due": date_parts(a.due_date), "status": a.status}
               for i, a in enumerate(plan.actions if plan else [])]
    for _ in range(2 if actions else MAX_NEW_ACTIONS):
        actions.append({"i": len(actions), "id": "", "description": "", "owner": "", "outcome": "",
                        "due": date_parts(None), "status": ActionStatus.NOT_STARTED})
    return outcomes, actions
