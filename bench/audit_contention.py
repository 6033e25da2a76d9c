"""Benchmark: how many audited commits per second the audit chain lets through, on PostgreSQL.

Every read of personal data writes an audit row, so every request commits one or more. The rows
are chained by hash in one order, and putting a row on the chain needs the chain's head: if each
request took the head's lock for its own commit, the service could never commit faster than one
commit (and its fsync) at a time, however many web workers it had. This bench starts THREADS
threads, each committing transactions that record READS_PER_COMMIT audit events (a family page
records one per family read), for SECONDS seconds, and prints commits/s, audit rows/s and the
commit latency percentiles; then checks the chain still verifies.

    .venv/bin/python bench/audit_contention.py --database-url postgresql://root@127.0.0.1:5432/cf_audit_bench
    .venv/bin/python bench/audit_contention.py --threads 1,8,32 --seconds 10

The database is created by the migrations if empty; the bench's own rows stay in it (use a
database of its own).
"""
from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from caseflow.app import create_app  # noqa: E402
from caseflow.core import audit  # noqa: E402
from caseflow.core.database import new_id  # noqa: E402
from caseflow.core.extensions import db  # noqa: E402
from caseflow.core.migrate import upgrade  # noqa: E402


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))] if values else 0.0


def run(app, threads: int, seconds: float, reads: int) -> dict:
    latencies: list[list[float]] = [[] for _ in range(threads)]
    stop = time.monotonic() + seconds
    start_together = threading.Barrier(threads)

    def worker(i: int):
        with app.app_context():
            start_together.wait()
            while time.monotonic() < stop:
                t0 = time.perf_counter()
                for _ in range(reads):
                    audit.record(f"bench-{i}", "family.view", "family", family_id=new_id(), purpose="bench")
                db.session.commit()
                latencies[i].append((time.perf_counter() - t0) * 1000)
            db.session.remove()

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    began = time.monotonic()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.monotonic() - began
    every = [ms for per_thread in latencies for ms in per_thread]
    return {"threads": threads, "commits": len(every), "per_second": len(every) / elapsed,
            "rows_per_second": len(every) * reads / elapsed,
            "p50": pct(every, 50), "p95": pct(every, 95), "p99": pct(every, 99)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL database of the bench's own")
    parser.add_argument("--threads", default="1,4,16,32", help="comma-separated thread counts")
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--reads", type=int, default=1, help="audit events per commit")
    args = parser.parse_args()
    data_dir = ROOT / "bench" / ".data"
    data_dir.mkdir(parents=True, exist_ok=True)
    # A development profile on PostgreSQL: keys generated into the bench's own instance folder.
    app = create_app(instance_path=data_dir / "instance", database_url=args.database_url, environment="development")
    most = max(int(t) for t in args.threads.split(","))
    db.configure(args.database_url, pool_size=most + 4, max_overflow=most)  # no thread waits for a connection
    with app.app_context():
        upgrade("head")
    print(f"{'threads':>7} {'commits/s':>10} {'rows/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
    for threads in [int(t) for t in args.threads.split(",")]:
        r = run(app, threads, args.seconds, args.reads)
        print(f"{r['threads']:>7} {r['per_second']:>10.0f} {r['rows_per_second']:>8.0f} "
              f"{r['p50']:>7.1f} {r['p95']:>7.1f} {r['p99']:>7.1f}", flush=True)
    with app.app_context():
        report = audit.verify_chain()
        print(f"chain verifies: {report.ok} ({report.events_checked:,} events checked)"
              + ("" if report.ok else f"; {report.problems[:3]}"))


if __name__ == "__main__":
    main()
