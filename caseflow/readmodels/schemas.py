"""What the read models' API routes return: the case with the caller's actions, family search,
the single family view, the access log and the subject access export.

They sit with the read models because they describe data joined across capabilities (a family's
cases, requests and partner notifications; everything held about a person), which no single
domain package below may import."""
from __future__ import annotations

from marshmallow import fields, missing, validate

from caseflow.api.schemas import (ResponseSchema, cursor_field, day, derived, flag, iso_text, many, many_of, moment, one,
                                  page_fields, text, texts, whole)
from caseflow.consent.vocab import BASES, GIVEN_BY, PURPOSES
from caseflow.core.roles import OrgType
from caseflow.core.access import STAGE_WITHHELD
from caseflow.core.stages import Stage
from caseflow.core.timescales import today_london
from caseflow.core.vocab import HEADLINE_PROBLEMS, Category, Rag
from caseflow.families.models import Relationship, Sex
from caseflow.frontdoor.models import Source, Urgency
from caseflow.notify.vocab import EVENT_STATUSES, EVENT_TYPES
from caseflow.plans.vocab import CONTACT_TYPES, AssessmentStatus


# --- the case (GET /cases/{case_id}) -------------------------------------------------------------

class CaseActionSchema(ResponseSchema):
    action = text("Name it when making the move, e.g. POST /cases/{case_id}/step-up for step_up.")
    label = text()
    requires = texts("What the move needs, e.g. reason.")


class CaseSchema(ResponseSchema):
    """A case as the caller may see it (a cases.services.CaseView): its stage is social care data when
    it says the family is with children's social care, so a reader without that category sees "open"."""
    id = text(attribute="case.id")
    reference = text(attribute="case.reference")
    family_id = text(attribute="case.family_id")
    stage = text("\"open\" when the stage is social care data withheld from you.",
                 choices=[*Stage, STAGE_WITHHELD])
    stage_label = text("The stage in words.")
    urgency = text(attribute="case.urgency", choices=list(Urgency))
    opened_at = moment(attribute="case.opened_at")
    closed_at = moment(attribute="case.closed_at", nullable=True)
    is_re_referral = flag("The family had a case closed within the look-back period.", attribute="case.is_re_referral")
    previous_case_id = text(attribute="case.previous_case_id", nullable=True)
    keyworker_id = text(attribute="case.keyworker_id", nullable=True)
    team_id = text(attribute="case.team_id", nullable=True)
    actions = many(CaseActionSchema, "What you may do to the case now.")


# --- families: search, the single family view, the access log ------------------------------------

RAG = list(Rag)


def _person(name: str, read, field: fields.Field) -> fields.Field:
    return derived(field, lambda shown: shown.value(name, read))


class PersonOutSchema(ResponseSchema):
    id = text(attribute="member.person.id")
    given_name = text(attribute="member.person.given_name")
    family_name = text(attribute="member.person.family_name")
    date_of_birth = day(attribute="member.person.date_of_birth", nullable=True)
    age = derived(whole("Age in years today.", nullable=True),
                  lambda shown: shown.member.person.age_on(today_london()))
    sex = text(attribute="member.person.sex", choices=list(Sex))
    relationship = text(attribute="member.relationship_to_family", choices=list(Relationship))
    in_household = flag(attribute="member.in_household")
    postcode = text(attribute="member.person.postcode", nullable=True)
    address = text(attribute="member.person.address", nullable=True)
    nhs_number = _person("nhs_number", lambda p: p.nhs_number, text("Null when redacted (health).", nullable=True))
    upn = _person("upn", lambda p: p.upn, text("Unique pupil number; null when redacted (education).", nullable=True))
    school = _person("school", lambda p: p.school_name, text("Null when redacted (education).", nullable=True))
    gp_practice = _person("gp_practice", lambda p: p.gp_practice_name,
                          text("Null when redacted (health).", nullable=True))
    redacted = derived(texts("The fields above withheld from you (set to null); absent when none is.",
                             choices=["upn", "school", "nhs_number", "gp_practice"], optional=True),
                       lambda shown: shown.redacted or missing)


class TransitionOutSchema(ResponseSchema):
    from_stage = text(data_key="from", choices=list(Stage), nullable=True)
    to_stage = text(data_key="to", choices=list(Stage))
    action = text()
    at = moment()
    actor_id = text(nullable=True)


class FamilyCaseSchema(ResponseSchema):
    id = text()
    reference = text()
    stage = text(choices=list(Stage))
    opened_at = moment()
    closed_at = moment(nullable=True)
    closure_reason = text(nullable=True)
    is_re_referral = flag()
    keyworker_id = text(nullable=True)
    team_id = text(nullable=True)
    level_of_need = whole("1 to 4, once triaged.", nullable=True)
    rag = text(choices=RAG, nullable=True)
    signposted_to = text(nullable=True)
    transitions = many(TransitionOutSchema, "How the case moved between stages, oldest first.")


# What a case shown without its working withholds (FamilyCaseSummarySchema.redacted).
CASE_WORKING = ["stage", "level_of_need", "rag", "closure_reason", "signposted_to", "transitions"]


class FamilyCaseSummarySchema(ResponseSchema):
    """A case as a reader without the case notes category sees it (a partner whose consent or
    lawful basis does not cover case notes): the household-level facts only."""
    id = text()
    reference = text()
    is_open = flag("The case is open.", data_key="open")
    opened_at = moment()
    closed_at = moment(nullable=True)
    keyworker_id = text(nullable=True)
    redacted = derived(texts("The case's working, withheld from you.", choices=CASE_WORKING),
                       lambda case: list(CASE_WORKING))


def _case_body(case, view):
    return FamilyCaseSchema if view.shows_case_working else FamilyCaseSummarySchema


class FamilyRequestSchema(ResponseSchema):
    id = text()
    reference = text()
    received_at = moment()
    source = text(choices=list(Source))
    referrer = text(attribute="referrer_name")
    organisation = text(attribute="referrer_organisation", nullable=True)
    concerns = texts(choices=list(HEADLINE_PROBLEMS))
    details = text(nullable=True)
    case_id = text()


class FlagHistorySchema(ResponseSchema):
    event_id = text(attribute="id")
    reference = text()
    type = text(choices=list(EVENT_TYPES))
    status = text(choices=list(EVENT_STATUSES))
    occurred_at = moment()
    received_at = moment()
    decision_reason = text(nullable=True)
    new_case_id = text(nullable=True)


SECTIONS = ["members", "cases", "requests", "plans_and_contacts", "flags"]


class FamilyViewSchema(ResponseSchema):
    """The single family view (a FamilyView), cut to what the caller's consent or basis allows."""
    id = text(attribute="family.id")
    reference = text(attribute="family.reference")
    name = text(attribute="family.display_name")
    categories = derived(texts("The data categories you may see.", choices=list(Category)),
                         lambda view: sorted(view.decision.categories))
    basis = text("Why you may see it (consent, a lawful basis, the service's own work...).",
                 attribute="decision.basis", nullable=True)
    redacted = fields.Dict(keys=fields.String(validate=validate.OneOf(SECTIONS)), values=fields.String(),
                           attribute="hidden", required=True,
                           metadata={"description": "Sections withheld from you, each with why."})
    members = many(PersonOutSchema, "The people you may name, each person's fields cut to what your consent or "
                                    "basis covers for them; absent when redacted.",
                   optional=True, attribute="shown_members")
    other_members_withheld = flag("Someone else in the household is not covered by your consent or basis, so "
                                  "is not named (never who, or how many); absent when members are redacted.",
                                  optional=True, attribute="others_withheld")
    cases = many_of([FamilyCaseSchema, FamilyCaseSummarySchema], _case_body,
                    "Newest first; without the case notes category each case is the summary (its working "
                    "withheld); absent when redacted.", optional=True)
    requests = many(FamilyRequestSchema, "Requests for help, newest first; absent when redacted.", optional=True)
    plans = derived(fields.List(fields.Dict(), required=True, metadata={
        "description": "Always empty: plans are at /cases/{case_id}/plan.", "maxItems": 0}), lambda view: [])
    contacts = derived(fields.List(fields.Dict(), required=True, metadata={
        "description": "Always empty: contacts are at /cases/{case_id}/contacts.", "maxItems": 0}), lambda view: [])
    flagged = flag("The family has an open case (the flag partners' systems see).")
    flags = derived(many(FlagHistorySchema, "Partners' notifications about the family, newest first; "
                                            "empty when redacted."),
                    lambda view: view.partner_events if view.shows("flags") else [])


class SearchMemberSchema(ResponseSchema):
    id = text(attribute="person.id")
    given_name = text(attribute="person.given_name")
    family_name = text(attribute="person.family_name")
    date_of_birth = day(attribute="person.date_of_birth", nullable=True)


class FamilyFoundSchema(ResponseSchema):
    id = text(attribute="family.id")
    reference = text(attribute="family.reference")
    name = text(attribute="family.display_name")
    open_case_id = derived(text(nullable=True), lambda found: found.open_case.id if found.open_case else None)
    members = many(SearchMemberSchema)


class FamilySearchSchema(ResponseSchema):
    items = many(FamilyFoundSchema)
    page, per_page, total, total_capped = page_fields().values()


class AccessLogEntrySchema(ResponseSchema):
    at = moment()
    actor = text("Who, as recorded then.", attribute="actor_label")
    actor_id = text(nullable=True)
    organisation_id = text(attribute="actor_org_id", nullable=True)
    action = text()
    object_type = text()
    object_id = text(nullable=True)
    categories = texts()
    purpose = text(nullable=True)
    basis = text(nullable=True)
    family_id = text("The family record the event was recorded against: a record merged into this one keeps "
                     "its own id here (audit rows are never rewritten).", nullable=True)


class AccessLogSchema(ResponseSchema):
    items = many(AccessLogEntrySchema, "Newest first.")
    page, per_page, total, total_capped = page_fields().values()
    next_cursor = cursor_field()


# --- subject access (GET /people/{person_id}/subject-access) ----------------------------------------

# The subject access export (readmodels/subject_access.py) is shared with its PDF, so its dates
# arrive here as ISO text.

class SarPersonSchema(ResponseSchema):
    id = text()
    given_name = text()
    family_name = text()
    date_of_birth = iso_text("date", nullable=True)
    sex = text(choices=list(Sex))
    address = text(nullable=True)
    postcode = text(nullable=True)
    nhs_number = text("Absent when the requester may not see this person's health data.", nullable=True,
                      optional=True)
    upn = text("Absent when the requester may not see this person's education data.", nullable=True, optional=True)
    phone = text(nullable=True)
    email = text(nullable=True)
    school = text("Absent when the requester may not see this person's education data.", nullable=True,
                  optional=True)
    gp_practice = text("Absent when the requester may not see this person's health data.", nullable=True,
                       optional=True)


class SarFamilySchema(ResponseSchema):
    family_id = text()
    relationship = text(choices=list(Relationship))
    in_household = flag()


class SarRequestSchema(ResponseSchema):
    reference = text()
    received_at = iso_text("date-time")
    referrer = text("The referrer's organisation, or their name.")
    concerns = texts(choices=list(HEADLINE_PROBLEMS))
    details = text("Null when the requester may not see what requests said about this person.", nullable=True)
    as_submitted = fields.Dict(required=True, metadata={
        "description": "This person exactly as the request named them (free-form: as sent)."})


class SarCaseSchema(ResponseSchema):
    reference = text()
    stage = text(choices=list(Stage))
    opened_at = iso_text("date-time")
    closed_at = iso_text("date-time", nullable=True)
    closure_reason = text(nullable=True)
    closure_summary = text(nullable=True)


class SarAssessmentMemberSchema(ResponseSchema):
    person_id = text()
    name = text()
    relationship = text(choices=list(Relationship))
    date_of_birth = iso_text("date", nullable=True)
    worked_with = flag()
    voice = text(nullable=True)


class SarAssessmentSchema(ResponseSchema):
    case_id = text()
    status = text(choices=list(AssessmentStatus))
    completed_at = iso_text("date-time", nullable=True)
    family_views = text(nullable=True)
    about_you = one(SarAssessmentMemberSchema, "What the assessment says about this person.", nullable=True)


class SarContactSchema(ResponseSchema):
    date = iso_text("date")
    type = text(choices=list(CONTACT_TYPES))
    notes = text()
    next_steps = text(nullable=True)


class SarConsentSchema(ResponseSchema):
    purpose = text(choices=list(PURPOSES))
    categories = texts(choices=list(Category))
    given_on = iso_text("date")
    given_by = text()
    given_for_you = text("How it was given for this person: by themselves, or by a parent or carer.",
                         choices=list(GIVEN_BY), nullable=True)
    recipient_organisation_ids = texts()
    recipient_organisation_types = texts(choices=list(OrgType))
    expires_on = iso_text("date", nullable=True)
    withdrawn_at = iso_text("date-time", nullable=True)


class SarSharingSchema(ResponseSchema):
    basis = text(choices=list(BASES))
    justification = text()
    recorded_at = iso_text("date-time")
    categories = texts(choices=list(Category))
    recipient_organisation_ids = texts()
    recipient_organisation_types = texts(choices=list(OrgType))


class SarAccessSchema(ResponseSchema):
    at = iso_text("date-time")
    who = text()
    action = text()
    basis = text(nullable=True)


class SubjectAccessSchema(ResponseSchema):
    """Everything held about one person (UK GDPR Article 15)."""
    person = one(SarPersonSchema)
    families = many(SarFamilySchema)
    requests_for_help = many(SarRequestSchema)
    cases = many(SarCaseSchema)
    assessments = many(SarAssessmentSchema, "Empty when the requester may not see this person's case notes.")
    contacts = many(SarContactSchema, "Contacts at which they were seen; empty when the requester may not see "
                                      "this person's case notes.")
    consents = many(SarConsentSchema, "The consents that cover this person.")
    sharing_without_consent = many(SarSharingSchema, "The lawful bases that cover this person.")
    who_has_seen_your_records = many(SarAccessSchema)
