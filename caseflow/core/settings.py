"""Every setting comes from the environment, with safe embedded defaults (API.md, Environment).

Secrets are never in the repository: when CASEFLOW_SECRET_KEY / CASEFLOW_KEYS_FILE are unset,
they are generated on first run into the instance folder and reused afterwards.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def default_instance_path() -> Path:
    env = os.environ.get("CASEFLOW_INSTANCE_PATH")
    if env:
        return Path(env).resolve()
    return (Path.cwd() / "instance").resolve()


@dataclass
class Settings:
    instance_path: Path
    database_url: str
    redis_url: str | None
    secret_key: str
    keys_file: Path
    secure_cookies: bool = True
    session_idle_minutes: int = 30
    lockout_threshold: int = 5
    lockout_minutes: int = 15
    re_referral_months: int = 12
    triage_due_working_days: int = 1
    # Panels meet every N days (7: weekly; 1: a daily allocation meeting).
    panel_cadence_days: int = 7
    # Casework (caseflow.plans): assessment due N weeks after allocation; TAF reviews every N weeks.
    assessment_due_weeks: int = 6
    review_interval_weeks: int = 6
    # Step-down (caseflow.socialcare): the joint handover meeting within N working days; families
    # stepping up or down N+ times within M months are flagged to managers.
    step_down_handover_working_days: int = 10
    oscillation_transitions: int = 3
    oscillation_months: int = 12
    # Consent and records (caseflow.consent): break-glass lasts N minutes; closed families'
    # records are erased N years after their last case closed; staff must use two-factor
    # sign-in when require_totp is on (CASEFLOW_REQUIRE_TOTP; production should turn it on).
    break_glass_minutes: int = 60
    retention_years: int = 6
    require_totp: bool = False
    # Notifications (caseflow.notify): events about people not open to the service are kept N
    # days; a delivery queued but not done after N seconds is queued again (its worker died).
    unmatched_event_days: int = 30
    outbox_requeue_seconds: int = 60
    # When the oldest event waiting for a routing worker is older than this, the request that
    # accepts an event routes it itself (a burst then slows its sender, not everyone's alerts).
    route_inline_after_ms: int = 250
    smtp_url: str | None = None
    mail_from: str = "caseflow@localhost"
    public_url: str = "http://127.0.0.1:5000"
    self_referral_rate_limit: str = "5 per minute;30 per hour"
    login_rate_limit: str = "10 per minute"
    api_rate_limit: str = "600 per minute"
    # The council running the service, named on the public pages (privacy notice, accessibility
    # statement, cookies): each area sets its own through CASEFLOW_COUNCIL_* and CASEFLOW_DPO_*.
    council_name: str = "Northshire County Council"
    council_email: str = "earlyhelp@northshire.example"
    council_phone: str = "01632 960000"
    dpo_email: str = "dpo@northshire.example"
    # The day the accessibility statement was last checked against the site (ISO date).
    accessibility_reviewed_on: str = "2026-12-01"
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        instance_path = Path(overrides.pop("instance_path", None) or default_instance_path())
        instance_path.mkdir(parents=True, exist_ok=True)
        database_url = overrides.pop("database_url", None) or os.environ.get(
            "CASEFLOW_DATABASE_URL"
        ) or f"sqlite:///{instance_path / 'caseflow.db'}"
        # Accept the common "postgresql://" spelling and use the psycopg 3 driver we ship.
        if database_url.startswith("postgresql://") or database_url.startswith("postgres://"):
            database_url = "postgresql+psycopg://" + database_url.split("://", 1)[1]
        redis_url = overrides.pop("redis_url", None) or os.environ.get("CASEFLOW_REDIS_URL") or None
        secret_key = overrides.pop("secret_key", None) or os.environ.get("CASEFLOW_SECRET_KEY")
        if not secret_key:
            secret_key = _read_or_create(instance_path / "secret_key", lambda: secrets.token_urlsafe(48))
        keys_file = Path(
            overrides.pop("keys_file", None)
            or os.environ.get("CASEFLOW_KEYS_FILE")
            or instance_path / "keys.json"
        )
        for name in TIMESCALE_SETTINGS:  # e.g. CASEFLOW_ASSESSMENT_DUE_WEEKS=8
            raw = os.environ.get(f"CASEFLOW_{name.upper()}")
            if raw and name not in overrides:
                overrides[name] = _positive_int(name, raw)
        return cls(
            instance_path=instance_path,
            database_url=database_url,
            redis_url=redis_url,
            secret_key=secret_key,
            keys_file=keys_file,
            secure_cookies=_env_bool("CASEFLOW_SECURE_COOKIES", True),
            require_totp=overrides.pop("require_totp", _env_bool("CASEFLOW_REQUIRE_TOTP", False)),
            smtp_url=overrides.pop("smtp_url", os.environ.get("CASEFLOW_SMTP_URL") or None),
            mail_from=overrides.pop("mail_from", os.environ.get("CASEFLOW_MAIL_FROM") or "caseflow@localhost"),
            public_url=overrides.pop("public_url", os.environ.get("CASEFLOW_PUBLIC_URL") or "http://127.0.0.1:5000"),
            api_rate_limit=overrides.pop("api_rate_limit", os.environ.get("CASEFLOW_API_RATE_LIMIT") or "600 per minute"),
            **{name: overrides.pop(name, os.environ.get(f"CASEFLOW_{name.upper()}") or default)
               for name, default in PUBLIC_PAGE_SETTINGS.items()},
            **overrides,
        )

    def flask_config(self) -> dict:
        return {
            "SECRET_KEY": self.secret_key,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "SESSION_COOKIE_SECURE": self.secure_cookies,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_NAME": "caseflow_session",
            "REMEMBER_COOKIE_SECURE": self.secure_cookies,
            "REMEMBER_COOKIE_HTTPONLY": True,
            # The cookie lasts a working day at most; the idle timeout is enforced on the server
            # from the session's last-seen time (caseflow.web.setup), so a copied cookie cannot
            # outlive it either.
            "PERMANENT_SESSION_LIFETIME": 12 * 60 * 60,
            "WTF_CSRF_TIME_LIMIT": None,  # the CSRF token lives as long as the session
            "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
            "JSON_SORT_KEYS": False,
            "RATELIMIT_STORAGE_URI": self.redis_url or "memory://",
            "RATELIMIT_HEADERS_ENABLED": True,
            # Redis down must not turn away a police incident: count in memory until it is back.
            "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
            "RATELIMIT_SWALLOW_ERRORS": True,
        }


# What the public pages say about the council, each readable from CASEFLOW_<NAME>
# (CASEFLOW_COUNCIL_NAME, CASEFLOW_COUNCIL_EMAIL, CASEFLOW_COUNCIL_PHONE, CASEFLOW_DPO_EMAIL,
# CASEFLOW_ACCESSIBILITY_REVIEWED_ON), with the defaults declared on Settings.
PUBLIC_PAGE_SETTINGS = {name: Settings.__dataclass_fields__[name].default
                        for name in ("council_name", "council_email", "council_phone", "dpo_email",
                                     "accessibility_reviewed_on")}

# Local timescales an area sets for itself, each readable from CASEFLOW_<NAME>.
TIMESCALE_SETTINGS = ("re_referral_months", "triage_due_working_days", "panel_cadence_days",
                      "assessment_due_weeks", "review_interval_weeks", "step_down_handover_working_days",
                      "oscillation_transitions", "oscillation_months", "break_glass_minutes",
                      "retention_years", "session_idle_minutes", "unmatched_event_days",
                      "outbox_requeue_seconds", "route_inline_after_ms")


def _positive_int(name: str, raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"CASEFLOW_{name.upper()} must be a whole number of 1 or more, not {raw!r}")
    return value


def _read_or_create(path: Path, make) -> str:
    if path.exists():
        return path.read_text().strip()
    value = make()
    path.write_text(value)
    os.chmod(path, 0o600)
    return value
