"""Partner data feeds (issue 18, points 1, 5 and 6): an analyst saves a feed with its column
mapping and uploads a school's attendance file; its queued job (here in-process: no Redis)
reads it a row at a time, links each row to a person held, and keeps it as dated evidence with
its source and file. Bad rows are listed by line and the good rows kept; the same file again
changes nothing; a corrected file replaces what it corrected; rows the linker is unsure of
wait for the front door, who decides them side by side."""
from __future__ import annotations

import io
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from caseflow.core.extensions import db
from caseflow.imports.models import FeedMatch, FeedSource, ImportJob
from caseflow.outcomes.models import Evidence
from tests.conftest import csrf_token, sign_in

HEADER = "Pupil ref,Forename,Surname,DOB,Post code,Attendance,Term start,Term end\n"
MAPPING = {"map_row_id": "Pupil ref", "map_given_name": "Forename", "map_family_name": "Surname",
           "map_date_of_birth": "DOB", "map_postcode": "Post code", "map_value": "Attendance",
           "map_period_start": "Term start", "map_period_end": "Term end"}
APP: list = []


@pytest.fixture(autouse=True)
def _remember_app(app):
    APP[:] = [app]


def _read(query):
    with APP[0].app_context():
        try:
            value = query()
            if isinstance(value, list):
                for item in value:
                    if hasattr(item, "_sa_instance_state"):
                        db.session.expunge(item)
            elif value is not None and hasattr(value, "_sa_instance_state"):
                db.session.expunge(value)
            return value
        finally:
            db.session.remove()


def _count(model, *where) -> int:
    return _read(lambda: db.session.scalar(select(func.count()).select_from(model).where(*where)))


def _job() -> ImportJob:
    return _read(lambda: db.session.scalar(select(ImportJob).order_by(ImportJob.created_at.desc())))


@pytest.fixture
def held(app):
    """Two families: Leah Walsh (and her twin Lena, the same birthday), and Jayden Okafor."""
    from caseflow.families.services import add_member, create_family, create_person

    with app.app_context():
        ids = {}
        for family_name, people in (("Walsh", [("Leah", date(2012, 6, 2), "female"), ("Lena", date(2012, 6, 2), "female")]),
                                    ("Okafor", [("Jayden", date(2013, 1, 9), "male")])):
            family = create_family(f"{family_name} family")
            for given, dob, sex in people:
                person = create_person(given_name=given, family_name=family_name, date_of_birth=dob, sex=sex,
                                       postcode="NS1 4AB" if family_name == "Walsh" else "NS2 7QT")
                add_member(family, person, "child")
                db.session.flush()
                ids[given] = person.id
        db.session.commit()
        return ids


def _source(client, factory, role="analyst"):
    user = factory.user(role)
    school = factory.org("Northshire Academy", type="school")
    sign_in(client, user)
    form = {"csrf_token": csrf_token(client, "/imports/feeds/sources/new"), "step": "mapping",
            "kind": "school_attendance", "name": "Northshire Academy: attendance", "organisation_id": school.id,
            **MAPPING}
    saved = client.post("/imports/feeds/sources/new", data=form)
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    return _read(lambda: db.session.scalar(select(FeedSource))), user


def _upload(client, source_id, content: bytes, filename="attendance-autumn.csv"):
    data = {"csrf_token": csrf_token(client, "/imports/feeds"), "source_id": source_id,
            "file": (io.BytesIO(content), filename)}
    return client.post("/imports/feeds", data=data, content_type="multipart/form-data")


ROWS = ("P1,Leah,Walsh,02/06/2012,NS1 4AB,93.5,2025-09-01,2025-12-19\n"      # Leah as held: linked
        "P2,Jayden,Okafor,2013-01-09,NS2 7QT,88,2025-09-01,2025-12-19\n"      # another date format: linked
        "P3,Lea,Walsh,2 June 2012,NS1 4AB,71,2025-09-01,2025-12-19\n"         # Leah or Lena? a person decides
        "P4,Kacper,Nowak,12/11/2012,NS3 1ZZ,99,2025-09-01,2025-12-19\n"       # not held: new
        "P5,Mia,Walsh,31/02/2012,NS1 4AB,90,2025-09-01,2025-12-19\n"          # no such date: a problem
        "P6,Leah,Walsh,02/06/2012,NS1 4AB,=HYPERLINK(\"x\"),2025-09-01,2025-12-19\n")  # a formula: a problem


def test_an_attendance_file_is_linked_and_kept_as_evidence_and_bad_rows_are_listed(client, factory, held):
    source, _ = _source(client, factory)
    response = _upload(client, source.id, (HEADER + ROWS).encode())
    assert response.status_code == 302
    job = _job()
    assert job.status == "done" and job.kind == "feed", job.error
    assert job.counts["linked"] == 2 and job.counts["needs review"] == 1 and job.counts["new"] == 1
    assert job.problem_count == 2
    assert {(p["line"], p["column"]) for p in job.problems} == {(6, "date_of_birth"), (7, "value")}
    evidence = _read(lambda: list(db.session.scalars(select(Evidence).order_by(Evidence.value))))
    assert [(e.person_id, e.value, e.kind, e.period_start, e.source) for e in evidence] == [
        (held["Jayden"], 88.0, "attendance", date(2025, 9, 1), "imported_file"),
        (held["Leah"], 93.5, "attendance", date(2025, 9, 1), "imported_file")]
    assert evidence[0].source_organisation_id == source.organisation_id
    assert evidence[0].source_reference == "Northshire Academy: attendance: attendance-autumn.csv"
    waiting = _read(lambda: list(db.session.scalars(select(FeedMatch).order_by(FeedMatch.line))))
    assert [(m.line, m.status) for m in waiting] == [(4, "needs_review"), (5, "new")]
    assert {c["person_id"] for c in waiting[0].candidates} == {held["Leah"], held["Lena"]}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 problems to put right" in page and "The other rows were imported" in page
    assert "is not a day of the calendar" in page and "holds a formula" not in page
    assert "CaseFlow never runs formulas" in page
    download = client.get(f"/imports/{job.id}/problems.csv").get_data(as_text=True)
    assert "=HYPERLINK" in download and ",'=HYPERLINK" not in download  # quoted inside the message, not a cell


def test_the_same_file_again_changes_nothing_and_a_corrected_file_replaces_what_it_corrected(client, factory, held):
    source, _ = _source(client, factory)
    _upload(client, source.id, (HEADER + ROWS).encode())
    before = _read(lambda: sorted((e.id, e.value) for e in db.session.scalars(select(Evidence))))
    _upload(client, source.id, (HEADER + ROWS).encode())
    again = _job()
    assert again.counts["evidence created"] == 0 and again.counts["evidence unchanged"] == 2
    assert _read(lambda: sorted((e.id, e.value) for e in db.session.scalars(select(Evidence)))) == before
    assert _count(FeedMatch) == 2
    corrected = ROWS.replace("P1,Leah,Walsh,02/06/2012,NS1 4AB,93.5", "P1,Leah,Walsh,02/06/2012,NS1 4AB,95.5")
    _upload(client, source.id, (HEADER + corrected).encode(), filename="attendance-autumn-corrected.csv")
    fixed = _job()
    assert fixed.counts["evidence updated"] == 1 and fixed.counts["evidence created"] == 0
    values = _read(lambda: sorted(e.value for e in db.session.scalars(select(Evidence))))
    assert values == [88.0, 95.5]


def test_the_front_door_decides_a_row_side_by_side_and_it_becomes_evidence(client, factory, held, app):
    source, _ = _source(client, factory)
    _upload(client, source.id, (HEADER + ROWS).encode())
    officer = factory.user("front_door")
    sign_in(client, officer)
    queue = client.get("/imports/feeds/matches").get_data(as_text=True)
    assert "1 row waiting" in queue
    match = _read(lambda: db.session.scalar(select(FeedMatch).where(FeedMatch.status == "needs_review")))
    page = client.get(f"/imports/feeds/matches/{match.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Lea Walsh" in html and "Leah Walsh" in html and "Lena Walsh" in html and "2 June 2012" in html
    token = csrf_token(client, f"/imports/feeds/matches/{match.id}")
    stranger = client.post(f"/imports/feeds/matches/{match.id}",
                           data={"csrf_token": token, "decision": "confirm", "person_id": held["Jayden"]})
    assert stranger.status_code == 400 and "Choose one of the people shown" in stranger.get_data(as_text=True)
    decided = client.post(f"/imports/feeds/matches/{match.id}",
                          data={"csrf_token": token, "decision": "confirm", "person_id": held["Leah"]})
    assert decided.status_code == 302
    assert _count(Evidence, Evidence.person_id == held["Leah"]) == 2
    assert _read(lambda: db.session.get(FeedMatch, match.id).status) == "confirmed"
    # The next upload of the file keeps the officer's decision: the row is not queued again.
    sign_in(client, factory.user("admin"))
    _upload(client, source.id, (HEADER + ROWS).encode())
    assert _job().counts["needs review"] == 0 and _count(FeedMatch, FeedMatch.status == "needs_review") == 0


def test_only_analysts_and_administrators_import_and_only_the_front_door_decides(client, factory, held):
    source, _ = _source(client, factory)
    sign_in(client, factory.user("keyworker"))
    assert client.get("/imports/feeds").status_code == 403
    assert client.get("/imports/feeds/matches").status_code == 403
    refused = client.post("/imports/feeds", data={"source_id": "x"})  # refused before the body is read
    assert refused.status_code in (400, 403)
    assert _count(ImportJob) == 0


def test_bad_files_get_clear_messages_and_lose_nothing_stored(client, factory, held, app):
    source, _ = _source(client, factory)
    _upload(client, source.id, (HEADER + ROWS).encode())
    stored = _count(Evidence)
    # wrong encoding (saved as Windows-1252 "CSV"): the first bad byte is on the first data row
    latin = (HEADER + "P9,Zoë,Brontë,02/06/2012,NS1 4AB,90,2025-09-01,2025-12-19\n").encode("cp1252")
    _upload(client, source.id, latin)
    job = _job()
    assert job.status == "failed" and "not UTF-8" in job.problems[0]["message"]
    # a renamed column: the file is not read, and the message names the column and the likely rename
    renamed = HEADER.replace("Attendance", "Attendance %")
    _upload(client, source.id, (renamed + ROWS).encode())
    job = _job()
    assert job.status == "failed"
    assert "has no column 'Attendance'" in job.problems[0]["message"] and "Attendance %" in job.problems[0]["message"]
    # the same row twice: imported once
    _upload(client, source.id, (HEADER + ROWS.splitlines(keepends=True)[1] * 2).encode())
    job = _job()
    assert job.status == "done" and job.problems[0]["message"].startswith("repeats line 2")
    # not a CSV or workbook, and too large
    wrong = _upload(client, source.id, b"%PDF-1.4", filename="attendance.pdf")
    assert wrong.status_code == 400 and "CSV file" in wrong.get_data(as_text=True)
    settings = app.extensions["caseflow.settings"]
    settings.import_max_upload_mb = 1
    try:
        huge = _upload(client, source.id, HEADER.encode() + b"x" * (3 * 1024 * 1024))
        assert huge.status_code == 413 and "smaller than 1 MB" in huge.get_data(as_text=True)
    finally:
        settings.import_max_upload_mb = 100
    assert _count(Evidence) == stored


def test_an_excel_workbook_is_read_row_by_row_and_its_formulas_are_never_run(client, factory, held):
    from openpyxl import Workbook

    source, _ = _source(client, factory)
    book = Workbook()
    sheet = book.active
    sheet.append([h for h in HEADER.strip().split(",")])
    sheet.append(["P1", "Leah", "Walsh", date(2012, 6, 2), "NS1 4AB", 93.5, date(2025, 9, 1), date(2025, 12, 19)])
    sheet.append(["P2", "Jayden", "Okafor", "09/01/2013", "NS2 7QT", "=A1*100", date(2025, 9, 1), date(2025, 12, 19)])
    out = io.BytesIO()
    book.save(out)
    _upload(client, source.id, out.getvalue(), filename="attendance.xlsx")
    job = _job()
    assert job.status == "done" and job.counts["linked"] == 1
    assert job.problems[0]["line"] == 3 and "holds a formula (=A1*100)" in job.problems[0]["message"]
    assert _read(lambda: [e.value for e in db.session.scalars(select(Evidence))]) == [93.5]


def test_a_cancelled_feed_import_stops_between_batches_and_keeps_whole_batches(client, factory, held, monkeypatch):
    from caseflow.imports import feed_services, services as imports
    from caseflow.jobs import run_import

    source, _ = _source(client, factory)
    monkeypatch.setattr(imports, "_enqueue", lambda job_id: None)  # this test runs the job itself
    monkeypatch.setattr(feed_services, "WRITE_BATCH", 1)
    _upload(client, source.id, (HEADER + ROWS).encode())
    job_id = _job().id
    asked = iter([False, False, True])  # after reading; after the first batch; after the second
    monkeypatch.setattr(imports, "cancel_requested", lambda job_id: next(asked, True))
    with APP[0].app_context():
        run_import(job_id)
    job = _job()
    assert job.status == "cancelled" and job.rows_done == 2
    assert _count(Evidence) + _count(FeedMatch) == 2


def test_the_command_imports_a_feed_file_and_a_dry_run_writes_nothing(client, factory, held, app, tmp_path):
    from caseflow.cli import main

    source, analyst = _source(client, factory)
    path = tmp_path / "attendance-spring.csv"
    path.write_bytes((HEADER + ROWS).encode())
    runner = app.test_cli_runner()
    args = ["import", "feed", "Northshire Academy: attendance", str(path), "--by", analyst.email]
    dry = runner.invoke(main, args + ["--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "6 rows read, 2 problems; 2 would be linked, 1 would wait for review, 1 would wait as new" in dry.output
    assert "attendance-spring.csv, line 6, column date_of_birth" in dry.output
    assert "Nothing was written" in dry.output
    assert _count(Evidence) == 0 and _count(FeedMatch) == 0 and _count(ImportJob) == 0
    real = runner.invoke(main, args)
    assert real.exit_code == 0, (real.output, real.exception)
    assert "2 linked (2 new evidence, 0 updated, 0 unchanged), 1 waiting for review, 1 waiting as new" in real.output
    assert _count(Evidence) == 2 and _count(FeedMatch) == 2
    job = _job()
    assert job.status == "done" and job.filename == "attendance-spring.csv"
    again = runner.invoke(main, args[:2] + [source.id] + args[3:])  # the feed's id names it too
    assert again.exit_code == 0 and "(0 new evidence, 0 updated, 2 unchanged)" in again.output
    assert _count(Evidence) == 2
    # Refused: someone who may not import, a feed that does not exist, a file that is not a feed file.
    keyworker = factory.user("keyworker")
    refused = runner.invoke(main, args[:-1] + [keyworker.email])
    assert refused.exit_code == 2 and "analysts and administrators" in refused.output
    unknown = runner.invoke(main, ["import", "feed", "No such feed", str(path), "--by", analyst.email])
    assert unknown.exit_code == 2 and "no partner data feed is named 'No such feed'" in unknown.output
    pdf = tmp_path / "attendance.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    for extra in ([], ["--dry-run"]):
        wrong = runner.invoke(main, ["import", "feed", source.id, str(pdf), "--by", analyst.email, *extra])
        assert wrong.exit_code == 2 and "CSV" in wrong.output
    assert _count(ImportJob) == 2


def test_the_review_queue_pages_past_fifty_rows_oldest_first(client, factory, held, app):
    from datetime import datetime, timedelta, timezone

    from caseflow.imports.models import FeedMatchStatus

    source, _ = _source(client, factory)
    start = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
    with app.app_context():
        for n in range(55):
            # Five rows share a second, as a file's batch does: the id breaks the tie.
            db.session.add(FeedMatch(feed_source_id=source.id, row_key=f"key-{n}", line=n + 2,
                                     status=FeedMatchStatus.NEEDS_REVIEW, submitted={"given_name": "Lea"},
                                     evidence={"kind": "attendance"}, candidates=[{"person_id": held["Leah"]}],
                                     created_at=start + timedelta(seconds=n // 5)))
        db.session.commit()
    sign_in(client, factory.user("front_door"))
    first = client.get("/imports/feeds/matches").get_data(as_text=True)
    assert "55 rows waiting (the oldest 50 shown)" in first
    first_lines = _lines(first)
    assert len(first_lines) == 50 and set(first_lines[:5]) == {2, 3, 4, 5, 6}  # the oldest second first
    next_link = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    second = client.get(next_link).get_data(as_text=True)
    second_lines = _lines(second)
    assert len(second_lines) == 5 and 'rel="next"' not in second and "Oldest rows" in second
    assert sorted(first_lines + second_lines) == list(range(2, 57))  # every row once, none twice
    # An edited cursor shows the first page, not an error.
    assert _lines(client.get("/imports/feeds/matches?after=not-a-cursor").get_data(as_text=True)) == first_lines


def _lines(page: str) -> list[int]:
    return [int(n) for n in re.findall(r">Line (\d+)<span", page)]
