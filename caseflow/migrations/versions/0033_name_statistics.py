"""Family search by surname: let PostgreSQL know how common each name is.

A search for one surname matches every person whose first or last name starts with it. With the
default statistics (100 most common values a column) PostgreSQL guessed the number of matches
from a histogram, and at 1,000,000 people its guesses ran from 1 ("Smith", 1,986 matches) to
9,134 ("Wilson", 2,065): on the high guesses it read all 250,000 families to join them (63 ms
instead of 19). A thousand most common values a column covers a county's common surnames and
first names, and the guesses match (2,063 for "Wilson"). SQLite keeps no such statistics.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-05 22:50:00.000000
"""
from alembic import op


revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None

NAME_COLUMNS = ("given_name_norm", "family_name_norm")
MOST_COMMON_VALUES = 1000
ANALYZE_FROM = 10_000  # people


def _set_statistics(target: int) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for column in NAME_COLUMNS:
        op.execute(f"ALTER TABLE people ALTER COLUMN {column} SET STATISTICS {target}")
    # The new target counts from the next ANALYZE. A county in service gets it now (autovacuum
    # would wait for a tenth of its people to change); a new or small database gets it from
    # autovacuum as it fills, and is not analysed while nearly empty, which would teach the
    # planner that people is a tiny table.
    people = op.get_bind().exec_driver_sql("SELECT reltuples FROM pg_class WHERE relname = 'people'").scalar()
    if people is not None and people >= ANALYZE_FROM:
        op.execute(f"ANALYZE people ({', '.join(NAME_COLUMNS)})")


def upgrade() -> None:
    _set_statistics(MOST_COMMON_VALUES)


def downgrade() -> None:
    _set_statistics(-1)  # the server's default_statistics_target again
