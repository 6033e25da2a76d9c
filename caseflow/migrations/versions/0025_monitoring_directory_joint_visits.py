"""After closure, the directory of local services, joint visits and the advice line (issue 20,
points 8-10): the `monitoring` stage (the closed-set constraints on a case's stage widen to take
it), monitoring periods and their check-ins, the named contact of a step-down to universal
services, the directory and each family pointed to a service in it, the practitioners on a
joint visit, and the front door's advice line log. Free text about people is encrypted.

Revision ID: 0025
Revises: 0022
Create Date: 2026-12-03 18:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

STAGES = ('requested', 'triaged', 'awaiting_panel', 'allocated', 'assessing', 'planning', 'reviewing', 'closed',
          'signposted', 'social_care', 'stepped_down')
STAGE_COLUMNS = (('cases', 'stage'), ('case_transitions', 'from_stage'), ('case_transitions', 'to_stage'),
                 ('step_ups', 'from_stage'))


def _stage_constraints(stages) -> None:
    for table, column in STAGE_COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_{column}'), type_='check')
            batch_op.create_check_constraint(op.f(f'ck_{table}_{column}'), sa.column(column).in_(stages))


def upgrade() -> None:
    _stage_constraints(STAGES + ('monitoring',))
    op.create_table('local_services',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=False),
    sa.Column('offers', sa.Text(), nullable=False),
    sa.Column('problems', sa.JSON(), nullable=False),
    sa.Column('area', sa.String(length=120), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('website', sa.String(length=300), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('eligibility', sa.Text(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('updated_by_id', sa.String(length=32), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_local_services_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_local_services'))
    )
    op.create_index('ix_local_services_active_name', 'local_services', ['active', 'name'], unique=False)
    op.create_table('case_signposts',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('service_id', sa.String(length=32), nullable=False),
    sa.Column('context', sa.Enum('triage', 'panel', 'closure', name='context', native_enum=False,
                                 create_constraint=True, length=16), nullable=False),
    sa.Column('chosen_by_id', sa.String(length=32), nullable=False),
    sa.Column('chosen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_signposts_case_id_cases')),
    sa.ForeignKeyConstraint(['chosen_by_id'], ['users.id'], name=op.f('fk_case_signposts_chosen_by_id_users')),
    sa.ForeignKeyConstraint(['service_id'], ['local_services.id'], name=op.f('fk_case_signposts_service_id_local_services')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_signposts'))
    )
    op.create_index(op.f('ix_case_signposts_case_id'), 'case_signposts', ['case_id'], unique=False)
    op.create_index(op.f('ix_case_signposts_service_id'), 'case_signposts', ['service_id'], unique=False)
    op.create_table('monitoring_periods',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('started_by_id', sa.String(length=32), nullable=False),
    sa.Column('review_outcome', sa.Enum('sustained', 'partly_sustained', 'not_sustained', name='review_outcome',
                                        native_enum=False, create_constraint=True, length=24), nullable=True),
    sa.Column('review_summary', sa.Text(), nullable=True),
    sa.Column('reviewed_on', sa.Date(), nullable=True),
    sa.Column('reviewed_by_id', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_monitoring_periods_case_id_cases')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_monitoring_periods_reviewed_by_id_users')),
    sa.ForeignKeyConstraint(['started_by_id'], ['users.id'], name=op.f('fk_monitoring_periods_started_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monitoring_periods')),
    sa.UniqueConstraint('case_id', name=op.f('uq_monitoring_periods_case_id'))
    )
    op.create_index(op.f('ix_monitoring_periods_ends_on'), 'monitoring_periods', ['ends_on'], unique=False)
    op.create_table('monitoring_check_ins',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('period_id', sa.String(length=32), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('outcome', sa.Enum('going_well', 'some_concerns', 'needs_help_again', 'no_contact', name='outcome',
                                 native_enum=False, create_constraint=True, length=24), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_by_id', sa.String(length=32), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['period_id'], ['monitoring_periods.id'], name=op.f('fk_monitoring_check_ins_period_id_monitoring_periods')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_monitoring_check_ins_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monitoring_check_ins'))
    )
    op.create_index(op.f('ix_monitoring_check_ins_period_id'), 'monitoring_check_ins', ['period_id'], unique=False)
    op.create_index('ix_monitoring_check_ins_due', 'monitoring_check_ins', ['due_on', 'done_on'], unique=False)
    op.create_table('step_down_contacts',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('person_name', sa.Text(), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=False),
    sa.Column('how_to_reach', sa.Text(), nullable=False),
    sa.Column('service_id', sa.String(length=32), nullable=True),
    sa.Column('recorded_by_id', sa.String(length=32), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_step_down_contacts_case_id_cases')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_step_down_contacts_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['service_id'], ['local_services.id'], name=op.f('fk_step_down_contacts_service_id_local_services')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_step_down_contacts')),
    sa.UniqueConstraint('case_id', name=op.f('uq_step_down_contacts_case_id'))
    )
    op.create_table('contact_practitioners',
    sa.Column('contact_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_contact_practitioners_contact_id_contacts')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_contact_practitioners_user_id_users')),
    sa.PrimaryKeyConstraint('contact_id', 'user_id', name=op.f('pk_contact_practitioners'))
    )
    op.create_index(op.f('ix_contact_practitioners_user_id'), 'contact_practitioners', ['user_id'], unique=False)
    op.create_index('ix_contacts_recorded_by', 'contacts', ['recorded_by_id', 'occurred_on'], unique=False)
    op.create_table('advice_calls',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('called_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('caller_name', sa.Text(), nullable=False),
    sa.Column('caller_organisation', sa.String(length=200), nullable=False),
    sa.Column('caller_contact', sa.Text(), nullable=True),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('advice', sa.Text(), nullable=False),
    sa.Column('became_request', sa.Boolean(), nullable=False),
    sa.Column('request_id', sa.String(length=32), nullable=True),
    sa.Column('family_id', sa.String(length=32), nullable=True),
    sa.Column('answered_by_id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_advice_calls_answered_by_id_users')),
    sa.ForeignKeyConstraint(['family_id'], ['families.id'], name=op.f('fk_advice_calls_family_id_families')),
    sa.ForeignKeyConstraint(['request_id'], ['requests_for_help.id'], name=op.f('fk_advice_calls_request_id_requests_for_help')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_advice_calls'))
    )
    op.create_index(op.f('ix_advice_calls_family_id'), 'advice_calls', ['family_id'], unique=False)
    op.create_index('ix_advice_calls_newest', 'advice_calls', ['called_at', 'id'], unique=False)


def downgrade() -> None:
    op.drop_table('advice_calls')
    op.drop_table('contact_practitioners')
    op.drop_index('ix_contacts_recorded_by', table_name='contacts')
    op.drop_table('step_down_contacts')
    op.drop_table('monitoring_check_ins')
    op.drop_table('monitoring_periods')
    op.drop_table('case_signposts')
    op.drop_table('local_services')
    _stage_constraints(STAGES)
