"""The triage decision as JSON (API.md). The case summary the panel agenda and the allocation
lists share is `CaseSummarySchema` (with `CaseRow`) in triage/schemas.py."""
from __future__ import annotations

from caseflow.api.kit import api_blueprint, endpoint, json_object
from caseflow.cases.services import get_case
from caseflow.triage import amendments, services
from caseflow.triage.schemas import TriageAmendedSchema, TriageAmendmentSchema, TriageRecordedSchema, TriageSchema

bp = api_blueprint("triage_api", __name__)


@endpoint(bp, "/cases/<case_id>/triage", "POST", summary="Record the triage decision", status=201,
          documented_body=TriageSchema, response=TriageRecordedSchema)
def triage_case(user, data, case_id):
    decision = services.triage(user, case_id, json_object())
    return TriageRecordedSchema().dump({"decision": decision, "case": get_case(case_id)}), 201


@endpoint(bp, "/cases/<case_id>/triage/amendments", "POST", status=201, documented_body=TriageAmendmentSchema,
          summary="Amend the triage decision (managers, with a reason; the original stays on record)",
          response=TriageAmendedSchema)
def amend_triage(user, data, case_id):
    decision, amendment = amendments.amend_triage(user, case_id, json_object())
    return TriageAmendedSchema().dump({"decision": decision, "case": get_case(case_id), "amendment": amendment}), 201
