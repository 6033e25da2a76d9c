"""What consent and lawful-basis records accept."""
from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from caseflow.core.roles import OrgType
from caseflow.consent.vocab import BASES, GIVEN_BY, METHODS, PURPOSES
from caseflow.core.schemas import CATEGORY, Strict, free_text

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
    """A consent, recorded for the person in the URL. `also_covers` names the children the giver
    has parental responsibility for, when one form covers them too; `given_by_person_id` is the
    family member who gave it, when they are one (their name then fills `given_by`)."""

    purpose = fields.String(required=True, validate=validate.OneOf(list(PURPOSES), error="Choose the purpose"),
                            error_messages={"required": "Choose the purpose"})
    given_by = free_text(max_length=200)
    given_by_person_id = fields.String(load_default=None, allow_none=True)
    also_covers = fields.List(fields.String(), load_default=list)
    given_by_relationship = fields.String(required=True, validate=validate.OneOf(
        list(GIVEN_BY), error="Choose self or parent_carer"), error_messages={"required": "Say who gave consent"})
    competence_note = free_text(max_length=2000)
    method = fields.String(required=True, validate=validate.OneOf(list(METHODS), error="Choose how it was recorded"),
                           error_messages={"required": "Choose how consent was recorded"})
    given_on = fields.Date(required=True, error_messages={"required": "Enter the date consent was given",
                                                          "invalid": "Date must be a real date"})
    expires_on = fields.Date(load_default=None, allow_none=True, error_messages={"invalid": "Date must be a real date"})

    @validates_schema(skip_on_field_errors=False)
    def _giver(self, data, **kwargs):
        if not (data.get("given_by") or "").strip() and not data.get("given_by_person_id"):
            raise ValidationError("Enter who gave consent", "given_by")


class WithdrawSchema(Strict):
    reason = free_text(max_length=2000)


class LawfulBasisSchema(_Recipients):
    """Sharing without consent about the people named (`person_ids`; `person_id` for one)."""

    person_id = fields.String(load_default=None, allow_none=True)
    person_ids = fields.List(fields.String(), load_default=list)
    agreement_id = fields.String(load_default=None, allow_none=True)
    basis = fields.String(required=True, validate=validate.OneOf(list(BASES), error="Choose the lawful basis"),
                          error_messages={"required": "Choose the lawful basis"})
    justification = free_text("Explain why sharing without consent is justified", 5000)
    approved_by_id = fields.String(load_default=None, allow_none=True)
    review_on = fields.Date(required=True, error_messages={"required": "Enter a review date",
                                                           "invalid": "Date must be a real date"})


class BreakGlassSchema(Strict):
    reason = free_text("Say why you need emergency access", 2000)
    # Whom the emergency is about; left out, it covers everyone in the household now (the duty
    # manager cannot see the family's members before breaking glass).
    person_ids = fields.List(fields.String(), load_default=list)
