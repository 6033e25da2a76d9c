"""What the family API returns: search results, the single family view, the access log."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from marshmallow import fields, missing, validate

from caseflow.api.schemas import ResponseSchema, day, derived, flag, many, moment, page_fields, text, texts, whole
from caseflow.consent.policy import Category
from caseflow.families.models import FamilyMember, Relationship, Sex
from caseflow.flow import Stage
from caseflow.frontdoor.models import Source
from caseflow.frontdoor.schemas import HEADLINE_PROBLEMS
from caseflow.notify.vocab import EVENT_STATUSES, EVENT_TYPES

RAG = ["red", "amber", "green"]


@dataclass
class MemberShown:
    """A family member as one caller may see them: fields of categories they lack are null."""
    member: FamilyMember
    categories: frozenset

    def value(self, name: str, read):
        from caseflow.families.services import FIELD_CATEGORIES

        category = FIELD_CATEGORIES.get(name)
        return None if category is not None and category not in self.categories else read(self.member.person)

    @property
    def redacted(self):
        from caseflow.families.services import FIELD_CATEGORIES

        return [name for name, category in FIELD_CATEGORIES.items() if category not in self.categories] or missing


def _person(name: str, read, field: fields.Field) -> fields.Field:
    return derived(field, lambda shown: shown.value(name, read))


class PersonOutSchema(ResponseSchema):
    id = text(attribute="member.person.id")
    given_name = text(attribute="member.person.given_name")
    family_name = text(attribute="member.person.family_name")
    date_of_birth = day(attribute="member.person.date_of_birth", nullable=True)
    age = derived(whole("Age in years today.", nullable=True),
                  lambda shown: shown.member.person.age_on(date.today()))
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
    redacted = texts("The fields above withheld from you (set to null); absent when none is.",
                     choices=["upn", "school", "nhs_number", "gp_practice"], optional=True)


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
    members = derived(many(PersonOutSchema, "Absent when redacted.", optional=True),
                      lambda view: [MemberShown(m, view.decision.categories) for m in view.members])
    cases = many(FamilyCaseSchema, "Newest first; absent when redacted.", optional=True)
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
    page, per_page, total = page_fields().values()


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


class AccessLogSchema(ResponseSchema):
    items = many(AccessLogEntrySchema, "Newest first.")
    page, per_page, total = page_fields().values()
