"""Oversight (issue 20): supervision records per case, and case file audits (the checklist, the
samples managers draw and each file's grades). Discussions, findings and actions are encrypted
text, like every case note. A contact records the next visit booked.

Revision ID: 0020_oversight
Revises: 0017_county_scale_indexes
Create Date: 2026-12-03 13:50:40.440766
"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_checklist_items',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('question', sa.String(length=300), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_checklist_items')),
    sa.UniqueConstraint('code', name=op.f('uq_audit_checklist_items_code'))
    )
    op.create_table('audit_samples',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('drawn_by_id', sa.String(length=32), nullable=False),
    sa.Column('drawn_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('eligible', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['drawn_by_id'], ['users.id'], name=op.f('fk_audit_samples_drawn_by_id_users')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_audit_samples_team_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_samples'))
    )
    with op.batch_alter_table('audit_samples', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_samples_drawn_at'), ['drawn_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_samples_team_id'), ['team_id'], unique=False)

    op.create_table('case_file_audits',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('sample_id', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('grade', sa.String(length=24), nullable=True),
    sa.Column('findings', sa.Text(), nullable=True),
    sa.Column('actions', sa.Text(), nullable=True),
    sa.Column('graded_by_id', sa.String(length=32), nullable=True),
    sa.Column('graded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_file_audits_case_id_cases')),
    sa.ForeignKeyConstraint(['graded_by_id'], ['users.id'], name=op.f('fk_case_file_audits_graded_by_id_users')),
    sa.ForeignKeyConstraint(['sample_id'], ['audit_samples.id'], name=op.f('fk_case_file_audits_sample_id_audit_samples')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_file_audits')),
    # Closed sets (core.database.closed_set): the database refuses anything outside the set.
    sa.CheckConstraint("status IN ('to_grade', 'graded')", name=op.f('ck_case_file_audits_status')),
    sa.CheckConstraint("grade IN ('outstanding', 'good', 'requires_improvement', 'inadequate')",
                       name=op.f('ck_case_file_audits_grade'))
    )
    with op.batch_alter_table('case_file_audits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_file_audits_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_file_audits_graded_at'), ['graded_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_file_audits_sample_id'), ['sample_id'], unique=False)

    op.create_table('supervisions',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('supervisor_id', sa.String(length=32), nullable=False),
    sa.Column('keyworker_id', sa.String(length=32), nullable=True),
    sa.Column('discussion', sa.Text(), nullable=False),
    sa.Column('decisions', sa.Text(), nullable=False),
    sa.Column('actions', sa.Text(), nullable=True),
    sa.Column('next_due_on', sa.Date(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_supervisions_case_id_cases')),
    sa.ForeignKeyConstraint(['keyworker_id'], ['users.id'], name=op.f('fk_supervisions_keyworker_id_users')),
    sa.ForeignKeyConstraint(['supervisor_id'], ['users.id'], name=op.f('fk_supervisions_supervisor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervisions'))
    )
    with op.batch_alter_table('supervisions', schema=None) as batch_op:
        batch_op.create_index('ix_supervisions_case_newest', ['case_id', 'held_on', 'recorded_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervisions_next_due_on'), ['next_due_on'], unique=False)

    # The next visit a keyworker books when recording a contact (the caseload shows it).
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_visit_on', sa.Date(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_column('next_visit_on')
    with op.batch_alter_table('supervisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervisions_next_due_on'))
        batch_op.drop_index('ix_supervisions_case_newest')

    op.drop_table('supervisions')
    with op.batch_alter_table('case_file_audits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_file_audits_sample_id'))
        batch_op.drop_index(batch_op.f('ix_case_file_audits_graded_at'))
        batch_op.drop_index(batch_op.f('ix_case_file_audits_case_id'))

    op.drop_table('case_file_audits')
    with op.batch_alter_table('audit_samples', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_samples_team_id'))
        batch_op.drop_index(batch_op.f('ix_audit_samples_drawn_at'))

    op.drop_table('audit_samples')
    op.drop_table('audit_checklist_items')
