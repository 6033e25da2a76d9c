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
from datetime import datetime

from sqlalchemy import Integer, Text, select
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from caseflow.core.database import Base, UTCDateTime, utcnow

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


def current_keys() -> list[str]:
    """The keys this process holds, newest first (for `caseflow backup --keys-to`)."""
    return list(_keys)


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


# --- the key canary ----------------------------------------------------------------------------
# One known value under the keys in use, written by the first migration to head and re-encrypted
# by `caseflow rotate-keys` like every encrypted column: caseflow.core.readiness decrypts it to
# tell whether this process's keys fit the database.

CANARY_PLAINTEXT = "caseflow key canary"


class KeyCanary(Base):
    """One row: a known value under the keys in use (re-encrypted by `caseflow rotate-keys`,
    like every encrypted column)."""

    __tablename__ = "key_canary"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[str] = mapped_column(EncryptedText)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def ensure_key_canary(connection) -> bool:
    """Write the canary if the database has none (first migration). Returns whether it wrote."""
    if connection.execute(select(KeyCanary.id)).first() is not None:
        return False
    connection.execute(KeyCanary.__table__.insert().values(id=1, value=CANARY_PLAINTEXT, created_at=utcnow()))
    return True
