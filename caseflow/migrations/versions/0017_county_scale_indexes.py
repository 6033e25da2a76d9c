"""Indexes for every look-up path at county scale (issue 16): family search by the start of a
name, the cases a partner leads, and keyset-paged lists newest first (a family's access log,
an inbox, the deliveries, a case's contacts). tests/test_query_plans.py checks on PostgreSQL
that no hot read scans a table that grows with the county.

Three single-column indexes give way to the composite ones that start with the same column
(audit_events.family_id, notifications.recipient_id, contacts.case_id): the composite serves
the same look-ups, and the busiest tables carry one index fewer on every write.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 08:20:00.000000
"""
from alembic import op


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # LIKE 'wal%' uses a btree index on PostgreSQL only with pattern_ops (unless the database's
    # collation is C); on SQLite the option is ignored.
    op.create_index('ix_people_given_name_prefix', 'people', ['given_name_norm'],
                    postgresql_ops={'given_name_norm': 'varchar_pattern_ops'})
    op.create_index('ix_people_family_name_prefix', 'people', ['family_name_norm'],
                    postgresql_ops={'family_name_norm': 'varchar_pattern_ops'})
    op.create_index(op.f('ix_cases_lead_professional_id'), 'cases', ['lead_professional_id'])
    op.create_index('ix_audit_events_family_seq', 'audit_events', ['family_id', 'seq'])
    op.drop_index('ix_audit_events_family_id', table_name='audit_events')
    op.create_index('ix_notifications_inbox', 'notifications', ['recipient_id', 'created_at', 'id'])
    op.drop_index('ix_notifications_recipient_id', table_name='notifications')
    op.create_index('ix_contacts_case_newest', 'contacts', ['case_id', 'occurred_on', 'recorded_at', 'id'])
    op.drop_index('ix_contacts_case_id', table_name='contacts')
    op.create_index('ix_deliveries_newest', 'deliveries', ['created_at', 'id'])
    op.create_index('ix_deliveries_status_newest', 'deliveries', ['status', 'created_at', 'id'])


def downgrade() -> None:
    op.drop_index('ix_deliveries_status_newest', table_name='deliveries')
    op.drop_index('ix_deliveries_newest', table_name='deliveries')
    op.create_index('ix_contacts_case_id', 'contacts', ['case_id'])
    op.drop_index('ix_contacts_case_newest', table_name='contacts')
    op.create_index('ix_notifications_recipient_id', 'notifications', ['recipient_id'])
    op.drop_index('ix_notifications_inbox', table_name='notifications')
    op.create_index('ix_audit_events_family_id', 'audit_events', ['family_id'])
    op.drop_index('ix_audit_events_family_seq', table_name='audit_events')
    op.drop_index(op.f('ix_cases_lead_professional_id'), table_name='cases')
    op.drop_index('ix_people_family_name_prefix', table_name='people')
    op.drop_index('ix_people_given_name_prefix', table_name='people')
