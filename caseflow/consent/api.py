"""Consent, lawful bases and break-glass as JSON (API.md: people/{id}/consents, consents/{id}/withdraw)."""
from __future__ import annotations

from caseflow.api.kit import api_blueprint, endpoint, json_object
from caseflow.consent import records, schemas

bp = api_blueprint("consent_api", __name__)


def consent_body(c) -> dict:
    """A consent: `person_id` is the person it was recorded for; `people` everyone it covers,
    each with how it was given for them (self, or a parent or carer for a child)."""
    copy = c.signed_copy
    return {"id": c.id, "person_id": c.person_id, "family_id": c.family_id, "purpose": c.purpose,
            "people": [{"person_id": p.person_id, "given_by_relationship": p.given_by_relationship} for p in c.people],
            "recipient_organisation_ids": c.recipient_org_ids, "recipient_organisation_types": c.recipient_org_types,
            "categories": c.categories, "given_by": c.given_by, "given_by_person_id": c.given_by_person_id,
            "given_by_relationship": c.given_by_relationship, "method": c.method, "given_on": c.given_on.isoformat(),
            "expires_on": c.expires_on.isoformat() if c.expires_on else None,
            "withdrawn_at": c.withdrawn_at.isoformat() if c.withdrawn_at else None,
            "signed_copy": {"filename": copy.filename, "content_type": copy.content_type, "size_bytes": copy.size_bytes,
                            "uploaded_at": copy.uploaded_at.isoformat()} if copy else None}


def basis_body(b) -> dict:
    people = b.person_ids
    return {"id": b.id, "family_id": b.family_id, "person_ids": people,
            "person_id": people[0] if len(people) == 1 else None, "basis": b.basis,
            "justification": b.justification, "agreement_id": b.agreement_id,
            "recipient_organisation_ids": b.recipient_org_ids,
            "recipient_organisation_types": b.recipient_org_types, "categories": b.categories,
            "approved_by_id": b.approved_by_id, "review_on": b.review_on.isoformat(),
            "recorded_at": b.recorded_at.isoformat(), "ended_at": b.ended_at.isoformat() if b.ended_at else None}


@endpoint(bp, "/people/<person_id>/consents", "POST", status=201, documented_body=schemas.ConsentSchema,
          summary="Record a person's consent to share, for a purpose, with named recipients and categories")
def record_consent(user, data, person_id):
    return consent_body(records.record_consent(user, person_id, json_object())), 201


@endpoint(bp, "/consents/<consent_id>/withdraw", "POST", documented_body=schemas.WithdrawSchema,
          summary="Withdraw a consent: access ends on the next request")
def withdraw_consent(user, data, consent_id):
    return consent_body(records.withdraw(user, consent_id, json_object()))


@endpoint(bp, "/families/<family_id>/consents", "GET", summary="A family's consents and lawful bases")
def family_consents(user, data, family_id):
    consents, bases = records.for_family(user, family_id)
    return {"consents": [consent_body(c) for c in consents], "lawful_bases": [basis_body(b) for b in bases]}


@endpoint(bp, "/families/<family_id>/lawful-bases", "POST", status=201, documented_body=schemas.LawfulBasisSchema,
          summary="Record a lawful basis for sharing without consent (approved by a manager)")
def record_basis(user, data, family_id):
    return basis_body(records.record_lawful_basis(user, family_id, json_object())), 201


@endpoint(bp, "/families/<family_id>/break-glass", "POST", status=201, documented_body=schemas.BreakGlassSchema,
          summary="Emergency access for a duty manager: reason required, time-limited, reported")
def break_glass(user, data, family_id):
    glass = records.break_glass(user, family_id, json_object())
    return {"id": glass.id, "family_id": family_id, "person_ids": glass.person_ids,
            "expires_at": glass.expires_at.isoformat()}, 201


@endpoint(bp, "/reports/access", "GET", summary="Sharing without consent and break-glass use")
def access_report(user, data):
    bases, glass, stopped = records.access_report(user)
    return {"lawful_bases": [{**basis_body(b), "family_name": f.display_name} for b, f in bases],
            "break_glass": [{"id": g.id, "family_id": f.id, "family_name": f.display_name, "user": u.name,
                             "person_ids": g.person_ids, "reason": g.reason, "granted_at": g.granted_at.isoformat(),
                             "expires_at": g.expires_at.isoformat()} for g, f, u in glass],
            # Sharing that stopped because the agreement it relied on ended.
            "stopped_by_ended_agreement": {
                "lawful_bases": [{**basis_body(b), "family_name": f.display_name, "agreement": a.name,
                                  "agreement_ended_on": a.ends_on.isoformat()} for b, f, a in stopped.bases],
                "routing_rules": [{"id": r.id, "event_type": r.event_type, "recipient": r.recipient,
                                   "channel": r.channel, "agreement": a.name,
                                   "agreement_ended_on": a.ends_on.isoformat()} for r, a in stopped.rules]},
            "agreements_review_due": [{"id": a.id, "name": a.name, "review_on": a.review_on.isoformat(),
                                       "ends_on": a.ends_on.isoformat()} for a in stopped.review_due]}


@endpoint(bp, "/people/<person_id>/subject-access", "GET",
          summary="Everything held about a person (subject access request)")
def subject_access(user, data, person_id):
    from caseflow.readmodels import subject_access as sar

    return sar.export(user, person_id)
