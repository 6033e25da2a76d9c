"""The import page: analysts and administrators upload a zipped bundle, its queued job checks and
imports it (here in-process: no Redis), the page shows its progress, problems and counts, and a
running import can be cancelled between batches."""
from __future__ import annotations

import io
import threading
import zipfile

import pytest

from sqlalchemy import func, select

from caseflow.core.extensions import db
from caseflow.families.models import Family
from caseflow.imports.models import ImportJob, ImportUploadChunk, MigrationRecord
from tests.conftest import csrf_token, sign_in
from tests.imports.helpers import SAMPLE, copy_sample


def _zip(folder, inside: str = "bundle/") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, inside + path.name)
    return out.getvalue()


def _upload(client, content: bytes, filename="northshire.zip", system="Northshire EHM", dry_run=False):
    data = {"csrf_token": csrf_token(client, "/imports"), "source_system": system,
            "bundle": (io.BytesIO(content), filename)}
    if dry_run:
        data["dry_run"] = "yes"
    return client.post("/imports", data=data, content_type="multipart/form-data")


def _job() -> ImportJob:
    """The newest import job, read in an app context of its own (a test's own context would be
    shared with the client's requests, and with it Flask's `g`)."""
    return _read(lambda: db.session.scalar(select(ImportJob).order_by(ImportJob.created_at.desc())))


def _count(model) -> int:
    return _read(lambda: db.session.scalar(select(func.count()).select_from(model)))


def _read(query):
    with APP[0].app_context():
        try:
            value = query()
            if value is not None and hasattr(value, "_sa_instance_state"):
                db.session.expunge(value)
            return value
        finally:
            db.session.remove()


APP: list = []


@pytest.fixture(autouse=True)
def _remember_app(app):
    APP[:] = [app]


def test_an_administrator_imports_a_bundle_and_sees_it_done(client, factory):
    sign_in(client, factory.user("admin"))
    assert "Imports" in client.get("/imports").get_data(as_text=True)
    response = _upload(client, _zip(SAMPLE))
    assert response.status_code == 302
    job = _job()
    assert job.status == "done" and job.rows_done == job.rows_total == 38 and job.percent == 100
    assert job.counts["families.csv"] == 2
    assert _count(ImportUploadChunk) == 0  # the upload is not kept
    assert _read(lambda: set(db.session.scalars(select(MigrationRecord.import_job_id)))) == {job.id}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Imported" in page and 'value="100"' in page and "38 of 38 rows (100%)" in page
    assert "Cancel the import" not in page and 'http-equiv="refresh"' not in page
    assert "Walsh" not in page  # the page shows counts, never the records


def test_a_dry_run_and_a_bad_bundle_show_their_problems_and_import_nothing(client, factory, tmp_path):
    sign_in(client, factory.user("analyst"))
    _upload(client, _zip(SAMPLE), dry_run=True)
    assert _job().status == "done" and _job().dry_run
    assert _count(Family) == 0
    bundle = copy_sample(tmp_path)
    (bundle / "cases.csv").write_text((bundle / "cases.csv").read_text().replace("C20,F200,closed", "C20,F200,=1+1"))
    (bundle / "=1+1.csv").write_text("id\n")  # a file name a spreadsheet would run
    _upload(client, _zip(bundle, inside=""))
    job = _job()
    assert job.status == "failed" and job.problem_count == 5  # the file, the stage, and three rows naming that case
    assert _count(Family) == 0
    page = client.get(f"/imports/{job.id}").get_data(as_text=True)
    assert "5 problems to put right" in page and "unknown value &#39;=1+1&#39;" in page
    download = client.get(f"/imports/{job.id}/problems.csv")
    assert download.mimetype == "text/csv"
    rows = download.get_data(as_text=True).splitlines()
    assert "cases.csv,3,stage,\"unknown value '=1+1': use one of" in rows[2]
    assert rows[1].startswith("'=1+1.csv,,,\"is not a file of a migration bundle")  # neutralised


def test_uploads_are_checked_and_size_limited(client, factory, app):
    sign_in(client, factory.user("admin"))
    blank = client.post("/imports", data={"csrf_token": csrf_token(client, "/imports"), "source_system": ""},
                        content_type="multipart/form-data")
    assert blank.status_code == 400
    page = blank.get_data(as_text=True)
    assert "Enter the name of the system" in page and "Choose the zip file" in page
    not_zip = _upload(client, b"id,name\n", filename="families.csv")
    assert not_zip.status_code == 400 and "must be a zip file" in not_zip.get_data(as_text=True)
    settings = app.extensions["caseflow.settings"]
    settings.import_max_upload_mb = 1
    try:
        huge = _upload(client, b"PK" + b"\0" * (3 * 1024 * 1024))
        assert huge.status_code == 413 and "smaller than 1 MB" in huge.get_data(as_text=True)
    finally:
        settings.import_max_upload_mb = 100
    assert _count(ImportJob) == 0


def test_only_analysts_and_administrators_see_the_import_page(client, factory):
    sign_in(client, factory.user("keyworker"))
    assert client.get("/imports").status_code == 403
    assert "Imports" not in client.get("/").get_data(as_text=True)


def test_a_cancelled_import_stops_between_batches_and_keeps_whole_batches(client, factory, app):
    from caseflow.imports import services as imports
    from caseflow.jobs import run_import

    admin = factory.user("admin")
    sign_in(client, admin)
    real_enqueue = imports._enqueue
    imports._enqueue = lambda job_id: None  # keep it queued: this test runs the job itself
    try:
        _upload(client, _zip(SAMPLE))
    finally:
        imports._enqueue = real_enqueue
    job_id = _job().id
    page = client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert "Queued" in page and 'http-equiv="refresh"' in page and "Cancel the import" in page

    real_cancel_requested = imports.cancel_requested
    seen = []

    def cancel_after_the_second_batch(job_id):
        seen.append(job_id)
        if len(seen) == 2:  # someone presses Cancel while the second batch is being written
            # From another request, as from another browser tab: a thread of its own.
            answers = []
            press = threading.Thread(target=lambda: answers.append(client.post(
                f"/imports/{job_id}/cancel", data={"csrf_token": csrf_token(client, f"/imports/{job_id}")})))
            press.start()
            press.join()
            assert answers[0].status_code == 302
        return real_cancel_requested(job_id)

    imports.cancel_requested = cancel_after_the_second_batch
    try:
        with app.app_context():
            run_import(job_id, batch_size=2)
    finally:
        imports.cancel_requested = real_cancel_requested
    job = _job()
    assert job.status == "cancelled" and job.rows_done == 4 and job.counts == {"organisations.csv": 2, "users.csv": 2}
    assert _count(MigrationRecord) == 4
    page = client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert "Cancelled" in page and "4 of 38 rows" in page

    # Importing the same bundle again carries on from the batches kept.
    _upload(client, _zip(SAMPLE))
    again = _job()
    assert again.status == "done" and sum(again.counts.values()) == 34
