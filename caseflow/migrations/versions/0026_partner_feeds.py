"""partner data feeds (issue 18): named feed sources with their column mapping, feed import jobs,
the rows waiting for a person to decide their match, and the housing and health evidence kinds

Revision ID: 0026
Revises: 0022
Create Date: 2026-12-03 18:20:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

FEED_KINDS = ("school_attendance", "school_exclusions", "police_offences", "police_asb", "police_domestic_abuse",
              "housing", "benefits", "employment", "health_flags")
MATCH_STATUSES = ("needs_review", "new", "confirmed", "rejected")
IMPORT_KINDS = ("migration", "feed")
OLD_EVIDENCE_KINDS = ("attendance", "exclusion", "offence", "asb", "domestic_abuse_incident", "employment",
                      "benefit_claim", "keyworker_outcome")
EVIDENCE_KINDS = OLD_EVIDENCE_KINDS + ("housing", "health_flag")


def _one_of(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _evidence_kinds(kinds) -> None:
    for table in ("outcome_evidence", "outcome_unit_costs"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_kind'), type_='check')
            batch_op.create_check_constraint(op.f(f'ck_{table}_kind'), _one_of('kind', kinds))


def upgrade() -> None:
    op.create_table('feed_sources',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('organisation_id', sa.String(length=32), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.String(length=32), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint(_one_of('kind', FEED_KINDS), name=op.f('ck_feed_sources_kind')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                            name=op.f('fk_feed_sources_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_feed_sources_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feed_sources')),
    sa.UniqueConstraint('name', name=op.f('uq_feed_sources_name'))
    )
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), nullable=False, server_default='migration'))
        batch_op.add_column(sa.Column('feed_source_id', sa.String(length=32), nullable=True))
        batch_op.create_check_constraint(op.f('ck_import_jobs_kind'), _one_of('kind', IMPORT_KINDS))
        batch_op.create_foreign_key(op.f('fk_import_jobs_feed_source_id_feed_sources'), 'feed_sources',
                                    ['feed_source_id'], ['id'])
        batch_op.create_index(op.f('ix_import_jobs_feed_source_id'), ['feed_source_id'])
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.alter_column('kind', server_default=None)
        batch_op.create_index('ix_import_jobs_kind_created_at', ['kind', 'created_at'])

    op.create_table('feed_matches',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('feed_source_id', sa.String(length=32), nullable=False),
    sa.Column('import_job_id', sa.String(length=32), nullable=True),
    sa.Column('row_key', sa.String(length=64), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('submitted', sa.Text(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('candidates', sa.JSON(), nullable=False),
    sa.Column('person_id', sa.String(length=32), nullable=True),
    sa.Column('decided_by_id', sa.String(length=32), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint(_one_of('status', MATCH_STATUSES), name=op.f('ck_feed_matches_status')),
    sa.ForeignKeyConstraint(['feed_source_id'], ['feed_sources.id'],
                            name=op.f('fk_feed_matches_feed_source_id_feed_sources')),
    sa.ForeignKeyConstraint(['import_job_id'], ['import_jobs.id'], ondelete='SET NULL',
                            name=op.f('fk_feed_matches_import_job_id_import_jobs')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], ondelete='SET NULL',
                            name=op.f('fk_feed_matches_person_id_people')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_feed_matches_decided_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feed_matches')),
    sa.UniqueConstraint('feed_source_id', 'row_key', name=op.f('uq_feed_matches_feed_source_id'))
    )
    op.create_index('ix_feed_matches_status_created', 'feed_matches', ['status', 'created_at'])
    op.create_index(op.f('ix_feed_matches_import_job_id'), 'feed_matches', ['import_job_id'])
    op.create_index(op.f('ix_feed_matches_person_id'), 'feed_matches', ['person_id'])
    _evidence_kinds(EVIDENCE_KINDS)


def downgrade() -> None:
    op.execute("DELETE FROM outcome_evidence WHERE kind IN ('housing', 'health_flag')")
    op.execute("DELETE FROM outcome_unit_costs WHERE kind IN ('housing', 'health_flag')")
    _evidence_kinds(OLD_EVIDENCE_KINDS)
    op.drop_index(op.f('ix_feed_matches_person_id'), table_name='feed_matches')
    op.drop_index(op.f('ix_feed_matches_import_job_id'), table_name='feed_matches')
    op.drop_index('ix_feed_matches_status_created', table_name='feed_matches')
    op.drop_table('feed_matches')
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_import_jobs_kind_created_at')
        batch_op.drop_index(op.f('ix_import_jobs_feed_source_id'))
        batch_op.drop_constraint(op.f('fk_import_jobs_feed_source_id_feed_sources'), type_='foreignkey')
        batch_op.drop_constraint(op.f('ck_import_jobs_kind'), type_='check')
        batch_op.drop_column('feed_source_id')
        batch_op.drop_column('kind')
    op.drop_table('feed_sources')
