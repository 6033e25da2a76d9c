"""Audit events wait in audit_pending between their transaction's commit and their sealing onto
the chain in batches, so requests no longer take the chain head's lock one commit at a time
(PostgreSQL; SQLite still chains at commit). See caseflow.core.audit.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 08:30:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'audit_pending',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), sa.Identity(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('actor_id', sa.String(length=32), nullable=True),
        sa.Column('actor_label', sa.String(length=254), nullable=False),
        sa.Column('actor_org_id', sa.String(length=32), nullable=True),
        sa.Column('action', sa.String(length=60), nullable=False),
        sa.Column('object_type', sa.String(length=40), nullable=False),
        sa.Column('object_id', sa.String(length=32), nullable=True),
        sa.Column('family_id', sa.String(length=32), nullable=True),
        sa.Column('categories', sa.JSON(), nullable=False),
        sa.Column('purpose', sa.String(length=120), nullable=True),
        sa.Column('basis', sa.String(length=120), nullable=True),
        sa.Column('request_id', sa.String(length=40), nullable=True),
        sa.Column('ip', sa.String(length=64), nullable=True),
        sa.Column('hash_version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_pending')),
    )


def downgrade() -> None:
    # Seal nothing here: a downgrade with events still pending would lose them, so refuse.
    count = op.get_bind().execute(sa.text("SELECT count(*) FROM audit_pending")).scalar()
    if count:
        raise RuntimeError(f"{count} audit events are waiting to be sealed: run the worker's sweep first")
    op.drop_table('audit_pending')
