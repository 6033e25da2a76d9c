"""What consent, lawful-basis and break-glass records accept, and what the consent API returns."""
from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from caseflow.api.schemas import ResponseSchema, day, derived, many, moment, one, text, texts, whole
from caseflow.core.roles import OrgType
from caseflow.core.vocab import Category
from caseflow.consent.vocab import BASES, GIVEN_BY, METHODS, PURPOSES
from caseflow.core.schemas import CATEGORY, DateWindow, Strict, free_text
from caseflow.notify.vocab import CHANNELS, EVENT_TYPES, RECIPIENTS

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
    given_on = fields.Date(required=True, metadata={"window": DateWindow.HAPPENED}, error_messages={"required": "Enter the date consent was given",
                                                          "invalid": "Date must be a real date"})
    expires_on = fields.Date(load_default=None, allow_none=True, metadata={"window": DateWindow.PLANNED}, error_messages={"invalid": "Date must be a real date"})

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
    review_on = fields.Date(required=True, metadata={"window": DateWindow.PLANNED}, error_messages={"required": "Enter a review date",
                                                           "invalid": "Date must be a real date"})


class BreakGlassSchema(Strict):
    reason = free_text("Say why you need emergency access", 2000)
    # Whom the emergency is about; left out, it covers everyone in the household now (the duty
    # manager cannot see the family's members before breaking glass).
    person_ids = fields.List(fields.String(), load_default=list)


# --- responses -----------------------------------------------------------------------------------

class ConsentPersonOutSchema(ResponseSchema):
    person_id = text()
    given_by_relationship = text("How it was given for them: by themselves, or by a parent or carer for a child.",
                                 choices=list(GIVEN_BY))


class SignedCopyOutSchema(ResponseSchema):
    """The signed consent form's metadata (the file itself is downloaded from the consent page)."""
    filename = text()
    content_type = text(choices=["application/pdf", "image/jpeg", "image/png"])
    size_bytes = whole()
    uploaded_at = moment()


class ConsentOutSchema(ResponseSchema):
    id = text()
    person_id = text("The person it was recorded for (everyone it covers is under people).")
    family_id = text()
    purpose = text(choices=list(PURPOSES))
    people = many(ConsentPersonOutSchema, "Everyone it covers, this person included.")
    recipient_organisation_ids = texts(attribute="recipient_org_ids")
    recipient_organisation_types = texts(attribute="recipient_org_types", choices=list(OrgType))
    categories = texts(choices=list(Category))
    given_by = text()
    given_by_person_id = text("The family member who gave it, when they are one.", nullable=True)
    given_by_relationship = text(choices=list(GIVEN_BY))
    method = text(choices=list(METHODS))
    given_on = day()
    expires_on = day(nullable=True)
    withdrawn_at = moment("Access ends on the next request after this.", nullable=True)
    signed_copy = one(SignedCopyOutSchema, "The newest signed copy of the form; null until one is attached.",
                      nullable=True)


def _only_person(basis) -> str | None:
    people = basis.person_ids
    return people[0] if len(people) == 1 else None


class LawfulBasisOutSchema(ResponseSchema):
    id = text()
    family_id = text()
    person_ids = texts("The people it covers.")
    person_id = derived(text("The person it covers when it covers exactly one; otherwise null (see person_ids).",
                             nullable=True), _only_person)
    basis = text(choices=list(BASES))
    justification = text()
    agreement_id = text("The information sharing agreement it relies on; it stops counting the day after that "
                        "ends.", nullable=True)
    recipient_organisation_ids = texts(attribute="recipient_org_ids")
    recipient_organisation_types = texts(attribute="recipient_org_types", choices=list(OrgType))
    categories = texts(choices=list(Category))
    approved_by_id = text()
    review_on = day()
    recorded_at = moment()
    ended_at = moment("When it stopped counting (its agreement ended); null while it counts.", nullable=True)


class FamilyConsentsSchema(ResponseSchema):
    consents = many(ConsentOutSchema)
    lawful_bases = many(LawfulBasisOutSchema)


class BreakGlassOutSchema(ResponseSchema):
    id = text()
    family_id = text()
    person_ids = texts("The people the emergency is about (everyone in the household when none was named).")
    expires_at = moment("Access ends then.")


class ReportedBasisSchema(LawfulBasisOutSchema):
    family_name = text(attribute="family.display_name")


class StoppedBasisSchema(ReportedBasisSchema):
    agreement = text("The agreement's name.", attribute="agreement.name")
    agreement_ended_on = day(attribute="agreement.ends_on")


class StoppedRuleSchema(ResponseSchema):
    id = text(attribute="rule.id")
    event_type = text(attribute="rule.event_type", choices=list(EVENT_TYPES))
    recipient = text(attribute="rule.recipient", choices=list(RECIPIENTS))
    channel = text(attribute="rule.channel", choices=list(CHANNELS))
    agreement = text("The agreement's name.", attribute="agreement.name")
    agreement_ended_on = day(attribute="agreement.ends_on")


class StoppedSharingSchema(ResponseSchema):
    lawful_bases = many(StoppedBasisSchema, "Lawful bases that stopped counting when their agreement ended.")
    routing_rules = many(StoppedRuleSchema, "Routing rules that stopped when their agreement ended.")


class AgreementReviewDueSchema(ResponseSchema):
    id = text()
    name = text()
    review_on = day()
    ends_on = day()


class ReportedBreakGlassSchema(ResponseSchema):
    id = text(attribute="glass.id")
    family_id = text(attribute="family.id")
    family_name = text(attribute="family.display_name")
    user = text("Who broke the glass.", attribute="user.name")
    person_ids = texts("The people the emergency was about.", attribute="glass.person_ids")
    reason = text(attribute="glass.reason")
    granted_at = moment(attribute="glass.granted_at")
    expires_at = moment(attribute="glass.expires_at")


class AccessReportSchema(ResponseSchema):
    lawful_bases = many(ReportedBasisSchema, "Sharing without consent.")
    break_glass = many(ReportedBreakGlassSchema)
    stopped_by_ended_agreement = one(StoppedSharingSchema, "Sharing that stopped because the agreement it relied "
                                                           "on ended.")
    agreements_review_due = many(AgreementReviewDueSchema, "Agreements in force but past their review date.")
