"""The county-scale load bench (bench/run.py, issue 16): its arithmetic, its mix, its care with
Redis, and a few seconds of the real thing against the production profile.

The figures themselves are not asserted (they depend on the machine): what is tested is that
the harness computes them correctly from locust's statistics, drives every operation the issue
names without errors, and never wipes a Redis database it does not own.
"""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench import figures
from bench.mix import ISSUE_16_MIX, PERSONAS, WRITES, Operation, expected_shares
from bench.run import REDIS_MARK, BenchRefused, claim_redis, release_redis
from tests import redis_db
from tests.conftest import TEST_PASSWORD

ROOT = Path(__file__).resolve().parent.parent


def locust_entry(name: str, times_ms: dict, failures: int = 0, method: str = "GET",
                 start: float = 1000.0, last: float = 1060.0) -> dict:
    """One request name's statistics as locust writes them (--json-file): histogram keys are
    strings there, as JSON has no integer keys."""
    return {"name": name, "method": method, "num_requests": sum(times_ms.values()), "num_failures": failures,
            "response_times": {str(ms): n for ms, n in times_ms.items()}, "start_time": start,
            "last_request_timestamp": last}


# --- the figures -------------------------------------------------------------------------------------

def test_percentiles_are_nearest_rank_over_the_histogram():
    one_to_hundred = {ms: 1 for ms in range(1, 101)}
    assert figures.percentile(one_to_hundred, 0.50) == 50
    assert figures.percentile(one_to_hundred, 0.95) == 95
    assert figures.percentile(one_to_hundred, 0.99) == 99
    # 96 fast requests and 4 slow ones: the slow tail is past the 95th percentile, not the 99th.
    skewed = {"10": 96, "800": 4}
    assert figures.percentile(skewed, 0.95) == 10
    assert figures.percentile(skewed, 0.99) == 800
    assert figures.percentile({}, 0.95) == 0


def test_each_operation_is_measured_against_the_healthz_floor_of_the_same_run():
    run = figures.run_figures([
        locust_entry("healthz", {2: 90, 4: 10}),  # p95 4 ms
        locust_entry("family view", {30: 50, 40: 45, 120: 5}, failures=2),  # p95 40 ms
        locust_entry("Aggregated", {2: 1}),  # locust's own total line is not an operation
    ], "2,000 people")
    family = run.operation("family view")
    assert (family.p50_ms, family.p95_ms, family.p99_ms) == (30, 40, 120)
    assert family.floor_ratio == pytest.approx(10.0)
    assert family.errors == 2
    assert family.requests_per_second == pytest.approx(100 / 60)
    assert run.operation("healthz").floor_ratio == 1.0
    assert run.operation("Aggregated") is None
    assert run.total_requests == 200 and run.total_errors == 2
    # The floor is listed last, under the operations it measures.
    assert [op.name for op in run.operations] == ["family view", "healthz"]


def test_requests_per_second_share_one_window_so_they_add_up_to_the_mix():
    run = figures.run_figures([
        locust_entry("healthz", {3: 300}, start=1000, last=1060),
        locust_entry("sign in", {250: 6}, start=1030, last=1031),  # rare: its own span would be 1 s
    ], "x")
    assert run.seconds == pytest.approx(60)
    assert run.operation("sign in").requests_per_second == pytest.approx(0.1)
    assert sum(op.requests_per_second for op in run.operations) == pytest.approx(run.requests_per_second)


def test_an_operation_sent_with_two_methods_is_one_line():
    run = figures.run_figures([locust_entry("contact", {10: 10}), locust_entry("contact", {90: 10}, method="POST")],
                              "x")
    assert run.operation("contact").requests == 20
    assert run.operation("contact").p95_ms == 90


def test_without_a_floor_measurement_the_ratio_is_not_invented():
    run = figures.run_figures([locust_entry("caseload", {50: 10})], "x")
    assert run.operation("caseload").floor_ratio is None
    assert "-" in figures.table(run).splitlines()[-1]


def test_a_floor_under_a_millisecond_counts_as_one():
    run = figures.run_figures([locust_entry("healthz", {0: 100}), locust_entry("caseload", {50: 100})], "x")
    assert run.operation("caseload").floor_ratio == 50


def test_a_slow_floor_is_called_out_as_saturation():
    calm = figures.run_figures([locust_entry("healthz", {3: 100}), locust_entry("caseload", {30: 100})], "x")
    busy = figures.run_figures([locust_entry("healthz", {3: 50, 400: 50}), locust_entry("caseload", {900: 100})], "x")
    assert not calm.saturated and "queueing" not in figures.table(calm)
    assert busy.saturated and "floor's p95 is 400 ms" in figures.table(busy)


def test_two_sizes_compare_p95_per_operation():
    small = figures.run_figures([locust_entry("healthz", {3: 100}), locust_entry("family view", {40: 100}),
                                 locust_entry("search", {60: 100})], "100,000 people")
    large = figures.run_figures([locust_entry("healthz", {3: 100}), locust_entry("family view", {50: 100}),
                                 locust_entry("sign in", {300: 10})], "1,000,000 people")
    ratios = figures.size_ratios(small, large)
    assert ratios["family view"] == pytest.approx(1.25)
    assert "search" not in ratios and "sign in" not in ratios  # only what both runs measured
    printed = figures.ratio_table(small, large)
    assert "1,000,000 people over p95 at 100,000 people" in printed and "1.25x" in printed


def test_the_size_ratio_of_floor_ratios_leaves_out_a_busier_machine():
    # The larger run happened while the machine was twice as busy: every request, the floor
    # included, took twice as long. The raw ratio says 2.5; measured against the floor, 1.25.
    small = figures.run_figures([locust_entry("healthz", {3: 100}), locust_entry("family view", {40: 100})], "s")
    large = figures.run_figures([locust_entry("healthz", {6: 100}), locust_entry("family view", {100: 100})], "l")
    assert figures.size_ratios(small, large)["family view"] == pytest.approx(2.5)
    assert figures.floor_size_ratios(small, large)["family view"] == pytest.approx(1.25)
    assert figures.floor_size_ratios(small, large)["healthz"] == pytest.approx(1.0)


def test_the_report_holds_every_figure_in_json_and_markdown():
    runs = [figures.run_figures([locust_entry("healthz", {3: 100}), locust_entry("caseload", {30: 100})], label)
            for label in ("100,000 people", "1,000,000 people")]
    document = json.loads(figures.as_json(runs, {"users": 100}))
    assert document["settings"] == {"users": 100}
    caseload = next(op for op in document["runs"][0]["operations"] if op["name"] == "caseload")
    assert caseload["p95_ms"] == 30 and caseload["floor_ratio"] == 10
    assert document["p95_ratios"]["caseload"] == 1.0 and document["p95_over_floor_ratios"]["caseload"] == 1.0
    markdown = figures.markdown(runs, {"users": 100})
    assert "| caseload | 1.7 | 30 | 30 | 30 | 0 | 10.0x |" in markdown
    assert "## p95 at 1,000,000 people over p95 at 100,000 people" in markdown
    assert "| caseload | 1.00x | 1.00x |" in markdown


# --- the mix ---------------------------------------------------------------------------------------------

def test_the_mix_covers_everything_issue_16_names():
    driven = {op for persona in PERSONAS.values() for task in persona.tasks.values() for op in task.operations}
    for part, operations in ISSUE_16_MIX.items():
        assert operations <= driven, f"the mix does not cover {part}"
    assert driven | {Operation.HEALTHZ} == set(Operation)  # nothing declared that is never driven


def test_reads_dominate_the_mix():
    shares = expected_shares()
    assert sum(shares.values()) == pytest.approx(1.0)
    writes = sum(share for op, share in shares.items() if op in WRITES)
    assert 0.05 < writes < 0.25
    # The single family view and the caseload are among the commonest requests of the day.
    commonest = sorted(shares, key=shares.get, reverse=True)[:4]
    assert Operation.FAMILY_VIEW in commonest and Operation.CASELOAD in commonest


# --- Redis: never wipe someone else's data ---------------------------------------------------------------

@pytest.fixture
def redis_conn():
    url = redis_db.redis_url()
    if url is None:  # pragma: no cover - .ci/run always starts Redis
        pytest.fail("Redis is not running on 127.0.0.1:6379 (.ci/run starts it)")
    from redis import Redis

    conn = Redis.from_url(url)
    yield url, conn
    redis_db.clear()
    conn.set(redis_db._MARKER, os.getpid())  # the suite's claim, whatever the bench did with the database


def test_the_bench_refuses_a_redis_database_holding_anything_else(redis_conn):
    url, conn = redis_conn
    conn.set("someone:else", "their data")
    with pytest.raises(BenchRefused, match="refusing to empty it"):
        claim_redis(url)
    assert conn.get("someone:else") == b"their data"


def test_the_bench_takes_back_a_database_an_earlier_bench_run_left(redis_conn):
    url, conn = redis_conn
    conn.delete(redis_db._MARKER)
    conn.set(REDIS_MARK, "{}")
    conn.set("rq:queue:default", "left over")
    claimed = claim_redis(url)
    assert conn.get("rq:queue:default") is None and conn.exists(REDIS_MARK)
    release_redis(claimed)
    assert conn.dbsize() == 0


# --- a few seconds of the real thing -------------------------------------------------------------------------

def test_a_short_run_drives_every_operation_against_the_production_profile(app, api, factory, tmp_path, redis_conn):
    """gunicorn, the worker, PostgreSQL and Redis, with a handful of users for a few seconds:
    every operation of the mix answers without an error, and the report holds the figures."""
    if importlib.util.find_spec("locust") is None:  # not imported here: it patches the standard library
        pytest.skip("the bench extra (pip install -e '.[bench]') is not installed")
    settings = app.extensions["caseflow.settings"]
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("the production profile runs on PostgreSQL (the suite's PostgreSQL run covers this)")
    from tests.plans.helpers import allocated_case, team

    people, tokens, _ = team(factory)
    allocated_case(api, people, tokens)  # a family on Sam's caseload, to open and record contacts on
    logins = tmp_path / "logins.json"
    logins.write_text(json.dumps({
        "password": TEST_PASSWORD, "keyworkers": [people["sam"].email], "front_door": [people["officer"].email],
        "managers": [people["manager"].email], "partner_tokens": [tokens["referrer"], tokens["senco"]]}))
    url, conn = redis_conn
    conn.delete(redis_db._MARKER)
    conn.set(REDIS_MARK, "{}")  # handed to the bench as if an earlier bench run had left it
    report = tmp_path / "report.json"
    finished = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--database-url", settings.database_url,
         "--logins-file", str(logins), "--keys-file", str(settings.keys_file), "--redis-url", url,
         # Seven users: the floor and one or more of each persona (locust hands out users by
         # weight: keyworker, partner, keyworker, front door, keyworker, manager). Each does every
         # task once first, and --warmup 0 counts those, so every operation is in the figures.
         "--users", "7", "--think", "0.2", "--duration", "15", "--ramp", "1", "--warmup", "0", "--web-workers", "2",
         "--threads", "2", "--out", str(tmp_path / "out"), "--report", str(report)],
        capture_output=True, text=True, timeout=240, cwd=tmp_path)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    run = json.loads(report.read_text())["runs"][0]
    measured = {op["name"]: op for op in run["operations"]}
    assert set(measured) == {op.value for op in Operation}, finished.stdout
    assert run["errors"] == 0, finished.stdout
    assert measured["healthz"]["floor_ratio"] == 1.0
    assert all(op["requests"] > 0 and op["p95_ms"] > 0 and op["floor_ratio"] is not None for op in measured.values())
    assert "p95/floor" in finished.stdout  # the table was printed
    assert conn.dbsize() == 0  # the bench emptied the Redis database it used
