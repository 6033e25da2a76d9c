"""What consent and lawful-basis records accept."""
from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from caseflow.api.schemas import ResponseSchema, day, many, moment, text, texts
from caseflow.core.roles import OrgType
from caseflow.core.vocab import Category
from caseflow.consent.vocab import BASES, GIVEN_BY, METHODS, PURPOSES
from caseflow.core.schemas import Strict, free_text

CATEGORY = validate.OneOf([c.value for c in Category], error="Not a data category")
ORG_TYPE = validate.OneOf([t.value for t in OrgType], error="Not an organisation type")


class _Recipients(Strict):
    recipient_organisation_ids = fields.List(fields.String(), load_default=list)
    recipient_organisation_types = fields.List(fields.String(validate=ORG_TYPE), load_default=list)
    categories = fields.List(fields.String(validate=CATEGORY), required=True, validate=validate.Length(
        min=1, error="Choose at least one kind of information"), error_messages={
        "required": "Choose at least one kind of information"})

    @validates_schema(skip_on_field_errors=False)  # report it with the other problems
    def _someone(self, data, **kwargs):
        if not data.get("recipient_organisation_ids") and not data.get("recipient_organisation_types"):
            raise ValidationError("Choose who may receive the information", "recipients")


class ConsentSchema(_Recipients):
    purpose = fields.String(required=True, validate=validate.OneOf(list(PURPOSES), error="Choose the purpose"),
                            error_messages={"required": "Choose the purpose"})
    given_by = free_text("Enter who gave consent", 200)
    given_by_relationship = fields.String(required=True, validate=validate.OneOf(
        list(GIVEN_BY), error="Choose self or parent_carer"), error_messages={"required": "Say who gave consent"})
    competence_note = free_text(max_length=2000)
    method = fields.String(required=True, validate=validate.OneOf(list(METHODS), error="Choose how it was recorded"),
                           error_messages={"required": "Choose how consent was recorded"})
    given_on = fields.Date(required=True, error_messages={"required": "Enter the date consent was given",
                                                          "invalid": "Date must be a real date"})
    expires_on = fields.Date(load_default=None, allow_none=True, error_messages={"invalid": "Date must be a real date"})


class WithdrawSchema(Strict):
    reason = free_text(max_length=2000)


class LawfulBasisSchema(_Recipients):
    person_id = fields.String(load_default=None, allow_none=True)
    basis = fields.String(required=True, validate=validate.OneOf(list(BASES), error="Choose the lawful basis"),
                          error_messages={"required": "Choose the lawful basis"})
    justification = free_text("Explain why sharing without consent is justified", 5000)
    approved_by_id = fields.String(load_default=None, allow_none=True)
    review_on = fields.Date(required=True, error_messages={"required": "Enter a review date",
                                                           "invalid": "Date must be a real date"})


class BreakGlassSchema(Strict):
    reason = free_text("Say why you need emergency access", 2000)


# --- responses -----------------------------------------------------------------------------------

class ConsentOutSchema(ResponseSchema):
    id = text()
    person_id = text()
    family_id = text()
    purpose = text(choices=list(PURPOSES))
    recipient_organisation_ids = texts(attribute="recipient_org_ids")
    recipient_organisation_types = texts(attribute="recipient_org_types", choices=list(OrgType))
    categories = texts(choices=list(Category))
    given_by = text()
    given_by_relationship = text(choices=list(GIVEN_BY))
    method = text(choices=list(METHODS))
    given_on = day()
    expires_on = day(nullable=True)
    withdrawn_at = moment("Access ends on the next request after this.", nullable=True)


class LawfulBasisOutSchema(ResponseSchema):
    id = text()
    family_id = text()
    person_id = text(nullable=True)
    basis = text(choices=list(BASES))
    justification = text()
    recipient_organisation_ids = texts(attribute="recipient_org_ids")
    recipient_organisation_types = texts(attribute="recipient_org_types", choices=list(OrgType))
    categories = texts(choices=list(Category))
    approved_by_id = text()
    review_on = day()
    recorded_at = moment()


class FamilyConsentsSchema(ResponseSchema):
    consents = many(ConsentOutSchema)
    lawful_bases = many(LawfulBasisOutSchema)


class BreakGlassOutSchema(ResponseSchema):
    id = text()
    family_id = text()
    expires_at = moment("Access ends then.")


class ReportedBasisSchema(LawfulBasisOutSchema):
    family_name = text(attribute="family.display_name")


class ReportedBreakGlassSchema(ResponseSchema):
    id = text(attribute="glass.id")
    family_id = text(attribute="family.id")
    family_name = text(attribute="family.display_name")
    user = text("Who broke the glass.", attribute="user.name")
    reason = text(attribute="glass.reason")
    granted_at = moment(attribute="glass.granted_at")
    expires_at = moment(attribute="glass.expires_at")


class AccessReportSchema(ResponseSchema):
    lawful_bases = many(ReportedBasisSchema, "Sharing without consent.")
    break_glass = many(ReportedBreakGlassSchema)
