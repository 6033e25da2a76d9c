"""Migration 0007 moves the consents, lawful bases and break-glass grants an area already holds
into the per-person tables, without losing who may receive what, and back again on downgrade."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from caseflow.core.migrate import alembic_config
from tests.migration_db import empty_database

NOW = datetime(2026, 11, 1, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def database_url(tmp_path):
    yield from empty_database(tmp_path, "migration_0007")


def _insert(conn, table: str, **values):
    columns = [sa.column(k, sa.JSON) if isinstance(v, list) else sa.column(k) for k, v in values.items()]
    conn.execute(sa.table(table, *columns).insert().values(**values))


def test_existing_grants_move_into_the_per_person_tables_and_back(database_url):
    from alembic import command

    config = alembic_config(database_url)
    command.upgrade(config, "0006")
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        for org_id, name, kind in (("org-school", "Riverside Academy", "school"), ("org-eh", "Early Help", "early_help")):
            _insert(conn, "organisations", id=org_id, name=name, type=kind, created_at=NOW)
        _insert(conn, "users", id="u-1", email="sam@example.org", name="Sam", role="keyworker", organisation_id="org-eh",
                active=True, failed_login_count=0, created_at=NOW, caseload_capacity=15)
        _insert(conn, "families", id="f-1", reference="FAM-BCD-FGH", name="Walsh", created_at=NOW)
        for person_id, given, rel in (("p-mum", "Sharon", "parent_carer"), ("p-leah", "Leah", "child")):
            _insert(conn, "people", id=person_id, given_name=given, family_name="Walsh", sex="female",
                    given_name_norm=given.lower(), family_name_norm="walsh", created_at=NOW, updated_at=NOW)
            _insert(conn, "family_members", id=f"m-{person_id}", family_id="f-1", person_id=person_id,
                    relationship=rel, in_household=True, created_at=NOW)
        _insert(conn, "consents", id="c-1", person_id="p-leah", family_id="f-1", purpose="taf_information_sharing",
                recipient_org_ids=["org-school", "org-gone"], recipient_org_types=["police"],
                categories=["education", "identity"], given_by="Sharon Walsh",
                given_by_relationship="parent_carer", method="signed_form", given_on=date(2026, 10, 1),
                recorded_by_id="u-1", recorded_at=NOW)
        _insert(conn, "lawful_bases", id="lb-1", family_id="f-1", person_id=None, basis="safeguarding",
                justification="encrypted text", recipient_org_ids=[],
                recipient_org_types=["police"], categories=["police"], approved_by_id="u-1",
                review_on=date(2026, 12, 1), recorded_by_id="u-1", recorded_at=NOW)
        _insert(conn, "break_glass", id="bg-1", user_id="u-1", family_id="f-1", reason="encrypted", granted_at=NOW,
                expires_at=NOW)

    command.upgrade(config, "0007")
    with engine.connect() as conn:
        rows = lambda sql: sorted((tuple(r) for r in conn.execute(sa.text(sql))), key=str)
        assert rows("SELECT consent_id, person_id, given_by_relationship FROM consent_people") == [
            ("c-1", "p-leah", "parent_carer")]  # the person it was recorded for, as it was given
        assert rows("SELECT consent_id, organisation_id, organisation_type FROM consent_recipients") == [
            ("c-1", "org-school", None), ("c-1", None, "police")]  # an organisation since deleted is dropped
        assert rows("SELECT consent_id, category FROM consent_categories") == [("c-1", "education"), ("c-1", "identity")]
        # A lawful basis that named nobody covered the family: it now names each member.
        assert rows("SELECT lawful_basis_id, person_id FROM lawful_basis_people") == [("lb-1", "p-leah"), ("lb-1", "p-mum")]
        assert rows("SELECT organisation_type FROM lawful_basis_recipients") == [("police",)]
        assert rows("SELECT person_id FROM break_glass_people") == [("p-leah",), ("p-mum",)]
        columns = {c["name"] for c in sa.inspect(conn).get_columns("consents")}
        assert "recipient_org_ids" not in columns and "categories" not in columns

    command.downgrade(config, "0006")
    with engine.connect() as conn:
        consent = conn.execute(sa.text("SELECT recipient_org_ids, recipient_org_types, categories FROM consents")).one()
        assert [json.loads(v) if isinstance(v, str) else v for v in consent] == [["org-school"], ["police"],
                                                                                 ["education", "identity"]]
        basis = conn.execute(sa.text("SELECT person_id, categories FROM lawful_bases")).one()
        assert basis[0] is None and (json.loads(basis[1]) if isinstance(basis[1], str) else basis[1]) == ["police"]
    engine.dispose()
