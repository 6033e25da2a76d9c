"""Base schemas and field helpers every package's marshmallow schemas build on, and the one
place input is cleaned and bounded before any service sees it (`load_input`)."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from caseflow.core import text
from caseflow.core.vocab import Category


# One of the data categories consent, lawful bases and agreements are given for.
CATEGORY = validate.OneOf([c.value for c in Category], error="Not a data category")

# Whole numbers in input are stored in (or compared with) 32-bit INTEGER columns, or used as
# positions and counts: anything beyond is a mistake or a probe, refused before the database sees it.
INT_MAX = 2**31 - 1
# Text longer than this is free text (notes, reasons, addresses) and keeps its line breaks;
# shorter strings are names, identifiers and choices, cleaned as one line (core.text).
MULTILINE_FROM = 500
# The last page number any list accepts: beyond it, (page - 1) * per_page could overflow the
# database's 64-bit OFFSET, and no list is that long. ?page= above it is a 400 (API) or the last
# possible page (HTML lists).
MAX_PAGE = 1_000_000


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


# --- dates that can be true ------------------------------------------------------------------------

class DateWindow(StrEnum):
    """Which dates make sense for a field, named in its metadata: `metadata={"window": ...}`.
    A date field that names none gets DEFAULT."""

    BIRTH = "birth"        # someone alive: 1 January 1900 up to today
    HAPPENED = "happened"  # something that took place (a visit, a consent, an incident): since 2000, not after today
    PLANNED = "planned"    # a meeting, target or review: since 2000, no more than 5 years ahead
    DEFAULT = "default"    # anything else: 1900 to 10 years ahead


def _window(kind: str) -> tuple[date, date]:
    from caseflow.core.timescales import today_london

    today = today_london()
    ahead = lambda years: today.replace(year=today.year + years, day=min(today.day, 28))  # noqa: E731
    return {
        DateWindow.BIRTH: (date(1900, 1, 1), today),
        DateWindow.HAPPENED: (date(2000, 1, 1), today),
        DateWindow.PLANNED: (date(2000, 1, 1), ahead(5)),
    }.get(kind, (date(1900, 1, 1), ahead(10)))


def _date_problem(field: fields.Field, value) -> str | None:
    day = value.date() if isinstance(value, datetime) else value
    earliest, latest = _window(field.metadata.get("window", DateWindow.DEFAULT))
    if day < earliest:
        return f"Enter a date on or after {earliest:%-d %B %Y}"
    if day > latest:
        return ("The date cannot be in the future: enter today or an earlier date" if latest <= _window(DateWindow.HAPPENED)[1]
                else f"Enter a date on or before {latest:%-d %B %Y}")
    return None


# --- cleaning and bounding every input ---------------------------------------------------------------

def load_input(schema: type[Schema] | Schema, raw):
    """`schema.load(raw)` for input from outside (a page, the API, a partner system, a CLI):
    every string cleaned first (core.text: NUL and lone surrogates refused, NFC, invisible and
    direction-changing characters removed from names and identifiers), then every whole number
    kept within INT_MAX and every date within its field's DateWindow. New schemas and fields are
    covered without doing anything. Raises marshmallow's ValidationError, its messages keyed by
    field ("people.0.given_name")."""
    schema = schema() if isinstance(schema, type) else schema
    errors: dict[str, list[str]] = {}
    cleaned = _clean(schema, raw, "", errors)
    if errors:
        raise ValidationError(errors)
    try:
        data = schema.load(cleaned)
    except ValidationError as exc:  # bound what did load too: every problem is reported at once
        _bound(schema, exc.valid_data, "", errors)
        raise ValidationError({**errors, **flatten_messages(exc.messages)}) from None
    _bound(schema, data, "", errors)
    if errors:
        raise ValidationError(errors)
    return data


def flatten_messages(messages, prefix: str = "") -> dict:
    """marshmallow's nested messages -> {"people.0.date_of_birth": ["..."]}."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, (dict,)):
                flat.update(flatten_messages(value, name))
            else:
                flat[name] = [str(v) for v in (value if isinstance(value, list) else [value])]
    else:
        flat[prefix or "_schema"] = [str(m) for m in messages]
    return flat


def _multiline(field: fields.Field) -> bool:
    if "multiline" in field.metadata:
        return bool(field.metadata["multiline"])
    validators = field.validators if isinstance(field.validators, (list, tuple)) else [field.validators]
    return any(isinstance(v, validate.Length) and v.max is not None and v.max >= MULTILINE_FROM
               for v in validators)


def _path(prefix: str, key) -> str:
    return f"{prefix}.{key}" if prefix else str(key)


def _clean(schema: Schema, raw, prefix: str, errors: dict):
    if not isinstance(raw, dict):
        return raw
    out = dict(raw)
    for name, field in schema.load_fields.items():
        key = field.data_key or name
        if key in out:
            out[key] = _clean_value(field, out[key], _path(prefix, key), errors)
    return out


def _clean_value(field: fields.Field, value, path: str, errors: dict):
    if isinstance(value, str):
        try:
            if isinstance(field, fields.String):
                return text.clean_free_text(value) if _multiline(field) else text.clean_line(value)
            return text.clean_line(value)  # a date, number or choice sent as text: trimmed, checked
        except text.BadText as exc:
            errors[path] = [str(exc)]
            return value
    if isinstance(field, fields.Nested):
        nested = field.schema
        if isinstance(value, list) and (field.many or nested.many):
            return [_clean(nested, v, _path(path, i), errors) for i, v in enumerate(value)]
        return _clean(nested, value, path, errors)
    if isinstance(field, fields.List) and isinstance(value, list):
        return [_clean_value(field.inner, v, _path(path, i), errors) for i, v in enumerate(value)]
    if isinstance(field, fields.Dict) and isinstance(value, dict):
        keys = field.key_field or fields.String()
        values = field.value_field or fields.Raw()
        return {_clean_value(keys, k, _path(path, k), errors): _clean_value(values, v, _path(path, k), errors)
                for k, v in value.items()}
    return value


def _bound(schema: Schema, data, prefix: str, errors: dict) -> None:
    if not isinstance(data, dict):
        return
    for name, field in schema.load_fields.items():
        key = field.attribute or name
        if key in data:
            _bound_value(field, data[key], _path(prefix, field.data_key or name), errors)


def _bound_value(field: fields.Field, value, path: str, errors: dict) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        if abs(value) > INT_MAX:
            errors[path] = [f"Enter a number between {-INT_MAX:,} and {INT_MAX:,}"]
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")) or abs(value) > INT_MAX:
            errors[path] = ["Enter an ordinary number"]
    elif isinstance(value, (date, datetime)) and isinstance(field, (fields.Date, fields.DateTime)):
        if (reason := _date_problem(field, value)) is not None:
            errors[path] = [reason]
    elif isinstance(field, fields.Nested):
        nested = field.schema
        if isinstance(value, list):
            for i, item in enumerate(value):
                _bound(nested, item, _path(path, i), errors)
        else:
            _bound(nested, value, path, errors)
    elif isinstance(field, fields.List) and isinstance(value, list):
        for i, item in enumerate(value):
            _bound_value(field.inner, item, _path(path, i), errors)
    elif isinstance(field, fields.Dict) and isinstance(value, dict):
        for k, item in value.items():
            _bound_value(field.value_field or fields.Raw(), item, _path(path, k), errors)
