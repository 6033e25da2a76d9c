"""Practice tools and alerts (issue 20, points 5 to 7): DASH risk checklists per adult victim
(answers and notes encrypted), the outcome wheel (the areas administrators keep, each occasion's
scores by the family and the keyworker), concern patterns (two or more concerns about a child
within seven days) with their notification type, the Operation Encompass minimum data a police
event carries, and each council's named Operation Encompass lead.

Revision ID: 0024
Revises: 0022
Create Date: 2026-12-03 17:57:59.783116
"""
from alembic import op
import sqlalchemy as sa


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

NOTIFICATION_TYPES = ('partner_event', 'event_review', 're_referral', 'escalation', 'triage_outcome', 'allocation',
                      'taf', 'plan', 'review_overdue', 'step_up', 'step_up_response', 'step_down', 'case_moved',
                      'joint_working', 'oscillation', 'break_glass')


def _notification_types(types) -> None:
    # SQLite rebuilds the table (batch mode); PostgreSQL swaps the constraint in place.
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_notifications_type'), type_='check')
        batch_op.create_check_constraint(op.f('ck_notifications_type'), sa.column('type').in_(types))


def upgrade() -> None:
    op.create_table('wheel_areas',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wheel_areas')),
    sa.UniqueConstraint('code', name=op.f('uq_wheel_areas_code'))
    )
    op.create_table('concern_patterns',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('family_id', sa.String(length=32), nullable=False),
    sa.Column('person_id', sa.String(length=32), nullable=False),
    sa.Column('first_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('concerns', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['family_id'], ['families.id'], name=op.f('fk_concern_patterns_family_id_families')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_concern_patterns_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_concern_patterns'))
    )
    with op.batch_alter_table('concern_patterns', schema=None) as batch_op:
        batch_op.create_index('ix_concern_patterns_family_latest', ['family_id', 'last_at'], unique=False)
        batch_op.create_index('ix_concern_patterns_person_latest', ['person_id', 'last_at'], unique=False)

    op.create_table('dash_checklists',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('victim_id', sa.String(length=32), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=False),
    sa.Column('answers', sa.Text(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('professional_judgement', sa.Boolean(), nullable=False),
    sa.Column('judgement_reason', sa.Text(), nullable=True),
    sa.Column('escalation', sa.Boolean(), nullable=False),
    sa.Column('marac_referred_on', sa.Date(), nullable=True),
    sa.Column('completed_by_id', sa.String(length=32), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_dash_checklists_case_id_cases')),
    sa.ForeignKeyConstraint(['completed_by_id'], ['users.id'], name=op.f('fk_dash_checklists_completed_by_id_users')),
    sa.ForeignKeyConstraint(['victim_id'], ['people.id'], name=op.f('fk_dash_checklists_victim_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dash_checklists'))
    )
    with op.batch_alter_table('dash_checklists', schema=None) as batch_op:
        batch_op.create_index('ix_dash_checklists_case_newest', ['case_id', 'completed_on', 'recorded_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_dash_checklists_victim_id'), ['victim_id'], unique=False)

    op.create_table('wheel_scorings',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('occasion', sa.Enum('assessment', 'review', 'closure', name='occasion', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('scored_on', sa.Date(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('scored_by_id', sa.String(length=32), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_wheel_scorings_case_id_cases')),
    sa.ForeignKeyConstraint(['scored_by_id'], ['users.id'], name=op.f('fk_wheel_scorings_scored_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wheel_scorings'))
    )
    with op.batch_alter_table('wheel_scorings', schema=None) as batch_op:
        batch_op.create_index('ix_wheel_scorings_case_order', ['case_id', 'scored_on', 'recorded_at'], unique=False)

    op.create_table('wheel_scores',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('scoring_id', sa.String(length=32), nullable=False),
    sa.Column('area_id', sa.String(length=32), nullable=False),
    sa.Column('family_score', sa.Integer(), nullable=False),
    sa.Column('worker_score', sa.Integer(), nullable=False),
    sa.CheckConstraint('family_score BETWEEN 1 AND 10', name=op.f('ck_wheel_scores_family_score_range')),
    sa.CheckConstraint('worker_score BETWEEN 1 AND 10', name=op.f('ck_wheel_scores_worker_score_range')),
    sa.ForeignKeyConstraint(['area_id'], ['wheel_areas.id'], name=op.f('fk_wheel_scores_area_id_wheel_areas')),
    sa.ForeignKeyConstraint(['scoring_id'], ['wheel_scorings.id'], name=op.f('fk_wheel_scores_scoring_id_wheel_scorings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wheel_scores')),
    sa.UniqueConstraint('scoring_id', 'area_id', name=op.f('uq_wheel_scores_scoring_id'))
    )
    with op.batch_alter_table('wheel_scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wheel_scores_area_id'), ['area_id'], unique=False)

    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('encompass_lead_id', sa.String(length=32), nullable=True))

    with op.batch_alter_table('partner_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('encompass', sa.Text(), nullable=True))

    _notification_types(NOTIFICATION_TYPES + ('concern_pattern',))


def downgrade() -> None:
    op.execute("DELETE FROM deliveries WHERE notification_id IN "
               "(SELECT id FROM notifications WHERE type = 'concern_pattern')")
    op.execute("DELETE FROM notifications WHERE type = 'concern_pattern'")
    _notification_types(NOTIFICATION_TYPES)
    with op.batch_alter_table('partner_events', schema=None) as batch_op:
        batch_op.drop_column('encompass')

    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('encompass_lead_id')

    with op.batch_alter_table('wheel_scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wheel_scores_area_id'))

    op.drop_table('wheel_scores')
    with op.batch_alter_table('wheel_scorings', schema=None) as batch_op:
        batch_op.drop_index('ix_wheel_scorings_case_order')

    op.drop_table('wheel_scorings')
    with op.batch_alter_table('dash_checklists', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dash_checklists_victim_id'))
        batch_op.drop_index('ix_dash_checklists_case_newest')

    op.drop_table('dash_checklists')
    with op.batch_alter_table('concern_patterns', schema=None) as batch_op:
        batch_op.drop_index('ix_concern_patterns_person_latest')
        batch_op.drop_index('ix_concern_patterns_family_latest')

    op.drop_table('concern_patterns')
    op.drop_table('wheel_areas')
