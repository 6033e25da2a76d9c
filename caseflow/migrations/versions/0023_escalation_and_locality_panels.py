"""escalation and locality panels (issue 20, points 1 and 11): localities with their teams,
families and meeting cadence; a panel's kind (allocation or Action & Impact) and locality; stuck
cases nominated to Action & Impact, the actions it agrees (and follows up), and partners'
contributions to a panel's agenda

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03 17:55:57.592122
"""
from alembic import op
import sqlalchemy as sa


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('localities',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('cadence', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("cadence IN ('daily', 'weekly', 'fortnightly', 'monthly')", name=op.f('ck_localities_cadence')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_localities')),
    sa.UniqueConstraint('name', name=op.f('uq_localities_name'))
    )
    op.create_table('locality_teams',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('locality_id', sa.String(length=32), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['locality_id'], ['localities.id'], name=op.f('fk_locality_teams_locality_id_localities')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_locality_teams_team_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_locality_teams')),
    sa.UniqueConstraint('team_id', name=op.f('uq_locality_teams_team_id'))
    )
    with op.batch_alter_table('locality_teams', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_locality_teams_locality_id'), ['locality_id'], unique=False)

    op.create_table('locality_families',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('locality_id', sa.String(length=32), nullable=False),
    sa.Column('family_id', sa.String(length=32), nullable=False),
    sa.Column('placed_by_id', sa.String(length=32), nullable=False),
    sa.Column('placed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['family_id'], ['families.id'], name=op.f('fk_locality_families_family_id_families')),
    sa.ForeignKeyConstraint(['locality_id'], ['localities.id'], name=op.f('fk_locality_families_locality_id_localities')),
    sa.ForeignKeyConstraint(['placed_by_id'], ['users.id'], name=op.f('fk_locality_families_placed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_locality_families')),
    sa.UniqueConstraint('family_id', name=op.f('uq_locality_families_family_id'))
    )
    with op.batch_alter_table('locality_families', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_locality_families_locality_id'), ['locality_id'], unique=False)

    op.create_table('panel_contributions',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('panel_id', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('family_id', sa.String(length=32), nullable=False),
    sa.Column('organisation_id', sa.String(length=32), nullable=False),
    sa.Column('author_id', sa.String(length=32), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_panel_contributions_author_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_panel_contributions_case_id_cases')),
    sa.ForeignKeyConstraint(['family_id'], ['families.id'], name=op.f('fk_panel_contributions_family_id_families')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_panel_contributions_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['panel_id'], ['panels.id'], name=op.f('fk_panel_contributions_panel_id_panels')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_panel_contributions')),
    sa.UniqueConstraint('panel_id', 'case_id', 'organisation_id', name='uq_panel_contribution')
    )
    with op.batch_alter_table('panel_contributions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_panel_contributions_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_panel_contributions_family_id'), ['family_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_panel_contributions_panel_id'), ['panel_id'], unique=False)

    op.create_table('panel_nominations',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('panel_id', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('stuck', sa.Text(), nullable=False),
    sa.Column('ask', sa.Text(), nullable=False),
    sa.Column('nominated_by_id', sa.String(length=32), nullable=False),
    sa.Column('nominated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('discussion', sa.Text(), nullable=True),
    sa.Column('discussed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('discussed_by_id', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_panel_nominations_case_id_cases')),
    sa.ForeignKeyConstraint(['discussed_by_id'], ['users.id'], name=op.f('fk_panel_nominations_discussed_by_id_users')),
    sa.ForeignKeyConstraint(['nominated_by_id'], ['users.id'], name=op.f('fk_panel_nominations_nominated_by_id_users')),
    sa.ForeignKeyConstraint(['panel_id'], ['panels.id'], name=op.f('fk_panel_nominations_panel_id_panels')),
    sa.CheckConstraint("status IN ('waiting', 'discussed')", name=op.f('ck_panel_nominations_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_panel_nominations')),
    sa.UniqueConstraint('panel_id', 'case_id', name='uq_panel_nomination_case')
    )
    with op.batch_alter_table('panel_nominations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_panel_nominations_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_panel_nominations_panel_id'), ['panel_id'], unique=False)

    op.create_table('panel_actions',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('nomination_id', sa.String(length=32), nullable=False),
    sa.Column('panel_id', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('owner_user_id', sa.String(length=32), nullable=True),
    sa.Column('owner_organisation_id', sa.String(length=32), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('plan_action_id', sa.String(length=32), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('agreed_by_id', sa.String(length=32), nullable=False),
    sa.Column('agreed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('follow_up_note', sa.Text(), nullable=True),
    sa.Column('followed_up_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('followed_up_panel_id', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['agreed_by_id'], ['users.id'], name=op.f('fk_panel_actions_agreed_by_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_panel_actions_case_id_cases')),
    sa.ForeignKeyConstraint(['followed_up_panel_id'], ['panels.id'], name=op.f('fk_panel_actions_followed_up_panel_id_panels')),
    sa.ForeignKeyConstraint(['nomination_id'], ['panel_nominations.id'], name=op.f('fk_panel_actions_nomination_id_panel_nominations')),
    sa.ForeignKeyConstraint(['owner_organisation_id'], ['organisations.id'], name=op.f('fk_panel_actions_owner_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['owner_user_id'], ['users.id'], name=op.f('fk_panel_actions_owner_user_id_users')),
    sa.ForeignKeyConstraint(['panel_id'], ['panels.id'], name=op.f('fk_panel_actions_panel_id_panels')),
    sa.ForeignKeyConstraint(['plan_action_id'], ['plan_actions.id'], name=op.f('fk_panel_actions_plan_action_id_plan_actions'), ondelete='SET NULL'),
    sa.CheckConstraint("status IN ('open', 'done', 'dropped')", name=op.f('ck_panel_actions_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_panel_actions'))
    )
    with op.batch_alter_table('panel_actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_panel_actions_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_panel_actions_nomination_id'), ['nomination_id'], unique=False)
        batch_op.create_index('ix_panel_actions_open', ['status', 'due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_panel_actions_panel_id'), ['panel_id'], unique=False)

    with op.batch_alter_table('panels', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), server_default='allocation', nullable=False))
        batch_op.create_check_constraint(op.f('ck_panels_kind'), "kind IN ('allocation', 'escalation')")
        batch_op.add_column(sa.Column('locality_id', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_panels_locality_id'), ['locality_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_panels_locality_id_localities'), 'localities', ['locality_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('panels', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_panels_locality_id_localities'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_panels_locality_id'))
        batch_op.drop_column('locality_id')
        batch_op.drop_constraint(op.f('ck_panels_kind'), type_='check')
        batch_op.drop_column('kind')

    with op.batch_alter_table('panel_actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_panel_actions_panel_id'))
        batch_op.drop_index('ix_panel_actions_open')
        batch_op.drop_index(batch_op.f('ix_panel_actions_nomination_id'))
        batch_op.drop_index(batch_op.f('ix_panel_actions_case_id'))

    op.drop_table('panel_actions')
    with op.batch_alter_table('panel_nominations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_panel_nominations_panel_id'))
        batch_op.drop_index(batch_op.f('ix_panel_nominations_case_id'))

    op.drop_table('panel_nominations')
    with op.batch_alter_table('panel_contributions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_panel_contributions_panel_id'))
        batch_op.drop_index(batch_op.f('ix_panel_contributions_family_id'))
        batch_op.drop_index(batch_op.f('ix_panel_contributions_case_id'))

    op.drop_table('panel_contributions')
    with op.batch_alter_table('locality_families', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_locality_families_locality_id'))

    op.drop_table('locality_families')
    with op.batch_alter_table('locality_teams', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_locality_teams_locality_id'))

    op.drop_table('locality_teams')
    op.drop_table('localities')
