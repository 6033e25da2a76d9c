"""The notification queue: partner events, routing rules, school holidays, the delivery outbox;
notifications gain an event, a deadline, escalation and a sharing basis; organisations gain a
duty contact, a key adult and a webhook.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 15:24:24.923694
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('school_holidays',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_school_holidays'))
    )
    op.create_table('routing_rules',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('event_type', sa.String(length=40), nullable=False),
    sa.Column('recipient', sa.String(length=40), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('deadline', sa.String(length=24), nullable=False),
    sa.Column('deadline_hours', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('updated_by_id', sa.String(length=32), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_routing_rules_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_routing_rules')),
    sa.UniqueConstraint('event_type', 'recipient', 'channel', name='uq_routing_rule')
    )
    with op.batch_alter_table('routing_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_routing_rules_event_type'), ['event_type'], unique=False)

    op.create_table('partner_events',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('source_organisation_id', sa.String(length=32), nullable=False),
    sa.Column('submitted_by_id', sa.String(length=32), nullable=False),
    sa.Column('source_reference', sa.String(length=120), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('people', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('family_id', sa.String(length=32), nullable=True),
    sa.Column('case_id', sa.String(length=32), nullable=True),
    sa.Column('person_ids', sa.JSON(), nullable=True),
    sa.Column('candidates', sa.JSON(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('routed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('purge_after', sa.Date(), nullable=True),
    sa.Column('decided_by_id', sa.String(length=32), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('new_case_id', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_partner_events_case_id_cases')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_partner_events_decided_by_id_users')),
    sa.ForeignKeyConstraint(['family_id'], ['families.id'], name=op.f('fk_partner_events_family_id_families')),
    sa.ForeignKeyConstraint(['new_case_id'], ['cases.id'], name=op.f('fk_partner_events_new_case_id_cases')),
    sa.ForeignKeyConstraint(['source_organisation_id'], ['organisations.id'], name=op.f('fk_partner_events_source_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_partner_events_submitted_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_events')),
    sa.UniqueConstraint('reference', name=op.f('uq_partner_events_reference')),
    sa.UniqueConstraint('source_organisation_id', 'source_reference', name='uq_partner_events_source')
    )
    with op.batch_alter_table('partner_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_events_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_events_family_id'), ['family_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_events_purge_after'), ['purge_after'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_events_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_events_source_organisation_id'), ['source_organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_events_status'), ['status'], unique=False)

    op.create_table('deliveries',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('event_id', sa.String(length=32), nullable=True),
    sa.Column('notification_id', sa.String(length=32), nullable=True),
    sa.Column('target', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('queued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['partner_events.id'], name=op.f('fk_deliveries_event_id_partner_events')),
    sa.ForeignKeyConstraint(['notification_id'], ['notifications.id'], name=op.f('fk_deliveries_notification_id_notifications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deliveries'))
    )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_deliveries_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_deliveries_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deliveries_notification_id'), ['notification_id'], unique=False)

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('event_id', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('deadline_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('basis', sa.String(length=120), nullable=True))
        batch_op.create_index(batch_op.f('ix_notifications_deadline_at'), ['deadline_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_event_id'), ['event_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_notifications_event_id_partner_events'), 'partner_events', ['event_id'], ['id'])

    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('duty_contact_id', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('key_adult_id', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('webhook_url', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('webhook_secret', sa.Text(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('webhook_secret')
        batch_op.drop_column('webhook_url')
        batch_op.drop_column('key_adult_id')
        batch_op.drop_column('duty_contact_id')

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notifications_event_id_partner_events'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_notifications_event_id'))
        batch_op.drop_index(batch_op.f('ix_notifications_deadline_at'))
        batch_op.drop_column('basis')
        batch_op.drop_column('escalated_at')
        batch_op.drop_column('deadline_at')
        batch_op.drop_column('event_id')

    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deliveries_notification_id'))
        batch_op.drop_index(batch_op.f('ix_deliveries_event_id'))
        batch_op.drop_index('ix_deliveries_due')

    op.drop_table('deliveries')
    with op.batch_alter_table('partner_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_events_status'))
        batch_op.drop_index(batch_op.f('ix_partner_events_source_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_partner_events_received_at'))
        batch_op.drop_index(batch_op.f('ix_partner_events_purge_after'))
        batch_op.drop_index(batch_op.f('ix_partner_events_family_id'))
        batch_op.drop_index(batch_op.f('ix_partner_events_case_id'))

    op.drop_table('partner_events')
    with op.batch_alter_table('routing_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_routing_rules_event_type'))

    op.drop_table('routing_rules')
    op.drop_table('school_holidays')
