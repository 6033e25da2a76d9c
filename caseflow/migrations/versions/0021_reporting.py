"""The analyst's extract jobs (issue 19): queued, with progress, and the pseudonymised file each
made, encrypted at rest; the dashboards' daily aggregates and when they were last refreshed.

Revision ID: 0021_reporting
Revises: 0017 (county-scale indexes)
Create Date: 2026-12-03 14:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'report_jobs',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('requested_by_id', sa.String(length=32), nullable=False),
        sa.Column('purpose', sa.String(length=32), nullable=False),
        sa.Column('period_start', sa.Date(), nullable=False),
        sa.Column('period_end', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('row_count', sa.Integer(), nullable=False),
        sa.Column('result', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("purpose IN ('service_planning', 'national_return', 'evaluation')",
                           name=op.f('ck_report_jobs_purpose')),
        sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_report_jobs_status')),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'],
                                name=op.f('fk_report_jobs_requested_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_jobs')),
    )
    op.create_index(op.f('ix_report_jobs_requested_by_id'), 'report_jobs', ['requested_by_id'], unique=False)
    op.create_index(op.f('ix_report_jobs_created_at'), 'report_jobs', ['created_at'], unique=False)
    op.create_table(
        'report_daily_counts',
        sa.Column('measure', sa.String(length=40), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('team_id', sa.String(length=32), nullable=False),
        sa.Column('organisation_id', sa.String(length=32), nullable=False),
        sa.Column('category', sa.String(length=60), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('measure', 'day', 'team_id', 'organisation_id', 'category',
                                name=op.f('pk_report_daily_counts')),
    )
    op.create_table(
        'report_refreshes',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('rows', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_refreshes')),
    )
    op.create_index(op.f('ix_report_refreshes_finished_at'), 'report_refreshes', ['finished_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_report_refreshes_finished_at'), table_name='report_refreshes')
    op.drop_table('report_refreshes')
    op.drop_table('report_daily_counts')
    op.drop_index(op.f('ix_report_jobs_created_at'), table_name='report_jobs')
    op.drop_index(op.f('ix_report_jobs_requested_by_id'), table_name='report_jobs')
    op.drop_table('report_jobs')
