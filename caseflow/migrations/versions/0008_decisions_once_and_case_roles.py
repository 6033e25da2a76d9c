"""Decisions made once and amended on the record; social care's response to a step-up; an
action owner's progress on their action.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 10:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('decision_amendments',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('record_id', sa.String(length=32), nullable=False),
    sa.Column('previous', sa.Text(), nullable=False),
    sa.Column('amended', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('amended_by_id', sa.String(length=32), nullable=False),
    sa.Column('amended_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_decision_amendments_case_id_cases')),
    sa.ForeignKeyConstraint(['amended_by_id'], ['users.id'], name=op.f('fk_decision_amendments_amended_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decision_amendments'))
    )
    with op.batch_alter_table('decision_amendments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decision_amendments_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_decision_amendments_record_id'), ['record_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_decision_amendments_amended_at'), ['amended_at'], unique=False)

    with op.batch_alter_table('step_ups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('response', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('response_note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('responded_by_id', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_step_ups_responded_by_id_users'), 'users',
                                    ['responded_by_id'], ['id'])

    with op.batch_alter_table('plan_actions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('progress_note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('progress_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('progress_by_id', sa.String(length=32), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_plan_actions_progress_by_id_users'), 'users',
                                    ['progress_by_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('plan_actions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_plan_actions_progress_by_id_users'), type_='foreignkey')
        batch_op.drop_column('progress_by_id')
        batch_op.drop_column('progress_at')
        batch_op.drop_column('progress_note')

    with op.batch_alter_table('step_ups', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_step_ups_responded_by_id_users'), type_='foreignkey')
        batch_op.drop_column('responded_at')
        batch_op.drop_column('responded_by_id')
        batch_op.drop_column('response_note')
        batch_op.drop_column('response')

    with op.batch_alter_table('decision_amendments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decision_amendments_amended_at'))
        batch_op.drop_index(batch_op.f('ix_decision_amendments_record_id'))
        batch_op.drop_index(batch_op.f('ix_decision_amendments_case_id'))

    op.drop_table('decision_amendments')
