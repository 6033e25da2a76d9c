"""The import page (analysts and administrators: the rule `imports.run`): upload a zipped
migration bundle, watch its job's progress, cancel it, download its problems as a CSV."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from caseflow.core import keyset
from caseflow.imports import feed_services, services as imports
from caseflow.imports.feeds import FEED_KIND_LABELS, SPECS
from caseflow.web.submit import attempt, error_fields

bp = Blueprint("imports", __name__, template_folder="templates")
FORM_ALLOWANCE = 64 * 1024  # the form's other fields and the multipart framing around the file


@bp.url_value_preprocessor
def _bundle_sized_requests(endpoint, values):
    # Runs before every before_request hook (the input guard reads the form): the upload may be
    # as large as the configured bundle limit, not the 2 MB every other form is held to.
    if endpoint in ("imports.index", "imports.feeds") and request.method == "POST":
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
    if request.endpoint == "imports.feeds" and current_user.is_authenticated:
        limit = imports.max_upload_bytes() // (1024 * 1024)
        return _feeds_page({"file": f"The file must be smaller than {limit} MB: split it into parts (a term or a "
                                    "month each) and upload each"}, 413, form={})
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


# --- partner data feeds -------------------------------------------------------------------------

def _feeds_page(errors=None, status=200, form=None):
    return render_template("imports/feeds.html", sources=feed_services.sources(current_user),
                           jobs=feed_services.feed_jobs(current_user), errors=errors or {},
                           form=request.form if form is None else form, labels=FEED_KIND_LABELS,
                           max_mb=imports.max_upload_bytes() // (1024 * 1024), title="Partner data feeds"), status


@bp.route("/imports/feeds", methods=["GET", "POST"])
@login_required
def feeds():
    if request.method == "POST":
        feed_services.authorise(current_user)  # the policy before the body
        job, exc = attempt(lambda: feed_services.start(current_user, str(request.form.get("source_id") or ""),
                                                       request.files.get("file")))
        if job is None:
            return _feeds_page(error_fields(exc.fields), 400)
        return redirect(url_for("imports.show", job_id=job.id))
    return _feeds_page()


def _source_page(source=None, errors=None, status=200):
    kind = source.kind if source else request.form.get("kind") or request.args.get("kind")
    kind = kind if kind in FEED_KIND_LABELS else None
    form = request.form if request.method == "POST" else (
        {"name": source.name, "organisation_id": source.organisation_id,
         **{f"map_{k}": v for k, v in source.mapping.items()}} if source else {})
    spec = SPECS[kind] if kind else None
    return render_template("imports/feed_source.html", source=source, kind=kind, spec=spec, form=form,
                           errors=errors or {}, labels=FEED_KIND_LABELS,
                           organisations=feed_services.organisations(current_user),
                           title=f"Feed: {source.name}" if source else "Add a partner data feed"), status


@bp.route("/imports/feeds/sources/new", methods=["GET", "POST"])
@login_required
def new_source():
    feed_services.authorise(current_user)
    if request.method == "POST" and request.form.get("step") == "mapping":
        source, exc = attempt(lambda: feed_services.save_source(current_user, request.form))
        if source is None:
            return _source_page(errors=error_fields(exc.fields), status=400)
        flash("The feed has been saved. Upload its files below.", "success")
        return redirect(url_for("imports.feeds"))
    return _source_page()


@bp.route("/imports/feeds/sources/<source_id>", methods=["GET", "POST"])
@login_required
def edit_source(source_id):
    source = feed_services.get_source(current_user, source_id)
    if request.method == "POST":
        saved, exc = attempt(lambda: feed_services.save_source(current_user, request.form, source_id))
        if saved is None:
            return _source_page(source, error_fields(exc.fields), 400)
        flash("The column mapping has been saved.", "success")
        return redirect(url_for("imports.feeds"))
    return _source_page(source)


@bp.route("/imports/feeds/matches")
@login_required
def matches():
    # An edited or stale ?after= shows the first page rather than an error.
    after = keyset.cursor_or_none(request.args.get("after"), feed_services.QUEUE_KEYS)
    rows, total, next_cursor = feed_services.match_queue(current_user, after=after)
    return render_template("imports/feed_matches.html", rows=rows, total=total, labels=FEED_KIND_LABELS,
                           title="Partner rows to match", after=after, next_cursor=next_cursor)


@bp.route("/imports/feeds/matches/<match_id>", methods=["GET", "POST"])
@login_required
def match(match_id):
    if request.method == "POST":
        feed_services.authorise_match(current_user)
        decision = str(request.form.get("decision") or "")
        done, exc = attempt(lambda: feed_services.resolve_match(current_user, match_id, decision,
                                                                str(request.form.get("person_id") or "")))
        if done is not None:
            flash("The row has been added to the person's evidence." if decision == "confirm" else
                  "The row has been kept as about someone not known here.", "success")
            return redirect(url_for("imports.matches"))
        errors = error_fields(exc.fields)
    else:
        errors = {}
    row, people, families = feed_services.view_match(current_user, match_id)
    dob = (row.submitted or {}).get("date_of_birth")
    return render_template("imports/feed_match.html", row=row, people=people, families=families, errors=errors,
                           submitted_dob=date.fromisoformat(dob) if dob else None,
                           title="Is this someone we know?"), 400 if errors else 200
