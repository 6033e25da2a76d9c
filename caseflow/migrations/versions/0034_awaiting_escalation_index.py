"""The worker's sweep, every two seconds, looks for notifications past their deadline that nobody
acknowledged and that have not yet escalated. The index it used (0028, for the workload
dashboard) holds every unacknowledged notification with a deadline, escalated or not, and
escalated alerts that stay unacknowledged pile up for years: in the 1,000,000-person bench
county each sweep read 11,519 of them to find none due (22 ms of PostgreSQL every two seconds,
and growing). A partial index of those still waiting to escalate holds only alerts whose
deadline is still to come or has just passed.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-06 01:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None

AWAITING = sa.text("acknowledged_at IS NULL AND escalated_at IS NULL AND deadline_at IS NOT NULL")


def upgrade() -> None:
    op.create_index('ix_notifications_awaiting_escalation', 'notifications', ['deadline_at'],
                    postgresql_where=AWAITING, sqlite_where=AWAITING)


def downgrade() -> None:
    op.drop_index('ix_notifications_awaiting_escalation', table_name='notifications')
