"""Subject access requests (UK GDPR Article 15): everything the service holds about one person,
as JSON and as a readable PDF. Team managers run them; each one is audited."""
from __future__ import annotations

from sqlalchemy import select

from caseflow.core import timescales
from caseflow.auth.models import User
from caseflow.cases.models import Case
from caseflow.core import audit
from caseflow.core.audit import AuditEvent
from caseflow.consent.models import Consent, ConsentPerson, LawfulBasis, LawfulBasisPerson
from caseflow.core.access import require
from caseflow.core.extensions import db
from caseflow.families.models import FamilyMember, Person
from caseflow.frontdoor.models import RequestForHelp, RequestPerson
from caseflow.core.pdf import Document
from caseflow.plans.models import Assessment, Contact
from caseflow.core.errors import NotFound


def _iso(value):
    return value.isoformat() if value is not None else None


def export(actor, person_id: str) -> dict:
    person = db.session.get(Person, person_id)
    if person is None:
        raise NotFound("No person with that id.")
    memberships = list(db.session.scalars(select(FamilyMember).where(FamilyMember.person_id == person.id)))
    family_ids = [m.family_id for m in memberships]
    decision = require(actor, "person.subject_access", person, object_type="person", object_id=person.id,
                       family_id=family_ids[0] if family_ids else None, purpose="subject access request")
    seen = decision.categories_for(person.id)  # this person's own data, category by category
    cases = list(db.session.scalars(select(Case).where(Case.family_id.in_(family_ids)).order_by(Case.opened_at)))
    case_ids = [c.id for c in cases]
    named = list(db.session.execute(select(RequestPerson, RequestForHelp).join(
        RequestForHelp, RequestForHelp.id == RequestPerson.request_id).where(RequestPerson.person_id == person.id)))
    assessments = list(db.session.scalars(select(Assessment).where(Assessment.case_id.in_(case_ids))))
    contacts = [c for c in db.session.scalars(select(Contact).where(Contact.case_id.in_(case_ids))
                                              .order_by(Contact.occurred_on)) if person.id in (c.people_seen or [])]
    # The consents and lawful bases that cover this person (not every one recorded on the family).
    consents = list(db.session.scalars(select(Consent).join(ConsentPerson, ConsentPerson.consent_id == Consent.id)
                                       .where(ConsentPerson.person_id == person.id).order_by(Consent.given_on)))
    bases = list(db.session.scalars(select(LawfulBasis).join(LawfulBasisPerson, LawfulBasisPerson.lawful_basis_id == LawfulBasis.id)
                                    .where(LawfulBasisPerson.person_id == person.id).order_by(LawfulBasis.recorded_at)))
    audit.chain_pending()  # this reading is on the trail it shows
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.family_id.in_(family_ids))
                                     .order_by(AuditEvent.seq)))
    names = dict(db.session.execute(select(User.id, User.name)).all()) if events else {}
    data = {
        "person": {"id": person.id, "given_name": person.given_name, "family_name": person.family_name,
                   "date_of_birth": _iso(person.date_of_birth), "sex": person.sex, "address": person.address,
                   "postcode": person.postcode, "phone": person.phone, "email": person.email,
                   **({"nhs_number": person.nhs_number, "gp_practice": person.gp_practice_name} if "health" in seen else {}),
                   **({"upn": person.upn, "school": person.school_name} if "education" in seen else {})},
        "families": [{"family_id": m.family_id, "relationship": m.relationship_to_family,
                      "in_household": m.in_household} for m in memberships],
        "requests_for_help": [{"reference": r.reference, "received_at": _iso(r.received_at),
                               "referrer": r.referrer_organisation or r.referrer_name, "concerns": r.concerns,
                               "details": r.details if "referral" in seen else None,
                               "as_submitted": rp.submitted} for rp, r in named],
        "cases": [{"reference": c.reference, "stage": c.stage, "opened_at": _iso(c.opened_at),
                   "closed_at": _iso(c.closed_at), "closure_reason": c.closure_reason,
                   "closure_summary": c.closure_summary} for c in cases],
        "assessments": [{"case_id": a.case_id, "status": a.status, "completed_at": _iso(a.completed_at),
                         "family_views": a.family_views,
                         "about_you": next((m for m in a.members or [] if m.get("person_id") == person.id), None)}
                        for a in assessments] if "case_notes" in seen else [],
        "contacts": [{"date": _iso(c.occurred_on), "type": c.contact_type, "notes": c.notes,
                      "next_steps": c.next_steps} for c in contacts] if "case_notes" in seen else [],
        "consents": [{"purpose": c.purpose, "categories": c.categories, "given_on": _iso(c.given_on),
                      "given_by": c.given_by, "given_for_you": next(
                          (p.given_by_relationship for p in c.people if p.person_id == person.id), None),
                      "recipient_organisation_ids": c.recipient_org_ids,
                      "recipient_organisation_types": c.recipient_org_types,
                      "expires_on": _iso(c.expires_on), "withdrawn_at": _iso(c.withdrawn_at)} for c in consents],
        "sharing_without_consent": [{"basis": b.basis, "justification": b.justification,
                                     "recorded_at": _iso(b.recorded_at), "categories": b.categories,
                                     "recipient_organisation_ids": b.recipient_org_ids,
                                     "recipient_organisation_types": b.recipient_org_types} for b in bases],
        "who_has_seen_your_records": [{"at": _iso(e.at), "who": names.get(e.actor_id, e.actor_label),
                                       "action": e.action, "basis": e.basis} for e in events],
    }
    # On each family's access log: the export reads every family the person belongs to.
    audit.record_reads(actor, "person.subject_access_export", "person", family_ids, object_id=person.id,
                       categories=["identity", "case_notes"], purpose="subject access request")
    return data


def export_pdf(data: dict) -> bytes:
    p = data["person"]
    doc = Document(f"Information we hold about {p['given_name']} {p['family_name']}")
    doc.heading(f"Information we hold about {p['given_name']} {p['family_name']}", 16)
    doc.para("Your right of access under the UK General Data Protection Regulation (Article 15).", 10)
    sections = [("Your details", [f"{k.replace('_', ' ').capitalize()}: {v}" for k, v in p.items() if v and k != "id"]),
                ("Requests for help that named you", [f"{r['reference']} ({r['received_at'][:10]}) from {r['referrer']}: {r['details'] or ''}"
                                                      for r in data["requests_for_help"]]),
                ("Periods of support", [f"{c['reference']}: {c['stage']}, opened {c['opened_at'][:10]}"
                                        + (f", closed {c['closed_at'][:10]}" if c["closed_at"] else "")
                                        for c in data["cases"]]),
                ("What you told us in assessments", [f"{(a['about_you'] or {}).get('voice') or ''} {a['family_views'] or ''}".strip()
                                                     for a in data["assessments"]]),
                ("Visits and contacts", [f"{c['date']} {c['type'].replace('_', ' ')}: {c['notes']}" for c in data["contacts"]]),
                ("Consent", [f"{c['given_on']}: {c['purpose'].replace('_', ' ')} ({', '.join(c['categories'])})"
                             + (f", withdrawn {c['withdrawn_at'][:10]}" if c["withdrawn_at"] else "") for c in data["consents"]]),
                ("Sharing without consent", [f"{b['recorded_at'][:10]}: {b['basis']}: {b['justification']}"
                                             for b in data["sharing_without_consent"]]),
                ("Who has seen your records", [f"{e['at'][:16].replace('T', ' ')} {e['who']}: {e['action']}"
                                               for e in data["who_has_seen_your_records"]])]
    for title, lines in sections:
        doc.gap()
        doc.heading(title, 13)
        for line in lines or ["Nothing held."]:
            doc.para(line, 10)
    doc.gap()
    doc.para(f"Produced {timescales.format_uk_date(timescales.today_london())}.", 10)
    return doc.finish()
