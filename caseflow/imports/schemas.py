"""What the partner-feed API accepts and what it returns about an import job."""
from __future__ import annotations

from marshmallow import fields, validate

from caseflow.api.schemas import ResponseSchema, many, moment, text, whole
from caseflow.core.schemas import Strict
from caseflow.imports.models import ImportKind, ImportStatus


class FeedUploadSchema(Strict):
    """A partner's file for a feed: its name (it must end .csv or .xlsx) and its bytes in
    base64. The file is kept and imported by a queued job; the response is the job, to poll."""

    filename = fields.String(required=True, validate=validate.Length(min=1, max=200),
                             error_messages={"required": "Give the file's name"})
    content = fields.String(required=True, metadata={"format": "byte"},
                            error_messages={"required": "Give the file's content, in base64"})


class ImportProblemSchema(ResponseSchema):
    file = text(nullable=True)
    line = whole(nullable=True)
    column = text(nullable=True)
    message = text()


class ImportJobSchema(ResponseSchema):
    id = text()
    kind = text(choices=list(ImportKind))
    source = text("The feed or the system the records come from.")
    filename = text()
    status = text(choices=list(ImportStatus))
    rows_total = whole()
    rows_done = whole()
    percent = whole()
    counts = fields.Dict(required=True, metadata={"description": "What the import did, by name: rows linked, "
                                                                 "rows waiting for review, evidence created..."})
    problem_count = whole()
    problems = many(ImportProblemSchema, "The first thousand problems, with their line.")
    error = text(nullable=True)
    created_at = moment()
    finished_at = moment(nullable=True)
