"""The API error envelope (docs/api.md): {"error": {"code", "message", "fields"}}."""
from __future__ import annotations

from flask import jsonify

from caseflow.api.schemas import ErrorSchema


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields


def error_response(status: int, code: str, message: str, fields: dict | None = None):
    error = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    return jsonify(ErrorSchema().dump({"error": error})), status
