"""The request-for-help contract (API.md `POST /api/v1/requests`), used by every intake route.

The web forms build the same dictionary and the service validates it with these schemas, so the
professional form, the self-referral form and the API cannot drift apart.
"""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates, validates_schema

from caseflow.api.schemas import (PageQuerySchema, ResponseSchema, day, flag, itself, many, moment, number, one, page_fields, text,
                                  texts)
from caseflow.families.identifiers import format_postcode, nhs_number_problem, upn_problem
from caseflow.families.models import Relationship, Sex
from caseflow.core.schemas import DateWindow, not_blank
from caseflow.core.stages import Stage
from caseflow.core.timescales import today_london
from caseflow.core.vocab import HEADLINE_PROBLEMS
from caseflow.frontdoor.models import MatchStatus, RequestStatus, Source, Urgency


RELATIONSHIP_ALIASES = {"parent": "parent_carer", "carer": "parent_carer", "mother": "parent_carer",
                        "father": "parent_carer", "son": "child", "daughter": "child"}


class ReferrerSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    name = fields.String(required=True, validate=[
                         validate.Length(max=200, error="Name must be 200 characters or fewer"),
                         not_blank("Enter the name of the person asking for help")],
                         error_messages={"required": "Enter the name of the person asking for help",
                                         "null": "Enter the name of the person asking for help"})
    organisation = fields.String(load_default=None, validate=validate.Length(max=200))
    role = fields.String(load_default=None, validate=validate.Length(max=120))
    email = fields.Email(load_default=None, error_messages={"invalid": "Enter an email address in the correct format, like name@example.com"})
    phone = fields.String(load_default=None, validate=validate.Regexp(
        r"^[0-9 +()-]{7,20}$", error="Enter a telephone number, like 01632 960 001 or 07700 900 982"))

    @validates_schema(skip_on_field_errors=False)  # say so now, not after the name is fixed
    def _contactable(self, data, **kwargs):
        # A field that failed its own check is absent from `data`: its own message says why.
        if "email" in data and "phone" in data and not data["email"] and not data["phone"]:
            raise ValidationError("Give an email address or phone number so we can contact you",
                                  "email")


class PersonSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    given_name = fields.String(required=True, validate=[
                               validate.Length(max=100, error="First name must be 100 characters or fewer"),
                               not_blank("Enter a first name")],
                               error_messages={"required": "Enter a first name", "null": "Enter a first name"})
    family_name = fields.String(required=True, validate=[
                                validate.Length(max=100, error="Last name must be 100 characters or fewer"),
                                not_blank("Enter a last name")],
                                error_messages={"required": "Enter a last name", "null": "Enter a last name"})
    date_of_birth = fields.Date(load_default=None, metadata={"window": DateWindow.BIRTH}, error_messages={
        "invalid": "Date of birth must be a real date, like 2014-03-27"})
    sex = fields.String(load_default=Sex.UNKNOWN, validate=validate.OneOf([s.value for s in Sex],
                        error="Sex must be one of: female, male, other, unknown"))
    relationship = fields.String(load_default=Relationship.CHILD)
    in_household = fields.Boolean(load_default=True)
    postcode = fields.String(load_default=None)
    address = fields.String(load_default=None, validate=validate.Length(max=500))
    nhs_number = fields.String(load_default=None)
    upn = fields.String(load_default=None)
    school = fields.String(load_default=None, validate=validate.Length(max=200))
    gp_practice = fields.String(load_default=None, validate=validate.Length(max=200))
    phone = fields.String(load_default=None, validate=validate.Length(max=40))
    email = fields.String(load_default=None, validate=validate.Length(max=254))

    @validates("date_of_birth")
    def _dob(self, value, **kwargs):
        if value is None:
            return
        if value > today_london():
            raise ValidationError("Date of birth must be today or in the past")
        if value.year < today_london().year - 120:
            raise ValidationError("Date of birth must be within the last 120 years")

    @validates("nhs_number")
    def _nhs(self, value, **kwargs):
        if value and (problem := nhs_number_problem(value)):
            raise ValidationError(problem)

    @validates("upn")
    def _upn(self, value, **kwargs):
        if value and (problem := upn_problem(value)):
            raise ValidationError(problem)

    @validates("postcode")
    def _postcode(self, value, **kwargs):
        if value and format_postcode(value) is None:
            raise ValidationError("Enter a real postcode, like NE1 4ST")

    @validates("relationship")
    def _relationship(self, value, **kwargs):
        value = RELATIONSHIP_ALIASES.get((value or "").lower(), (value or "").lower())
        if value not in {r.value for r in Relationship}:
            raise ValidationError("Relationship must be one of: parent_carer, child, significant_adult")


class RequestInSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    referrer = fields.Nested(ReferrerSchema, required=True,
                             error_messages={"required": "Say who is asking for help"})
    people = fields.List(fields.Nested(PersonSchema), required=True,
                         error_messages={"required": "Name at least one person in the family"},
                         validate=validate.Length(min=1, max=20, error="Name at least one person in the family (and no more than 20)"))
    concerns = fields.List(fields.String(validate=validate.OneOf(
        list(HEADLINE_PROBLEMS), error=f"Concerns must be among: {', '.join(HEADLINE_PROBLEMS)}")),
        load_default=list)
    details = fields.String(load_default="", validate=validate.Length(max=20000))
    consent_given = fields.Boolean(required=True, error_messages={
        "required": "Say whether the family agreed to this request"})
    safeguarding_concern = fields.Boolean(load_default=False)
    urgency = fields.String(load_default=Urgency.ROUTINE, validate=validate.OneOf(
        [u.value for u in Urgency], error="Urgency must be routine, urgent or immediate"))

    @validates_schema(skip_on_field_errors=False)  # every problem at once
    def _consent_or_safeguarding(self, data, **kwargs):
        # DOMAIN.md: consent is sought before a non-safeguarding request. Without it, only a
        # safeguarding concern (a child at risk of significant harm) justifies the referral.
        if data.get("consent_given") is False and not data.get("safeguarding_concern"):
            raise ValidationError(
                "Without the family's consent, a request can only be made for a safeguarding "
                "concern: tick 'safeguarding concern' or ask the family first", "consent_given")
        # (a field that failed its own validation is absent from `data`: not "empty")
        if "concerns" in data and not data["concerns"] and "details" in data \
                and not (data["details"] or "").strip():
            raise ValidationError("Tick at least one concern or describe what help is needed",
                                  "concerns")


def clean_people(people: list[dict]) -> list[dict]:
    """Normalise the validated people: formatted postcode, compact identifiers, aliases."""
    from caseflow.families.identifiers import clean_nhs_number

    for person in people:
        person["given_name"] = person["given_name"].strip()
        person["family_name"] = person["family_name"].strip()
        person["relationship"] = RELATIONSHIP_ALIASES.get(person["relationship"].lower(),
                                                          person["relationship"].lower())
        if person.get("postcode"):
            person["postcode"] = format_postcode(person["postcode"])
        if person.get("nhs_number"):
            person["nhs_number"] = clean_nhs_number(person["nhs_number"])
        if person.get("upn"):
            person["upn"] = person["upn"].strip().upper()
    return people


# --- responses -----------------------------------------------------------------------------------

class CandidateOutSchema(ResponseSchema):
    """A known person who may be the one named (only for those who decide matches)."""
    person_id = text()
    family_ids = texts("The families this person belongs to.")
    score = number("How alike, 0 to 1.")
    reasons = texts("Why they look alike (or differ), in plain English.")


class MatchOutSchema(ResponseSchema):
    status = text("linked: a known family; needs_review: a front-door officer decides; new: nobody known.",
                  choices=[MatchStatus.LINKED, MatchStatus.NEEDS_REVIEW, MatchStatus.NEW])
    candidates = many(CandidateOutSchema, "Present when a match needs review and the caller decides matches.",
                      optional=True)


class RequestCreatedSchema(ResponseSchema):
    id = text(attribute="request.id")
    reference = text(attribute="request.reference")
    case_id = text(attribute="case.id")
    family_id = text(attribute="family.id")
    stage = text(attribute="case.stage", choices=list(Stage))
    status = text(attribute="request.status", choices=list(RequestStatus))
    is_re_referral = flag(attribute="request.is_re_referral")
    match = one(MatchOutSchema)


class RequestSummarySchema(ResponseSchema):
    """A row of the front-door queue (a QueueRow)."""
    id = text(attribute="request.id")
    reference = text(attribute="request.reference")
    status = text(attribute="request.status", choices=list(RequestStatus))
    match_status = text(attribute="request.match_status", choices=list(MatchStatus))
    source = text(attribute="request.source", choices=list(Source))
    urgency = text(attribute="request.urgency", choices=list(Urgency))
    received_at = moment(attribute="request.received_at")
    family_id = text(attribute="request.family_id")
    family_name = text(attribute="family.display_name")
    case_id = text(attribute="request.case_id")
    is_re_referral = flag(attribute="request.is_re_referral")
    triage_due_at = moment()
    triage_overdue = flag(attribute="overdue")
    working_hours_waiting = number("Working hours since it arrived.", places=1)


class RequestListSchema(ResponseSchema):
    items = many(RequestSummarySchema)
    page, per_page, total, total_capped = page_fields().values()


class ReferrerOutSchema(ResponseSchema):
    name = text(attribute="referrer_name")
    organisation = text(attribute="referrer_organisation", nullable=True)
    role = text(attribute="referrer_role", nullable=True)


class RequestPersonOutSchema(ResponseSchema):
    id = text("This person as named on the request.")
    given_name = text()
    family_name = text()
    date_of_birth = day(nullable=True)
    relationship = text(attribute="relationship_to_family", choices=list(Relationship))
    person_id = text("The person record they were matched or added to.")
    match_status = text(choices=list(MatchStatus))
    candidates = many(CandidateOutSchema, "Only for callers who decide matches.", optional=True)


class RequestDetailSchema(ResponseSchema):
    id = text()
    reference = text()
    status = text(choices=list(RequestStatus))
    match_status = text(choices=list(MatchStatus))
    source = text(choices=list(Source))
    urgency = text(choices=list(Urgency))
    received_at = moment()
    family_id = text()
    case_id = text()
    is_re_referral = flag()
    concerns = texts(choices=list(HEADLINE_PROBLEMS))
    consent_given = flag()
    referrer = itself(ReferrerOutSchema, "Who asked for help.")
    details = text("What the request says; only for callers who may read referral details.",
                   nullable=True, optional=True)
    people = many(RequestPersonOutSchema)


class MatchDecidedSchema(ResponseSchema):
    id = text()
    status = text(choices=list(RequestStatus))
    match_status = text(choices=list(MatchStatus))
    family_id = text()
    case_id = text()
    is_re_referral = flag()


class RequestQuerySchema(PageQuerySchema):
    # "open" (the default) is what waits for the front door: new and needs_review.
    status = fields.String(load_default=None, validate=validate.OneOf(
        [*[s.value for s in RequestStatus], "open"]))
    sort = fields.String(load_default="oldest", validate=validate.OneOf(["oldest", "urgency"]))
    urgency = fields.String(load_default=None, validate=validate.OneOf([u.value for u in Urgency]))


class MatchDecisionSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["confirm", "reject"]))
    person_id = fields.String(load_default=None)
