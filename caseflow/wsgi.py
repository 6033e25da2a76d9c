"""WSGI entry point for production servers: `gunicorn caseflow.wsgi:app`.

The process refuses to start (with the reasons on stderr) when its settings are not understood,
the database cannot be reached or is not migrated, or its encryption keys cannot decrypt the
database's data (caseflow.core.readiness)."""
import sys

from caseflow.app import create_app
from caseflow.core.readiness import refuse_to_start_unless_fit
from caseflow.core.settings import SettingsError

try:
    app = create_app()
except SettingsError as exc:
    sys.exit(f"CaseFlow cannot start: {exc}")
refuse_to_start_unless_fit(app)
