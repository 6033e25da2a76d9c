"""Closed sets (a stage, a status, a decision, a type, a role...) are enums in the models and
CHECK constraints in the database: a value outside the set is refused by the database itself,
whoever writes it (a script, a raw SQL fix, a future bug), not only by the forms and the API.
Migration 0009 adds the constraints to an existing database without touching its data, and
refuses to run (naming what is wrong) when rows already hold values outside a set."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

import caseflow.models  # noqa: F401  (every model on Base.metadata)
from caseflow.core.database import Base
from caseflow.core.extensions import db
from caseflow.core.migrate import alembic_config
from tests.migration_db import empty_database

NOT_IN_ANY_SET = "bogus"  # short enough for every column (rag is VARCHAR(8))

# Columns whose names sound like a closed set but hold free text or an open list. Anything else
# ending in one of LOOSE_SUFFIXES must be enum-typed (core.database.closed_set), so a new loose
# string fails here rather than drifting into the data.
ALLOWED_LOOSE = {
    ("audit_events", "object_type"),     # any kind of record the audit trail names; grows with features
    ("audit_pending", "object_type"),    # the same events, waiting to be sealed onto the chain
    ("consent_documents", "content_type"),  # a MIME type, checked against the upload rules at upload
    ("requests_for_help", "referrer_role"),  # the referrer's job title, in their words
    ("taf_members", "role"),             # a practitioner's role in the TAF, e.g. "SENCo", free text
}
LOOSE_SUFFIXES = ("status", "stage", "state", "decision", "kind", "type", "channel", "source", "urgency",
                  "rag", "role")


def closed_set_columns() -> list[tuple[sa.Table, sa.Column]]:
    return [(table, column) for table in Base.metadata.sorted_tables for column in table.columns
            if isinstance(column.type, sa.Enum)]


def _plain(column: sa.Column, serial: int):
    """A value the column accepts, by its database type (raw SQL: no model code involved)."""
    if isinstance(column.type, sa.Enum):
        return column.type.enums[0]
    if isinstance(column.type, sa.JSON):
        return "[]"
    python_type = None
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        pass
    if python_type is bool:
        return False
    if python_type is int:
        return serial
    if python_type is float:
        return 0.5
    if python_type is date:
        return date(2026, 1, 5)
    if python_type is datetime or isinstance(getattr(column.type, "impl", None), sa.DateTime):
        return datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
    if python_type in (dict, list):
        return "[]"
    length = getattr(column.type, "length", None) or 32
    return f"{serial:x}{column.name}"[:length]


def _row(table: sa.Table, target: str, value, serial: int) -> dict:
    """Every NOT NULL column filled (plus `target`), foreign keys left unchecked by the caller."""
    row = {c.name: _plain(c, serial) for c in table.columns if not c.nullable or c.name == target}
    row[target] = value
    return row


def _insert(conn, table: sa.Table, row: dict) -> None:
    names = list(row)
    conn.execute(sa.text(f'INSERT INTO {table.name} ({", ".join(names)}) '
                         f'VALUES ({", ".join(":" + n for n in names)})'), row)


@pytest.fixture
def raw_connection(app):
    """A connection of its own to the migrated test database (no app hooks: SQLite leaves foreign
    keys unchecked by default; on PostgreSQL replica mode turns them off, CHECKs stay), in a
    transaction that is rolled back."""
    with app.app_context():
        engine = sa.create_engine(db.engine.url)
    with engine.connect() as conn:
        transaction = conn.begin()
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
        yield conn
        transaction.rollback()
    engine.dispose()


def test_there_are_closed_set_columns_for_every_area():
    constrained = {(t.name, c.name) for t, c in closed_set_columns()}
    assert {("cases", "stage"), ("requests_for_help", "status"), ("triage_decisions", "decision"),
            ("panel_items", "decision"), ("plans", "status"), ("step_ups", "response"),
            ("consents", "method"), ("notifications", "type"), ("deliveries", "status"),
            ("users", "role"), ("organisations", "type")} <= constrained
    assert len(constrained) >= 50


@pytest.mark.parametrize("table,column", [(t.name, c.name) for t, c in closed_set_columns()])
def test_the_database_refuses_a_value_outside_the_set(raw_connection, table, column):
    conn, table_obj = raw_connection, Base.metadata.tables[table]
    allowed = table_obj.columns[column].type.enums
    with conn.begin_nested():  # the same row with a value from the set goes in
        _insert(conn, table_obj, _row(table_obj, column, allowed[-1], 1))
    with pytest.raises(IntegrityError) as refused, conn.begin_nested():
        _insert(conn, table_obj, _row(table_obj, column, NOT_IN_ANY_SET, 2))
    assert f"ck_{table}_{column}" in str(refused.value)  # refused by this column's check, nothing else


def test_values_read_back_are_the_enum_members_and_equal_the_stored_strings(app, factory):
    from caseflow.auth.models import User
    from caseflow.core.roles import Role

    user = factory.user("keyworker")
    with app.app_context():
        stored = db.session.execute(sa.text("SELECT role FROM users WHERE id = :id"), {"id": user.id}).scalar()
        loaded = db.session.get(User, user.id)
        assert stored == "keyworker"  # the same string as before the column was an enum
        assert loaded.role is Role.KEYWORKER and loaded.role == "keyworker"


def test_every_column_named_like_a_closed_set_is_an_enum_or_allowed_to_be_loose():
    loose = {(t.name, c.name) for t in Base.metadata.sorted_tables for c in t.columns
             if isinstance(c.type, sa.String) and not isinstance(c.type, sa.Enum)
             and c.name.endswith(LOOSE_SUFFIXES)}
    assert loose - ALLOWED_LOOSE == set(), "use core.database.closed_set() for these, or allow-list them"
    assert ALLOWED_LOOSE - loose == set(), "these allow-list entries are stale"


# --- migration 0009 ------------------------------------------------------------------------------

@pytest.fixture
def database_url(tmp_path):
    yield from empty_database(tmp_path, "migration_0009")


def _seed_at_0008(engine, stage: str = "assessing", role: str = "keyworker") -> None:
    """Rows as an area's database holds them before 0009: an organisation, a user, a family, a
    case with its closed-set columns filled, and a recipient under the older one_recipient check."""
    tables = Base.metadata.tables
    with engine.begin() as conn:
        _insert(conn, tables["organisations"], {"id": "org1", "name": "Northshire Council", "type": "early_help",
                                                "created_at": datetime(2026, 1, 5, tzinfo=timezone.utc)})
        _insert(conn, tables["users"], {"id": "user1", "email": "kw@example.gov.uk", "name": "Kim", "role": role,
                                        "organisation_id": "org1", "active": True, "caseload_capacity": 15,
                                        "failed_login_count": 0,
                                        "created_at": datetime(2026, 1, 5, tzinfo=timezone.utc)})
        _insert(conn, tables["families"], {"id": "fam1", "reference": "F-1", "name": "Walsh",
                                           "created_at": datetime(2026, 1, 5, tzinfo=timezone.utc)})
        _insert(conn, tables["cases"], {"id": "case1", "reference": "C-1", "family_id": "fam1", "stage": stage,
                                        "urgency": "urgent", "rag": "amber", "is_re_referral": False,
                                        "version": 1, "keyworker_id": "user1",
                                        "opened_at": datetime(2026, 1, 5, tzinfo=timezone.utc),
                                        "created_at": datetime(2026, 1, 5, tzinfo=timezone.utc)})


def _check_names(engine, table: str) -> set[str]:
    with engine.connect() as conn:
        return {c["name"] for c in sa.inspect(conn).get_check_constraints(table)}


def test_0009_keeps_the_data_and_adds_the_constraints_and_downgrades_cleanly(database_url):
    from alembic import command

    config = alembic_config(database_url)
    command.upgrade(config, "0008")
    engine = sa.create_engine(database_url)
    _seed_at_0008(engine)

    command.upgrade(config, "0009")
    with engine.connect() as conn:
        case = conn.execute(sa.text("SELECT stage, urgency, rag, keyworker_id FROM cases")).one()
        assert tuple(case) == ("assessing", "urgent", "amber", "user1")
        assert conn.execute(sa.text("SELECT role FROM users")).scalar() == "keyworker"
    assert {"ck_cases_stage", "ck_cases_urgency", "ck_cases_rag"} <= _check_names(engine, "cases")
    # Rebuilding a SQLite table keeps the checks it had before.
    assert {"ck_consent_recipients_one_recipient", "ck_consent_recipients_organisation_type"} <= \
        _check_names(engine, "consent_recipients")
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(sa.text("UPDATE cases SET stage = :bad"), {"bad": NOT_IN_ANY_SET})

    command.downgrade(config, "0008")
    assert not any(name.startswith("ck_cases_") for name in _check_names(engine, "cases"))
    assert "ck_consent_recipients_one_recipient" in _check_names(engine, "consent_recipients")
    with engine.begin() as conn:  # without the constraint the database takes it again
        conn.execute(sa.text("UPDATE cases SET stage = 'on_hold'"))
        conn.execute(sa.text("UPDATE cases SET stage = 'assessing'"))
    command.upgrade(config, "head")  # and forward again
    engine.dispose()


def test_0009_refuses_to_run_over_values_outside_a_set_and_names_them(database_url):
    from alembic import command

    config = alembic_config(database_url)
    command.upgrade(config, "0008")
    engine = sa.create_engine(database_url)
    _seed_at_0008(engine, stage="on_hold", role="superuser")

    with pytest.raises(Exception) as refused:
        command.upgrade(config, "0009")
    assert type(refused.value).__name__ == "ValuesOutsideClosedSet"
    message = str(refused.value)
    assert "cases.stage: 'on_hold'" in message and "users.role: 'superuser'" in message
    assert "urgency" not in message  # only the columns that are wrong

    with engine.connect() as conn:  # nothing changed: still at 0008, the rows as they were
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == "0008"
        assert conn.execute(sa.text("SELECT stage FROM cases")).scalar() == "on_hold"
    assert not any(name.startswith("ck_cases_") for name in _check_names(engine, "cases"))

    with engine.begin() as conn:  # once someone corrects the rows, the upgrade goes through
        conn.execute(sa.text("UPDATE cases SET stage = 'assessing'"))
        conn.execute(sa.text("UPDATE users SET role = 'keyworker'"))
    command.upgrade(config, "head")
    assert "ck_cases_stage" in _check_names(engine, "cases")
    engine.dispose()
