"""The directory's administration pages (policy: directory.manage). Views parse the form, call
a service in a savepoint and render; the request commits."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from caseflow.core.vocab import HEADLINE_PROBLEMS
from caseflow.directory import services
from caseflow.web.submit import submit

bp = Blueprint("directory", __name__, template_folder="templates")

TEXT_FIELDS = ("name", "organisation", "offers", "area", "phone", "email", "website", "address", "eligibility")


def _raw() -> dict:
    raw = {name: request.form.get(name, "").strip() or None for name in TEXT_FIELDS}
    raw["problems"] = request.form.getlist("problems")
    raw["active"] = request.form.get("active", "yes") == "yes"
    return raw


@bp.route("/admin/directory")
@login_required
def index():
    page = request.args.get("page", 1, type=int) or 1
    problem = request.args.get("problem") if request.args.get("problem") in HEADLINE_PROBLEMS else None
    rows, total = services.listing(current_user, problem=problem, area=request.args.get("area", "")[:120] or None,
                                   include_retired=True, page=max(page, 1), action="directory.manage")
    return render_template("directory/index.html", rows=rows, total=total, page=max(page, 1), problem=problem,
                           area=request.args.get("area", ""), problems=HEADLINE_PROBLEMS,
                           title="Directory of local services")


@bp.route("/admin/directory/new", methods=["GET", "POST"])
@login_required
def add():
    services.listing(current_user, per_page=1, action="directory.manage")  # the policy first: 403 before the form
    errors = {}
    if request.method == "POST":
        done, errors = submit(lambda: services.add(current_user, _raw()))
        if done is not None:
            flash(f"{done.name} added to the directory.", "success")
            return redirect(url_for("directory.index"))
    return render_template("directory/form.html", service=None, form=request.form, errors=errors,
                           problems=HEADLINE_PROBLEMS, title="Add a service to the directory"), (400 if errors else 200)


@bp.route("/admin/directory/<service_id>", methods=["GET", "POST"])
@login_required
def edit(service_id):
    service = services.get(current_user, service_id, "directory.manage")
    errors = {}
    if request.method == "POST":
        done, errors = submit(lambda: services.update(current_user, service_id, _raw()))
        if done is not None:
            flash(f"{done.name} saved.", "success")
            return redirect(url_for("directory.index"))
    return render_template("directory/form.html", service=service, form=request.form, errors=errors,
                           problems=HEADLINE_PROBLEMS, title=f"Change {service.name}"), (400 if errors else 200)
