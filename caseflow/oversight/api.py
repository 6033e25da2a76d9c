"""Supervision and case file audit under /api/v1 (the same services as the pages)."""
from __future__ import annotations

from caseflow.api.kit import api_blueprint, endpoint, json_object
from caseflow.api.schemas import PageQuerySchema, cursor_query
from caseflow.oversight import audits, schemas, supervision

bp = api_blueprint("oversight_api", __name__)


@endpoint(bp, "/cases/<case_id>/supervisions", "POST", status=201, documented_body=schemas.SupervisionSchema,
          summary="Record a supervision of the case (its team manager)", response=schemas.SupervisionOutSchema)
def post_supervision(user, data, case_id):
    return schemas.SupervisionOutSchema().dump(supervision.record(user, case_id, json_object())), 201


class SupervisionQuery(PageQuerySchema):
    before = cursor_query(supervision.SUPERVISION_KEYS)


@endpoint(bp, "/cases/<case_id>/supervisions", "GET", query=SupervisionQuery,
          summary="The case's supervision records, newest first (keyworker and managers only)",
          response=schemas.SupervisionListSchema)
def list_supervisions(user, data, case_id):
    _, rows, total, next_cursor = supervision.listing(user, case_id, data["page"], data["per_page"], data["before"])
    return schemas.SupervisionListSchema().dump({"items": rows, "page": data["page"], "per_page": data["per_page"],
                                                 "total": total, "next_cursor": next_cursor})


@endpoint(bp, "/supervision/overdue", "GET", query=PageQuerySchema,
          summary="Cases held by the manager's teams whose supervision is overdue",
          response=schemas.OverdueSupervisionListSchema)
def overdue_supervision(user, data):
    rows, total, _ = supervision.overdue(user, data["page"], data["per_page"])
    return schemas.OverdueSupervisionListSchema().dump({"items": rows, "page": data["page"],
                                                        "per_page": data["per_page"], "total": total})


@endpoint(bp, "/case-audits/samples", "POST", status=201, documented_body=schemas.SampleSchema,
          summary="Draw a random sample of a team's case files for audit", response=schemas.SampleOutSchema)
def draw_sample(user, data):
    return schemas.SampleOutSchema().dump(audits.draw_sample(user, json_object())), 201


@endpoint(bp, "/case-audits/samples/<sample_id>", "GET", summary="A case file audit sample and its grades",
          response=schemas.SampleOutSchema)
def get_sample(user, data, sample_id):
    found, _ = audits.sample(user, sample_id)
    return schemas.SampleOutSchema().dump(found)


@endpoint(bp, "/case-audits/files/<audit_id>/grade", "POST", documented_body=schemas.GradingSchema,
          summary="Grade a sampled case file against the checklist", response=schemas.CaseFileAuditOutSchema)
def grade_file(user, data, audit_id):
    return schemas.CaseFileAuditOutSchema().dump(audits.grade(user, audit_id, json_object()))


@endpoint(bp, "/case-audits/grades", "GET", summary="Overall case file grades per month (12 months, counts only)",
          response=schemas.GradesOverTimeSchema)
def grades(user, data):
    return schemas.GradesOverTimeSchema().dump({"items": audits.grades_over_time(user)})
