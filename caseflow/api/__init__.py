"""Shared machinery for the JSON API under /api/v1 (docs/api.md).

Each capability package has its own `api.py` blueprint; they all use `endpoint()` from here,
which authenticates the bearer token, parses and validates the body with a marshmallow schema,
honours Idempotency-Key, maps domain errors to the error envelope and records the operation
(with its response schema and error statuses) for the OpenAPI document at /api/v1/openapi.json.
"""
from __future__ import annotations

from flask import Flask

from caseflow.api.kit import api_blueprint, endpoint, paginate, spec_document  # noqa: F401

__all__ = ["api_blueprint", "endpoint", "init_app", "paginate", "spec_document"]


def init_app(app: Flask) -> None:
    from caseflow.api import meta

    app.register_blueprint(meta.bp)
