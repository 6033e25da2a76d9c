"""Imports every model module so Base.metadata is complete (Alembic, tests, demo)."""
from caseflow.core import audit as audit_models  # noqa: F401
from caseflow.core import crypto as key_canary_model  # noqa: F401
from caseflow.core import rate_limits as rate_limit_model  # noqa: F401
from caseflow.agreements import models as agreement_models  # noqa: F401
from caseflow.allocation import models as allocation_models  # noqa: F401
from caseflow.api import models as api_models  # noqa: F401
from caseflow.auth import models as auth_models  # noqa: F401
from caseflow.cases import models as case_models  # noqa: F401
from caseflow.consent import models as consent_models  # noqa: F401
from caseflow.families import models as family_models  # noqa: F401
from caseflow.frontdoor import models as frontdoor_models  # noqa: F401
from caseflow.imports import models as import_models  # noqa: F401
from caseflow.notify import models as notify_models  # noqa: F401
from caseflow.panels import models as panel_models  # noqa: F401
from caseflow.plans import models as plan_models  # noqa: F401
from caseflow.socialcare import models as socialcare_models  # noqa: F401
from caseflow.triage import models as triage_models  # noqa: F401
