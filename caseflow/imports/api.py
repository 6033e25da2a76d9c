"""Partner data feeds over the API (analysts' and administrators' systems): upload a file to a
feed, then follow its import job (progress, counts, problems), or cancel it."""
from __future__ import annotations

import base64
import binascii
import io

from flask import request

from caseflow.api.kit import api_blueprint, endpoint, json_object
from caseflow.core.errors import ServiceValidationError
from caseflow.imports import feed_services, schemas, services as imports

bp = api_blueprint("imports_api", __name__)
BASE64_ALLOWANCE = 64 * 1024


@bp.url_value_preprocessor
def _file_sized_requests(endpoint, values):
    # The upload may be as large as the configured limit (in base64, a third larger), not the
    # 2 MB every other request is held to.
    if endpoint == "imports_api.upload_feed_file" and request.method == "POST":
        request.max_content_length = imports.max_upload_bytes() * 4 // 3 + BASE64_ALLOWANCE


class _Upload:
    def __init__(self, filename: str, content: bytes):
        self.filename, self.stream = filename, io.BytesIO(content)


def _job(job) -> dict:
    return {"id": job.id, "kind": job.kind, "source": job.source_system, "filename": job.filename,
            "status": job.status, "rows_total": job.rows_total, "rows_done": job.rows_done, "percent": job.percent,
            "counts": job.counts or {}, "problem_count": job.problem_count, "problems": job.problems or [],
            "error": job.error, "created_at": job.created_at, "finished_at": job.finished_at}


@endpoint(bp, "/feeds/<source_id>/imports", "POST", status=202, documented_body=schemas.FeedUploadSchema,
          summary="Upload a partner's file (CSV or XLSX) to a feed and queue its import",
          response=schemas.ImportJobSchema)
def upload_feed_file(user, data, source_id):
    feed_services.authorise(user)  # the policy before the body
    raw = json_object()
    errors = {}
    filename = raw.get("filename") if isinstance(raw.get("filename"), str) else None
    content = raw.get("content") if isinstance(raw.get("content"), str) else None
    if not filename:
        errors["filename"] = ["Give the file's name"]
    try:
        decoded = base64.b64decode(content or "", validate=True)
    except (binascii.Error, ValueError):
        decoded = None
    if not content or decoded is None:
        errors["content"] = ["Give the file's content, in base64"]
    if errors:
        raise ServiceValidationError("Some fields need changing.", errors)
    job = feed_services.start(user, source_id, _Upload(filename, decoded))
    return schemas.ImportJobSchema().dump(_job(job)), 202


@endpoint(bp, "/imports/<job_id>", "GET", summary="An import job's progress, counts and problems",
          response=schemas.ImportJobSchema)
def get_import(user, data, job_id):
    return schemas.ImportJobSchema().dump(_job(imports.view(user, job_id)))


@endpoint(bp, "/imports/<job_id>/cancel", "POST", summary="Cancel an import job (it stops after the batch it is writing)",
          response=schemas.ImportJobSchema)
def cancel_import(user, data, job_id):
    return schemas.ImportJobSchema().dump(_job(imports.cancel(user, job_id)))
