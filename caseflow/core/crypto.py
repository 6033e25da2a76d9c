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


def encrypted_columns(metadata):
    """(table, primary key column, column) for every encrypted column in the schema."""
    for table in metadata.sorted_tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1:
            continue
        for column in table.columns:
            if isinstance(column.type, (EncryptedText, EncryptedJSON)):
                yield table, pk[0], column


def reencrypt_all(session, metadata, batch: int = 500) -> int:
    """Re-encrypt every stored token under the current primary key. Reads and writes the raw
    tokens (no decryption to Python objects), one batch per transaction, so it can run while the
    service is up."""
    from sqlalchemy import select, type_coerce, update

    count = 0
    for table, pk, column in encrypted_columns(metadata):
        last = None
        while True:
            query = select(pk, type_coerce(column, Text)).where(column.is_not(None)).order_by(pk).limit(batch)
            if last is not None:
                query = query.where(pk > last)
            rows = session.execute(query).all()
            if not rows:
                break
            for ident, token in rows:
                session.execute(update(table).where(pk == ident).values(
                    {column.name: type_coerce(rotate_token(token), Text)}))
                count += 1
            last = rows[-1][0]
            # unit-of-work exception: one batch per transaction, so re-encrypting a large
            # database while the service runs never holds its locks for long.
            session.commit()
    return count


def rotate_key_file(keys_file: Path, retire_old: bool = False) -> list[str]:
    """Put a new primary key first in the key file (old keys stay for decryption unless
    retired) and return the new list."""
    keys = load_keys(keys_file)
    new = [Fernet.generate_key().decode()] + ([] if retire_old else keys)
    keys_file.write_text(json.dumps({"fernet_keys": new}, indent=2))
    os.chmod(keys_file, 0o600)
    return new
