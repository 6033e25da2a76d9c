"""Benchmark: panel agenda, caseload and unallocated pages with 10,000 open cases.

Builds (once, then reuses) 10,000 open cases in a real database through the real migrations,
then times the real pages through Flask's test client (the whole request: routing, policy,
audit, queries, templates) and prints latency percentiles and SQL statements per page.

    .venv/bin/python bench/panel.py
    .venv/bin/python bench/panel.py --cases 10000 --runs 30 --database-url postgresql://root@127.0.0.1:5432/bench
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import event, func, insert, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from caseflow.app import create_app
from caseflow.auth.models import User  # noqa: E402
from caseflow.auth.services import create_organisation, create_team, create_user  # noqa: E402
from caseflow.cases.models import Case  # noqa: E402
from caseflow.core.database import new_id, utcnow
from caseflow.core.extensions import db
from caseflow.families.models import Family  # noqa: E402
from caseflow.core.migrate import upgrade
from caseflow.panels.services import create_panel  # noqa: E402

PASSWORD = "benchmark password 1"


def build(cases: int, awaiting: int) -> None:
    rng = random.Random(11)
    org = create_organisation("Bench Early Help", "early_help", actor="bench")
    team = create_team("Bench team", org, actor="bench")
    create_user("chair@bench.example", "Chair", "panel_chair", org.name, PASSWORD, actor="bench")
    keyworkers = [create_user(f"kw{i}@bench.example", f"Keyworker {i}", "keyworker", org.name, PASSWORD,
                              team=team, actor="bench")[0] for i in range(200)]
    db.session.commit()
    now = utcnow()
    families, rows = [], []
    for i in range(cases):
        fid = new_id()
        families.append({"id": fid, "reference": f"FAM-B{i:07d}", "name": f"Family{i}", "created_at": now})
        waiting = i < awaiting
        kw = None if waiting else rng.choice(keyworkers)
        rows.append({"id": new_id(), "reference": f"CF-B{i:07d}", "family_id": fid,
                     "stage": "awaiting_panel" if waiting else rng.choice(["allocated", "assessing", "planning", "reviewing"]),
                     "urgency": "routine", "opened_at": now - timedelta(days=rng.randint(1, 400)),
                     "is_re_referral": False, "rag": rng.choice(["red", "amber", "green"]),
                     "level_of_need": 3, "eligible": True, "keyworker_id": kw.id if kw else None,
                     "team_id": team.id if kw else None, "version": 1, "created_at": now})
    with db.engine.begin() as conn:
        conn.execute(insert(Family), families)
        conn.execute(insert(Case), rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--awaiting", type=int, default=2_000, help="of which awaiting panel")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    data_dir = ROOT / "bench" / ".data"
    data_dir.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{data_dir / f'panel-{args.cases}.db'}"
    app = create_app(instance_path=data_dir / "instance", database_url=url)
    app.config.update(SESSION_COOKIE_SECURE=False, WTF_CSRF_ENABLED=False)
    with app.app_context():
        upgrade("head")
        existing = db.session.scalar(select(func.count()).select_from(Case))
        db.session.commit()
        if existing < args.cases:
            print(f"Building {args.cases:,} open cases ...")
            build(args.cases, args.awaiting)
        panel = create_panel(db.session.scalar(select(User).where(User.email == "chair@bench.example")),
                             {"date": date.today().isoformat(), "name": "Bench panel"})
        busiest = db.session.execute(select(Case.keyworker_id, func.count()).where(Case.keyworker_id.is_not(None))
                                     .group_by(Case.keyworker_id).order_by(func.count().desc()).limit(1)).first()
        open_cases = db.session.scalar(select(func.count()).select_from(Case).where(Case.closed_at.is_(None)))
        db.session.commit()

    statements: list[str] = []
    event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))

    def timed(client, path, label):
        samples, queries = [], 0
        for _ in range(args.runs):
            statements.clear()
            t0 = time.perf_counter()
            response = client.get(path)
            samples.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, (path, response.status_code)
            queries = len(statements)
        samples.sort()
        p95 = samples[min(len(samples) - 1, int(0.95 * (len(samples) - 1)))]
        print(f"  {label:34s} p50 {statistics.median(samples):7.1f} ms  p95 {p95:7.1f} ms  "
              f"{queries:3d} SQL statements  ({len(response.data) // 1024} KiB)")

    chair = app.test_client()
    chair.post("/sign-in", data={"email": "chair@bench.example", "password": PASSWORD})
    keyworker = app.test_client()
    with app.app_context():
        kw_email = db.session.get(User, busiest[0]).email
    keyworker.post("/sign-in", data={"email": kw_email, "password": PASSWORD})

    print(f"\n{open_cases:,} open cases ({db.engine.dialect.name}); {args.awaiting:,} awaiting panel; "
          f"busiest keyworker holds {busiest[1]}. {args.runs} runs each:")
    timed(chair, f"/panels/{panel.id}", "panel agenda page (25 of 2,000)")
    timed(chair, "/caseloads", "caseloads page (200 keyworkers)")
    timed(chair, "/unallocated", "unallocated page (50 per page)")
    timed(keyworker, "/caseload", "keyworker's own caseload page")


if __name__ == "__main__":
    main()
