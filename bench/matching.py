"""Benchmark: front-door person matching against a large synthetic population.

Builds (once, then reuses) a population of households in a real database through the real
Alembic migration, then sends a labelled set of incoming people through the real
`match_person`, and prints throughput, latency percentiles and precision/recall.

    .venv/bin/python bench/matching.py                       # 1,000,000 people, SQLite
    .venv/bin/python bench/matching.py --people 200000 --requests 1000
    .venv/bin/python bench/matching.py --database-url postgresql://root@127.0.0.1:5432/bench

Labelled set: existing people re-submitted with realistic corruption (typos in either name,
nicknames, swapped names, missing NHS number, day/month swap, a new postcode), and genuinely
new people, some deliberately similar to existing ones (same surname and postcode, or a sibling's
date of birth). One household in six writes its names in another script (Arabic, Cyrillic,
Chinese, Devanagari or Bengali, from Faker's locales); besides the corruptions above, their people
come back spelt in Latin letters by whoever typed the request ("transliterated"). Results are
printed per kind of corruption and per script. Precision counts automatic links only; recall counts a true person found either
by an automatic link or among the candidates an officer is shown (officer-confirmed).

Missed matches (`--missed`, issue 21): that many existing people are copied, with the same
corruptions, straight into the database as new records, as a request would have made them had
the matcher (or an officer) missed the link. The potential-duplicates scan
(caseflow.records.merging.scan_for_duplicates, over the records made since) then fills the
review list, and the bench prints how many of the seeded duplicates the list holds, and what else
it holds. All of it is rolled back: the population is unchanged.
"""
from __future__ import annotations

import argparse
import random
import string
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from caseflow.app import create_app
from caseflow.core.database import new_id, utcnow
from caseflow.core.extensions import db
from caseflow.families.identifiers import random_nhs_number  # noqa: E402
from caseflow.families.matching import SubmittedPerson, match_person, normalise_name, phonetic  # noqa: E402
from caseflow.families.models import Family, FamilyMember, Person  # noqa: E402
from caseflow.core.migrate import upgrade

NICKNAMES = {"Robert": "Bob", "Elizabeth": "Liz", "James": "Jim", "Katherine": "Kate",
             "Samantha": "Sam", "Thomas": "Tom", "William": "Bill", "Margaret": "Maggie",
             "Alfred": "Alfie", "Rebecca": "Becky", "Jennifer": "Jenny", "Michael": "Mike",
             "Christopher": "Chris", "Daniel": "Danny", "Victoria": "Vicky", "Joseph": "Joe"}




def postcode_pool(rng: random.Random, n: int) -> list[str]:
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    codes = set()
    while len(codes) < n:
        codes.add(f"{rng.choice(['NS', 'NW', 'SN', 'WN', 'EN'])}{rng.randint(1, 60)} "
                  f"{rng.randint(0, 9)}{rng.choice(letters)}{rng.choice(letters)}")
    return sorted(codes)


# Households whose names are written in another script, and Faker's locale for each.
OTHER_SCRIPTS = {"arabic": "ar_AA", "cyrillic": "ru_RU", "han": "zh_CN", "devanagari": "hi_IN",
                 "bengali": "bn_BD"}
OTHER_SCRIPT_SHARE = 1 / 6


def script_pools() -> dict[str, tuple[list[str], list[str], list[str]]]:
    """Per script: surnames, female and male given names."""
    import importlib

    pools = {}
    for script, locale in OTHER_SCRIPTS.items():
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        surnames = list(getattr(provider, "last_names_female", None) or provider.last_names)
        pools[script] = (surnames, list(provider.first_names_female), list(provider.first_names_male))
    return pools


def script_of(name: str) -> str:
    """The script a name is written in, as this bench labels it ("latin" for a-z and accents)."""
    import unicodedata

    letter = next((c for c in name if c.isalpha()), "a")
    label = unicodedata.name(letter, "LATIN").split()[0].lower()
    return {"cjk": "han"}.get(label, label)


def name_pools():
    from faker.providers.person.en_GB import Provider as P

    surnames = list(P.last_names.keys())
    weights = list(P.last_names.values())
    female = list(P.first_names_female) + ["Elizabeth", "Katherine", "Samantha", "Margaret",
                                                  "Rebecca", "Jennifer", "Victoria", "Sharon"]
    male = list(P.first_names_male) + ["Robert", "James", "Thomas", "William", "Alfred",
                                              "Michael", "Christopher", "Daniel", "Joseph"]
    return surnames, weights, female, male


def build_population(target: int, already: int = 0, seed: int = 20261124) -> None:
    # A resumed build continues from a different seed, so it never re-creates the same people.
    rng = random.Random(seed + already)
    surnames, weights, female, male = name_pools()
    postcodes = postcode_pool(rng, max(target // 18, 1000))
    today = date(2026, 11, 24)
    made = 0
    now = utcnow()
    started = time.perf_counter()
    scripts = script_pools()
    while made < target:
        families, people, members = [], [], []
        for _ in range(min(4000, (target - made) // 2 + 1)):
            fid = new_id()
            script = rng.choice(sorted(scripts)) if rng.random() < OTHER_SCRIPT_SHARE else "latin"
            surname = rng.choices(surnames, weights)[0] if script == "latin" else rng.choice(scripts[script][0])
            postcode = rng.choice(postcodes)
            families.append({"id": fid, "reference": f"FAM-{fid[:16].upper()}", "name": surname,
                             "created_at": now})
            size = rng.choice([1, 2, 2, 3, 3, 3, 4, 4, 5, 6])
            parent_dob = today - timedelta(days=rng.randint(20 * 365, 60 * 365))
            for i in range(size):
                sex = rng.choice(["female", "male"])
                if script == "latin":
                    given = rng.choice(female if sex == "female" else male)
                else:
                    given = rng.choice(scripts[script][1] if sex == "female" else scripts[script][2])
                dob = parent_dob if i == 0 else today - timedelta(days=rng.randint(0, 18 * 365))
                pid = new_id()
                people.append({
                    "id": pid, "given_name": given, "family_name": surname, "date_of_birth": dob,
                    "sex": sex, "postcode": postcode, "nhs_number": random_nhs_number(rng) if rng.random() < 0.7 else None,
                    "given_name_norm": normalise_name(given), "family_name_norm": normalise_name(surname),
                    "postcode_norm": postcode.replace(" ", ""), "name_phonetic": phonetic(surname),
                    "created_at": now, "updated_at": now,
                })
                members.append({"id": new_id(), "family_id": fid, "person_id": pid,
                                "relationship": "parent_carer" if i == 0 else "child",
                                "in_household": True, "created_at": now})
        with db.engine.begin() as conn:
            conn.execute(insert(Family), families)
            conn.execute(insert(Person), people)
            conn.execute(insert(FamilyMember), members)
        made += len(people)
        print(f"\r  built {made:,} people ({made / (time.perf_counter() - started):,.0f}/s)", end="", flush=True)
    print()
    if db.engine.dialect.name == "sqlite":
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    else:
        with db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE people")


def typo(rng: random.Random, word: str) -> str:
    if len(word) < 4:
        return word + rng.choice("aeiou")
    i = rng.randint(1, len(word) - 2)
    kind = rng.choice(["swap", "drop", "double", "replace"])
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if kind == "drop":
        return word[:i] + word[i + 1:]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    return word[:i] + rng.choice(string.ascii_lowercase) + word[i + 1:]


def drop_letter(rng: random.Random, word: str) -> str:
    """A typing slip in any script: one character left out (never the first)."""
    if len(word) < 3:
        return word
    i = rng.randint(1, len(word) - 1)
    return word[:i] + word[i + 1:]


def corrupt(rng: random.Random, p, postcodes: list[str]) -> tuple[SubmittedPerson, str]:
    from anyascii import anyascii

    s = SubmittedPerson(given_name=p.given_name, family_name=p.family_name, date_of_birth=p.date_of_birth,
                        sex=p.sex, postcode=p.postcode, nhs_number=None)
    kinds = ["surname_typo", "given_typo", "nickname", "swapped", "dob_swap",
             "moved", "exact_no_nhs", "with_nhs", "typo_and_moved"]
    if script_of(p.family_name) != "latin":
        kinds += ["transliterated"] * 3
    kind = rng.choice(kinds)
    if kind == "transliterated":
        # Spelt in Latin letters by a referrer who heard the name: "Ольга Иванова" -> "Olga Ivanova".
        s.given_name, s.family_name = anyascii(p.given_name).title(), anyascii(p.family_name).title()
    elif script_of(p.family_name) != "latin" and kind in {"surname_typo", "given_typo", "typo_and_moved"}:
        if kind == "given_typo":
            s.given_name = drop_letter(rng, p.given_name)
        else:
            s.family_name = drop_letter(rng, p.family_name)
        if kind == "typo_and_moved":
            s.postcode = rng.choice(postcodes)
    elif kind == "surname_typo":
        s.family_name = typo(rng, p.family_name)
    elif kind == "given_typo":
        s.given_name = typo(rng, p.given_name)
    elif kind == "nickname":
        s.given_name = NICKNAMES.get(p.given_name, typo(rng, p.given_name))
    elif kind == "swapped":
        s.given_name, s.family_name = p.family_name, p.given_name
    elif kind == "dob_swap" and p.date_of_birth.day <= 12 and p.date_of_birth.day != p.date_of_birth.month:
        s.date_of_birth = date(p.date_of_birth.year, p.date_of_birth.day, p.date_of_birth.month)
    elif kind == "moved":
        s.postcode = rng.choice(postcodes)
    elif kind == "with_nhs":
        s.nhs_number = p.nhs_number
    elif kind == "typo_and_moved":
        s.family_name = typo(rng, p.family_name)
        s.postcode = rng.choice(postcodes)
    return s, kind


def new_people(rng: random.Random, n: int, sample_existing: list, postcodes: list[str]):
    surnames, weights, female, male = name_pools()
    scripts = script_pools()
    out = []
    for i in range(n):
        sex = rng.choice(["female", "male"])
        given = rng.choice(female if sex == "female" else male)
        if rng.random() < OTHER_SCRIPT_SHARE:  # a family new to the service, writing in another script
            pool = scripts[rng.choice(sorted(scripts))]
            out.append(SubmittedPerson(rng.choice(pool[1] if sex == "female" else pool[2]), rng.choice(pool[0]),
                                       date(rng.randint(1960, 2025), rng.randint(1, 12), rng.randint(1, 28)),
                                       sex, rng.choice(postcodes)))
            continue
        if i % 2 == 0 and sample_existing:
            # A new baby or a new partner in a known household: same surname and postcode.
            near = rng.choice(sample_existing)
            s = SubmittedPerson(given, near.family_name, date(2026, rng.randint(1, 10), rng.randint(1, 28)),
                                sex, near.postcode)
        else:
            s = SubmittedPerson(given, rng.choices(surnames, weights)[0],
                                date(rng.randint(1960, 2025), rng.randint(1, 12), rng.randint(1, 28)),
                                sex, rng.choice(postcodes))
        out.append(s)
    return out


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=2000, help="labelled incoming people")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--missed", type=int, default=200, help="seeded missed matches for the duplicates list")
    args = parser.parse_args()

    data_dir = ROOT / "bench" / ".data"
    data_dir.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{data_dir / f'matching-{args.people}.db'}"
    app = create_app(instance_path=data_dir / "instance", database_url=url)
    with app.app_context():
        upgrade("head")
        count = db.session.scalar(select(func.count()).select_from(Person))
        db.session.commit()  # release SQLite's lock before the bulk load's own transactions
        if count < args.people:
            print(f"Building a population of {args.people:,} people at {db.engine.url.render_as_string()} ...")
            t0 = time.perf_counter()
            build_population(args.people - count, already=count)
            print(f"  built in {time.perf_counter() - t0:,.0f} s")
        population = db.session.scalar(select(func.count()).select_from(Person))

        rng = random.Random(args.seed)
        n_existing = int(args.requests * 0.8)
        # Random existing people: pick by random id prefix so sampling stays indexed and cheap.
        existing = []
        while len(existing) < n_existing:
            prefix = "".join(rng.choice("0123456789abcdef") for _ in range(4))
            row = db.session.scalar(select(Person).where(Person.id >= prefix).order_by(Person.id).limit(1))
            if row is not None and row.id not in {e.id for e in existing[-50:]}:
                existing.append(row)
        postcodes = [e.postcode for e in existing]
        labelled = [(corrupt(rng, p, postcodes), p.id) for p in existing]
        script_by_person = {p.id: script_of(p.family_name) for p in existing}
        labelled += [((s, "new"), None) for s in new_people(rng, args.requests - n_existing, existing, postcodes)]
        rng.shuffle(labelled)
        db.session.expunge_all()

        latencies, outcomes = [], []
        started = time.perf_counter()
        for (submitted, kind), truth in labelled:
            t0 = time.perf_counter()
            result = match_person(db.session, submitted)
            latencies.append((time.perf_counter() - t0) * 1000)
            outcomes.append((kind, truth, result))
            db.session.rollback()
        elapsed = time.perf_counter() - started

        review_list = seeded_missed_matches(rng, args.missed, postcodes) if args.missed else None

    scripts_seen = [(script_by_person[t], k, t, r) for k, t, r in outcomes if t is not None]
    auto = [(k, t, r) for k, t, r in outcomes if r.status == "linked"]
    correct_auto = sum(1 for k, t, r in auto if r.person_id == t)
    truly_existing = [(k, t, r) for k, t, r in outcomes if t is not None]
    found = sum(1 for k, t, r in truly_existing
                if (r.status == "linked" and r.person_id == t)
                or (r.status == "needs_review" and t in {c.person_id for c in r.candidates}))
    new_total = sum(1 for k, t, r in outcomes if t is None)
    new_as_new = sum(1 for k, t, r in outcomes if t is None and r.status == "new")
    reviews = sum(1 for k, t, r in outcomes if r.status == "needs_review")

    print(f"\nPopulation: {population:,} people ({db.engine.dialect.name})")
    print(f"Incoming people matched: {len(outcomes):,} in {elapsed:.1f} s = {len(outcomes) / elapsed:,.0f} people/s (one process)")
    print(f"Latency per person: p50 {pct(latencies, 50):.1f} ms, p95 {pct(latencies, 95):.1f} ms, "
          f"p99 {pct(latencies, 99):.1f} ms, max {max(latencies):.1f} ms")
    print(f"Automatic links: {len(auto)}, correct {correct_auto}: precision {correct_auto / max(len(auto), 1):.4f}")
    print(f"Existing people found (auto-linked or among officer's candidates): {found}/{len(truly_existing)}: "
          f"recall {found / max(len(truly_existing), 1):.4f}")
    print(f"Sent to an officer: {reviews} ({reviews / len(outcomes):.1%}); new people kept new: {new_as_new}/{new_total}")
    by_kind: dict[str, list[str]] = {}
    for k, t, r in outcomes:
        by_kind.setdefault(k, []).append(r.status)
    for kind, statuses in sorted(by_kind.items()):
        print(f"  {kind:15s} n={len(statuses):4d}  linked {statuses.count('linked'):4d}  "
              f"review {statuses.count('needs_review'):4d}  new {statuses.count('new'):4d}")
    print("By script of the stored name (existing people re-submitted):")
    for script in sorted({sc for sc, _, _, _ in scripts_seen}):
        rows = [(t, r) for sc, _, t, r in scripts_seen if sc == script]
        auto_s = [(t, r) for t, r in rows if r.status == "linked"]
        found_s = sum(1 for t, r in rows if (r.status == "linked" and r.person_id == t)
                      or (r.status == "needs_review" and t in {c.person_id for c in r.candidates}))
        wrong = sum(1 for t, r in auto_s if r.person_id != t)
        print(f"  {script:11s} n={len(rows):4d}  recall {found_s / max(len(rows), 1):.4f}  "
              f"automatic links {len(auto_s):4d}, wrong {wrong}")
    if review_list is not None:
        print_review_list(review_list)


def seeded_missed_matches(rng: random.Random, n: int, postcodes: list[str]) -> dict:
    """Copy `n` existing people (corrupted as above) in as new records, run the duplicates scan
    over them, and say which seeded pairs the review list holds. Rolled back afterwards."""
    from caseflow.families.matching import normalise
    from caseflow.families.models import DuplicateCandidate
    from caseflow.records.merging import scan_for_duplicates

    originals = []
    while len(originals) < n:
        prefix = "".join(rng.choice("0123456789abcdef") for _ in range(4))
        row = db.session.scalar(select(Person).where(Person.id >= prefix, Person.merged_into_id.is_(None))
                                .order_by(Person.id).limit(1))
        if row is not None and row.id not in {o.id for o in originals}:
            originals.append(row)
    started_at = utcnow()
    seeded, kinds = {}, {}
    for original in originals:
        submitted, kind = corrupt(rng, original, postcodes)
        copy = Person(given_name=submitted.given_name, family_name=submitted.family_name,
                      date_of_birth=submitted.date_of_birth, sex=submitted.sex or "unknown",
                      postcode=submitted.postcode, nhs_number=submitted.nhs_number, created_at=utcnow())
        normalise(copy)
        db.session.add(copy)
        db.session.flush()
        seeded[tuple(sorted((copy.id, original.id)))] = kind
    t0 = time.perf_counter()
    pairs_added = scan_for_duplicates(created_since=started_at)
    elapsed = time.perf_counter() - t0
    listed = {(c.record_a_id, c.record_b_id) for c in db.session.scalars(
        select(DuplicateCandidate).where(DuplicateCandidate.status == "open"))}
    db.session.rollback()
    return {"seeded": seeded, "listed": listed, "elapsed": elapsed, "pairs": pairs_added}


def print_review_list(result: dict) -> None:
    seeded, listed = result["seeded"], result["listed"]
    found = [pair for pair in seeded if pair in listed]
    others = len(listed) - len(found)
    print(f"\nMissed matches seeded: {len(seeded)}; the duplicates review list found {len(found)} "
          f"({len(found) / max(len(seeded), 1):.1%}) after one scan of the new records "
          f"({result['elapsed']:.1f} s, {result['elapsed'] * 1000 / max(len(seeded), 1):.1f} ms a record)")
    print(f"  other pairs on the list (look-alikes for an officer to dismiss): {others}")
    by_kind: dict[str, list[bool]] = {}
    for pair, kind in seeded.items():
        by_kind.setdefault(kind, []).append(pair in listed)
    for kind, hits in sorted(by_kind.items()):
        print(f"  {kind:15s} n={len(hits):4d}  on the list {sum(hits):4d}")


if __name__ == "__main__":
    main()
