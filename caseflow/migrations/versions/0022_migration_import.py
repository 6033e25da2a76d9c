"""migration import (issue 18): the source-system id of every migrated record, import jobs, and
the uploaded bundles waiting for their job

Revision ID: 0022_migration_import
Revises: 0017_county_scale_indexes
Create Date: 2026-12-03 13:50:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

KINDS = ("organisation", "user", "family", "person", "membership", "case", "case_stage", "contact",
         "assessment", "plan", "plan_outcome", "plan_action", "review", "consent")
STATUSES = ("queued", "checking", "importing", "done", "failed", "cancelled")


def _one_of(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table('migration_records',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('source_system', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('source_id', sa.String(length=64), nullable=False),
    sa.Column('record_id', sa.String(length=32), nullable=False),
    sa.Column('family_id', sa.String(length=32), nullable=True),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('import_job_id', sa.String(length=32), nullable=True),
    sa.CheckConstraint(_one_of('kind', KINDS), name=op.f('ck_migration_records_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_migration_records')),
    sa.UniqueConstraint('source_system', 'kind', 'source_id',
                        name=op.f('uq_migration_records_source_system'))
    )
    op.create_index('ix_migration_records_record', 'migration_records', ['kind', 'record_id'])
    op.create_index(op.f('ix_migration_records_family_id'), 'migration_records', ['family_id'])

    op.create_table('import_jobs',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('source_system', sa.String(length=60), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('dry_run', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('rows_total', sa.Integer(), nullable=False),
    sa.Column('rows_done', sa.Integer(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('problems', sa.JSON(), nullable=False),
    sa.Column('problem_count', sa.Integer(), nullable=False),
    sa.Column('cancel_requested', sa.Boolean(), nullable=False),
    sa.Column('error', sa.String(length=300), nullable=True),
    sa.Column('created_by_id', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint(_one_of('status', STATUSES), name=op.f('ck_import_jobs_status')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_import_jobs_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_jobs'))
    )
    op.create_index(op.f('ix_import_jobs_created_at'), 'import_jobs', ['created_at'])
    op.create_index(op.f('ix_import_jobs_created_by_id'), 'import_jobs', ['created_by_id'])

    op.create_table('import_upload_chunks',
    sa.Column('job_id', sa.String(length=32), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['import_jobs.id'], ondelete='CASCADE',
                            name=op.f('fk_import_upload_chunks_job_id_import_jobs')),
    sa.PrimaryKeyConstraint('job_id', 'seq', name=op.f('pk_import_upload_chunks'))
    )


def downgrade() -> None:
    op.drop_table('import_upload_chunks')
    op.drop_index(op.f('ix_import_jobs_created_by_id'), table_name='import_jobs')
    op.drop_index(op.f('ix_import_jobs_created_at'), table_name='import_jobs')
    op.drop_table('import_jobs')
    op.drop_index(op.f('ix_migration_records_family_id'), table_name='migration_records')
    op.drop_index('ix_migration_records_record', table_name='migration_records')
    op.drop_table('migration_records')
