"""data identification (issue 18, point 3): identification runs, the families each proposed and
their problems; indexes on the evidence store for the run's look-ups

Revision ID: 0027
Revises: 0022
Create Date: 2026-12-03 18:20:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

RUN_STATES = ("queued", "running", "done", "failed")
IDENTIFIED_STATES = ("proposed", "request_started", "dismissed")


def _one_of(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table('identification_runs',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('min_problems', sa.Integer(), nullable=False),
    sa.Column('plan_version_id', sa.String(length=32), nullable=False),
    sa.Column('identified', sa.Integer(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('started_by_id', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failed', sa.Boolean(), nullable=False),
    sa.CheckConstraint(_one_of('state', RUN_STATES), name=op.f('ck_identification_runs_state')),
    sa.ForeignKeyConstraint(['plan_version_id'], ['outcomes_plan_versions.id'],
                            name=op.f('fk_identification_runs_plan_version_id_outcomes_plan_versions')),
    sa.ForeignKeyConstraint(['started_by_id'], ['users.id'], name=op.f('fk_identification_runs_started_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identification_runs'))
    )
    op.create_index(op.f('ix_identification_runs_created_at'), 'identification_runs', ['created_at'])

    op.create_table('identified_families',
    sa.Column('run_id', sa.String(length=32), nullable=False),
    sa.Column('family_id', sa.String(length=32), nullable=False),
    sa.Column('problem_count', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('decided_by_id', sa.String(length=32), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('dismissal_reason', sa.Text(), nullable=True),
    sa.Column('request_id', sa.String(length=32), nullable=True),
    sa.CheckConstraint(_one_of('state', IDENTIFIED_STATES), name=op.f('ck_identified_families_state')),
    sa.ForeignKeyConstraint(['run_id'], ['identification_runs.id'], name=op.f('fk_identified_families_run_id_identification_runs')),
    sa.ForeignKeyConstraint(['family_id'], ['families.id'], name=op.f('fk_identified_families_family_id_families')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_identified_families_decided_by_id_users')),
    sa.ForeignKeyConstraint(['request_id'], ['requests_for_help.id'],
                            name=op.f('fk_identified_families_request_id_requests_for_help')),
    sa.PrimaryKeyConstraint('run_id', 'family_id', name=op.f('pk_identified_families'))
    )
    op.create_index('ix_identified_families_run_list', 'identified_families', ['run_id', 'problem_count', 'family_id'])
    op.create_index('ix_identified_families_family_state', 'identified_families', ['family_id', 'state', 'decided_at'])

    op.create_table('identified_problems',
    sa.Column('run_id', sa.String(length=32), nullable=False),
    sa.Column('family_id', sa.String(length=32), nullable=False),
    sa.Column('problem_code', sa.String(length=40), nullable=False),
    sa.Column('evidence_count', sa.Integer(), nullable=False),
    sa.Column('latest_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['identification_runs.id'], name=op.f('fk_identified_problems_run_id_identification_runs')),
    sa.ForeignKeyConstraint(['family_id'], ['families.id'], name=op.f('fk_identified_problems_family_id_families')),
    sa.PrimaryKeyConstraint('run_id', 'family_id', 'problem_code', name=op.f('pk_identified_problems'))
    )

    op.create_index('ix_outcome_evidence_kind_period', 'outcome_evidence', ['kind', 'period_start', 'person_id'])
    op.create_index('ix_outcome_evidence_person_recorded', 'outcome_evidence', ['person_id', 'recorded_at'])


def downgrade() -> None:
    op.drop_index('ix_outcome_evidence_person_recorded', table_name='outcome_evidence')
    op.drop_index('ix_outcome_evidence_kind_period', table_name='outcome_evidence')
    op.drop_table('identified_problems')
    op.drop_table('identified_families')
    op.drop_table('identification_runs')
