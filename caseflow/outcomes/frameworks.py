"""The two frameworks CaseFlow ships, as Outcomes Plan definitions an area starts from.

A definition is plain data (stored as JSON on each plan version, edited by an administrator):

    {"problems": [{"code", "label", "indicators": [...], "assessment_problems": [...],
                   "outcome": {"description", "measure", ...measure's thresholds}}],
     "continuous_employment": {"weeks", "window_weeks", "short_weeks", "short_window_weeks",
                               "short_benefits": [...]}}

`assessment_problems` says which of the assessment's confirmed headline problems give a family
the problem (the six codes of caseflow.core.vocab.HeadlineProblem); an area adds local codes by
editing. The thresholds each measure reads are documented in caseflow.outcomes.rules.
"""
from __future__ import annotations

import copy

from caseflow.outcomes.vocab import Framework

SIX_MONTHS = 6

# Continuous employment (DOMAIN.md): 26 of 30 weeks; 13 of 15 weeks for claimants of the benefits
# the area lists (in the Troubled Families framework, those not required to look for work).
CONTINUOUS_EMPLOYMENT = {"weeks": 26, "window_weeks": 30, "short_weeks": 13, "short_window_weeks": 15,
                         "short_benefits": ["esa", "income_support", "incapacity_benefit"]}


def _keyworker(description: str, months: int = SIX_MONTHS) -> dict:
    return {"description": description, "measure": "keyworker_confirmed", "months": months}


ATTENDANCE = {"description": "Every child attends school at least 90% of the time, with no exclusions, "
                             "for three consecutive terms", "measure": "attendance", "threshold_pct": 90, "terms": 3}
CRIME = {"description": "Offending down by at least 33% and anti-social behaviour by at least 60%, "
                        "compared with the six months before the plan, held for six months",
         "measure": "incident_reduction", "reductions": {"offence": 33, "asb": 60}, "months": SIX_MONTHS}
DOMESTIC_ABUSE = {"description": "No domestic abuse incidents reported for six months",
                  "measure": "incident_reduction", "reductions": {"domestic_abuse_incident": 100},
                  "months": SIX_MONTHS}
EMPLOYMENT = {"description": "An adult moves off out-of-work benefits into continuous employment",
              "measure": "continuous_employment"}

SIX_HEADLINE_PROBLEMS = {
    "problems": [
        {"code": "crime_asb", "label": "Crime or anti-social behaviour", "assessment_problems": ["crime_asb"],
         "indicators": ["A child or adult with a proven offence in the last 12 months",
                        "An anti-social behaviour incident, order or intervention in the last 12 months"],
         "outcome": CRIME},
        {"code": "education", "label": "Children not attending school regularly", "assessment_problems": ["education"],
         "indicators": ["Persistent absence (attendance below 90%) over the last three terms",
                        "A fixed-term or permanent exclusion, or in alternative provision"],
         "outcome": ATTENDANCE},
        {"code": "children_need_help", "label": "Children who need help", "assessment_problems": ["children_need_help"],
         "indicators": ["A child in need, or stepping down from a child protection plan",
                        "An early years child with a development need; a child at risk of exploitation"],
         "outcome": _keyworker("The TAF review records the child's needs met without statutory help, held for six months")},
        {"code": "worklessness", "label": "Adults out of work or at risk of financial exclusion",
         "assessment_problems": ["worklessness"],
         "indicators": ["An adult claiming out-of-work benefits", "A young person not in education, employment or training"],
         "outcome": EMPLOYMENT},
        {"code": "domestic_abuse", "label": "Domestic violence and abuse", "assessment_problems": ["domestic_abuse"],
         "indicators": ["A domestic abuse incident reported by the police in the last 12 months",
                        "A DASH risk assessment, or a MARAC referral"],
         "outcome": DOMESTIC_ABUSE},
        {"code": "health", "label": "Health problems", "assessment_problems": ["health"],
         "indicators": ["A parent or child with a mental health problem", "Drug or alcohol misuse",
                        "A physical health problem affecting the family's daily life"],
         "outcome": _keyworker("The health professional and keyworker record the problem managed, held for six months")},
    ],
    "continuous_employment": CONTINUOUS_EMPLOYMENT,
}

SUPPORTING_FAMILIES_2022 = {
    "problems": [
        {"code": "good_education", "label": "Getting a good education", "assessment_problems": ["education"],
         "indicators": ["Persistent absence, exclusion, or in alternative provision", "Not in education, employment or training"],
         "outcome": ATTENDANCE},
        {"code": "early_years", "label": "Good early years development", "assessment_problems": [],
         "indicators": ["A child under five with a development need or not taking up early education"],
         "outcome": _keyworker("The health visitor's review records development on track, held for six months")},
        {"code": "health", "label": "Improved mental and physical health", "assessment_problems": ["health"],
         "indicators": ["A mental or physical health need affecting the family"],
         "outcome": _keyworker("The need is being managed with the right support, held for six months")},
        {"code": "substance_use", "label": "Promoting recovery and reducing harm from substance use",
         "assessment_problems": [], "indicators": ["Drug or alcohol use affecting the family"],
         "outcome": _keyworker("In treatment or recovery, recorded by the treatment service, held for six months")},
        {"code": "family_relationships", "label": "Improved family relationships", "assessment_problems": [],
         "indicators": ["Parental conflict, or a child at risk of family breakdown"],
         "outcome": _keyworker("The family reports and the TAF records improved relationships, held for six months")},
        {"code": "safe_from_abuse", "label": "Children safe from abuse and exploitation",
         "assessment_problems": ["children_need_help"],
         "indicators": ["A child in need or at risk of exploitation; stepping down from a child protection plan"],
         "outcome": _keyworker("The child is safe without statutory intervention, held for six months")},
        {"code": "crime", "label": "Crime prevention and tackling crime", "assessment_problems": ["crime_asb"],
         "indicators": ["A proven offence or anti-social behaviour in the last 12 months"], "outcome": CRIME},
        {"code": "domestic_abuse", "label": "Safe from domestic abuse", "assessment_problems": ["domestic_abuse"],
         "indicators": ["A domestic abuse incident in the last 12 months"], "outcome": DOMESTIC_ABUSE},
        {"code": "secure_housing", "label": "Secure housing", "assessment_problems": [],
         "indicators": ["Homeless, at risk of eviction, or in unsuitable housing"],
         "outcome": _keyworker("Settled, suitable housing recorded by the housing service, held for six months")},
        {"code": "financial_stability", "label": "Financial stability", "assessment_problems": ["worklessness"],
         "indicators": ["An adult out of work or with unmanageable debt"], "outcome": EMPLOYMENT},
    ],
    "continuous_employment": CONTINUOUS_EMPLOYMENT,
}

SHIPPED = {Framework.SIX_HEADLINE_PROBLEMS: SIX_HEADLINE_PROBLEMS,
           Framework.SUPPORTING_FAMILIES_2022: SUPPORTING_FAMILIES_2022}


def shipped(framework: str) -> dict:
    """A fresh copy of a shipped definition (the area edits its copy, never the original)."""
    return copy.deepcopy(SHIPPED[Framework(framework)])
