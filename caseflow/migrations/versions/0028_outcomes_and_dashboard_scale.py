"""Outcomes at county scale (issues 17 and 19): each family's computed progress keeps a digest of
the inputs it was computed from and the first day the date alone could change it, so a claims
run recomputes only the families whose evidence, household, plan or Outcomes Plan version
changed, or whose sustain date has come (caseflow.outcomes.progress). Two indexes keep the
workload and flows dashboards' live counts small at county scale: notifications past their
deadline and unacknowledged (partial), and step-ups and step-downs by action and time.

Revision ID: 0028
Revises: 0022
Create Date: 2026-12-03 18:30:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('family_outcomes') as batch:
        batch.add_column(sa.Column('inputs_digest', sa.String(length=32), nullable=True))
        batch.add_column(sa.Column('recheck_on', sa.Date(), nullable=True))
    op.create_index('ix_notifications_overdue_unacknowledged', 'notifications', ['deadline_at'],
                    postgresql_where=sa.text('acknowledged_at IS NULL AND deadline_at IS NOT NULL'),
                    sqlite_where=sa.text('acknowledged_at IS NULL AND deadline_at IS NOT NULL'))
    op.create_index('ix_case_transitions_action_at', 'case_transitions', ['action', 'at', 'case_id'])


def downgrade() -> None:
    op.drop_index('ix_case_transitions_action_at', table_name='case_transitions')
    op.drop_index('ix_notifications_overdue_unacknowledged', table_name='notifications')
    with op.batch_alter_table('family_outcomes') as batch:
        batch.drop_column('recheck_on')
        batch.drop_column('inputs_digest')
