"""The import page (analysts and administrators: the rule `imports.run`): upload a zipped
migration bundle, watch its job's progress, cancel it, download its problems as a CSV."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from caseflow.imports import services as imports
from caseflow.web.submit import attempt, error_fields

bp = Blueprint("imports", __name__, template_folder="templates")
FORM_ALLOWANCE = 64 * 1024  # the form's other fields and the multipart framing around the file


@bp.url_value_preprocessor
def _bundle_sized_requests(endpoint, values):
    # Runs before every before_request hook (the input guard reads the form): the upload may be
    # as large as the configured bundle limit, not the 2 MB every other form is held to.
    if endpoint == "imports.index" and request.method == "POST":
        request.max_content_length = imports.max_upload_bytes() + FORM_ALLOWANCE


def _index(errors=None, status=200, form=None):
    jobs = imports.listing(current_user)
    return render_template("imports/index.html", jobs=jobs, errors=errors or {},
                           form=request.form if form is None else form,
                           max_mb=imports.max_upload_bytes() // (1024 * 1024), title="Import records"), status


@bp.route("/imports", methods=["GET", "POST"])
@login_required
def index():
    if request.method == "POST":
        job, exc = attempt(lambda: imports.start(current_user, request.form, request.files.get("bundle")))
        if job is None:
            return _index(error_fields(exc.fields), 400)
        return redirect(url_for("imports.show", job_id=job.id))
    return _index()


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(exc):
    """A bundle over the limit is refused before it is read: say so on the form."""
    if request.endpoint == "imports.index" and current_user.is_authenticated:
        limit = imports.max_upload_bytes() // (1024 * 1024)
        return _index({"bundle": f"The bundle must be smaller than {limit} MB: split it, or import it with "
                                 "the caseflow import migration command"}, 413, form={})  # the form was never read
    return exc


@bp.route("/imports/<job_id>")
@login_required
def show(job_id):
    job = imports.view(current_user, job_id)
    return render_template("imports/show.html", job=job, title=f"Import of {job.filename}")


@bp.route("/imports/<job_id>/cancel", methods=["POST"])
@login_required
def cancel(job_id):
    job = imports.cancel(current_user, job_id)
    flash("The import has been cancelled." if job.finished else
          "The import will stop after the batch it is writing. Records already imported are kept.", "success")
    return redirect(url_for("imports.show", job_id=job_id))


@bp.route("/imports/<job_id>/problems.csv")
@login_required
def problems(job_id):
    job = imports.view(current_user, job_id)
    return Response(imports.problems_csv(job.problems), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="import-problems-{job.id[:8]}.csv"'})
