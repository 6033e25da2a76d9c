"""Signed checkpoints of the audit chain's head, kept outside the database (issue 14).

The hash chain shows any row edited or deleted in the middle, but someone who can write to the
database can delete the newest rows and move the head back: what is left is a shorter chain that
is still whole. A checkpoint is the head (seq, hash) at a moment, signed with HMAC-SHA256 under a
key the database does not hold, appended as one JSON line to a file that should live on other
storage (or be shipped off the box). `caseflow audit verify` then finds rows cut off after a
checkpoint (it names an event the chain no longer reaches), a chain rewritten from the start (the
event's hash differs), and an edited or forged checkpoint line (its signature does not match).
Each line also carries the previous line's signature, so a line taken out of the middle shows.

Written by `caseflow audit checkpoint` and by the worker's sweeper every
CASEFLOW_AUDIT_CHECKPOINT_MINUTES. Rows added after the last checkpoint are protected only by the
chain until the next one.
"""
from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import select

from caseflow.core.audit import AuditChainHead
from caseflow.core.database import utcnow
from caseflow.core.extensions import db

_HKDF_INFO = b"caseflow audit checkpoint v1"


def anchor_key(settings=None) -> bytes:
    """CASEFLOW_AUDIT_ANCHOR_KEY, or a key derived from the secret key (HKDF) when none is set,
    so the checkpoints are signed without another secret to manage. A key of its own is better:
    then whoever holds the web servers' secret key cannot sign checkpoints."""
    settings = settings or current_app.extensions["caseflow.settings"]
    if settings.audit_anchor_key:
        return settings.audit_anchor_key.encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(
        settings.secret_key.encode())


def checkpoint_file(settings=None) -> Path:
    settings = settings or current_app.extensions["caseflow.settings"]
    return settings.audit_checkpoint_file


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str  # ISO 8601, UTC
    prev_mac: str
    mac: str


@dataclass
class CheckpointLog:
    entries: list[Checkpoint] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def latest(self) -> Checkpoint | None:
        return self.entries[-1] if self.entries else None


def _mac(key: bytes, seq: int, event_hash: str, at: str, prev_mac: str) -> str:
    message = json.dumps({"seq": seq, "hash": event_hash, "at": at, "prev_mac": prev_mac},
                         sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def read_checkpoints(path: Path | None = None, key: bytes | None = None) -> CheckpointLog:
    """Every checkpoint line whose signature holds; a problem for every line that does not."""
    path = path or checkpoint_file()
    key = key or anchor_key()
    log = CheckpointLog()
    if not path.exists():
        return log
    prev_mac = ""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            entry = Checkpoint(seq=int(data["seq"]), hash=str(data["hash"]), at=str(data["at"]),
                               prev_mac=str(data.get("prev_mac", "")), mac=str(data["mac"]))
        except (ValueError, KeyError, TypeError):
            log.problems.append(f"checkpoint line {number}: not a checkpoint (edited?)")
            continue
        if not hmac.compare_digest(_mac(key, entry.seq, entry.hash, entry.at, entry.prev_mac), entry.mac):
            log.problems.append(f"checkpoint line {number}: its signature does not match (forged or edited)")
            continue
        if entry.prev_mac != prev_mac:
            log.problems.append(f"checkpoint line {number}: does not follow the line before it "
                                f"(a checkpoint was removed?)")
        if log.entries and entry.seq < log.entries[-1].seq:
            log.problems.append(f"checkpoint line {number}: names an earlier event than the line before it")
        log.entries.append(entry)
        prev_mac = entry.mac
    return log


def write_checkpoint(session=None, path: Path | None = None, key: bytes | None = None,
                     now: datetime | None = None) -> Checkpoint | None:
    """Append the chain head's current position, signed. None when the chain has not moved since
    the last checkpoint (or is empty). Reads the committed head; takes no lock on it."""
    session = session or db.session
    path = path or checkpoint_file()
    key = key or anchor_key()
    head = session.execute(select(AuditChainHead.last_seq, AuditChainHead.last_hash)
                           .where(AuditChainHead.id == 1)).first()
    if head is None or not head.last_seq:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    # Two workers' sweepers may checkpoint at once: one at a time, each after the other's line.
    with open(path, "a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            handle.seek(0)
            lines = [line for line in handle.read().splitlines() if line.strip()]
            try:
                last = json.loads(lines[-1]) if lines else None
            except ValueError:  # a damaged last line: verify reports it; the log goes on
                last = None
            if last and last.get("seq") == head.last_seq and last.get("hash") == head.last_hash:
                return None
            prev_mac = str(last.get("mac", "")) if last else ""
            at = (now or utcnow()).isoformat(timespec="seconds")
            entry = Checkpoint(seq=head.last_seq, hash=head.last_hash, at=at, prev_mac=prev_mac,
                               mac=_mac(key, head.last_seq, head.last_hash, at, prev_mac))
            handle.seek(0, os.SEEK_END)
            handle.write(json.dumps({"seq": entry.seq, "hash": entry.hash, "at": entry.at,
                                     "prev_mac": entry.prev_mac, "mac": entry.mac}) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
            return entry
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
