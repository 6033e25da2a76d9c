"""Family records over time (issue 21): people's previous names (searched by the matcher),
their history of corrections, household membership dates and why someone left, relationships
with parental responsibility, merges of duplicate records (with what each moved, so an unmerge
can put it back) and the potential-duplicates list.

The closed sets are written out here, frozen as they are at this revision.

Revision ID: 0019_person_history
Revises: 0017
Create Date: 2026-12-03 13:30:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

LEAVE_REASONS = ('moved_out', 'moved_to_household', 'died')
RELATIONSHIP_KINDS = ('parent', 'step_parent', 'foster_carer', 'grandparent', 'sibling', 'half_sibling',
                      'partner', 'other_relative')
CHANGE_KINDS = ('correction', 'joined', 'left', 'relationship', 'merged', 'unmerged', 'split')
RECORD_KINDS = ('person', 'family')
MERGE_STATUSES = ('merged', 'unmerged')
DUPLICATE_SOURCES = ('matcher', 'import', 'scan', 'officer')
DUPLICATE_STATUSES = ('open', 'merged', 'dismissed')


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _check(table: str, column: str, values, name: str | None = None) -> sa.CheckConstraint:
    return sa.CheckConstraint(_in(column, values), name=op.f(f'ck_{table}_{name or column}'))


def upgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('date_of_death', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('merged_into_id', sa.String(length=32), nullable=True))
        batch_op.create_foreign_key(op.f('fk_people_merged_into_id_people'), 'people', ['merged_into_id'], ['id'])
        batch_op.create_index(op.f('ix_people_merged_into_id'), ['merged_into_id'])
    with op.batch_alter_table('families', schema=None) as batch_op:
        batch_op.add_column(sa.Column('merged_into_id', sa.String(length=32), nullable=True))
        batch_op.create_foreign_key(op.f('fk_families_merged_into_id_families'), 'families', ['merged_into_id'], ['id'])
        batch_op.create_index(op.f('ix_families_merged_into_id'), ['merged_into_id'])
    with op.batch_alter_table('family_members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('joined_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('left_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('leave_reason', sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column('moved_to_family_id', sa.String(length=32), nullable=True))
        batch_op.create_foreign_key(op.f('fk_family_members_moved_to_family_id_families'), 'families',
                                    ['moved_to_family_id'], ['id'])
        batch_op.create_check_constraint(op.f('ck_family_members_leave_reason'), _in('leave_reason', LEAVE_REASONS))
        batch_op.create_index(op.f('ix_family_members_moved_to_family_id'), ['moved_to_family_id'])
    # A merge finds every reference to the record it merges by an index (caseflow.records.merging).
    op.create_index(op.f('ix_consents_given_by_person_id'), 'consents', ['given_by_person_id'])
    op.create_index(op.f('ix_notifications_family_id'), 'notifications', ['family_id'])

    op.create_table(
        'person_names',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('person_id', sa.String(length=32), nullable=False),
        sa.Column('given_name', sa.String(length=100), nullable=False),
        sa.Column('family_name', sa.String(length=100), nullable=False),
        sa.Column('given_name_norm', sa.String(length=100), nullable=False),
        sa.Column('family_name_norm', sa.String(length=100), nullable=False),
        sa.Column('name_phonetic', sa.String(length=32), nullable=True),
        sa.Column('replaced_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_person_names_person_id_people')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_person_names')),
    )
    op.create_index(op.f('ix_person_names_person_id'), 'person_names', ['person_id'])
    op.create_index('ix_person_names_phonetic', 'person_names', ['name_phonetic'])
    op.create_index('ix_person_names_names', 'person_names', ['family_name_norm', 'given_name_norm'])
    op.create_index('ix_person_names_given_prefix', 'person_names', ['given_name_norm'],
                    postgresql_ops={'given_name_norm': 'varchar_pattern_ops'})
    op.create_index('ix_person_names_family_prefix', 'person_names', ['family_name_norm'],
                    postgresql_ops={'family_name_norm': 'varchar_pattern_ops'})

    op.create_table(
        'person_relationships',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('person_id', sa.String(length=32), nullable=False),
        sa.Column('related_person_id', sa.String(length=32), nullable=False),
        sa.Column('kind', sa.String(length=24), nullable=False),
        sa.Column('parental_responsibility', sa.Boolean(), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=True),
        sa.Column('ends_on', sa.Date(), nullable=True),
        sa.Column('recorded_by_id', sa.String(length=32), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        _check('person_relationships', 'kind', RELATIONSHIP_KINDS),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_person_relationships_person_id_people')),
        sa.ForeignKeyConstraint(['related_person_id'], ['people.id'],
                                name=op.f('fk_person_relationships_related_person_id_people')),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'],
                                name=op.f('fk_person_relationships_recorded_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_person_relationships')),
    )
    op.create_index(op.f('ix_person_relationships_person_id'), 'person_relationships', ['person_id'])
    op.create_index('ix_person_relationships_related', 'person_relationships', ['related_person_id', 'person_id'])

    op.create_table(
        'person_changes',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('person_id', sa.String(length=32), nullable=False),
        sa.Column('family_id', sa.String(length=32), nullable=True),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('changes', sa.Text(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('changed_by_id', sa.String(length=32), nullable=False),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
        _check('person_changes', 'kind', CHANGE_KINDS),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_person_changes_person_id_people')),
        sa.ForeignKeyConstraint(['family_id'], ['families.id'], name=op.f('fk_person_changes_family_id_families')),
        sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_person_changes_changed_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_person_changes')),
    )
    op.create_index('ix_person_changes_person_newest', 'person_changes', ['person_id', 'changed_at'])

    op.create_table(
        'record_merges',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('survivor_id', sa.String(length=32), nullable=False),
        sa.Column('merged_id', sa.String(length=32), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('snapshot', sa.Text(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('merged_by_id', sa.String(length=32), nullable=False),
        sa.Column('merged_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('undo_until', sa.DateTime(timezone=True), nullable=False),
        sa.Column('unmerged_by_id', sa.String(length=32), nullable=True),
        sa.Column('unmerged_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('unmerge_reason', sa.Text(), nullable=True),
        _check('record_merges', 'kind', RECORD_KINDS),
        _check('record_merges', 'status', MERGE_STATUSES),
        sa.ForeignKeyConstraint(['merged_by_id'], ['users.id'], name=op.f('fk_record_merges_merged_by_id_users')),
        sa.ForeignKeyConstraint(['unmerged_by_id'], ['users.id'], name=op.f('fk_record_merges_unmerged_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_record_merges')),
    )
    op.create_index('ix_record_merges_survivor', 'record_merges', ['survivor_id', 'status'])
    op.create_index('ix_record_merges_merged', 'record_merges', ['merged_id', 'status'])

    op.create_table(
        'merge_moves',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('merge_id', sa.String(length=32), nullable=False),
        sa.Column('table_name', sa.String(length=64), nullable=False),
        sa.Column('column_name', sa.String(length=64), nullable=False),
        sa.Column('row_key', sa.JSON(), nullable=False),
        sa.Column('old_value', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['merge_id'], ['record_merges.id'], name=op.f('fk_merge_moves_merge_id_record_merges')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_merge_moves')),
    )
    op.create_index(op.f('ix_merge_moves_merge_id'), 'merge_moves', ['merge_id'])

    op.create_table(
        'duplicate_candidates',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('record_a_id', sa.String(length=32), nullable=False),
        sa.Column('record_b_id', sa.String(length=32), nullable=False),
        sa.Column('score', sa.Float(), nullable=True),
        sa.Column('reasons', sa.Text(), nullable=False),
        sa.Column('source', sa.String(length=10), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('found_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_by_id', sa.String(length=32), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        _check('duplicate_candidates', 'kind', RECORD_KINDS),
        _check('duplicate_candidates', 'source', DUPLICATE_SOURCES),
        _check('duplicate_candidates', 'status', DUPLICATE_STATUSES),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'],
                                name=op.f('fk_duplicate_candidates_decided_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_duplicate_candidates')),
        sa.UniqueConstraint('kind', 'record_a_id', 'record_b_id', name='uq_duplicate_candidates_pair'),
    )
    op.create_index('ix_duplicate_candidates_open', 'duplicate_candidates', ['status', 'found_at', 'id'])


def downgrade() -> None:
    op.drop_index('ix_duplicate_candidates_open', table_name='duplicate_candidates')
    op.drop_table('duplicate_candidates')
    op.drop_index(op.f('ix_merge_moves_merge_id'), table_name='merge_moves')
    op.drop_table('merge_moves')
    op.drop_index('ix_record_merges_merged', table_name='record_merges')
    op.drop_index('ix_record_merges_survivor', table_name='record_merges')
    op.drop_table('record_merges')
    op.drop_index('ix_person_changes_person_newest', table_name='person_changes')
    op.drop_table('person_changes')
    op.drop_index('ix_person_relationships_related', table_name='person_relationships')
    op.drop_index(op.f('ix_person_relationships_person_id'), table_name='person_relationships')
    op.drop_table('person_relationships')
    for name in ('ix_person_names_family_prefix', 'ix_person_names_given_prefix', 'ix_person_names_names',
                 'ix_person_names_phonetic', 'ix_person_names_person_id'):
        op.drop_index(name, table_name='person_names')
    op.drop_table('person_names')
    op.drop_index(op.f('ix_notifications_family_id'), table_name='notifications')
    op.drop_index(op.f('ix_consents_given_by_person_id'), table_name='consents')
    with op.batch_alter_table('family_members', schema=None) as batch_op:
        batch_op.drop_index(op.f('ix_family_members_moved_to_family_id'))
        batch_op.drop_constraint(op.f('ck_family_members_leave_reason'), type_='check')
        batch_op.drop_constraint(op.f('fk_family_members_moved_to_family_id_families'), type_='foreignkey')
        batch_op.drop_column('moved_to_family_id')
        batch_op.drop_column('leave_reason')
        batch_op.drop_column('left_on')
        batch_op.drop_column('joined_on')
    with op.batch_alter_table('families', schema=None) as batch_op:
        batch_op.drop_index(op.f('ix_families_merged_into_id'))
        batch_op.drop_constraint(op.f('fk_families_merged_into_id_families'), type_='foreignkey')
        batch_op.drop_column('merged_into_id')
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_index(op.f('ix_people_merged_into_id'))
        batch_op.drop_constraint(op.f('fk_people_merged_into_id_people'), type_='foreignkey')
        batch_op.drop_column('merged_into_id')
        batch_op.drop_column('date_of_death')

