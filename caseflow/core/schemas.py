"""Base schemas and field helpers every package's marshmallow schemas build on."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from caseflow.core.vocab import Category


# One of the data categories consent, lawful bases and agreements are given for.
CATEGORY = validate.OneOf([c.value for c in Category], error="Not a data category")


def not_blank(message: str):
    """Length(min=1) lets "   " through; a name of spaces is no name."""
    def check(value):
        if not str(value).strip():
            raise ValidationError(message)
    return check


def free_text(required_message: str | None = None, max_length: int = 20000):
    """Free text; when required, blank or spaces-only is refused with `required_message`."""
    checks = [validate.Length(max=max_length, error=f"Keep this under {max_length:,} characters")]
    if required_message:
        checks.append(not_blank(required_message))
        return fields.String(required=True, validate=checks, error_messages={
            "required": required_message, "null": required_message})
    return fields.String(load_default=None, allow_none=True, validate=checks)


class Strict(Schema):
    """Input from a page or partner system: fields the schema does not name are dropped."""

    class Meta:
        unknown = EXCLUDE
