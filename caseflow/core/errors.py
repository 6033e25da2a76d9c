"""Errors services raise; views show them as form errors, the API as 404/409/422."""
from __future__ import annotations

from caseflow.core.schemas import flatten_messages, load_input  # flatten_messages: where callers have always found it


class NotFound(LookupError):
    pass


class Conflict(RuntimeError):
    """A conflicting update (stale version, duplicate decision)."""


class ServiceValidationError(ValueError):
    def __init__(self, message: str, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.fields = fields or {}


class StaleVersion(Conflict):
    """Someone else saved this record since the caller read it: reload rather than overwrite."""

    code = "stale_version"


def load(schema_class, data: dict) -> dict:
    """Validate with a marshmallow schema; a failure becomes ServiceValidationError with each
    field's messages under a dotted key ("outcomes.0.target_date")."""
    from marshmallow import ValidationError

    try:
        return load_input(schema_class, data)
    except ValidationError as exc:
        raise ServiceValidationError("Some answers are missing or not valid.",
                                     flatten_messages(exc.messages)) from None
