"""Errors services raise; views show them as form errors, the API as 404/409/422."""
from __future__ import annotations


class NotFound(LookupError):
    pass


class Conflict(RuntimeError):
    """A conflicting update (stale version, duplicate decision)."""


class ServiceValidationError(ValueError):
    def __init__(self, message: str, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.fields = fields or {}
