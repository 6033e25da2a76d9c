"""Benchmark: import and link a partner's school attendance file (issue 18).

    .venv/bin/python bench/data_in.py                           # 1,000,000 rows, 1,000,000 people
    .venv/bin/python bench/data_in.py --rows 50000 --people 50000
    .venv/bin/python bench/data_in.py --database-url postgresql://root@127.0.0.1:5432/bench_feeds

Two figures (targets: under 10 minutes and under 2 GB; no wrong automatic link, under 1% of
true matches left as new):
1. Time and peak memory (this process's peak resident set, which includes DuckDB's) to import
   and link the file: the real feed job (caseflow.jobs.run_import) reading a CSV a row at a
   time, Splink on DuckDB linking it to the people held, and the evidence written in batches.
2. Linking precision and recall on the same generated file, whose true matches are known: each
   row is a held person re-typed by the school (typos, nicknames, a day/month swap, a mistyped
   digit in the date of birth, a move) or someone not held at all, some of them deliberately like
   a held person (a twin: the same surname, birthday and postcode).

The people are written straight into a fresh database (COPY on PostgreSQL, no families: the
audit trail and progress recompute are per family and are measured by the outcomes bench).
"""
from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GIVEN = ("Oliver George Harry Jack Jacob Noah Charlie Muhammad Thomas Oscar William James Henry Leo Alfie "
         "Joshua Freddie Archie Ethan Isaac Alexander Joseph Edward Samuel Max Daniel Arthur Lucas Mohammed "
         "Logan Theo Harrison Benjamin Mason Sebastian Finley Adam Dylan Zachary Riley Teddy Jake Toby Elijah "
         "Louie Reuben Arlo Hugo Luca Jaxon Matthew Harvey Reggie Michael Tommy Jenson Frankie Jude David "
         "Olivia Amelia Isla Ava Emily Isabella Mia Poppy Ella Lily Evie Grace Sophia Sophie Freya Charlotte "
         "Scarlett Daisy Chloe Alice Phoebe Florence Ruby Sienna Matilda Evelyn Eva Millie Sofia Lucy Elsie "
         "Imogen Layla Rosie Maya Esme Elizabeth Harper Willow Lola Emma Emilia Erin Eliza Hannah Bella Holly "
         "Katherine Rebecca Jennifer Victoria Samantha Margaret Robert Christopher Alfred Maisie Aisha Fatima "
         "Zara Maryam Amara Priya Ananya Kai Ryan Aaron Kian Ibrahim Yusuf Omar Ali Hassan Bilal Tariq Zain").split()
FAMILY = ("Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson Wright "
          "Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson Wood Turner Martin Cooper Hill "
          "Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen James Scott Phillips Watson Davis Parker "
          "Price Bennett Young Griffiths Mitchell Kelly Cook Carter Richardson Bailey Collins Bell Shaw Murphy "
          "Miller Cox Richards Khan Marshall Anderson Simpson Ellis Adams Singh Begum Wilkinson Foster Chapman "
          "Powell Webb Rogers Gray Mason Ali Hunt Hussain Campbell Matthews Owen Palmer Holmes Mills Barnes Knight "
          "Lloyd Butler Russell Barker Fisher Stevens Jenkins Murray Dixon Harvey Graham Pearson Ahmed Fletcher "
          "Walsh Kaur Gibson Howard Andrews Stewart Elliott Reynolds Saunders Payne Fox Ford Pearce Day Brooks "
          "West Lawrence Cole Atkinson Bradley Spencer Gill Dawson Ball Burton O'Brien Watts Rose Booth Perry Ryan "
          "Grant Wells Armstrong Francis Rees Hayes Hart Hudson Newman Barrett Webster Hunter Gregory Carr Lowe "
          "Page Marsh Riley Dunn Woods Parsons Berry Stone Reid Holland Hawkins Harding Porter Robertson Newton "
          "Oliver Reed Kennedy Williamson Bird Gardner Shah Dean Lane Cooke Bates Henderson Parry Burgess Bishop "
          "Walton Burns Nicholson Shepherd Ross Cross Long Freeman Warren Nicholls Hamilton Byrne Sutton McDonald "
          "Yates Hodgson Robson Curtis Hopkins O'Connor Harper Coleman Watkins Moss McCarthy Chambers O'Neill "
          "Griffin Sharp Hardy Wheeler Potter Osborne Johnston Gordon Doyle Wallace George Jordan Hutchinson Rowe "
          "Burke May Pritchard Gilbert Willis Higgins Read Miles Stevenson Stephenson Hammond Arnold Buckley").split()
NICKNAMES = {"Robert": "Bob", "Elizabeth": "Liz", "James": "Jim", "Katherine": "Kate", "Samantha": "Sam",
             "Thomas": "Tom", "William": "Bill", "Margaret": "Maggie", "Alfred": "Alfie", "Rebecca": "Becky",
             "Jennifer": "Jenny", "Michael": "Mike", "Christopher": "Chris", "Daniel": "Danny",
             "Victoria": "Vicky", "Joseph": "Joe", "Matthew": "Matt", "Benjamin": "Ben", "Alexander": "Alex"}
HEADER = ["Pupil ref", "Forename", "Surname", "DOB", "Postcode", "Gender", "Term start", "Term end", "Attendance"]
MAPPING = {"row_id": "Pupil ref", "given_name": "Forename", "family_name": "Surname", "date_of_birth": "DOB",
           "postcode": "Postcode", "sex": "Gender", "period_start": "Term start", "period_end": "Term end",
           "value": "Attendance"}


@dataclass
class Generated:
    people: list[tuple]       # (id, given_name, family_name, date_of_birth, sex, postcode)
    truth: dict[int, str | None]  # file line -> the held person's id (None: not held)
    kinds: dict[int, str]     # file line -> what was done to the row


def _postcodes(rng: random.Random, districts: int, n: int) -> list[str]:
    outward = [f"NS{d}" for d in range(1, districts + 1)]
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    codes = set()
    while len(codes) < n:
        codes.add(f"{rng.choice(outward)} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}")
    return sorted(codes)


def _typo(rng: random.Random, name: str) -> str:
    if len(name) < 4:
        return name + rng.choice("aeiou")
    i = rng.randint(1, len(name) - 2)
    kind = rng.random()
    if kind < 0.34:
        return name[:i] + name[i + 1] + name[i] + name[i + 2:]   # transposed letters
    if kind < 0.67:
        return name[:i] + name[i + 1:]                            # a letter dropped
    return name[:i] + rng.choice("aeioulnrst") + name[i + 1:]     # a letter changed


def people(n: int, seed: int = 18) -> list[tuple]:
    rng = random.Random(seed)
    postcodes = _postcodes(rng, 40, max(200, n // 25))
    out = []
    start = date(2004, 9, 1)
    while len(out) < n:
        family, postcode = rng.choice(FAMILY), rng.choice(postcodes)
        for _ in range(rng.choice((1, 2, 2, 3, 3, 4))):   # a household's children
            dob = start + timedelta(days=rng.randint(0, 6500))
            sex = rng.choice(("male", "female"))
            out.append((f"{len(out):032x}", rng.choice(GIVEN), family, dob, sex, postcode))
            if rng.random() < 0.02 and len(out) < n:        # a twin: same birthday, other name
                out.append((f"{len(out):032x}", rng.choice(GIVEN), family, dob, rng.choice(("male", "female")),
                            postcode))
            if len(out) >= n:
                break
    return out


def write_feed(path: str, held: list[tuple], rows: int, seed: int = 19) -> Generated:
    """A school's attendance file of `rows` rows about the held people (and some not held)."""
    rng = random.Random(seed)
    postcodes = sorted({p[5] for p in held[:5000]})
    households: dict[tuple, set[str]] = {}   # (family name, birthday, postcode) -> first names held
    for _, given, family, dob, _, postcode in held:
        households.setdefault((family, dob, postcode), set()).add(given)
    truth, kinds = {}, {}
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(rows):
            line = n + 2
            roll = rng.random()
            if roll < 0.04:   # someone not held
                if rng.random() < 0.5:   # like a held child: a twin we do not know, or a sibling
                    base = rng.choice(held)
                    # Not a name held for this birthday and household (a held twin's): that row
                    # would be the held twin, whom nothing could tell apart from this one.
                    taken = households.get((base[2], base[3], base[5]), ())
                    given = rng.choice([g for g in GIVEN if g not in taken])
                    person = (None, given, base[2], base[3], rng.choice(("male", "female")), base[5])
                    kinds[line] = "not held: like a held child"
                else:
                    person = (None, rng.choice(GIVEN), rng.choice(FAMILY),
                              date(2004, 9, 1) + timedelta(days=rng.randint(0, 6500)),
                              rng.choice(("male", "female")), rng.choice(postcodes))
                    kinds[line] = "not held"
                truth[line] = None
            else:
                person = rng.choice(held)
                truth[line] = person[0]
                pid, given, family, dob, sex, postcode = person
                c = rng.random()
                kind = "as held"
                if c < 0.06:
                    given, kind = _typo(rng, given), "first name typo"
                elif c < 0.10 and given in NICKNAMES:
                    given, kind = NICKNAMES[given], "nickname"
                elif c < 0.16:
                    family, kind = _typo(rng, family), "last name typo"
                elif c < 0.19 and dob.day <= 12 and dob.day != dob.month:
                    dob, kind = date(dob.year, dob.day, dob.month), "day/month swapped"
                elif c < 0.22:
                    swapped = dob + timedelta(days=rng.choice((-1, 1)))
                    if swapped.strftime("%Y%m") == dob.strftime("%Y%m") and abs(swapped.day - dob.day) == 1 \
                            and sum(a != b for a, b in zip(swapped.strftime("%Y%m%d"), dob.strftime("%Y%m%d"))) == 1:
                        dob, kind = swapped, "date of birth digit"
                elif c < 0.28:
                    postcode, kind = rng.choice(postcodes), "moved"
                elif c < 0.31:
                    postcode, kind = "", "no postcode"
                person = (pid, given, family, dob, sex, postcode)
                kinds[line] = kind
            _, given, family, dob, sex, postcode = person
            term = rng.choice(((date(2025, 9, 1), date(2025, 12, 19)), (date(2026, 1, 5), date(2026, 3, 27)),
                               (date(2026, 4, 13), date(2026, 7, 22))))
            writer.writerow([f"P{n:08d}", given, family, dob.strftime("%d/%m/%Y"), postcode,
                             "M" if sex == "male" else "F", term[0].isoformat(), term[1].isoformat(),
                             f"{rng.uniform(60, 100):.1f}"])
    return Generated(held, truth, kinds)


def accuracy(generated: Generated, decisions: dict[int, tuple[str, str | None, list[str]]]) -> dict:
    """decisions: line -> (status, linked person id, candidate ids)."""
    from collections import Counter

    out = Counter()
    by_kind: dict[str, Counter] = {}
    for line, true_id in generated.truth.items():
        status, linked, candidates = decisions.get(line, ("new", None, []))
        k = by_kind.setdefault(generated.kinds[line], Counter())
        k["rows"] += 1
        k[status] += 1
        if status == "linked":
            out["auto_links"] += 1
            if linked != true_id:
                out["wrong_auto_links"] += 1
                k["wrong_auto_links"] += 1
        if true_id is not None:
            out["true_matches"] += 1
            if status == "new" or (status == "needs_review" and true_id not in candidates):
                out["true_left_as_new"] += 1
                k["true_left_as_new"] += 1
            if status == "needs_review":
                out["true_to_review"] += 1
        elif status == "linked":
            out["not_held_linked"] += 1
    out["precision"] = 1 - out["wrong_auto_links"] / out["auto_links"] if out["auto_links"] else 1.0
    out["left_as_new_share"] = out["true_left_as_new"] / out["true_matches"] if out["true_matches"] else 0.0
    return {"overall": dict(out), "by_kind": {k: dict(v) for k, v in sorted(by_kind.items())}}


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _load_people(held: list[tuple]) -> None:
    from caseflow.core.database import bulk_insert, utcnow
    from caseflow.core.extensions import db
    from caseflow.families.matching import normalise_name, normalise_postcode, phonetic
    from caseflow.families.models import Person

    now = utcnow()
    for start in range(0, len(held), 20_000):
        bulk_insert(db.session, Person.__table__, [
            {"id": pid, "given_name": g, "family_name": f, "date_of_birth": dob, "sex": sex, "postcode": pc,
             "given_name_norm": normalise_name(g), "family_name_norm": normalise_name(f),
             "postcode_norm": normalise_postcode(pc), "name_phonetic": phonetic(f), "created_at": now,
             "updated_at": now} for pid, g, f, dob, sex, pc in held[start:start + 20_000]])
        db.session.commit()


def bench_source():
    """An administrator and an attendance feed source in the empty bench database."""
    from caseflow.auth.models import Organisation, User
    from caseflow.core.extensions import db
    from caseflow.core.roles import OrgType, Role
    from caseflow.imports.models import FeedKind, FeedSource

    org = Organisation(name="Bench school", type=OrgType.SCHOOL)
    db.session.add(org)
    db.session.flush()
    user = User(email="bench-admin@example.org", name="Bench administrator", role=Role.ADMIN,
                organisation_id=org.id)
    db.session.add(user)
    db.session.flush()
    source = FeedSource(name="Bench attendance", kind=FeedKind.SCHOOL_ATTENDANCE, organisation_id=org.id,
                        mapping=MAPPING, created_by_id=user.id)
    db.session.add(source)
    db.session.flush()
    return user, source


def decisions(source_id: str, rows: int) -> dict[int, tuple[str, str | None, list[str]]]:
    """What the import decided for each line: linked (the evidence's person), or the row waiting
    in the review queue (needs review, with its candidates) or held as new."""
    from sqlalchemy import select

    from caseflow.core.extensions import db
    from caseflow.imports.feeds import row_key
    from caseflow.imports.models import FeedMatch
    from caseflow.outcomes.models import Evidence

    by_key = {row_key(source_id, None, {"row_id": f"P{n:08d}"}): n + 2 for n in range(rows)}
    out = {}
    for key, person_id in db.session.execute(select(Evidence.source_row_key, Evidence.person_id)):
        if key in by_key:
            out[by_key[key]] = ("linked", person_id, [person_id])
    for key, status, candidates in db.session.execute(select(FeedMatch.row_key, FeedMatch.status,
                                                             FeedMatch.candidates)):
        if key in by_key:
            out[by_key[key]] = (str(status), None, [c["person_id"] for c in candidates])
    return out


def _mark_phases() -> dict[str, tuple[float, float]]:
    """When the job's read and link steps end (wall, process CPU): the feed job calls them
    through caseflow.imports.feed_services, so wrapping them there times each phase."""
    from caseflow.imports import feed_services

    marks: dict[str, tuple[float, float]] = {}

    def timed(name, fn):
        def wrapper(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            finally:
                marks[name] = (time.perf_counter(), time.process_time())
        return wrapper

    feed_services.read = timed("read", feed_services.read)
    feed_services.link = timed("link", feed_services.link)
    return marks


def _backend_cpu(url: str) -> float | None:
    """CPU seconds used so far by the PostgreSQL backends connected to the bench's database
    (same machine, so their /proc entries; other databases' backends are not counted), or None
    on SQLite. The machine is shared and loaded, so CPU time is the steadier figure."""
    if not url.startswith("postgresql"):
        return None
    from sqlalchemy import text

    from caseflow.core.extensions import db

    total = 0.0
    for pid in db.session.scalars(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")):
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    db.session.rollback()
    return total


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None, help="an EMPTY database (default: a new SQLite file)")
    parser.add_argument("--profile", default=None, help="write a cProfile of the job to this file")
    args = parser.parse_args(argv)

    workdir = tempfile.mkdtemp(prefix="cf-bench-data-in-")
    url = args.database_url or f"sqlite:///{workdir}/bench.db"
    from caseflow.app import create_app
    from caseflow.core.extensions import db
    from caseflow.core.migrate import upgrade

    import logging

    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.basicConfig(format="%(asctime)s %(message)s")
    for name in ("caseflow.jobs", "caseflow.imports"):
        logging.getLogger(name).setLevel(logging.INFO)
    # A bench, not a deployment: development settings (a secret key made for the run) on either engine.
    app = create_app(instance_path=Path(workdir) / "instance", database_url=url, environment="development")
    with app.app_context():
        upgrade("head")
        t0 = time.perf_counter()
        held = people(args.people)
        _load_people(held)
        print(f"people: {len(held):,} written in {time.perf_counter() - t0:.1f}s")
        feed_path = os.path.join(workdir, "attendance.csv")
        generated = write_feed(feed_path, held, args.rows)
        del held
        size_mb = os.path.getsize(feed_path) / 1048576
        print(f"attendance file: {args.rows:,} rows, {size_mb:.1f} MB")
        from caseflow.imports import feed_services

        actor, source = bench_source()
        db.session.commit()
        source_id = source.id
        job_id = feed_services.start_from_path(actor, source.id, feed_path, "attendance.csv")
        db.session.commit()
        before_mb = peak_mb()
    from caseflow.jobs import run_import

    marks = _mark_phases()
    with app.app_context():
        started, cpu_started = time.perf_counter(), time.process_time()
        pg_started = _backend_cpu(url)
        if args.profile:
            import cProfile

            cProfile.runctx("run_import(job_id)", globals(), {"run_import": run_import, "job_id": job_id},
                            args.profile)
        else:
            run_import(job_id)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        pg_cpu = _backend_cpu(url) - pg_started if pg_started is not None else None
    with app.app_context():
        from caseflow.imports.models import ImportJob

        job = db.session.get(ImportJob, job_id)
        print(f"import and link: {elapsed:.1f}s ({elapsed / 60:.1f} min; target under 10), peak memory "
              f"{peak_mb():,.0f} MB (before the job {before_mb:,.0f} MB; target under 2,048)")
        print(f"CPU: this process {cpu:.1f}s" + (f", PostgreSQL backends {pg_cpu:.1f}s" if pg_cpu is not None else "")
              + f"; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        if "read" in marks and "link" in marks:
            read_wall, read_cpu = marks["read"][0] - started, marks["read"][1] - cpu_started
            link_wall, link_cpu = marks["link"][0] - marks["read"][0], marks["link"][1] - marks["read"][1]
            print(f"per phase: read and validate the file, load the people {read_wall:.1f}s wall "
                  f"({read_cpu:.1f}s CPU); link {link_wall:.1f}s ({link_cpu:.1f}s CPU); write the decisions "
                  f"{elapsed - read_wall - link_wall:.1f}s ({cpu - read_cpu - link_cpu:.1f}s CPU)")
        print(f"job: {job.status}; {job.counts}; problems: {job.problem_count}")
        report = accuracy(generated, decisions(source_id, args.rows))
        o = report["overall"]
        print(f"precision of automatic links: {o['precision']:.4%} ({o.get('wrong_auto_links', 0)} wrong of "
              f"{o.get('auto_links', 0):,}; target: none wrong)")
        print(f"true matches left as new: {o.get('true_left_as_new', 0):,} of {o['true_matches']:,} "
              f"({o['left_as_new_share']:.3%}; target under 1%); sent to review: {o.get('true_to_review', 0):,}")
        for kind, counts in report["by_kind"].items():
            print(f"  {kind:28} {counts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
