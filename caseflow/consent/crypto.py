"""Field encryption at rest (DESIGN.md §4).

Free text (notes, concerns, request details) is stored as Fernet tokens. Keys live in a key
file (generated into the instance folder on first run) or CASEFLOW_ENCRYPTION_KEYS; MultiFernet
means the first key encrypts and every listed key decrypts, so `caseflow rotate-keys` can add a
key and re-encrypt rows while the service keeps running.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

_fernet: MultiFernet | None = None
_keys: list[str] = []


class KeyError_(RuntimeError):
    pass


def load_keys(keys_file: Path) -> list[str]:
    env = os.environ.get("CASEFLOW_ENCRYPTION_KEYS")
    if env:
        return [k.strip() for k in env.split(",") if k.strip()]
    if not keys_file.exists():
        keys_file.parent.mkdir(parents=True, exist_ok=True)
        keys_file.write_text(json.dumps({"fernet_keys": [Fernet.generate_key().decode()]}, indent=2))
        os.chmod(keys_file, 0o600)
    data = json.loads(keys_file.read_text())
    keys = data.get("fernet_keys") or []
    if not keys:
        raise KeyError_(f"no encryption keys in {keys_file}")
    return keys


def configure(keys: list[str]) -> None:
    global _fernet, _keys
    _keys = list(keys)
    _fernet = MultiFernet([Fernet(k.encode()) for k in keys])


def fernet() -> MultiFernet:
    if _fernet is None:
        raise KeyError_("encryption keys not configured: call create_app() first")
    return _fernet


def encrypt(text: str) -> str:
    return fernet().encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:  # wrong or missing key: fail loudly rather than show garbage
        raise KeyError_("cannot decrypt a stored field: is the right key file configured?") from exc


def rotate_token(token: str) -> str:
    return fernet().rotate(token.encode("ascii")).decode("ascii")


class EncryptedText(TypeDecorator):
    """A Text column whose value is encrypted before it reaches the database."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return encrypt(str(value))

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return decrypt(value)


class EncryptedJSON(TypeDecorator):
    """JSON encrypted as a whole (e.g. the people named on a request, exactly as submitted)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return encrypt(json.dumps(value, default=str))

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return json.loads(decrypt(value))
