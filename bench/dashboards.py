"""Benchmark: every dashboard's p50 and p95 at county scale on PostgreSQL, as a service lead
(the whole county), a team manager (their team) and an analyst sees it.

Each timing is one dashboard built by the read model (caseflow.readmodels.reports: every SQL
query it runs and the Python that shapes the tables) and rendered to its HTML page, over the
default period (the last twelve months). The dashboards' daily totals are worked out first if
the database has none (the refresh job's time is printed too: pass --refresh to time it again);
that is the only write. The audit events each read records are rolled back after each timing.
Run it on a copy of a seeded county (createdb -T), migrated to the head (caseflow db upgrade).

    .venv/bin/python bench/dashboards.py --database-url postgresql://root@127.0.0.1:5432/cf_county_1000000 \\
        --state /work/main/instance/bench/cf_county_1000000 --runs 20

`--state` is the folder `caseflow seed` left (keys.json, secret_key), so encrypted columns open.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def backend_cpu(db, text) -> float:
    """CPU seconds used so far by the session's PostgreSQL backend (same machine: its /proc
    entry). The machine is shared and loaded: CPU time is the steadier figure beside wall time."""
    pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))] if values else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--state", required=True, help="the seeded county's folder (keys.json, secret_key)")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--dashboards", default=",".join(["demand", "timeliness", "workload", "flows", "outcomes"]),
                        help="comma-separated dashboards to time (default: all)")
    parser.add_argument("--refresh", action="store_true", help="rebuild the daily totals even if they exist")
    args = parser.parse_args()
    data_dir = ROOT / "bench" / ".data"
    (data_dir / "instance").mkdir(parents=True, exist_ok=True)
    os.environ.update({"CASEFLOW_ENVIRONMENT": "production", "CASEFLOW_DATABASE_URL": args.database_url,
                       "CASEFLOW_KEYS_FILE": f"{args.state}/keys.json",
                       "CASEFLOW_SECRET_KEY": Path(f"{args.state}/secret_key").read_text().strip(),
                       "CASEFLOW_INSTANCE_PATH": str(data_dir / "instance")})

    from flask import render_template
    from flask_login import login_user
    from sqlalchemy import func, select, text

    from caseflow.app import create_app
    from caseflow.auth.models import User
    from caseflow.cases.models import Case
    from caseflow.core.extensions import db
    from caseflow.families.models import Family
    from caseflow.readmodels import report_aggregates, reports
    from caseflow.readmodels.charts import bar_chart

    app = create_app()
    with app.app_context():
        families = db.session.execute(select(func.count()).select_from(Family)).scalar()
        cases = db.session.execute(select(func.count()).select_from(Case)).scalar()
        lead = db.session.scalars(select(User).where(User.role == "team_manager", User.team_id.is_(None))).first()
        manager = db.session.scalars(select(User).where(User.role == "team_manager", User.team_id.is_not(None))).first()
        analyst = db.session.scalars(select(User).where(User.role == "analyst")).first()
        # `caseflow seed` makes no service lead (a team manager with no team): a panel chair's
        # dashboards count the whole county too, so they stand in (named as what they are).
        chair = None if lead else db.session.scalars(select(User).where(User.role == "panel_chair")).first()
        if args.refresh or report_aggregates.last_refresh() is None:
            db_cpu, py_cpu, started = backend_cpu(db, text), time.process_time(), time.perf_counter()
            rows = report_aggregates.refresh()
            db.session.commit()
            print(f"daily totals refreshed: {rows:,} rows in {time.perf_counter() - started:.1f} s wall, CPU "
                  f"{time.process_time() - py_cpu:.1f} s Python + {backend_cpu(db, text) - db_cpu:.1f} s PostgreSQL "
                  "(the nightly job)")
        viewers = [(name, u.id) for name, u in (("service lead", lead), ("panel chair", chair), ("team manager", manager),
                                                ("analyst", analyst)) if u]
        manager = type("Manager", (), {"id": manager.id}) if manager else None
        db.session.rollback()
    print(f"Dashboards at {families:,} families ({cases:,} cases), PostgreSQL, {args.runs} runs each after one warm-up; "
          "default period (the last 12 months); read model + page render; target p95 < 300 ms")
    print(f"{'dashboard':<12} {'viewer':<14} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} "
          f"{'CPU ms (Python + PostgreSQL), median':>38}")
    worst = 0.0
    for key in [k for k in reports.DASHBOARDS if k in args.dashboards.split(",")]:
        for name, user_id in viewers:
            timings, cpu = [], []
            for run in range(args.runs + 1):
                with app.test_request_context(f"/reports/{key}"):
                    user = db.session.get(User, user_id)
                    login_user(user)
                    db_cpu, py_cpu = backend_cpu(db, text), time.process_time()
                    started = time.perf_counter()
                    board = reports.build(user, key, reports.Filters.default())
                    render_template("reports/dashboard.html", board=board, errors={}, bar_chart=bar_chart,
                                    dashboards=reports.dashboards_for(user), teams=reports.team_choices(user),
                                    organisations=reports.organisation_choices(user), args=board.filters.as_args(),
                                    title=board.title)
                    elapsed = (time.perf_counter() - started) * 1000
                    used = (time.process_time() - py_cpu, backend_cpu(db, text) - db_cpu)
                    db.session.rollback()  # the read's audit events: this bench writes nothing
                    db.session.remove()
                if run:
                    timings.append(elapsed)
                    cpu.append(used)
            p95 = pct(timings, 95)
            py_ms = statistics.median(c[0] for c in cpu) * 1000
            db_ms = statistics.median(c[1] for c in cpu) * 1000
            worst = max(worst, p95)
            print(f"{key:<12} {name:<14} {statistics.median(timings):>8.1f} {p95:>8.1f} {max(timings):>8.1f} "
                  f"{py_ms:>18.0f} + {db_ms:<5.0f} = {py_ms + db_ms:.0f}", flush=True)
    if manager:
        timings = []
        for run in range(min(args.runs, 5) + 1):
            with app.test_request_context("/reports/timeliness/missed"):
                user = db.session.get(User, manager.id)
                started = time.perf_counter()
                reports.missed_cases(user, reports.Filters.default())
                elapsed = (time.perf_counter() - started) * 1000
                db.session.rollback()
                db.session.remove()
            if run:
                timings.append(elapsed)
        print(f"(the live list of a team's cases that missed a target, its own page: p50 {statistics.median(timings):.1f} ms, "
              f"max {max(timings):.1f} ms)")
    print(f"worst dashboard p95: {worst:.1f} ms ({'within' if worst < 300 else 'over'} the 300 ms target)")


if __name__ == "__main__":
    main()
