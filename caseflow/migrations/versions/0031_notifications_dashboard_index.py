"""The notifications dashboard lists the newest notifications that carry a deadline (partner
events' alerts and their escalations). Walking the index of every notification newest first,
PostgreSQL read and dropped each newer one without a deadline (17,360 for 200 kept, 7.6 ms, in
the 1,000,000-person bench county, and more as inbox traffic grows). A partial index of those
with a deadline, by creation time, reads just them: under a millisecond.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-04 23:05:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None

WITH_DEADLINE = sa.text("deadline_at IS NOT NULL")


def upgrade() -> None:
    op.create_index('ix_notifications_with_deadline_newest', 'notifications', ['created_at'],
                    postgresql_where=WITH_DEADLINE, sqlite_where=WITH_DEADLINE)


def downgrade() -> None:
    op.drop_index('ix_notifications_with_deadline_newest', table_name='notifications')
