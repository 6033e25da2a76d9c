"""The front-door queue lists the requests still waiting (new, or needing a match check) oldest
first. With only an index on received_at, PostgreSQL read the whole history of requests to find
the few still waiting, which are the newest: 783 ms at 1,000,000 people (312,454 rows read and
dropped for 51 kept). A partial index of the waiting requests by (received_at, id) reads just
them, in order: 1.4 ms.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-04 21:05:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None

WAITING = sa.text("status IN ('new', 'needs_review')")


def upgrade() -> None:
    op.create_index('ix_requests_for_help_waiting', 'requests_for_help', ['received_at', 'id'],
                    postgresql_where=WAITING, sqlite_where=WAITING)


def downgrade() -> None:
    op.drop_index('ix_requests_for_help_waiting', table_name='requests_for_help')
