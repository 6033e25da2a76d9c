"""Every audit column in the hash, and the evidence for each headline problem encrypted.

- audit_events.hash_version: rows already on the chain were sealed by the hash that left out the
  client address (version 1, the default here); new rows are sealed by version 2, which covers
  every column. `caseflow audit verify` checks each row by its own version, so the chain written
  before this migration still verifies without being rewritten.
- triage_decisions.headline_problems: the list of {code, evidence} becomes one encrypted token
  (like the rationale beside it). Existing rows are encrypted here, under the keys of the process
  running the migration (`caseflow db upgrade` configures them).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-14 10:00:00.000000
"""
import json

from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

_decisions = sa.table('triage_decisions', sa.column('id', sa.String()), sa.column('headline_problems', sa.Text()))


def _rewrite_problems(convert) -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.select(_decisions.c.id, _decisions.c.headline_problems)
                              .where(_decisions.c.headline_problems.is_not(None))).all()
    for ident, value in rows:
        connection.execute(_decisions.update().where(_decisions.c.id == ident)
                           .values(headline_problems=convert(value)))


def upgrade() -> None:
    from caseflow.core.crypto import encrypt

    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hash_version', sa.Integer(), nullable=False, server_default='1'))

    # JSON to text (the JSON's own text on PostgreSQL), then that text encrypted.
    with op.batch_alter_table('triage_decisions', schema=None) as batch_op:
        batch_op.alter_column('headline_problems', existing_type=sa.JSON(), type_=sa.Text(),
                              existing_nullable=False, postgresql_using='headline_problems::text')
    _rewrite_problems(lambda text: encrypt(json.dumps(json.loads(text))))


def downgrade() -> None:
    from caseflow.core.crypto import decrypt

    _rewrite_problems(decrypt)
    with op.batch_alter_table('triage_decisions', schema=None) as batch_op:
        batch_op.alter_column('headline_problems', existing_type=sa.Text(), type_=sa.JSON(),
                              existing_nullable=False, postgresql_using='headline_problems::json')

    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_column('hash_version')
