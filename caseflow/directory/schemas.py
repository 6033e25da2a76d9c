"""What the directory's pages and API accept and answer."""
from __future__ import annotations

from marshmallow import fields, validate

from caseflow.api.schemas import PageQuerySchema, ResponseSchema, flag, many, moment, page_fields, text, texts
from caseflow.core.schemas import Strict, free_text
from caseflow.core.vocab import HEADLINE_PROBLEMS

PROBLEM = validate.OneOf(list(HEADLINE_PROBLEMS), error="Choose from the six headline problems")


def _line(max_length: int, required: str | None = None):
    return free_text(required, max_length) if required else fields.String(
        load_default=None, allow_none=True, validate=validate.Length(
            max=max_length, error=f"Keep this under {max_length:,} characters"))


class LocalServiceSchema(Strict):
    name = _line(200, "Enter the service's name")
    organisation = _line(200, "Enter the organisation that runs it")
    offers = free_text("Say what the service offers", 5000)
    problems = fields.List(fields.String(validate=PROBLEM), load_default=list)
    area = _line(120, "Enter the area it covers, for example 'Northshire-wide' or 'Riverside'")
    phone = _line(40)
    email = fields.Email(load_default=None, allow_none=True, error_messages={
        "invalid": "Enter an email address in the correct format, like name@example.com"})
    website = fields.Url(load_default=None, allow_none=True, schemes={"http", "https"}, error_messages={
        "invalid": "Enter a web address starting https://"})
    address = _line(300)
    eligibility = free_text(max_length=2000)
    active = fields.Boolean(load_default=True)


class DirectoryQuerySchema(PageQuerySchema):
    problem = fields.String(load_default=None, validate=PROBLEM)
    area = fields.String(load_default=None, validate=validate.Length(max=120))


class LocalServiceOutSchema(ResponseSchema):
    id = text()
    name = text()
    organisation = text()
    offers = text()
    problems = texts("Headline problems it helps with.", choices=list(HEADLINE_PROBLEMS))
    area = text()
    phone = text(nullable=True)
    email = text(nullable=True)
    website = text(nullable=True)
    address = text(nullable=True)
    eligibility = text(nullable=True)
    active = flag()
    updated_at = moment()


class LocalServiceListSchema(ResponseSchema):
    items = many(LocalServiceOutSchema, "Active services by name.")
    page, per_page, total, total_capped = page_fields().values()
