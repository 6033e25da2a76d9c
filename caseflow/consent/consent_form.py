"""The common consent form: one form across every partner (as Greater Manchester's AGMA form),
printed in plain English from the consent record itself, so what the family signs is exactly
what the policy enforces: the people it covers, why, who may receive what, and for how long."""
from __future__ import annotations

from caseflow.core import timescales
from caseflow.core.roles import ORG_TYPE_LABELS
from caseflow.core.vocab import Category
from caseflow.core.vocab import CATEGORY_LABELS
from caseflow.consent.vocab import OWN_CONSENT_AGE, PURPOSES
from caseflow.core.pdf import Document

# What each category means, in the words the family reads on the form.
PLAIN_CATEGORIES = {
    Category.IDENTITY: "who you are: names, dates of birth, address and contact details",
    Category.REFERRAL: "what was said when someone asked for help for your family",
    Category.EDUCATION: "school: attendance, behaviour, learning, the school and pupil number",
    Category.HEALTH: "health: physical and mental health, the GP practice and NHS number",
    Category.POLICE: "police: incidents and contact with the police",
    Category.SOCIAL_CARE: "children's social care: their involvement with your family",
    Category.FINANCES: "money and work: benefits, debts, jobs and training",
    Category.CASE_NOTES: "your keyworker's notes: the family assessment, visits and reviews",
    Category.PLAN: "your family plan: what you agreed to work on and who will help",
}

RELATIONSHIP_WORDS = {"self": "for themselves", "parent_carer": "by a parent or carer"}


def consent_form_pdf(consent, family, people: dict, org_names: dict[str, str]) -> bytes:
    doc = Document(f"Consent to share information: {family.display_name}")
    doc.heading("Agreeing to share information to help your family", 17)
    doc.para("This form is the same for every organisation that works with families in this area. "
             "It says whose information may be shared, why, with whom, and what. You do not have to "
             "agree, and saying no will not stop you getting help. You can change your mind at any "
             "time by telling your keyworker: sharing stops straight away.")
    doc.gap()
    doc.heading("Who this form is about", 13)
    for row in consent.people:
        person = people.get(row.person_id)
        if person is None:
            continue
        born = f", born {timescales.format_uk_date(person.date_of_birth)}" if person.date_of_birth else ""
        doc.para(f"- {person.given_name} {person.family_name}{born}: agreed "
                 f"{RELATIONSHIP_WORDS.get(row.given_by_relationship, row.given_by_relationship)}")
    doc.para(f"Young people aged {OWN_CONSENT_AGE} or over agree for themselves. A parent or carer agrees "
             "for a younger child, unless the child understands well enough to decide for themselves.", 10)
    if consent.competence_note:
        doc.para(f"Why the young person can decide for themselves: {consent.competence_note}", 10)
    doc.gap()
    doc.heading("Why we want to share it", 13)
    doc.para(PURPOSES.get(consent.purpose, consent.purpose.replace("_", " ")) + ".")
    doc.gap()
    doc.heading("Who may receive it", 13)
    for org_id in consent.recipient_org_ids:
        doc.para(f"- {org_names.get(org_id, 'An organisation no longer on our list')}")
    for kind in consent.recipient_org_types:
        doc.para(f"- Any {ORG_TYPE_LABELS.get(kind, kind).lower()} organisation working with your family")
    doc.gap()
    doc.heading("What information", 13)
    for category in consent.categories:
        label = CATEGORY_LABELS.get(category, category)
        doc.para(f"- {label}: {PLAIN_CATEGORIES.get(category, label)}")
    doc.para("Nothing else is shared on the strength of this form. Only the people named above are "
             "covered: other members of your household are not.", 10)
    doc.gap()
    doc.heading("How long it lasts", 13)
    until = (f"until {timescales.format_uk_date(consent.expires_on)}" if consent.expires_on
             else "until you withdraw it or your family's support ends")
    doc.para(f"From {timescales.format_uk_date(consent.given_on)} {until}.")
    doc.gap()
    doc.heading("Signatures", 13)
    for_children = any(r.given_by_relationship == "parent_carer" for r in consent.people)
    lines = []
    for row in consent.people:  # everyone agreeing for themselves signs
        if row.given_by_relationship == "self" and row.person_id in people:
            also = (" (for themselves and, as parent or carer, for the children named above)"
                    if for_children and row.person_id == consent.given_by_person_id else "")
            lines.append(people[row.person_id].full_name + also)
    if for_children and consent.given_by_person_id not in {r.person_id for r in consent.people
                                                           if r.given_by_relationship == "self"}:
        lines.append(f"{consent.given_by} (parent or carer, for the children named above)")
    for name in lines:
        doc.gap(4)
        doc.para(f"Name: {name}")
        doc.gap(4)
        doc.para("Signature: ________________________________      Date: ______________")
    doc.gap(6)
    doc.para(f"For the office: consent reference {consent.id}, recorded "
             f"{timescales.format_uk_date(consent.recorded_at)}. Attach the signed copy to this consent "
             "in CaseFlow.", 9)
    return doc.finish()
