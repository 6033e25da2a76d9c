"""Front door pages: the professional request form, the public self-referral form, the queue,
and a request with its possible matches side by side."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from caseflow import timescales
from caseflow.extensions import db, limiter
from caseflow.families.models import Family, Person
from caseflow.frontdoor import forms, services
from caseflow.frontdoor.models import Source, Urgency
from caseflow.frontdoor.schemas import HEADLINE_PROBLEMS
from caseflow.web.paging import current_page
from caseflow.services_errors import ServiceValidationError

bp = Blueprint("frontdoor", __name__, template_folder="templates")


@bp.app_template_filter("concern_label")
def concern_label(code: str) -> str:
    return HEADLINE_PROBLEMS.get(code, code)


def _form_errors(exc_fields: dict, rows: list[int]) -> tuple[dict, list[dict]]:
    """Field id -> first message, plus a GOV.UK error summary list in page order."""
    by_field: dict[str, str] = {}
    for key, messages in exc_fields.items():
        by_field.setdefault(forms.error_key_to_field(key, rows), messages[0])
    summary = [{"text": msg, "href": f"#{field}"} for field, msg in by_field.items()]
    return by_field, summary


def _submit(self_referral: bool):
    data, early_errors, rows = forms.request_from_form(request.form, self_referral)
    try:
        if early_errors:  # show every problem at once, not just the ones found first
            fields = dict(early_errors)
            try:
                services.validate_request(data)
            except ServiceValidationError as exc:
                fields = {**exc.fields, **early_errors}
            raise ServiceValidationError("Some answers need changing.", fields)
        source = Source.SELF_REFERRAL if self_referral else Source.PROFESSIONAL
        actor = None if self_referral else current_user
        return services.submit_request(actor, data, source), None
    except ServiceValidationError as exc:
        db.session.rollback()
        fields = dict(exc.fields)
        for key, msgs in early_errors.items():
            fields.setdefault(key, msgs)
        return None, _form_errors(fields, rows)


@bp.route("/requests/new", methods=["GET", "POST"])
@login_required
def new_request():
    errors, summary = {}, []
    if request.method == "POST":
        submission, problems = _submit(self_referral=False)
        if submission is not None:
            return redirect(url_for("frontdoor.submitted", request_id=submission.request.id))
        errors, summary = problems
    return render_template("frontdoor/new_request.html", errors=errors, error_summary=summary,
                           form=request.form, problems=HEADLINE_PROBLEMS, urgencies=list(Urgency),
                           max_people=forms.MAX_PEOPLE,
                           title="Request help for a family"), (400 if summary else 200)


@bp.route("/requests/<request_id>/submitted")
@login_required
def submitted(request_id):
    req, _ = services.view_request(current_user, request_id)
    return render_template("frontdoor/submitted.html", req=req, title="Request received",
                           due=services.triage_due_at(req))


@bp.route("/ask-for-help", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.extensions["caseflow.settings"].self_referral_rate_limit,
               methods=["POST"])
def self_referral():
    errors, summary = {}, []
    if request.method == "POST":
        submission, problems = _submit(self_referral=True)
        if submission is not None:
            due = services.triage_due_at(submission.request)
            return render_template("frontdoor/self_referral_done.html",
                                   reference=submission.request.reference, due=due,
                                   title="We have your request")
        errors, summary = problems
    return render_template("frontdoor/self_referral.html", errors=errors, error_summary=summary,
                           form=request.form, problems=HEADLINE_PROBLEMS, max_people=4,
                           title="Ask for help for your family"), (400 if summary else 200)


@bp.route("/front-door")
@login_required
def queue():
    status = request.args.get("status") or None
    urgency = request.args.get("urgency") or None
    if status not in (None, "new", "needs_review") or urgency not in (None, *[u.value for u in Urgency]):
        abort(400, "Choose a status and urgency from the filters.")
    page = current_page()
    per_page = 50
    rows, total = services.front_door_queue(current_user, status=status, urgency=urgency,
                                            page=page, per_page=per_page)
    return render_template("frontdoor/queue.html", rows=rows, total=total, page=page,
                           per_page=per_page, status=status, urgency=urgency,
                           title="Front door queue")


@bp.route("/requests/<request_id>")
@login_required
def show_request(request_id):
    req, decision = services.view_request(current_user, request_id)
    people = {p.id: p for p in db.session.query(Person).filter(
        Person.id.in_({rp.person_id for rp in req.people}
                      | {c["person_id"] for rp in req.people for c in rp.candidates})).all()}
    family_ids = {fid for rp in req.people for c in rp.candidates for fid in c["family_ids"]}
    families = {f.id: f for f in db.session.query(Family).filter(Family.id.in_(family_ids | {req.family_id}))}
    history = services.case_history_for_families(list(families))
    return render_template("frontdoor/request.html", req=req, decision=decision, people=people,
                           families=families, history=history, problems=HEADLINE_PROBLEMS,
                           waiting=timescales.working_hours_between(req.received_at, services.utcnow()),
                           title=f"Request {req.reference}")


@bp.route("/requests/<request_id>/people/<person_id>/match", methods=["POST"])
@login_required
def decide_match(request_id, person_id):
    decision = request.form.get("decision")
    try:
        req = services.resolve_match(current_user, request_id, person_id, decision,
                                     request.form.get("candidate_id"))
    except ServiceValidationError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("frontdoor.show_request", request_id=request_id))
    flash("Match confirmed: the request is now on the existing family's record."
          if decision == "confirm" else "Recorded: not the same person. A new record is kept.", "success")
    return redirect(url_for("frontdoor.show_request", request_id=req.id))
