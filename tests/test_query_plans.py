"""Every hot read uses an index at county scale (issue 16: 1,000,000 people, 250,000 families,
5,000,000 contacts on PostgreSQL).

A small world is built with the real services (the authorisation matrix's: one family through
the front door, panel, allocation, assessment, plan, TAF, consents, a police notification,
inbox and deliveries), then every page and API read of the app is requested as someone allowed
to see it. The SQL each request sends is captured and EXPLAINed with sequential scans disabled,
so a look-up with no index shows as a Seq Scan even on a tiny table; a Seq Scan of a table that
grows with the county fails the test, naming the route, the table and the query.

PostgreSQL only: SQLite's planner is not production's.
"""
from __future__ import annotations

import json
import os
import re
from contextlib import contextmanager
from datetime import datetime, timezone

import pytest
from sqlalchemy import event

from caseflow.core.extensions import db
from caseflow.core.keyset import encode_cursor
from tests.consent.test_route_matrix import MATRIX, OPERATOR, OWN_ACCOUNT, PUBLIC, _path, world  # noqa: F401

pytestmark = pytest.mark.skipif(not os.environ.get("CASEFLOW_TEST_DATABASE_URL", "").startswith("postgresql"),
                                reason="query plans are checked on PostgreSQL, production's database")

# Tables whose size is set by configuration or staff numbers, not by the county's families: a
# sequential scan of these is fine. Every other table (a new one included) grows with the county.
SMALL_TABLES = {
    "organisations", "teams", "users", "api_tokens", "panels", "panel_members", "routing_rules",
    "local_criteria", "school_holidays", "sharing_agreements", "agreement_parties", "audit_chain_head",
    "key_canary", "rate_limit_counters", "alembic_version",
    # an area's audit checklist (a dozen questions) and the samples managers draw (a few a month)
    "audit_checklist_items", "audit_samples",
    # the area's directory of local services (tens of services, a few hundred at most)
    "local_services",
    # the area's Outcomes Plan versions (a few a year) and its unit-cost table (a row per kind)
    "outcomes_plan_versions", "outcome_unit_costs",
    # the area's localities and which teams sit in each (a handful)
    "localities", "locality_teams",
    # the outcome wheel's areas (ten in use, a few retired)
    "wheel_areas",
    # identification runs: one a quarter or so, a row each (their families are in identified_families)
    "identification_runs",
    # the area's partner data feeds (one per partner and kind of file)
    "feed_sources",
}

# Whole-index walks the planner picks on this tiny world that are not a scan of everything at
# scale (a sequential scan is never excused). Each says why.
WHOLE_INDEX_EXCUSED = {
    # sharing_stopped(): lawful bases still running under an agreement that has ended. With one
    # row in each table the planner walks the agreement index rather than starting from the
    # (few) ended agreements; at scale the ended agreements drive an index look-up each.
    # Not measured at county scale yet (issue 16's bench).
    "ix_lawful_bases_agreement_id",
}

# GET routes not checked here, and why.
EXCLUDED = {
    "/static/<path:filename>": "files on disk",
    "/metrics": "operators' counters for the loopback address, no table reads per family",
}

# Reads that answer 4xx in this world, on purpose: their SQL up to the answer is still checked.
NOT_2XX = {
    "/api/v1/flags": "asked about no one (the person's details are query parameters, read in EXTRA_READS)",
    "/cases/<case_id>/signpost-letter": "the case was allocated, not signposted (409)",
    "/consents/<consent_id>/signed-copy/download": "no signed copy was uploaded (404)",
    "/api/v1/people/<person_id>/compare": "compared with no one (the other record is a query parameter: EXTRA_READS)",
    "/api/v1/families/<family_id>/compare": "compared with no one (the other record is a query parameter: EXTRA_READS)",
    # The world's run is a claims run: only a returns run writes a file (tests/outcomes reads one).
    "/api/v1/outcomes/runs/<run_id>/output": "the world's run is a claims run, which has no file (404)",
    "/outcomes/runs/<run_id>/output.csv": "the world's run is a claims run, which has no file (404)",
    # The world's case is reviewing: it has no monitoring period, and no closing letter yet.
    "/cases/<case_id>/monitoring": "the world's case was not closed with monitoring (404)",
    "/api/v1/cases/<case_id>/monitoring": "the world's case was not closed with monitoring (404)",
    "/cases/<case_id>/closing-letter": "the world's case is open: no closing letter (409)",
}

# Who requests each route: the first of these the authorisation matrix allows.
ROLE_PREFERENCE = ["team_manager", "front_door", "keyworker", "panel_chair", "social_worker", "admin", "referrer",
                   "taf_partner", "panel_member", "partner_system", "analyst"]

LATER = datetime(2030, 1, 1, tzinfo=timezone.utc)

# The hot reads with the queries people type or page with, beyond each route's bare URL.
EXTRA_READS = [
    ("team_manager", "/families?q=Walsh"), ("team_manager", "/families?q=Wal"),
    ("team_manager", "/families?q=02/06/2011"), ("team_manager", "/families?q=NS1 4AB"),
    ("team_manager", "/families?q=Leah Walsh"),
    ("team_manager", "/api/v1/families?q=Walsh"), ("team_manager", "/api/v1/families?q=2011-06-02"),
    ("team_manager", "/api/v1/families?q=NS1%204AB"), ("team_manager", "/api/v1/families?q=CF-00000001"),
    ("referrer", "/families?q=Walsh"), ("taf_partner", "/api/v1/families?q=Walsh"),
    # a partner's contributions page: the agenda cut by its consent (the policy's SQL form)
    ("consented_school", "/api/v1/panels/{escalation_panel_id}/contributions"),
    ("front_door", "/front-door?page=2"), ("front_door", "/front-door?status=needs_review"),
    ("front_door", "/api/v1/requests?status=new&sort=urgency"), ("front_door", "/api/v1/requests?urgency=urgent"),
    ("team_manager", "/unallocated?page=2"), ("team_manager", "/api/v1/cases/unallocated?page=2"),
    ("keyworker", "/caseload"), ("keyworker", "/inbox"), ("keyworker", "/api/v1/inbox"),
    ("keyworker", "/api/v1/inbox?unacknowledged=true"),
    # older pages, from a keyset cursor (core.keyset): the rows before a moment in the future
    ("keyworker", f"/api/v1/inbox?before={encode_cursor([LATER, 'z'])}"),
    ("keyworker", f"/inbox?before={encode_cursor([LATER, 'z'])}"),
    ("team_manager", f"/families/{{family_id}}/access-log?before={encode_cursor([10**9])}"),
    ("team_manager", f"/api/v1/families/{{family_id}}/access-log?before={encode_cursor([10**9])}"),
    ("admin", f"/admin/deliveries?status=pending&before={encode_cursor([LATER, 'z'])}"),
    ("admin", "/api/v1/deliveries?status=dead"), ("admin", "/api/v1/deliveries?page=2"),
    ("admin", f"/api/v1/deliveries?before={encode_cursor([LATER, 'z'])}"),
    ("keyworker", f"/api/v1/cases/{{case_id}}/contacts?before={encode_cursor([LATER.date(), LATER, 'z'])}"),
    ("partner_system", "/api/v1/flags?given_name=Leah&family_name=Walsh&date_of_birth=2011-06-02"),
    # family records over time: the household on a date, two records side by side
    ("team_manager", "/families/{family_id}?as_of=2026-01-01"),
    ("team_manager", "/api/v1/families/{family_id}/household?as_of=2026-01-01"),
    ("team_manager", "/api/v1/people/{person_id}/compare?other_id={person_id}"),
    ("team_manager", "/api/v1/families/{family_id}/compare?other_id={family_id}"),
    ("team_manager", "/people/{person_id}/merge?other_id={person_id}"),
    # the dashboards at county scale (issue 19), as a team manager (their teams) and an analyst
    # (the whole county): workload's open cases and overdue notifications, flows' oscillating
    # families, outcomes' sustained progress and claims from the daily totals
    *[(role, f"/reports/{key}") for role in ("team_manager", "analyst") for key in ("workload", "flows", "outcomes")],
    # workload's snapshot of the open cases and its live notifications (joined to their cases),
    # flows' families moving back and forth from the totals: for the whole county, one team
    ("panel_chair", "/reports/workload"), ("analyst", "/reports/workload?team={team_id}"),
    ("analyst", "/reports/flows?team={team_id}"), ("analyst", "/reports/timeliness"),
]


@contextmanager
def captured_sql():
    """The statements (with their parameters) sent to PostgreSQL inside the block."""
    statements: list[tuple[str, object]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if not executemany:
            statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def _plan_nodes(node, limited=False):
    """Each node of a plan, with whether a Limit above it stops the scan early."""
    yield node, limited
    limited = limited or node["Node Type"] == "Limit"
    for child in node.get("Plans", []):
        yield from _plan_nodes(child, limited)


INDEX_SCANS = {"Index Scan", "Index Only Scan"}


def whole_table_reads(plan) -> set[str]:
    """The tables that grow with the county that a plan reads whole: a sequential scan, or an
    index scanned from end to end (no condition on it) that no Limit stops early, or that a
    filter thins (the planner's way round enable_seqscan when no index fits the WHERE)."""
    found = set()
    for node, limited in _plan_nodes(plan):
        table = node.get("Relation Name")
        if table is None or table in SMALL_TABLES or table.startswith("pg_"):  # pg_: the catalogue
            continue
        if node["Node Type"] == "Seq Scan":
            found.add(f"{table} (sequential scan)")
        elif (node["Node Type"] in INDEX_SCANS and "Index Cond" not in node and (not limited or "Filter" in node)
              and node["Index Name"] not in WHOLE_INDEX_EXCUSED):
            found.add(f"{table} (whole index {node['Index Name']})")
    return found


def large_table_scans(statement: str, parameters) -> tuple[list[str], str]:
    """The tables that grow with the county that this statement reads whole, and its plan."""
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("EXPLAIN (FORMAT JSON) " + statement, parameters)
        plan = cursor.fetchone()[0]
        if isinstance(plan, str):
            plan = json.loads(plan)
        found = sorted(whole_table_reads(plan[0]["Plan"]))
        if not found:
            return [], ""
        cursor.execute("EXPLAIN " + statement, parameters)
        return found, "\n".join(f"      {row[0]}" for row in cursor.fetchall())
    finally:
        raw.rollback()
        raw.close()


EXPLAINABLE = re.compile(r"^\s*(SELECT|WITH|UPDATE|DELETE|INSERT)\b", re.IGNORECASE)


def _reader(rule: str) -> str | None:
    allowed = MATRIX.get(("GET", rule))
    if allowed in (PUBLIC, OWN_ACCOUNT):
        return "team_manager"
    if allowed is OPERATOR or not allowed:
        return None
    return next((role for role in ROLE_PREFERENCE if role in allowed), sorted(allowed)[0])


def every_read(app) -> list[tuple[str, str]]:
    """(role, URL rule) for every GET route of the app: a new page is checked without being listed."""
    reads = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.rule in EXCLUDED:
            continue
        role = _reader(rule.rule)
        assert role is not None, f"GET {rule.rule}: no reader; add it to EXCLUDED with the reason"
        reads.append((role, rule.rule))
    return reads


def test_every_read_uses_an_index_on_the_tables_that_grow_with_the_county(world, app):
    params, rp_id, clients, tokens = world
    reads = every_read(app) + [(role, url.format(**params)) for role, url in EXTRA_READS]
    seq_scans, checked, statuses = [], 0, []
    for role, rule in reads:
        client, _csrf = clients[role]
        path = _path(rule, params, rp_id)
        headers = {"Authorization": f"Bearer {tokens[role]}"} if path.startswith("/api/") else {}
        with app.app_context(), captured_sql() as statements:
            response = client.get(path, headers=headers)
        if response.status_code >= 400 and rule not in NOT_2XX:
            statuses.append(f"GET {path} as {role}: {response.status_code}")
        with app.app_context():
            for statement, parameters in statements:
                if not EXPLAINABLE.match(statement):
                    continue
                checked += 1
                tables, plan = large_table_scans(statement, parameters)
                for table in tables:
                    seq_scans.append(f"GET {path} ({role}) scans {table}:\n    {' '.join(statement.split())[:600]}\n{plan}")
    # The data identification run (a POST, so not among the reads): every statement of its
    # set-based work over the evidence store, as at county scale.
    with app.app_context(), captured_sql() as statements:
        identification = clients["analyst"][0].post("/api/v1/identification/runs", json={},
                                                    headers={"Authorization": f"Bearer {tokens['analyst']}"})
    assert identification.status_code == 202, identification.get_json()
    with app.app_context():
        for statement, parameters in statements:
            if EXPLAINABLE.match(statement):
                checked += 1
                tables, plan = large_table_scans(statement, parameters)
                for table in tables:
                    seq_scans.append(f"POST /api/v1/identification/runs scans {table}:\n    "
                                     f"{' '.join(statement.split())[:600]}\n{plan}")
    assert not statuses, "reads that did not succeed (their SQL is not what production runs):\n" + "\n".join(statuses)
    assert checked > 200, f"only {checked} statements were checked"
    assert not seq_scans, f"{len(seq_scans)} sequential scans of tables that grow with the county:\n" + "\n".join(
        dict.fromkeys(seq_scans))
