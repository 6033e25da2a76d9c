"""The key canary: one value encrypted under the keys in use, so a server started with the wrong
keys refuses to start instead of failing on the first family it opens (caseflow.core.readiness).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 10:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('key_canary',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_key_canary'))
    )


def downgrade() -> None:
    op.drop_table('key_canary')
