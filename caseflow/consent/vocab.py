"""Words for consent and lawful bases (DOMAIN.md: consent and lawful bases)."""
from __future__ import annotations


PURPOSES = {
    "early_help_support": "Early help support for the family",
    "taf_information_sharing": "Sharing information with the Team Around the Family",
}


METHODS = {"signed_form": "Signed form", "verbal": "Verbally (recorded by the worker)", "online": "Online"}

GIVEN_BY = {"self": "The person themselves", "parent_carer": "A parent or carer, for a child"}

BASES = {
    "safeguarding": "Safeguarding: a child at risk of significant harm (Children Act 1989 s47)",
    "statutory_duty": "Another statutory duty (e.g. Children Act 2004 s10 co-operation)",
    "crime_prevention": "Preventing or detecting crime (Data Protection Act 2018 Sch 2 para 2)",
    "vital_interests": "Someone's life is at risk (vital interests)",
}

# A young person this age or older gives their own consent; younger children's consent comes
# from a parent or carer, unless the worker records why the child is competent (Gillick).
OWN_CONSENT_AGE = 16
