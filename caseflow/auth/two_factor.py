"""Two-factor sign-in with a time-based one-time code (TOTP, RFC 6238) from an authenticator app.

The secret is stored encrypted; it becomes active only after the user proves their app has it.
Partner API clients use tokens, not passwords, so this is for people signing in."""
from __future__ import annotations

import io

import pyotp
import qrcode
import qrcode.image.svg

from caseflow.core.roles import Role
from caseflow.core import audit
from caseflow.core.database import utcnow
from caseflow.core.errors import ServiceValidationError

ISSUER = "CaseFlow"
STAFF_ROLES = frozenset(Role) - {Role.PARTNER_SYSTEM}


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """An SVG QR code to scan (inline SVG: no external image, nothing for the CSP to block)."""
    buffer = io.BytesIO()
    qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8).save(buffer)
    return buffer.getvalue().decode()


def code_is_valid(secret: str | None, code: str | None) -> bool:
    code = (code or "").replace(" ", "")
    return bool(secret) and code.isdigit() and pyotp.TOTP(secret).verify(code, valid_window=1)


def enable(user, secret: str, code: str) -> None:
    if not code_is_valid(secret, code):
        raise ServiceValidationError("That code is not right.", {"code": [
            "Enter the 6-digit code your authenticator app shows now"]})
    user.totp_secret, user.totp_enabled_at = secret, utcnow()
    audit.record(user, "auth.two_factor_enabled", "user", user.id)


def needs_enrolment(user, settings) -> bool:
    return settings.require_totp and user.role in STAFF_ROLES and user.totp_enabled_at is None
