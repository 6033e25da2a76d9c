"""Schemas every API package shares: the paginated query (docs/api.md, "Paging": ?page=1&per_page=50),
the base of response schemas, the error envelope (docs/api.md, "Errors") and the OpenAPI document's
own response."""
from __future__ import annotations

from marshmallow import EXCLUDE, RAISE, Schema, fields, missing, validate

from caseflow.core.schemas import MAX_PAGE


class PageQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    page = fields.Integer(load_default=1, validate=validate.Range(
        min=1, max=MAX_PAGE, error=f"Page must be a whole number from 1 to {MAX_PAGE:,}"))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class ResponseSchema(Schema):
    """What a response carries, field by field. Handlers serialise through it
    (`Schema().dump(obj)`) and the OpenAPI document is generated from it, so the two cannot
    drift. RAISE makes the document say `additionalProperties: false`: a new field is added
    here (docs/api.md: add fields freely, never rename or remove them)."""

    class Meta:
        unknown = RAISE


# Field makers for response schemas. `required` (the default) says the key is always present;
# `nullable` that its value may be null; `optional` that it is present only in some responses
# (the description says when). Other keywords (attribute=...) go to the marshmallow field.

def _common(description, nullable, optional, choices=None, **extra) -> dict:
    kw: dict = {"required": not optional, "allow_none": nullable, **extra}
    if description:
        kw["metadata"] = {"description": description}
    if choices is not None:
        kw["validate"] = validate.OneOf([str(c) for c in choices])
    return kw


def text(description=None, *, choices=None, nullable=False, optional=False, **extra):
    return fields.String(**_common(description, nullable, optional, choices, **extra))


def whole(description=None, *, nullable=False, optional=False, **extra):
    return fields.Integer(**_common(description, nullable, optional, **extra))


class Rounded(fields.Float):
    """A number rounded for people (scores, hours) as it is sent."""

    def __init__(self, places: int, **kwargs):
        super().__init__(**kwargs)
        self.places = places

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else round(float(value), self.places)


def number(description=None, *, places=None, nullable=False, optional=False, **extra):
    kw = _common(description, nullable, optional, **extra)
    return Rounded(places, **kw) if places is not None else fields.Float(**kw)


def flag(description=None, *, nullable=False, optional=False, **extra):
    return fields.Boolean(**_common(description, nullable, optional, **extra))


def moment(description=None, *, nullable=False, optional=False, **extra):
    """A timestamp, ISO 8601 with its offset."""
    return fields.DateTime(**_common(description, nullable, optional, **extra))


def day(description=None, *, nullable=False, optional=False, **extra):
    """A date, YYYY-MM-DD."""
    return fields.Date(**_common(description, nullable, optional, **extra))


def texts(description=None, *, choices=None, nullable=False, optional=False, **extra):
    inner = fields.String(validate=validate.OneOf([str(c) for c in choices])) if choices is not None else fields.String()
    return fields.List(inner, **_common(description, nullable, optional, **extra))


def one(schema, description=None, *, nullable=False, optional=False, **extra):
    return fields.Nested(schema, **_common(description, nullable, optional, **extra))


def many(schema, description=None, *, nullable=False, optional=False, **extra):
    return fields.List(fields.Nested(schema), **_common(description, nullable, optional, **extra))


def iso_text(format_: str, description=None, *, nullable=False, optional=False, **extra):
    """A date ("date") or timestamp ("date-time") that reaches the schema already as ISO text
    (kept so in a JSON column, or formatted by the service)."""
    kw = _common(description, nullable, optional, **extra)
    kw["metadata"] = {**kw.get("metadata", {}), "format": format_}
    return fields.String(**kw)


def derived(field: fields.Field, compute) -> fields.Field:
    """A typed field whose value is compute(source object): still documented by its type."""
    field.get_value = lambda obj, attr, accessor=None, default=missing: compute(obj)
    return field


class Itself(fields.Nested):
    """A nested object made from the same source object, e.g. the referrer's columns of a
    request sent as {"referrer": {...}}."""

    def get_value(self, obj, attr, accessor=None, default=missing):
        return obj


def itself(schema, description=None, **extra):
    return Itself(schema, **_common(description, False, False, **extra))


class OneOf(fields.Field):
    """One of several bodies, chosen item by item: `choose(value, parent)` returns the schema
    class to dump `value` with (`parent` is the object that holds it, e.g. the whole view). The
    OpenAPI document gives it as `oneOf` those schemas, so each body must be told from the others
    by its fields (a field one requires that another does not allow)."""

    def __init__(self, schemas, choose, **kwargs):
        super().__init__(**kwargs)
        self.schemas, self.choose = list(schemas), choose

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else self.choose(value, obj)().dump(value)


def many_of(schemas, choose, description=None, *, nullable=False, optional=False, **extra):
    """A list whose items are each one of `schemas` (see OneOf)."""
    return fields.List(OneOf(schemas, choose), **_common(description, nullable, optional, **extra))


def _listed(obj, name):
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def page_fields() -> dict:
    """The paging fields of every list (docs/api.md "Paging": {items, page, per_page, total,
    total_capped}). A long list is counted up to 1,000 (core.keyset.bounded_count)."""
    return {"page": whole("This page's number, from 1."),
            "per_page": whole("Items per page (for an unpaginated list: how many there are)."),
            "total": whole("Items in the whole list, counted up to 1,000 (see total_capped)."),
            "total_capped": derived(flag("True when the list holds more than `total` items: counting "
                                         "stops at 1,000."),
                                    lambda obj: bool(getattr(_listed(obj, "total"), "capped", False)))}


class Cursor(fields.String):
    """?before=: the next_cursor a list gave, read back into the keys of its last row."""

    def __init__(self, keys: int, **kwargs):
        super().__init__(**kwargs)
        self.keys = keys

    def _deserialize(self, value, attr, data, **kwargs):
        from marshmallow import ValidationError

        from caseflow.core.keyset import BadCursor, decode_cursor

        try:
            return decode_cursor(super()._deserialize(value, attr, data, **kwargs), self.keys)
        except BadCursor:
            raise ValidationError("Not a cursor this list gave: send next_cursor back as it came.") from None


def cursor_query(keys: int) -> Cursor:
    return Cursor(keys, load_default=None, metadata={
        "description": "The next_cursor of the previous page: the page of items older than its last one "
                       "(faster than ?page= far down a long list; page is then ignored)."})


def cursor_field():
    """The keyset cursor of a list read newest first (docs/api.md "Paging")."""
    return text("Send it back as ?before= for the next, older page; null on the last page.", nullable=True)


# --- errors (docs/api.md "Errors") ----------------------------------------------------------------

class ErrorDetailSchema(ResponseSchema):
    code = text("Machine-readable: malformed, bad_query, unauthorized, forbidden, not_found, "
                "illegal_transition, conflict, stale_version, idempotency_key_reused, "
                "validation_failed, too_many_requests, method_not_allowed, internal_error, ...")
    message = text("For people: what went wrong and what to do (a refusal says why without "
                   "revealing the record).")
    # (a field named "fields" would hide marshmallow's own Schema.fields)
    problems = fields.Dict(
        keys=fields.String(), values=fields.List(fields.String()), required=False,
        attribute="fields", data_key="fields",
        metadata={"description": "Validation problems by field, dotted for nested fields "
                                 "(\"people.0.date_of_birth\"); only with some 400 and 422 errors."})


class ErrorSchema(ResponseSchema):
    error = one(ErrorDetailSchema)


# --- the OpenAPI document itself ------------------------------------------------------------------

class OpenApiDocumentSchema(ResponseSchema):
    """This document. Its parts are free-form here: they follow the OpenAPI 3.0 specification."""

    class Meta(ResponseSchema.Meta):
        unknown = EXCLUDE  # OpenAPI allows more top-level keys (servers, tags, x-...)

    openapi = text("The OpenAPI version, 3.0.x.")
    info = fields.Dict(required=True, metadata={"description": "Title, version and description."})
    paths = fields.Dict(required=True, metadata={"description": "Every operation under /api/v1."})
    components = fields.Dict(required=True, metadata={"description": "Schemas and security schemes."})
