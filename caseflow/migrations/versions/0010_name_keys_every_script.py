"""Names in every script: recompute each person's matching and search keys by transliteration
(before, a name outside a-z had empty keys, so it never matched or was found), and take the
invisible and direction-changing characters out of names stored as sent (issue 14).

No schema change: the key columns exist; their contents change. The key functions are copied
here as they are at this revision, so this migration does what it did whatever the code becomes.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 12:00:00.000000
"""
import re
import unicodedata

import jellyfish
import sqlalchemy as sa
from alembic import op
from anyascii import anyascii


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\u2060\u00ad]")
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _clean(name):
    if name is None:
        return None
    name = unicodedata.normalize("NFC", name)
    return _CONTROLS.sub(" ", _INVISIBLE.sub("", name)).strip()


def _key(name):
    return re.sub(r"[^a-z]", "", anyascii(unicodedata.normalize("NFKC", name or "")).lower())[:100]


def _phonetic(name):
    key = _key(name)
    if not key:
        return None
    letters = [c for c in name if c.isalpha()]
    if letters and all(unicodedata.name(c, "").startswith("LATIN") for c in letters):
        return jellyfish.metaphone(key)[:12] or None
    return key[:12]


def upgrade() -> None:
    people = sa.table('people', sa.column('id', sa.String), sa.column('given_name', sa.String),
                      sa.column('family_name', sa.String), sa.column('given_name_norm', sa.String),
                      sa.column('family_name_norm', sa.String), sa.column('name_phonetic', sa.String))
    conn = op.get_bind()
    rows = conn.execute(sa.select(people.c.id, people.c.given_name, people.c.family_name,
                                  people.c.given_name_norm, people.c.family_name_norm,
                                  people.c.name_phonetic)).all()
    changes = []
    for row in rows:
        given, family = _clean(row.given_name), _clean(row.family_name)
        new = {"given_name": given, "family_name": family, "given_name_norm": _key(given),
               "family_name_norm": _key(family), "name_phonetic": _phonetic(family)}
        if any(getattr(row, k) != v for k, v in new.items()):
            changes.append({"row_id": row.id, **new})
    if changes:
        conn.execute(people.update().where(people.c.id == sa.bindparam("row_id")), changes)


def downgrade() -> None:
    # The old keys (a-z only) are a subset of what is computed now; the cleaned names stay clean.
    pass
