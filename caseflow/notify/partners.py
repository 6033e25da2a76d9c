"""An organisation's notification settings, set by administrators: the duty contact who takes
escalations (and a duty email address), a school's key adult (Operation Encompass), the council's
named Operation Encompass lead (for children not on a school roll), and the
partner system that takes signed webhooks. The webhook secret is generated here and shown once."""
from __future__ import annotations

import secrets
from urllib.parse import urlparse

from sqlalchemy import select

from caseflow.auth.models import Organisation, User
from caseflow.core import audit
from caseflow.core.access import require
from caseflow.core.extensions import db
from caseflow.core.errors import NotFound, ServiceValidationError, load
from caseflow.notify.schemas import OrganisationSettingsInSchema


def configure(actor, org_id: str, raw: dict) -> tuple[Organisation, str | None]:
    """Returns the organisation and, when a webhook secret was (re)generated, the secret."""
    require(actor, "routing.manage", object_type="organisation", object_id=org_id, audit=False)
    org = db.session.get(Organisation, org_id)
    if org is None:
        raise NotFound("No organisation with that id.")
    # Types first (a duty email sent as an object is a 422 naming the field, not a crash); only
    # the keys sent are in what loads, so a key left out keeps its value.
    raw = load(OrganisationSettingsInSchema, raw)
    errors: dict[str, list[str]] = {}
    for field in ("duty_contact_id", "key_adult_id", "encompass_lead_id"):
        if field in raw:
            user_id = raw.get(field) or None
            if user_id is not None:
                user = db.session.scalar(select(User).where(User.id == user_id, User.active))
                if user is None or user.organisation_id != org.id:
                    errors[field] = ["Choose someone who works for this organisation"]
            setattr(org, field, user_id)
    if "duty_email" in raw:
        email = (raw.get("duty_email") or "").strip() or None
        if email and "@" not in email:
            errors["duty_email"] = ["Enter an email address, like duty@school.example"]
        org.duty_email = email
    secret = None
    if "webhook_url" in raw:
        url = (raw.get("webhook_url") or "").strip() or None
        parsed = urlparse(url or "")
        loopback = parsed.hostname in ("127.0.0.1", "localhost", "::1")  # a receiver on this machine
        if url and not (parsed.scheme == "https" or (parsed.scheme == "http" and loopback)) or (url and not parsed.hostname):
            errors["webhook_url"] = ["Enter the address of the system, starting https:// (case details never travel unencrypted)"]
        if url and (url != org.webhook_url or raw.get("new_secret") or not org.webhook_secret):
            secret = secrets.token_urlsafe(32)
            org.webhook_secret = secret
        org.webhook_url = url
        if url is None:
            org.webhook_secret = None
    if errors:  # the changes made above are undone by whoever called (a savepoint, the API)
        raise ServiceValidationError("Some answers need changing.", errors)
    audit.record(actor, "organisation.notification_settings", "organisation", org.id,
                 purpose="notification routing")
    return org, secret
