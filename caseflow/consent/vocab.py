"""Words for consent and lawful bases (DOMAIN.md: consent and lawful bases)."""
from __future__ import annotations

from enum import StrEnum


class ConsentPurpose(StrEnum):
    EARLY_HELP_SUPPORT = "early_help_support"
    TAF_INFORMATION_SHARING = "taf_information_sharing"


PURPOSES = {
    ConsentPurpose.EARLY_HELP_SUPPORT: "Early help support for the family",
    ConsentPurpose.TAF_INFORMATION_SHARING: "Sharing information with the Team Around the Family",
}


class ConsentMethod(StrEnum):
    SIGNED_FORM = "signed_form"
    VERBAL = "verbal"
    ONLINE = "online"


METHODS = {ConsentMethod.SIGNED_FORM: "Signed form", ConsentMethod.VERBAL: "Verbally (recorded by the worker)",
           ConsentMethod.ONLINE: "Online"}


class GivenBy(StrEnum):
    """Who gave consent for a person: they themselves, or someone with parental responsibility."""
    SELF = "self"
    PARENT_CARER = "parent_carer"


GIVEN_BY = {GivenBy.SELF: "The person themselves", GivenBy.PARENT_CARER: "A parent or carer, for a child"}


class StatutoryBasis(StrEnum):
    """The statutory ground a lawful basis for sharing without consent rests on."""
    SAFEGUARDING = "safeguarding"
    STATUTORY_DUTY = "statutory_duty"
    CRIME_PREVENTION = "crime_prevention"
    VITAL_INTERESTS = "vital_interests"


BASES = {
    StatutoryBasis.SAFEGUARDING: "Safeguarding: a child at risk of significant harm (Children Act 1989 s47)",
    StatutoryBasis.STATUTORY_DUTY: "Another statutory duty (e.g. Children Act 2004 s10 co-operation)",
    StatutoryBasis.CRIME_PREVENTION: "Preventing or detecting crime (Data Protection Act 2018 Sch 2 para 2)",
    StatutoryBasis.VITAL_INTERESTS: "Someone's life is at risk (vital interests)",
}

# A young person this age or older gives their own consent; younger children's consent comes
# from a parent or carer, unless the worker records why the child is competent (Gillick).
OWN_CONSENT_AGE = 16
