"""WSGI entry point when serving from a source checkout: `gunicorn wsgi:app`. An installed
CaseFlow serves the same app as `gunicorn caseflow.wsgi:app` (see docs/operations.md)."""
from caseflow.wsgi import app  # noqa: F401
