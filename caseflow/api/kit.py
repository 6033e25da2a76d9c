"""endpoint(): one decorator gives every API route auth, validation, idempotency and docs."""
from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, current_app, g, jsonify, request
from marshmallow import Schema, ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from caseflow.api.callers import CALLERS
from caseflow.api.errors import ApiError, error_response
from caseflow.api.schemas import ErrorSchema, OneOf
from caseflow.core.errors import flatten_messages
from caseflow.core.schemas import load_input
from caseflow.core.extensions import api_client_key, db, limiter
from caseflow.core.unit_of_work import discard_changes

API_PREFIX = "/api/v1"


@dataclass
class Operation:
    rule: str
    method: str
    summary: str
    body: type[Schema] | None
    response: type[Schema]
    status: int
    query: type[Schema] | None
    public: bool
    also: dict[int, str]  # other success statuses (same body) and when they happen
    errors: tuple[int, ...]  # error statuses beyond those every operation of its kind has

    @property
    def error_statuses(self) -> list[int]:
        """The error envelopes this operation can answer with (docs/api.md "Errors")."""
        codes = {429}  # every API blueprint is rate-limited
        if self.body is not None or self.query is not None:
            codes.add(400)  # a body that is not a JSON object; a query parameter not valid
        if not self.public:
            codes |= {401, 403}
        if "<" in self.rule:
            codes.add(404)
        if self.method != "get":
            codes.add(409)  # a state that does not allow it, a stale version, a reused Idempotency-Key
        if self.body is not None:
            codes.add(422)
        return sorted(codes | set(self.errors))


SUCCESS_DESCRIPTIONS = {200: "OK", 201: "Created", 202: "Accepted: being processed"}
ERROR_DESCRIPTIONS = {
    400: "The body is not a JSON object (code malformed) or a query parameter is not valid (bad_query).",
    401: "No API token, or one that is not valid or has been revoked (unauthorized).",
    403: "The access policy refuses; the message says why without revealing the record (forbidden).",
    404: "No record with that id (not_found).",
    409: "Not possible in the record's current state (illegal_transition, conflict), someone saved it "
         "since you read it (stale_version), or this Idempotency-Key was used for a different request "
         "(idempotency_key_reused).",
    422: "Some fields are missing or not valid: each is named under error.fields (validation_failed).",
    429: "Too many requests from this client; try again later (too_many_requests).",
}


_OPERATIONS: list[Operation] = []


def api_blueprint(name: str, import_name: str) -> Blueprint:
    from caseflow.core.extensions import csrf

    bp = Blueprint(name, import_name, url_prefix=API_PREFIX)
    csrf.exempt(bp)  # token-authenticated only: session cookies are never accepted here
    limiter.limit(lambda: current_app.extensions["caseflow.settings"].api_rate_limit, key_func=api_client_key,
                  scope="api")(bp)  # per token: one limit for all of a caller's API requests
    return bp


def current_api_user():
    return g.get("api_user")


def _authenticate():
    from caseflow.auth.services import user_for_token

    header = request.headers.get("Authorization", "")
    match = re.fullmatch(r"Bearer\s+(\S+)", header.strip())
    if not match:
        raise ApiError(401, "unauthorized", "Send an API token as 'Authorization: Bearer <token>'.")
    user = user_for_token(match.group(1))
    if user is None:
        raise ApiError(401, "unauthorized", "That API token is not valid or has been revoked.")
    g.api_user = user
    return user


def endpoint(bp: Blueprint, rule: str, method: str = "GET", *, summary: str,
             response: type[Schema], body: type[Schema] | None = None,
             status: int = 200, query: type[Schema] | None = None, public: bool = False,
             documented_body: type[Schema] | None = None, also: dict[int, str] | None = None,
             errors: tuple[int, ...] = ()):
    """Register an API route. The view receives (user, data) where data is the validated
    body (or query) and returns a JSON-able object or (object, status): the `response`
    schema's dump of what it returns, so the OpenAPI document describes it exactly.

    The wrapper is the API's unit of work (caseflow.core.unit_of_work): it commits once when the
    view succeeds, keeps only the audit of a refusal, and rolls back on any other error (an
    unexpected one reaches the app's 500 handler, which rolls back too)."""
    # documented_body: a body the service validates itself (so the web forms share the rules);
    # it still appears in the OpenAPI document. also: other success statuses with the same
    # body ({200: "when..."}); errors: error statuses beyond the usual ones for its kind.
    _OPERATIONS.append(Operation(bp.url_prefix + rule, method.lower(), summary,
                                 body or documented_body, response, status, query, public,
                                 dict(also or {}), tuple(errors)))

    def decorate(view):
        @functools.wraps(view)
        def wrapper(**kwargs):
            from caseflow.core.access import AccessDenied

            try:
                user = None if public else _authenticate()
                data = _parse(body, query)
                key = request.headers.get("Idempotency-Key") if method != "GET" else None
                if key and user is not None:
                    replay = _idempotent_replay(user, key)
                    if replay is not None:
                        return replay
                result = view(user=user, data=data, **kwargs)
                payload, code = result if isinstance(result, tuple) else (result, status)
                if key and user is not None and code < 400:  # a refusal may be sent again, fixed
                    _remember(user, key, code, payload)
                db.session.commit()
                return jsonify(payload), code
            except ApiError as exc:
                db.session.rollback()
                return error_response(exc.status, exc.code, exc.message, exc.fields)
            except AccessDenied as exc:
                discard_changes()
                db.session.commit()  # nothing the call changed, but the refusal itself, is kept
                return error_response(403, "forbidden", exc.decision.reason)
            except DomainErrorTypes() as exc:
                db.session.rollback()
                return _domain_error(exc)

        bp.add_url_rule(rule, endpoint=view.__name__, view_func=wrapper, methods=[method])
        return wrapper

    return decorate


def DomainErrorTypes():
    """Errors raised by services that map to 4xx responses (looked up lazily to avoid cycles)."""
    from caseflow.core.stages import IllegalTransition
    from caseflow.core.errors import Conflict, NotFound, ServiceValidationError

    return (IllegalTransition, NotFound, ServiceValidationError, Conflict)


def _domain_error(exc):
    status, code, message, fields = _domain_error_parts(exc)
    return error_response(status, code, message, fields)


def refusal(exc) -> tuple[dict, int]:
    """The error envelope for a service error, returned by a view that keeps what it did
    before the refused step (the wrapper then commits that and answers with this)."""
    status, code, message, fields = _domain_error_parts(exc)
    body = {"error": {"code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    return body, status


def _domain_error_parts(exc) -> tuple[int, str, str, dict | None]:
    from caseflow.core.stages import IllegalTransition
    from caseflow.core.errors import Conflict, NotFound, ServiceValidationError

    if isinstance(exc, IllegalTransition):
        return 409, "illegal_transition", exc.reason, None
    if isinstance(exc, Conflict):
        return 409, getattr(exc, "code", "conflict"), str(exc), None
    if isinstance(exc, NotFound):
        return 404, "not_found", str(exc), None
    assert isinstance(exc, ServiceValidationError)
    return 422, "validation_failed", str(exc), exc.fields


def _parse(body: type[Schema] | None, query: type[Schema] | None) -> dict:
    if body is not None:
        raw = json_body()
        if raw is None:
            raise ApiError(400, "malformed", "The request body must be a JSON object "
                                             "(Content-Type: application/json).")
        if not isinstance(raw, dict):
            raise ApiError(400, "malformed", "The request body must be a JSON object.")
        try:
            return load_input(body, raw)
        except ValidationError as exc:
            raise ApiError(422, "validation_failed", "Some fields are missing or not valid.",
                           flatten_messages(exc.messages)) from None
    if query is not None:
        try:
            return load_input(query, request.args.to_dict())
        except ValidationError as exc:
            raise ApiError(400, "bad_query", "Some query parameters are not valid.",
                           flatten_messages(exc.messages)) from None
    return {}


def json_object() -> dict:
    """The request body, for endpoints whose service validates it (so web forms share the rules)."""
    raw = json_body()
    if not isinstance(raw, dict):
        raise ApiError(400, "malformed", "The request body must be a JSON object.")
    return raw


# No request CaseFlow takes is nested more than a few levels (a request's people, a plan's
# outcomes); far deeper is a probe, refused before anything walks it recursively.
MAX_JSON_DEPTH = 32


def json_body():
    """The request's JSON (None when it is not JSON), refused with 400 when it is nested deeper
    than MAX_JSON_DEPTH, holds NUL or a lone surrogate (which "\\ud800" escapes can carry),
    or a number that is not finite (NaN, Infinity, 1e999): none of those can be stored or sent
    back as JSON."""
    try:
        raw = request.get_json(silent=True)
    except RecursionError:  # Python's parser gives up on extreme nesting this way, not ValueError
        raise ApiError(400, "malformed", f"The request body is nested too deeply (at most {MAX_JSON_DEPTH} levels).") from None
    reason = _json_problem(raw)
    if reason:
        raise ApiError(400, "malformed", f"The request body is not valid: {reason}.")
    return raw


def _json_problem(raw) -> str | None:
    from caseflow.core.text import problem

    stack = [(raw, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (dict, list)):
            if depth > MAX_JSON_DEPTH:
                return f"nested more than {MAX_JSON_DEPTH} levels deep"
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str) and (reason := problem(key)):
                    return reason
                stack.append((item, depth + 1))
        elif isinstance(value, str):
            if reason := problem(value):
                return reason
        elif isinstance(value, float) and not math.isfinite(value):
            return "numbers must be finite (no NaN or Infinity)"
    return None


def _idempotent_replay(user, key: str):
    from caseflow.api.models import IdempotencyRecord

    record = db.session.scalar(select(IdempotencyRecord).where(
        IdempotencyRecord.user_id == user.id, IdempotencyRecord.key == key))
    if record is None:
        return None
    if record.method_path != f"{request.method} {request.path}":
        return error_response(409, "idempotency_key_reused",
                              "This Idempotency-Key was already used for a different request.")
    return jsonify(record.body), record.status_code


def _remember(user, key: str, code: int, payload) -> None:
    from caseflow.api.models import IdempotencyRecord

    db.session.add(IdempotencyRecord(user_id=user.id, key=key[:200],
                                     method_path=f"{request.method} {request.path}",
                                     status_code=code, body=payload))
    try:
        db.session.flush()
    except IntegrityError:  # a concurrent duplicate won the race: let the client retry
        db.session.rollback()
        raise ApiError(409, "conflict", "A request with this Idempotency-Key is in progress; retry.")


def paginate(statement, page: int, per_page: int, serialise) -> dict:
    """Run a SELECT with LIMIT/OFFSET and a COUNT bounded at 1,000 (core.keyset): two queries
    whatever the data size."""
    from caseflow.core.keyset import bounded_count

    total = bounded_count(statement)
    rows = db.session.execute(statement.limit(per_page).offset((page - 1) * per_page)).scalars().all()
    return {"items": [serialise(r) for r in rows], "page": page, "per_page": per_page, "total": total}


def spec_document(app) -> dict:
    names: dict[type, str] = {}

    def component_name(schema) -> str:
        """One component per schema class, under a unique name (two packages may both have a
        'PageQuerySchema'): the second gets its package's name in front."""
        cls = schema if isinstance(schema, type) else type(schema)
        if cls not in names:
            name = cls.__name__.removesuffix("Schema")
            if name in names.values():
                name = cls.__module__.split(".")[1].title() + name
            names[cls] = name
        return names[cls]

    plugin = MarshmallowPlugin(schema_name_resolver=component_name)
    spec = APISpec(
        title="CaseFlow API", version="1.0.0", openapi_version="3.0.3",
        plugins=[plugin],
        info={"description": "Partner integration API for CaseFlow: authentication, errors, idempotency, "
                            "paging and webhooks are described in docs/api.md in the CaseFlow repository. "
                            "Every response body is described for each status code; errors carry the "
                            "envelope {error: {code, message, fields?}}."},
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})

    def one_of(converter, field, **kwargs) -> dict:
        """A OneOf field: a reference to each schema it may be (registered as components)."""
        if not isinstance(field, OneOf):
            return {}
        return {"oneOf": [converter.resolve_nested_schema(schema) for schema in field.schemas]}

    plugin.converter.add_attribute_function(one_of)

    def json_body(schema) -> dict:
        return {"application/json": {"schema": schema}}

    paths: dict[str, dict] = {}
    for op in _OPERATIONS:
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", op.rule)
        operation: dict = {"summary": op.summary, "responses": {}, "parameters": []}
        callers = CALLERS.get(f"{op.method.upper()} {path}")
        if callers:  # the access rules decide; this tells an integrator whose token to use
            operation["description"] = f"Who may call it: {callers}."
            operation["x-callers"] = callers
        if op.body is not None:
            operation["requestBody"] = {"required": True, "content": json_body(op.body)}
        if op.query is not None:
            operation["parameters"].append({"in": "query", "schema": op.query})
        for code, description in {op.status: SUCCESS_DESCRIPTIONS.get(op.status, "Success"), **op.also}.items():
            operation["responses"][str(code)] = {"description": description, "content": json_body(op.response)}
        for code in op.error_statuses:
            operation["responses"][str(code)] = {"description": ERROR_DESCRIPTIONS[code],
                                                 "content": json_body(ErrorSchema)}
        operation["responses"]["default"] = {"description": ("Something went wrong on our side (500, internal_error), or the "
                                                            "database is not available just now (503, service_unavailable, "
                                                            "with Retry-After): the request may not have been saved; send "
                                                            "it again with the same Idempotency-Key."),
                                             "content": json_body(ErrorSchema)}
        if not op.public:
            operation["security"] = [{"bearer": []}]
        if op.method != "get":
            operation["parameters"].append({
                "in": "header", "name": "Idempotency-Key", "required": False, "schema": {"type": "string"},
                "description": "A repeat with the same key (its first 200 characters) returns the first "
                               "result (docs/api.md, \"Idempotency\")."})
        operation["parameters"].extend(
            {"in": "path", "name": p, "required": True, "schema": {"type": "string"}}
            for p in re.findall(r"{(\w+)}", path))
        if not operation["parameters"]:
            del operation["parameters"]
        paths.setdefault(path, {})[op.method] = operation
    for path, ops in paths.items():
        spec.path(path=path, operations=ops)
    return spec.to_dict()
