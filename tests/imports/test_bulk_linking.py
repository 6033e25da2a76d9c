"""The bulk linker (Splink on DuckDB, caseflow.imports.linking) and the front-door matcher
(caseflow.families.matching.match_person) on the same pairs: a generated school file about
3,000 held children (typos, nicknames, swapped day and month, a mistyped digit, moves, and
children not held, some of them a held child's unknown twin). Both decide with the same rule
(`matching.decide`) and thresholds; the linker's weights are trained on the file (EM) where the
front door's are set by hand, and its candidates come from set-wise blocking where the front
door's come from indexed look-ups. The test prints where they disagree and holds them to:
never linking the same row to two different people, the bulk linker never linking a row the
front door would not even offer for review, and no wrong automatic link from either."""
from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import insert, select

from bench.data_in import MAPPING, people as generate_people, write_feed
from caseflow.core.database import utcnow
from caseflow.core.extensions import db
from caseflow.families.matching import (SubmittedPerson, decide, match_person, normalise_name, normalise_postcode,
                                        phonetic)
from caseflow.families.models import MatchStatus, Person
from caseflow.imports import feeds, linking
from caseflow.imports.models import FeedKind


@pytest.fixture
def linked(app, tmp_path):
    held = generate_people(3000, seed=7)
    with app.app_context():
        now = utcnow()
        db.session.execute(insert(Person), [
            {"id": pid, "given_name": g, "family_name": f, "date_of_birth": dob, "sex": sex, "postcode": pc,
             "given_name_norm": normalise_name(g), "family_name_norm": normalise_name(f),
             "postcode_norm": normalise_postcode(pc), "name_phonetic": phonetic(f), "created_at": now,
             "updated_at": now} for pid, g, f, dob, sex, pc in held])
        db.session.commit()
        generated = write_feed(str(tmp_path / "attendance.csv"), held, 1200, seed=8)
        reading = feeds.Reading()
        rows = list(feeds.read_feed("source", feeds.SPECS[FeedKind.SCHOOL_ATTENDANCE], MAPPING,
                                    feeds.open_rows(str(tmp_path / "attendance.csv"), "attendance.csv"), reading))
        assert reading.problem_count == 0 and len(rows) == 1200
        linker = linking.BulkLinker(str(tmp_path))
        try:
            linker.add_people([tuple(r) for r in db.session.execute(select(
                Person.id, Person.given_name, Person.family_name, Person.given_name_norm, Person.family_name_norm,
                Person.date_of_birth, Person.postcode_norm, Person.sex, Person.nhs_number, Person.upn))])
            linker.add_rows([(r.line, r.identity, r.row_key, r.evidence) for r in rows])
            report = linker.link()
            bulk = {d.line: d for d in linker.decisions()}
        finally:
            linker.close()
        front = {}
        for r in rows:
            i = r.identity
            front[r.line] = match_person(db.session, SubmittedPerson(
                i["given_name"], i["family_name"], i["date_of_birth"], i["sex"], i["postcode"]))
        yield generated, report, bulk, front


def test_the_bulk_linker_and_the_front_door_agree_on_the_same_pairs(linked):
    generated, report, bulk, front = linked
    assert report.trained and report.rows == 1200 and report.people == 3000
    disagreements = Counter()
    examples = {}
    for line, b in bulk.items():
        f = front[line]
        if b.status == f.status and b.person_id == f.person_id:
            continue
        key = (generated.kinds[line], f"front door {f.status}", f"bulk {b.status}")
        disagreements[key] += 1
        examples.setdefault(key, line)
        # Never two different people for one row.
        assert not (b.status == f.status == MatchStatus.LINKED and b.person_id != f.person_id), line
        # The bulk linker never links what the front door would not even offer for review.
        if b.status == MatchStatus.LINKED:
            assert b.person_id in {c.person_id for c in f.candidates}, (line, key)
    print("\nWhere the bulk linker and the front door disagree (of 1,200 rows):")
    for key, count in disagreements.most_common():
        print(f"  {count:4}  {' / '.join(key)}  (e.g. line {examples[key]})")
    assert sum(disagreements.values()) < 0.1 * len(bulk), disagreements
    for decisions in (bulk, front):
        wrong = [line for line, d in decisions.items()
                 if d.status == MatchStatus.LINKED and d.person_id != generated.truth[line]]
        assert not wrong, wrong


def test_the_shared_rule_sends_doubt_to_a_person():
    strong = {"given": "exact", "family": "exact", "dob": "exact", "postcode": "exact"}
    assert decide(strong, 22.0) == MatchStatus.LINKED
    assert decide(strong, 22.0, runner_up=19.0) == MatchStatus.NEEDS_REVIEW  # a close second
    assert decide(strong | {"sex": "conflict"}, 22.0) == MatchStatus.NEEDS_REVIEW
    assert decide(strong | {"dob": "near"}, 22.0) == MatchStatus.NEEDS_REVIEW
    assert decide(strong, 22.0, conflicting_id=True) == MatchStatus.NEEDS_REVIEW
    assert decide(strong | {"given": "differ"}, 12.0) == MatchStatus.NEEDS_REVIEW
    assert decide(strong, 10.0) == MatchStatus.NEW
