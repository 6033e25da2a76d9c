"""Two-factor sign-in with a time-based one-time code (TOTP, RFC 6238) from an authenticator app.

The secret is stored encrypted; it becomes active only after the user proves their app has it.
Partner API clients use tokens, not passwords, so this is for people signing in."""
from __future__ import annotations

import hmac
import io
from datetime import timedelta

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


def matching_step(secret: str | None, code: str | None) -> int | None:
    """The time-step whose code this is (the current one, or one either side for a slow typist or
    clock), or None when it is no code of this secret."""
    code = (code or "").replace(" ", "")
    if not secret or not code.isdigit() or len(code) != 6:
        return None
    totp, now = pyotp.TOTP(secret), utcnow()
    for offset in (0, -1, 1):
        at = now + timedelta(seconds=offset * totp.interval)
        if hmac.compare_digest(totp.at(at), code):
            return totp.timecode(at)
    return None


def accept_code(user, code: str | None) -> bool:
    """A right code not used before: its time-step is recorded so it, and every code before it,
    is refused from now on. The caller holds the user's row lock, so two requests sending the
    same code at once cannot both get in."""
    step = matching_step(user.totp_secret, code)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    return True


def enable(user, secret: str, code: str) -> None:
    step = matching_step(secret, code)
    if step is None:
        raise ServiceValidationError("That code is not right.", {"code": [
            "Enter the 6-digit code your authenticator app shows now"]})
    # The code that proved the app has the secret is spent too: it cannot then be sent again
    # as the second step of a sign-in.
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = secret, utcnow(), step
    audit.record(user, "auth.two_factor_enabled", "user", user.id)


def needs_enrolment(user, settings) -> bool:
    return settings.require_totp and user.role in STAFF_ROLES and user.totp_enabled_at is None
