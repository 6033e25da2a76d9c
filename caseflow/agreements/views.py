"""Pages for the register of information sharing agreements."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from caseflow.auth import services as directory
from caseflow.core import timescales
from caseflow.agreements import forms, services
from caseflow.agreements.models import STATUS_LABELS
from caseflow.core import vocab
from caseflow.core.access import can
from caseflow.web.paging import current_page
from caseflow.web.submit import attempt, error_fields

DATE_FIELDS = ("starts_on", "review_on", "ends_on")

bp = Blueprint("agreements", __name__, template_folder="templates")


@bp.route("/agreements")
@login_required
def index():
    rows, total = services.listing(current_user, current_page())
    return render_template("agreements/index.html", agreements=rows, total=total, names=services.party_names(rows),
                           status_labels=STATUS_LABELS, today=timescales.today_london(), vocab=vocab,
                           can_manage=bool(can(current_user, "agreements.manage")),
                           title="Information sharing agreements")


@bp.route("/agreements/new", methods=["GET", "POST"])
@login_required
def new():
    from caseflow.core.access import require

    require(current_user, "agreements.manage", object_type="agreement", audit=False)
    errors, form = {}, request.form
    if request.method == "POST":
        raw, early = forms.agreement_from_form(form)
        done, exc = (None, None) if early else attempt(lambda: services.record(current_user, raw))
        errors = error_fields(early, DATE_FIELDS) if early else (error_fields(exc.fields, DATE_FIELDS) if exc else {})
        if done is not None:
            flash(f"{done.name} added to the register.", "success")
            return redirect(url_for("agreements.index"))
    orgs = directory.organisations()
    return render_template("agreements/new.html", orgs=orgs, errors=errors, form=form, vocab=vocab,
                           title="Add an information sharing agreement"), (400 if errors else 200)
