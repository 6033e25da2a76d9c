"""Outcomes at county scale (issues 17 and 19): each family's computed progress keeps a digest of
the inputs it was computed from and the first day the date alone could change it, so a claims
run recomputes only the families whose evidence, household, plan or Outcomes Plan version
changed, or whose sustain date has come (caseflow.outcomes.progress).

Revision ID: 0028
Revises: 0022
Create Date: 2026-12-03 18:30:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0028'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('family_outcomes') as batch:
        batch.add_column(sa.Column('inputs_digest', sa.String(length=32), nullable=True))
        batch.add_column(sa.Column('recheck_on', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('family_outcomes') as batch:
        batch.drop_column('recheck_on')
        batch.drop_column('inputs_digest')
