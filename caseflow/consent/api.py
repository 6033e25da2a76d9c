"""Consent, lawful bases and break-glass as JSON (API.md: people/{id}/consents, consents/{id}/withdraw)."""
from __future__ import annotations

from caseflow.api.kit import api_blueprint, endpoint, json_object
from caseflow.consent import records, schemas
from caseflow.readmodels.schemas import SubjectAccessSchema

bp = api_blueprint("consent_api", __name__)


@endpoint(bp, "/people/<person_id>/consents", "POST", status=201, documented_body=schemas.ConsentSchema,
          summary="Record a person's consent to share, for a purpose, with named recipients and categories",
          response=schemas.ConsentOutSchema)
def record_consent(user, data, person_id):
    return schemas.ConsentOutSchema().dump(records.record_consent(user, person_id, json_object())), 201


@endpoint(bp, "/consents/<consent_id>/withdraw", "POST", documented_body=schemas.WithdrawSchema,
          summary="Withdraw a consent: access ends on the next request", response=schemas.ConsentOutSchema)
def withdraw_consent(user, data, consent_id):
    return schemas.ConsentOutSchema().dump(records.withdraw(user, consent_id, json_object()))


@endpoint(bp, "/families/<family_id>/consents", "GET", summary="A family's consents and lawful bases",
          response=schemas.FamilyConsentsSchema)
def family_consents(user, data, family_id):
    consents, bases = records.for_family(user, family_id)
    return schemas.FamilyConsentsSchema().dump({"consents": consents, "lawful_bases": bases})


@endpoint(bp, "/families/<family_id>/lawful-bases", "POST", status=201, documented_body=schemas.LawfulBasisSchema,
          summary="Record a lawful basis for sharing without consent (approved by a manager)",
          response=schemas.LawfulBasisOutSchema)
def record_basis(user, data, family_id):
    return schemas.LawfulBasisOutSchema().dump(records.record_lawful_basis(user, family_id, json_object())), 201


@endpoint(bp, "/families/<family_id>/break-glass", "POST", status=201, documented_body=schemas.BreakGlassSchema,
          summary="Emergency access for a duty manager: reason required, time-limited, reported",
          response=schemas.BreakGlassOutSchema)
def break_glass(user, data, family_id):
    return schemas.BreakGlassOutSchema().dump(records.break_glass(user, family_id, json_object())), 201


class _Reported:
    """A lawful basis in the access report, with its family's name (and, when it stopped, the
    agreement that ended)."""

    def __init__(self, basis, family, agreement=None):
        self.basis_row, self.family, self.agreement = basis, family, agreement

    def __getattr__(self, name):
        return getattr(self.basis_row, name)


@endpoint(bp, "/reports/access", "GET", summary="Sharing without consent and break-glass use",
          response=schemas.AccessReportSchema)
def access_report(user, data):
    bases, glass, stopped = records.access_report(user)
    return schemas.AccessReportSchema().dump({
        "lawful_bases": [_Reported(b, f) for b, f in bases],
        "break_glass": [{"glass": g, "family": f, "user": u} for g, f, u in glass],
        "stopped_by_ended_agreement": {
            "lawful_bases": [_Reported(b, f, a) for b, f, a in stopped.bases],
            "routing_rules": [{"rule": r, "agreement": a} for r, a in stopped.rules]},
        "agreements_review_due": stopped.review_due})


@endpoint(bp, "/people/<person_id>/subject-access", "GET",
          summary="Everything held about a person (subject access request)", response=SubjectAccessSchema)
def subject_access(user, data, person_id):
    from caseflow.readmodels import subject_access as sar

    return SubjectAccessSchema().dump(sar.export(user, person_id))
