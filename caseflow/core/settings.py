"""Every setting comes from the environment, with safe embedded defaults (README, Configuration).

Settings are validated when the process starts, and anything not understood stops it with a
message naming the variable: a misspelt value (`CASEFLOW_SECURE_COOKIES=ture`) or a misspelt
name (`CASEFLOW_SECURE_COOKIE=false`) must never fall back to a default silently, because the
default it falls back to may be the unsafe one.

Two environments:
- development (the default on the embedded SQLite database): the secret key and encryption keys
  are generated on first run into the instance folder and reused afterwards;
- production (the default on any other database): keys and the secret key must come from
  configuration, so that every server behind the proxy uses the same ones, cookies are Secure and
  the database is PostgreSQL.
"""
from __future__ import annotations

import difflib
import os
import secrets
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Callable


class SettingsError(ValueError):
    """A setting is missing, misspelt or not understood: the process must not start."""


class Environment(StrEnum):
    PRODUCTION = "production"
    DEVELOPMENT = "development"


class LogFormat(StrEnum):
    JSON = "json"  # one JSON object a line, for a log shipper
    TEXT = "text"  # plain lines for a developer's terminal


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
    environment: Environment = Environment.DEVELOPMENT
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
    # Oversight (caseflow.oversight): each held case is supervised every N weeks, the first
    # supervision due N weeks after allocation.
    supervision_interval_weeks: int = 4
    # After closure (caseflow.plans.monitoring): a case closed with monitoring is watched for N
    # months (1 to 12: never more than a year) with a light-touch check-in every N weeks, then
    # the outcome review closes it fully.
    monitoring_months: int = 6
    monitoring_check_in_weeks: int = 6
    # Step-down (caseflow.socialcare): the joint handover meeting within N working days; families
    # stepping up or down N+ times within M months are flagged to managers.
    step_down_handover_working_days: int = 10
    oscillation_transitions: int = 3
    oscillation_months: int = 12
    # Consent and records (caseflow.consent): break-glass lasts N minutes; closed families'
    # records are erased N years after their last case closed; staff must use two-factor
    # sign-in when require_totp is on (CASEFLOW_REQUIRE_TOTP; production should turn it on).
    break_glass_minutes: int = 60
    unmerge_days: int = 30  # how long a merge of duplicate records can be undone (caseflow.records)
    retention_years: int = 6
    # Reporting (caseflow.readmodels.reports): the area's timeliness targets, in working days
    # from the request for help to each step, and the key that makes an extract's pseudonyms
    # (HMAC; derived from the secret key when not set, so set it to keep pseudonyms stable
    # across a secret-key rotation).
    target_triage_working_days: int = 1
    target_panel_working_days: int = 10
    target_allocation_working_days: int = 15
    target_assessment_working_days: int = 45
    target_plan_working_days: int = 55
    pseudonym_key: str | None = None
    # Migration import (caseflow.imports): the largest single CSV file of a bundle, and the
    # largest zipped bundle the import page accepts.
    import_max_file_mb: int = 500
    import_max_upload_mb: int = 100
    require_totp: bool = False
    # Notifications (caseflow.notify): events about people not open to the service are kept N
    # days; a delivery queued but not done after N seconds is queued again (its worker died).
    unmatched_event_days: int = 30
    outbox_requeue_seconds: int = 60
    # When an event accepted for routing has waited this long without a worker taking it (a
    # burst, or no worker running), the request that accepted it routes it itself: a partner's
    # alert never waits on a worker that is not there.
    route_inline_after_ms: int = 250
    smtp_url: str | None = None
    mail_from: str = "caseflow@localhost"
    public_url: str = "http://127.0.0.1:5000"
    # Rate limits (the `limits` notation, several separated by ";"), per route family: sign-in
    # counts per account and per client address, the API per token, self-referral per address.
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
    # How many proxies in front of the app add X-Forwarded-For/-Proto/-Host (the TLS proxy: 1).
    # The client address in rate limits and audit rows is read that many hops back; 0 trusts
    # no header, so a client cannot claim an address of its choosing.
    trusted_proxy_hops: int = 0
    log_format: LogFormat = LogFormat.TEXT
    log_level: str = "INFO"
    # /metrics is served to a bearer of this token; without one, only to the loopback address.
    metrics_token: str | None = None
    # Audit checkpoints (caseflow.core.audit_checkpoints): the chain head, signed with this key
    # (derived from the secret key when not set), appended to this file every N minutes by the
    # worker's sweeper and by `caseflow audit checkpoint`. Keep the file on other storage than
    # the database, or ship it off the box: it is what shows the trail's tail was not cut off.
    audit_anchor_key: str | None = None
    audit_anchor_file: str | None = None  # default: audit_checkpoints.jsonl in the instance folder
    audit_checkpoint_minutes: int = 5
    # The dashboards' daily totals (caseflow.readmodels.report_aggregates) are rebuilt by the
    # worker once a night, after this hour, London time (0 to 23): at county scale a rebuild
    # takes minutes of CPU, which belong outside the working day.
    report_refresh_hour: int = 2
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        _refuse_unknown_variables()
        instance_path = Path(overrides.pop("instance_path", None) or default_instance_path())
        instance_path.mkdir(parents=True, exist_ok=True)
        database_url = overrides.pop("database_url", None) or os.environ.get(
            "CASEFLOW_DATABASE_URL"
        ) or f"sqlite:///{instance_path / 'caseflow.db'}"
        database_url = _database_url(database_url)
        on_sqlite = database_url.startswith("sqlite")
        environment = overrides.pop("environment", None) or _read("CASEFLOW_ENVIRONMENT", _enum(Environment)) \
            or (Environment.DEVELOPMENT if on_sqlite else Environment.PRODUCTION)
        environment = Environment(environment)

        values = {}
        for variable, (name, parse) in VARIABLES.items():
            if name in overrides:
                continue
            value = _read(variable, parse)
            if value is not None:
                values[name] = value
        values.update(overrides)

        if "log_format" not in values:  # a log shipper reads JSON; a developer reads text
            values["log_format"] = LogFormat.JSON if environment is Environment.PRODUCTION else LogFormat.TEXT
        if not 1 <= int(values.get("monitoring_months", 6)) <= 12:  # overrides too: never over a year
            raise SettingsError("monitoring_months must be from 1 to 12 months")
        secret_key = values.pop("secret_key", None)
        keys_file = values.pop("keys_file", None)
        if environment is Environment.PRODUCTION:
            _production_checks(database_url, secret_key, keys_file, values)
        if not secret_key:
            secret_key = _read_or_create(instance_path / "secret_key", lambda: secrets.token_urlsafe(48))
        return cls(instance_path=instance_path, database_url=database_url, environment=environment,
                   redis_url=values.pop("redis_url", None), secret_key=secret_key,
                   keys_file=Path(keys_file or instance_path / "keys.json"), **values)

    @property
    def audit_checkpoint_file(self) -> Path:
        return Path(self.audit_anchor_file) if self.audit_anchor_file else self.instance_path / "audit_checkpoints.jsonl"

    @property
    def production(self) -> bool:
        return self.environment is Environment.PRODUCTION

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
            # Without Redis the counts live in PostgreSQL (caseflow.core.rate_limits), so every
            # worker and web server behind it shares them. SQLite is the embedded default: one
            # process (`caseflow demo`, threaded; production refuses SQLite), whose memory every
            # thread shares. There, a second connection writing counts would wait on the request's
            # own write lock (SQLite transactions begin IMMEDIATE, caseflow.core.database).
            "RATELIMIT_STORAGE_URI": self.redis_url or (
                "memory://" if self.database_url.startswith("sqlite") else "caseflowdb://"),
            "RATELIMIT_HEADERS_ENABLED": True,
            # Redis down must not turn away a police incident: count in memory until it is back.
            "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
            "RATELIMIT_SWALLOW_ERRORS": True,
        }


# --- parsing ----------------------------------------------------------------------------------

_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


def _boolean(variable: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SettingsError(f"{variable} must be true or false, not {raw!r}")


def _positive_int(variable: str, raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise SettingsError(f"{variable} must be a whole number of 1 or more, not {raw!r}")
    return value


def _hour(variable: str, raw: str) -> int:
    if not raw.strip().isdigit() or int(raw) > 23:
        raise SettingsError(f"{variable} must be an hour of the day from 0 to 23, not {raw!r}")
    return int(raw)


def _count(variable: str, raw: str) -> int:
    if not raw.strip().isdigit() or int(raw) > 10:
        raise SettingsError(f"{variable} must be a whole number from 0 to 10, not {raw!r}")
    return int(raw)


def _text(variable: str, raw: str) -> str:
    return raw


def _enum(kind: type[StrEnum]) -> Callable[[str, str], StrEnum]:
    def parse(variable: str, raw: str):
        try:
            return kind(raw.strip().lower())
        except ValueError:
            allowed = ", ".join(m.value for m in kind)
            raise SettingsError(f"{variable} must be one of {allowed}, not {raw!r}") from None
    return parse


def _log_level(variable: str, raw: str) -> str:
    level = raw.strip().upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise SettingsError(f"{variable} must be DEBUG, INFO, WARNING or ERROR, not {raw!r}")
    return level


def _url(*schemes: str) -> Callable[[str, str], str]:
    def parse(variable: str, raw: str) -> str:
        scheme = raw.split("://", 1)[0].lower() if "://" in raw else ""
        if scheme not in schemes:
            raise SettingsError(f"{variable} must be a URL starting {' or '.join(s + '://' for s in schemes)}, "
                                f"not {raw.split('@')[-1]!r}")  # never echo a password back
        return raw
    return parse


def _rate_limit(variable: str, raw: str) -> str:
    from limits import parse_many

    try:
        parse_many(raw)
    except ValueError:
        raise SettingsError(f"{variable} must be rate limits such as '10 per minute;100 per hour', "
                            f"not {raw!r}") from None
    return raw


def _database_url(raw: str) -> str:
    _url("sqlite", "postgresql", "postgres", "postgresql+psycopg")("CASEFLOW_DATABASE_URL", raw)
    # Accept the common "postgresql://" spelling and use the psycopg 3 driver we ship.
    if raw.startswith("postgresql://") or raw.startswith("postgres://"):
        return "postgresql+psycopg://" + raw.split("://", 1)[1]
    return raw


# Every variable CaseFlow reads, the Settings field it sets and how it is parsed. A CASEFLOW_
# variable not named here (or in NOT_SETTINGS) stops the process: it is almost always a typo.
VARIABLES: dict[str, tuple[str, Callable]] = {
    "CASEFLOW_REDIS_URL": ("redis_url", _url("redis", "rediss", "unix")),
    "CASEFLOW_SECRET_KEY": ("secret_key", _text),
    "CASEFLOW_KEYS_FILE": ("keys_file", _text),
    "CASEFLOW_SECURE_COOKIES": ("secure_cookies", _boolean),
    "CASEFLOW_REQUIRE_TOTP": ("require_totp", _boolean),
    "CASEFLOW_SMTP_URL": ("smtp_url", _url("smtp", "smtps")),
    "CASEFLOW_MAIL_FROM": ("mail_from", _text),
    "CASEFLOW_PUBLIC_URL": ("public_url", _url("http", "https")),
    "CASEFLOW_API_RATE_LIMIT": ("api_rate_limit", _rate_limit),
    "CASEFLOW_LOGIN_RATE_LIMIT": ("login_rate_limit", _rate_limit),
    "CASEFLOW_SELF_REFERRAL_RATE_LIMIT": ("self_referral_rate_limit", _rate_limit),
    "CASEFLOW_TRUSTED_PROXY_HOPS": ("trusted_proxy_hops", _count),
    "CASEFLOW_LOG_FORMAT": ("log_format", _enum(LogFormat)),
    "CASEFLOW_LOG_LEVEL": ("log_level", _log_level),
    "CASEFLOW_METRICS_TOKEN": ("metrics_token", _text),
    "CASEFLOW_LOCKOUT_THRESHOLD": ("lockout_threshold", _positive_int),
    "CASEFLOW_LOCKOUT_MINUTES": ("lockout_minutes", _positive_int),
    "CASEFLOW_AUDIT_ANCHOR_KEY": ("audit_anchor_key", _text),
    "CASEFLOW_AUDIT_ANCHOR_FILE": ("audit_anchor_file", _text),
    "CASEFLOW_AUDIT_CHECKPOINT_MINUTES": ("audit_checkpoint_minutes", _positive_int),
    "CASEFLOW_REPORT_REFRESH_HOUR": ("report_refresh_hour", _hour),
    "CASEFLOW_IMPORT_MAX_FILE_MB": ("import_max_file_mb", _positive_int),
    "CASEFLOW_IMPORT_MAX_UPLOAD_MB": ("import_max_upload_mb", _positive_int),
}

# Local timescales an area sets for itself, each readable from CASEFLOW_<NAME>.
TIMESCALE_SETTINGS = ("re_referral_months", "triage_due_working_days", "panel_cadence_days",
                      "assessment_due_weeks", "review_interval_weeks", "supervision_interval_weeks",
                      "step_down_handover_working_days",
                      "oscillation_transitions", "oscillation_months", "break_glass_minutes",
                      "retention_years", "session_idle_minutes", "unmatched_event_days",
                      "outbox_requeue_seconds", "route_inline_after_ms", "unmerge_days")
VARIABLES.update({f"CASEFLOW_{name.upper()}": (name, _positive_int) for name in TIMESCALE_SETTINGS})


def _iso_date(variable: str, raw: str) -> str:
    from datetime import date

    try:
        date.fromisoformat(raw.strip())
    except ValueError:
        raise SettingsError(f"{variable} must be a date written YYYY-MM-DD, not {raw!r}") from None
    return raw.strip()


# What the public pages say about the council (the privacy notice, accessibility statement and
# cookies page): each area sets its own.
VARIABLES.update({
    "CASEFLOW_COUNCIL_NAME": ("council_name", _text),
    "CASEFLOW_COUNCIL_EMAIL": ("council_email", _text),
    "CASEFLOW_COUNCIL_PHONE": ("council_phone", _text),
    "CASEFLOW_DPO_EMAIL": ("dpo_email", _text),
    "CASEFLOW_ACCESSIBILITY_REVIEWED_ON": ("accessibility_reviewed_on", _iso_date),
})

VARIABLES.update({f"CASEFLOW_{name.upper()}": (name, _positive_int) for name in (
    "target_triage_working_days", "target_panel_working_days", "target_allocation_working_days",
    "target_assessment_working_days", "target_plan_working_days")})
VARIABLES["CASEFLOW_PSEUDONYM_KEY"] = ("pseudonym_key", _text)


def _months_up_to_a_year(variable: str, raw: str) -> int:
    if not raw.strip().isdigit() or not 1 <= int(raw) <= 12:
        raise SettingsError(f"{variable} must be a whole number of months from 1 to 12, not {raw!r}")
    return int(raw)


VARIABLES["CASEFLOW_MONITORING_MONTHS"] = ("monitoring_months", _months_up_to_a_year)
VARIABLES["CASEFLOW_MONITORING_CHECK_IN_WEEKS"] = ("monitoring_check_in_weeks", _positive_int)

# Read elsewhere, before the settings exist: the instance folder, the database, the environment,
# keys given inline (caseflow.core.crypto), and the test harness's own variables.
NOT_SETTINGS = {"CASEFLOW_INSTANCE_PATH", "CASEFLOW_DATABASE_URL", "CASEFLOW_ENVIRONMENT",
                "CASEFLOW_ENCRYPTION_KEYS", "CASEFLOW_CHROMIUM"}
TEST_HARNESS_PREFIX = "CASEFLOW_TEST_"  # read by the test suite only


def known_variables() -> set[str]:
    return set(VARIABLES) | NOT_SETTINGS


def _refuse_unknown_variables() -> None:
    known = known_variables()
    for name in sorted(os.environ):
        if not name.startswith("CASEFLOW_") or name in known or name.startswith(TEST_HARNESS_PREFIX):
            continue
        near = difflib.get_close_matches(name, known, n=1)
        hint = f"; did you mean {near[0]}?" if near else ""
        raise SettingsError(f"{name} is not a CaseFlow setting{hint} (the README lists them all)")


def _read(variable: str, parse):
    raw = os.environ.get(variable)
    if raw is None or raw == "":
        return None
    return parse(variable, raw)


def _production_checks(database_url: str, secret_key, keys_file, values: dict) -> None:
    """What a production deployment must configure rather than let each server invent."""
    if database_url.startswith("sqlite"):
        raise SettingsError("CASEFLOW_DATABASE_URL: production runs on PostgreSQL (set CASEFLOW_ENVIRONMENT="
                            "development to try CaseFlow on the embedded SQLite database)")
    if not secret_key:
        raise SettingsError("CASEFLOW_SECRET_KEY must be set in production: every web server needs the same "
                            "one (generate it with: python3 -c 'import secrets; print(secrets.token_urlsafe(48))')")
    if not os.environ.get("CASEFLOW_ENCRYPTION_KEYS"):
        if not keys_file:
            raise SettingsError("CASEFLOW_KEYS_FILE (or CASEFLOW_ENCRYPTION_KEYS) must be set in production: every "
                                "server must decrypt with the same keys, so none may generate its own")
        if not Path(keys_file).is_file():
            raise SettingsError(f"CASEFLOW_KEYS_FILE names {keys_file}, which does not exist")
    if values.get("secure_cookies") is False:
        raise SettingsError("CASEFLOW_SECURE_COOKIES=false is refused in production: staff sign in over TLS")


def _read_or_create(path: Path, make) -> str:
    if path.exists():
        return path.read_text().strip()
    value = make()
    path.write_text(value)
    os.chmod(path, 0o600)
    return value
