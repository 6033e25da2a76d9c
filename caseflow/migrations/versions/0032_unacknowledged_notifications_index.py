"""Every page's header counts the signed-in person's unacknowledged notifications. The inbox
index (recipient, created_at, id) finds a person's rows but not which are unacknowledged, so
the count visited each of them in the table; for a duty manager with thousands of notifications
PostgreSQL chose to scan the whole table instead (65 ms in the 1,000,000-person bench county,
on every page they opened). A partial index of the unacknowledged ones by recipient counts them
from the index alone.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-04 23:10:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None

UNACKNOWLEDGED = sa.text("acknowledged_at IS NULL")


def upgrade() -> None:
    op.create_index('ix_notifications_unacknowledged', 'notifications', ['recipient_id'],
                    postgresql_where=UNACKNOWLEDGED, sqlite_where=UNACKNOWLEDGED)


def downgrade() -> None:
    op.drop_index('ix_notifications_unacknowledged', table_name='notifications')
