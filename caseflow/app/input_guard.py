"""Refuse, at the door, text no part of CaseFlow can store or show: a NUL byte or a lone
surrogate anywhere in the address, the query string, a submitted form or a header (issue 14).

PostgreSQL cannot hold NUL at all, so without this a NUL in an id, a search or a name reached
the database and failed there (a 500). Checked once per request here, nothing downstream has to
think about it; the cleaning that keeps what is typed but tidies it (NFC, invisible characters)
happens when each service loads its input (caseflow.core.schemas.load_input), and JSON bodies
are checked as the API reads them (caseflow.api.kit.json_body).
"""
from __future__ import annotations

from flask import Flask, render_template, request

from caseflow.core import text


def _first_problem(values) -> str | None:
    for value in values:
        if isinstance(value, str) and (reason := text.problem(value)):
            return reason
    return None


def _refuse(status: int, code: str, message: str):
    if request.path.startswith("/api/"):
        from caseflow.api.errors import error_response

        return error_response(status, code, message)
    template = "errors/404.html" if status == 404 else "errors/400.html"
    return render_template(template, message=message), status


def init_app(app: Flask) -> None:
    @app.before_request
    def _refuse_unstorable_text():
        # An id in the address that cannot exist: the same answer as any unknown id.
        if _first_problem([request.path]):
            return _refuse(404, "not_found", "No record with that address.")
        reason = _first_problem(k for pair in request.args.items(multi=True) for k in pair)
        if reason:
            return _refuse(400, "bad_query", f"A query parameter is not valid: {reason}.")
        reason = _first_problem(v for pair in request.headers.items() for v in pair)
        if reason:
            return _refuse(400, "malformed", f"A request header is not valid: {reason}.")
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            reason = _first_problem(k for pair in request.form.items(multi=True) for k in pair) or \
                _first_problem(f.filename for f in request.files.values())
            if reason:
                return _refuse(400, "malformed", f"Something you entered cannot be saved: {reason}.")
        return None
