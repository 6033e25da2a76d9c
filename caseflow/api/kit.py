"""endpoint(): one decorator gives every API route auth, validation, idempotency and docs."""
from __future__ import annotations

import functools
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
from caseflow.core.errors import flatten_messages
from caseflow.core.extensions import db, limiter
from caseflow.core.unit_of_work import discard_changes

API_PREFIX = "/api/v1"


@dataclass
class Operation:
    rule: str
    method: str
    summary: str
    body: type[Schema] | None
    response: type[Schema] | None
    status: int
    query: type[Schema] | None
    public: bool


_OPERATIONS: list[Operation] = []


def api_blueprint(name: str, import_name: str) -> Blueprint:
    from caseflow.core.extensions import csrf

    bp = Blueprint(name, import_name, url_prefix=API_PREFIX)
    csrf.exempt(bp)  # token-authenticated only: session cookies are never accepted here
    limiter.limit(lambda: current_app.extensions["caseflow.settings"].api_rate_limit)(bp)
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
             body: type[Schema] | None = None, response: type[Schema] | None = None,
             status: int = 200, query: type[Schema] | None = None, public: bool = False,
             documented_body: type[Schema] | None = None):
    """Register an API route. The view receives (user, data) where data is the validated
    body (or query) and returns a JSON-able object or (object, status).

    The wrapper is the API's unit of work (caseflow.core.unit_of_work): it commits once when the
    view succeeds, keeps only the audit of a refusal, and rolls back on any other error (an
    unexpected one reaches the app's 500 handler, which rolls back too)."""
    # documented_body: a body the service validates itself (so the web forms share the rules);
    # it still appears in the OpenAPI document.
    _OPERATIONS.append(Operation(bp.url_prefix + rule, method.lower(), summary,
                                 body or documented_body, response, status, query, public))

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
        raw = request.get_json(silent=True)
        if raw is None:
            raise ApiError(400, "malformed", "The request body must be a JSON object "
                                             "(Content-Type: application/json).")
        if not isinstance(raw, dict):
            raise ApiError(400, "malformed", "The request body must be a JSON object.")
        try:
            return body().load(raw)
        except ValidationError as exc:
            raise ApiError(422, "validation_failed", "Some fields are missing or not valid.",
                           flatten_messages(exc.messages)) from None
    if query is not None:
        try:
            return query().load(request.args.to_dict())
        except ValidationError as exc:
            raise ApiError(400, "bad_query", "Some query parameters are not valid.",
                           flatten_messages(exc.messages)) from None
    return {}


def json_object() -> dict:
    """The request body, for endpoints whose service validates it (so web forms share the rules)."""
    raw = request.get_json(silent=True)
    if not isinstance(raw, dict):
        raise ApiError(400, "malformed", "The request body must be a JSON object.")
    return raw


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
    """Run a SELECT with LIMIT/OFFSET and a COUNT: two queries whatever the data size."""
    from sqlalchemy import func

    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    rows = db.session.execute(statement.limit(per_page).offset((page - 1) * per_page)).scalars().all()
    return {"items": [serialise(r) for r in rows], "page": page, "per_page": per_page, "total": total}


def spec_document(app) -> dict:
    spec = APISpec(
        title="CaseFlow API", version="1.0.0", openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": "Partner integration API for CaseFlow: authentication, errors, idempotency, "
                            "paging and webhooks are described in docs/api.md in the CaseFlow repository."},
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    names: dict[type, str] = {}

    def component(schema: type[Schema]) -> str:
        """Register a schema once under a unique name (two packages may both have a
        'PageQuerySchema'): the second gets its package's name in front."""
        if schema not in names:
            name = schema.__name__.removesuffix("Schema")
            if name in names.values():
                name = schema.__module__.split(".")[1].title() + name
            names[schema] = name
            spec.components.schema(name, schema=schema)
        return names[schema]

    paths: dict[str, dict] = {}
    for op in _OPERATIONS:
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", op.rule)
        operation: dict = {"summary": op.summary, "responses": {}}
        callers = CALLERS.get(f"{op.method.upper()} {path}")
        if callers:  # the access rules decide; this tells an integrator whose token to use
            operation["description"] = f"Who may call it: {callers}."
            operation["x-callers"] = callers
        if op.body is not None:
            operation["requestBody"] = {"required": True, "content": {
                "application/json": {"schema": component(op.body)}}}
        if op.query is not None:
            operation["parameters"] = [{"in": "query", "schema": op.query}]
        ok = {"description": "Success"}
        if op.response is not None:
            ok["content"] = {"application/json": {"schema": component(op.response)}}
        operation["responses"][str(op.status)] = ok
        operation["responses"]["default"] = {"description": "Error envelope: {error: {code, message, fields}}"}
        if not op.public:
            operation["security"] = [{"bearer": []}]
        params = re.findall(r"{(\w+)}", path)
        if params:
            operation.setdefault("parameters", []).extend(
                {"in": "path", "name": p, "required": True, "schema": {"type": "string"}} for p in params)
        paths.setdefault(path, {})[op.method] = operation
    for path, ops in paths.items():
        spec.path(path=path, operations=ops)
    return spec.to_dict()
