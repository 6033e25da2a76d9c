"""WSGI entry point for production servers: `gunicorn caseflow.wsgi:app`.

The process refuses to start (with the reasons on stderr) when its settings are not understood,
the database cannot be reached or is not migrated, or its encryption keys cannot decrypt the
database's data (caseflow.core.readiness)."""
import gc
import sys

from caseflow.app import create_app
from caseflow.core.readiness import refuse_to_start_unless_fit
from caseflow.core.settings import SettingsError

try:
    app = create_app()
except SettingsError as exc:
    sys.exit(f"CaseFlow cannot start: {exc}")
refuse_to_start_unless_fit(app)

# What is built by now (modules, the app, its mappers and compiled templates: some 300,000
# objects) lives as long as the process. Frozen, the garbage collector stops walking it on every
# full collection, each of which held the worker's GIL for 90-160 ms mid-request; the Python
# documentation's advice for a long-lived server process (issue 16).
gc.freeze()
