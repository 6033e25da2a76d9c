"""County-scale load bench (issue 16): the production profile on 127.0.0.1 under a realistic mix.

One command: seed (or reuse) a PostgreSQL database with a synthetic county, start the production
profile on this machine (gunicorn with several workers serving the app, PostgreSQL, Redis, a
`caseflow worker`), drive the mix of bench/mix.py with locust (headless, bench/locustfile.py),
and print per operation: requests/s, p50/p95/p99, errors, and p95 over the p95 of the bare
`/healthz` request measured in the same run (the floor; bench/figures.py), so the figures
compare across machines. With two sizes it prints, per operation, the ratio of their p95s, and
of their p95/floor (which discounts a machine that was busier during one run than the other).

    pip install -e '.[bench]'
    .venv/bin/python bench/run.py --sizes 2000 --duration 60
    .venv/bin/python bench/run.py --sizes 100000,1000000 --report bench-results.md
    .venv/bin/python bench/run.py --database-url postgresql://root@127.0.0.1/cf_county \\
        --logins-file county-logins.json --keys-file county-keys.json     # an existing database

Seeding: for each size, a database `<prefix>_<size>` (default cf_bench_<size>) is created and
filled by `caseflow seed --people N --seed S --logins-file ...`, under keys the bench generates
and keeps in --state-dir (instance/bench/<database>/: keys.json, logins.json). A later run finds
them there and reuses the database as it is (the bench's own writes, a few thousand contacts and
requests a run, stay in it: drop the database to start again).

The production profile: CASEFLOW_ENVIRONMENT=production, keys and the secret key from
configuration, Redis for the queue and rate limits. Two things differ from a council's
deployment, both because this is one machine talking plain HTTP to itself:
- session cookies are not Secure (bench/plain_http_wsgi.py: production refuses
  CASEFLOW_SECURE_COOKIES=false, so the flag is turned off on the built app, as the test
  suite's live server does); there is no TLS proxy in front;
- the sign-in and API rate limits are raised (every simulated user comes from 127.0.0.1 and a
  small county has few accounts); every request still counts against them in Redis, so what
  the limiter costs is in the figures.

Redis: the --redis-url database (default 7) must be empty, or hold only what an earlier bench
run left (it marks the database with the key `caseflow-bench:owner`); anything else and the
bench refuses to start rather than wipe someone's data. It is emptied when the run ends.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from bench import figures  # noqa: E402  (run as a script from any folder)

REDIS_MARK = "caseflow-bench:owner"


class BenchRefused(SystemExit):
    """The bench will not run: the message says why and what to do."""


# --- Redis: only an empty database, or one an earlier bench run marked ---------------------------

def claim_redis(url: str):
    """Take the Redis database for this run: refuse one holding anything an earlier bench run
    did not leave (marked with REDIS_MARK), empty it, and mark it as the bench's."""
    from redis import Redis

    redis = Redis.from_url(url)
    keys = redis.dbsize()
    if keys and not redis.exists(REDIS_MARK):
        raise BenchRefused(f"Redis {url} holds {keys} keys that no bench run left (no {REDIS_MARK!r} key): "
                           "refusing to empty it. Give the bench an empty database with --redis-url.")
    redis.flushdb()
    redis.set(REDIS_MARK, json.dumps({"pid": os.getpid(), "started": datetime.now(timezone.utc).isoformat()}))
    return redis


def release_redis(redis) -> None:
    redis.flushdb()  # the queue and the rate-limit counts of this run; nothing else was there


# --- the database: seeded by `caseflow seed`, or given ---------------------------------------------

@dataclass(frozen=True)
class Target:
    label: str
    database_url: str
    logins_file: Path
    keys_file: Path
    secret_key: str | None = None  # None: a new one per run (only this run's sessions use it)


def _psycopg_url(url: str) -> str:
    return "postgresql+psycopg://" + url.split("://", 1)[1] if url.startswith(("postgresql://", "postgres://")) else url


def _database_exists(server_url: str, name: str) -> bool:
    from sqlalchemy import create_engine, text

    engine = create_engine(_psycopg_url(f"{server_url}/postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            return bool(conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar())
    finally:
        engine.dispose()


def _create_database(server_url: str, name: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(_psycopg_url(f"{server_url}/postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()


# What docs/operations.md ("PostgreSQL settings") asks of production's server, set on each
# database the bench seeds (its own, so the machine's other databases keep theirs): the county
# is in memory or on SSD, where PostgreSQL's default (4, for spinning disks) makes it read whole
# tables rather than look rows up by index.
PLANNER_SETTINGS = {"random_page_cost": "1.1"}


def _apply_planner_settings(server_url: str, name: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(_psycopg_url(f"{server_url}/postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            for setting, value in PLANNER_SETTINGS.items():
                conn.execute(text(f'ALTER DATABASE "{name}" SET {setting} = {value}'))
    finally:
        engine.dispose()


def _caseflow(env: dict, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "caseflow"), *args], env=env, cwd=ROOT, **kwargs)


def seeded_database(people: int, args) -> Target:
    """The database for `people`: reused when an earlier run seeded it, else created and seeded."""
    name = f"{args.database_prefix}_{people}"
    url = f"{args.postgres_url.rstrip('/')}/{name}"
    state = args.state_dir / name
    logins, keys, secret = state / "logins.json", state / "keys.json", state / "secret_key"
    label = f"{people:,} people"
    if _database_exists(args.postgres_url, name):
        if logins.is_file() and keys.is_file():
            print(f"{label}: reusing database {name} (seeded earlier; its keys and logins are in {state})")
            _apply_planner_settings(args.postgres_url, name)
            return Target(label, url, logins, keys, secret.read_text() if secret.is_file() else None)
        raise BenchRefused(f"Database {name} exists but {state} has no keys.json and logins.json for it: drop it "
                           f"(dropdb {name}) to seed it again, or pass --database-url, --logins-file and --keys-file.")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEFLOW_")}
    if _caseflow(env, "seed", "--help", capture_output=True).returncode != 0:
        raise BenchRefused("`caseflow seed` is not in this checkout yet: reuse a database with --database-url, "
                           "--logins-file and --keys-file")
    state.mkdir(parents=True, exist_ok=True)
    from cryptography.fernet import Fernet

    keys.write_text(json.dumps({"fernet_keys": [Fernet.generate_key().decode()]}))
    # The secret signs sessions and (through HKDF) the audit checkpoints: one per database.
    secret.write_text(secrets.token_urlsafe(48))
    for path in (keys, secret):
        os.chmod(path, 0o600)
    _create_database(args.postgres_url, name)
    _apply_planner_settings(args.postgres_url, name)
    target = Target(label, url, logins, keys, secret.read_text())
    env = production_env(target, redis_url=None, instance=state)
    print(f"{label}: seeding database {name} (caseflow seed --people {people} --seed {args.seed})")
    started = time.monotonic()
    _caseflow(env, "db", "upgrade", check=True)
    _caseflow(env, "seed", "--people", str(people), "--seed", str(args.seed), "--logins-file", str(logins), check=True)
    print(f"{label}: seeded in {time.monotonic() - started:.0f} s")
    return target


# --- the production profile --------------------------------------------------------------------------

def production_env(target: Target, redis_url: str | None, instance: Path) -> dict:
    """The environment of every CaseFlow process of the run: production, configured keys."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEFLOW_")}
    env.update({
        "CASEFLOW_ENVIRONMENT": "production",
        "CASEFLOW_DATABASE_URL": target.database_url,
        "CASEFLOW_KEYS_FILE": str(target.keys_file),
        "CASEFLOW_SECRET_KEY": target.secret_key or secrets.token_urlsafe(48),
        "CASEFLOW_INSTANCE_PATH": str(instance),
        # Raised, not removed: every simulated user is 127.0.0.1 and a small county has few
        # accounts. Each request is still counted in Redis.
        "CASEFLOW_LOGIN_RATE_LIMIT": "10000 per minute",
        "CASEFLOW_API_RATE_LIMIT": "100000 per minute",
    })
    if redis_url:
        env["CASEFLOW_REDIS_URL"] = redis_url
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _ready(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/readyz", timeout=5) as answer:
            return answer.status == 200
    except OSError:
        return False


@contextmanager
def production_profile(target: Target, args, redis_url: str):
    """gunicorn (several workers) and `caseflow worker` processes on this machine, ready: yields
    the base URL and the folder holding their logs."""
    instance = Path(tempfile.mkdtemp(prefix="caseflow-bench-"))
    metrics = instance / "prometheus"
    metrics.mkdir()
    env = production_env(target, redis_url, instance) | {"PROMETHEUS_MULTIPROC_DIR": str(metrics)}
    # A database seeded by an older checkout gets this one's migrations (new indexes, say) before
    # it is measured, as a deployment would at its upgrade; at the head this does nothing.
    _caseflow(env, "db", "upgrade", check=True, stdout=subprocess.DEVNULL)
    port = args.port or free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = open(instance / "servers.log", "ab")
    processes = [subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", str(args.web_workers), "--threads", str(args.threads),
         "--bind", f"127.0.0.1:{port}", "--pythonpath", str(BENCH), "--log-level", "warning",
         "plain_http_wsgi:app"], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)]
    processes += [subprocess.Popen([str(BIN / "caseflow"), "worker"], env=env, cwd=ROOT, stdout=log,
                                   stderr=subprocess.STDOUT) for _ in range(args.rq_workers)]
    try:
        deadline = time.monotonic() + 120
        while not _ready(base_url):  # /readyz: database, migrations, keys, Redis and a live worker
            if any(p.poll() is not None for p in processes) or time.monotonic() > deadline:
                raise BenchRefused(f"the production profile did not become ready; its log: {instance / 'servers.log'}\n"
                                   + (instance / "servers.log").read_text()[-3000:])
            time.sleep(0.5)
        yield base_url, instance
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()


# --- the load -----------------------------------------------------------------------------------

def drive(base_url: str, target: Target, args, out: Path) -> list[dict]:
    """The mix: --ramp seconds to start every user, --warmup seconds unmeasured, then --duration
    seconds measured (bench/locustfile.py resets the statistics); locust's per-operation figures."""
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "BENCH_LOGINS_FILE": str(target.logins_file), "BENCH_THINK_SECONDS": str(args.think),
           "BENCH_WARMUP_SECONDS": str(args.warmup)}
    command = [str(BIN / "locust"), "-f", str(BENCH / "locustfile.py"), "--headless", "--host", base_url,
               "--users", str(args.users), "--spawn-rate", str(max(args.users / max(args.ramp, 1), 1)),
               "--run-time", f"{args.ramp + args.warmup + args.duration}s", "--only-summary",
               "--stop-timeout", "10", "--json-file", str(out / "stats"), "--csv", str(out / "locust"),
               "--loglevel", "WARNING", "--exit-code-on-error", "0"]
    with open(out / "locust.log", "wb") as log:
        finished = subprocess.run(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    stats = out / "stats.json"
    if finished.returncode != 0 or not stats.is_file():
        raise BenchRefused(f"locust failed (exit {finished.returncode}); its log: {out / 'locust.log'}\n"
                           + (out / "locust.log").read_text()[-3000:])
    return json.loads(stats.read_text())


def failures(out: Path, limit: int = 8) -> list[str]:
    """The commonest failure messages locust recorded, for the lines under the table."""
    import csv

    path = out / "locust_failures.csv"
    if not path.is_file():
        return []
    rows = sorted(csv.DictReader(path.open()), key=lambda r: -int(r.get("Occurrences") or 0))
    return [f"{r['Occurrences']:>6} x {r['Name']}: {r['Error'][:160]}" for r in rows[:limit]]


def measure(target: Target, args, redis_url: str, out: Path) -> figures.RunFigures:
    with production_profile(target, args, redis_url) as (base_url, instance):
        print(f"{target.label}: {args.users} users for {args.duration} s after a {args.ramp} s ramp and "
              f"{args.warmup} s warm-up "
              f"against {base_url} ({args.web_workers} gunicorn workers x {args.threads} threads, "
              f"{args.rq_workers} queue worker(s))", flush=True)
        entries = drive(base_url, target, args, out)
    shutil.copy(instance / "servers.log", out / "servers.log")  # once the servers have stopped and said all
    shutil.rmtree(instance, ignore_errors=True)
    run = figures.run_figures(entries, target.label)
    busy = os.getloadavg()[0]
    print("\n" + figures.table(run))
    print(f"  load average at the end: {busy:.1f} on {os.cpu_count()} CPUs (the bench's own processes included; "
          "more than the CPUs means other work shared the machine)")
    for line in failures(out):
        print("  " + line)
    print(f"  (locust's files and the servers' log: {out})\n", flush=True)
    return run


# --- the command ------------------------------------------------------------------------------------

def _sizes(raw: str) -> list[int]:
    sizes = sorted({int(part.replace("_", "")) for part in raw.split(",") if part.strip()})
    if not sizes or sizes[0] < 1:
        raise argparse.ArgumentTypeError("sizes are numbers of people, e.g. 100000,1000000")
    return sizes


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--sizes", type=_sizes, default=[100_000],
                        help="numbers of people, comma-separated: a database seeded at each (default 100000)")
    parser.add_argument("--seed", type=int, default=2026, help="caseflow seed's random seed")
    parser.add_argument("--database-url", help="reuse this database instead of seeding (with --logins-file)")
    parser.add_argument("--logins-file", type=Path, help="the JSON logins of --database-url, as caseflow seed writes")
    parser.add_argument("--keys-file", type=Path,
                        help="the encryption keys of --database-url (default: keys.json beside --logins-file)")
    parser.add_argument("--label", help="what to call the --database-url run in the table")
    parser.add_argument("--postgres-url", default="postgresql://root@127.0.0.1:5432",
                        help="the PostgreSQL server seeded databases are created on")
    parser.add_argument("--database-prefix", default="cf_bench", help="seeded databases are <prefix>_<size>")
    parser.add_argument("--state-dir", type=Path, default=ROOT / "instance" / "bench",
                        help="where seeded databases' keys and logins are kept")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/7",
                        help="an empty Redis database (or one an earlier bench run left)")
    parser.add_argument("--users", type=int, default=100, help="simulated users (one more asks /healthz)")
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds between one user's tasks")
    parser.add_argument("--duration", type=int, default=60, help="seconds measured, after the ramp")
    parser.add_argument("--ramp", type=int, default=10, help="seconds to start every user (not measured)")
    parser.add_argument("--warmup", type=int, default=10,
                        help="seconds run after the ramp, not measured (0: measure from the first request)")
    parser.add_argument("--web-workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--rq-workers", type=int, default=1, help="`caseflow worker` processes")
    parser.add_argument("--port", type=int, default=0, help="gunicorn's port (default: a free one)")
    parser.add_argument("--out", type=Path, help="folder for locust's files and the servers' logs")
    parser.add_argument("--report", type=Path,
                        help="write the figures here: .json, .md, or any other name for both")
    args = parser.parse_args(argv)
    if args.database_url and not args.logins_file:
        parser.error("--database-url needs --logins-file (the JSON logins caseflow seed writes)")
    if args.database_url:
        args.keys_file = args.keys_file or args.logins_file.parent / "keys.json"
        if not args.keys_file.is_file():
            parser.error(f"no keys file {args.keys_file}: pass --keys-file (the keys the database was written under)")
    return args


def settings_of(args) -> dict:
    return {"users": args.users, "think seconds": args.think, "measured seconds": args.duration,
            "gunicorn workers": args.web_workers, "threads": args.threads, "queue workers": args.rq_workers,
            "CPUs": os.cpu_count(), "load average (1 min) at the end": round(os.getloadavg()[0], 1),
            "machine": platform.machine(), "python": platform.python_version(),
            "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def write_report(path: Path, runs: list[figures.RunFigures], settings: dict) -> list[Path]:
    path.parent.mkdir(parents=True, exist_ok=True)
    written = []
    if path.suffix in (".json", ".md"):
        targets = [path]
    else:
        targets = [path.with_suffix(".json"), path.with_suffix(".md")]
    for target in targets:
        target.write_text(figures.as_json(runs, settings) if target.suffix == ".json"
                          else figures.markdown(runs, settings))
        written.append(target)
    return written


def main(argv=None) -> int:
    args = parse_args(argv)
    redis = claim_redis(args.redis_url)
    out = args.out or Path(tempfile.mkdtemp(prefix="caseflow-bench-results-"))
    runs = []
    try:
        if args.database_url:
            targets = [lambda: Target(args.label or args.database_url.rsplit("/", 1)[-1], args.database_url,
                                      args.logins_file, args.keys_file)]
        else:
            targets = [lambda size=size: seeded_database(size, args) for size in args.sizes]
        for make_target in targets:
            target = make_target()
            redis.flushdb()  # each size starts with an empty queue and fresh counts
            redis.set(REDIS_MARK, json.dumps({"pid": os.getpid()}))
            runs.append(measure(target, args, args.redis_url, out / target.label.replace(",", "").replace(" ", "-")))
    finally:
        release_redis(redis)
    if len(runs) == 2:
        print(figures.ratio_table(*runs) + "\n")
    if args.report:
        for written in write_report(args.report, runs, settings_of(args)):
            print(f"wrote {written}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
