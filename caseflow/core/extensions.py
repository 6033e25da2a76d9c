"""Extension objects, created here and bound to the app in create_app(); the rate-limit keys."""
from __future__ import annotations

import hashlib

from flask import request
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from caseflow.core.database import Database


def client_address() -> str:
    """The client's address: the connecting one, or (behind CASEFLOW_TRUSTED_PROXY_HOPS proxies,
    which ProxyFix unwraps in create_app) the one the nearest trusted proxy saw."""
    return request.remote_addr or "unknown"


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def api_client_key() -> str:
    """The API counts per token (a whole council's systems may call from one address); a call
    without a token counts against its address. The token is hashed: keys are visible in Redis."""
    header = request.headers.get("Authorization", "").strip()
    if header.lower().startswith("bearer ") and header[7:].strip():
        return "token:" + _digest(header[7:].strip())
    return "address:" + client_address()


def sign_in_account_key() -> str:
    """Sign-in also counts per account tried, so guessing one person's password from many
    addresses is slowed as much as guessing from one."""
    from flask import session

    email = (request.form.get("email") or "").strip().lower()
    who = email or session.get("pending_user") or ""
    return "account:" + _digest(who)


db = Database()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=client_address, default_limits=[])
