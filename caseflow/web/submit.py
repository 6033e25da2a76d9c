"""Calling a service from an HTML form: errors come back as field id -> message for the page."""
from __future__ import annotations

from caseflow.core.stages import IllegalTransition
from caseflow.core.errors import Conflict, ServiceValidationError
from caseflow.core.unit_of_work import savepoint

DATE_FIELDS = ("date", "until", "next_review_date", "started_on", "handover_meeting_on", "next_visit_on",
               "next_due_on", "period_start", "period_end")


def attempt(call):
    """Run a service call: (result, None) or (None, ServiceValidationError). A conflict or
    illegal move becomes a form-level message under "_form".

    The call runs in a savepoint: if it fails, its own changes are undone and the page goes on
    (re-shown with the errors) while the request keeps what it did before, above all the audit
    of what it read; the audit of the failed attempt is kept too. The request commits once at
    the end (caseflow.core.unit_of_work)."""
    try:
        with savepoint():
            return call(), None
    except ServiceValidationError as exc:
        return None, exc
    except (Conflict, IllegalTransition) as exc:
        message = getattr(exc, "reason", None) or str(exc)
        return None, ServiceValidationError(message, {"_form": [message]})


def error_fields(fields: dict, date_fields=DATE_FIELDS) -> dict[str, str]:
    """Flat forms: the first message per field; date errors point at the day box."""
    out = {}
    for key, messages in fields.items():
        name = key.split(".")[0] if not key.startswith(("progress.", "outcomes.")) else key.replace(".", "-")
        out.setdefault(f"{name}-day" if name in date_fields else name, messages[0])
    return out


def submit(call, early: dict | None = None):
    """A flat form's submission: (result, {}) or (None, field id -> message). `early` holds
    problems the form parser found (e.g. an impossible date) so the service is not called."""
    if early:
        return None, error_fields(early)
    done, exc = attempt(call)
    return done, ({} if done is not None else error_fields(exc.fields))
