"""Front door pages: the professional request form, the public self-referral form, the queue,
and a request with its possible matches side by side. Each page parses the form, calls a service
and renders; the rules live in caseflow.frontdoor.services."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from caseflow.core import timescales
from caseflow.core.access import can, require
from caseflow.core.access import family_view_decision
from caseflow.core.database import utcnow
from caseflow.core.extensions import limiter
from caseflow.frontdoor import advice, forms, review, services
from caseflow.frontdoor.models import RequestStatus, Source, Urgency
from caseflow.core.vocab import HEADLINE_PROBLEMS
from caseflow.core.errors import ServiceValidationError
from caseflow.core.unit_of_work import savepoint
from caseflow.web.paging import current_page
from caseflow.web.submit import submit

bp = Blueprint("frontdoor", __name__, template_folder="templates")

QUEUE_PER_PAGE = 50


@bp.app_template_filter("concern_label")
def concern_label(code: str) -> str:
    return HEADLINE_PROBLEMS.get(code, code)


def _form_errors(exc_fields: dict, rows: list[int], self_referral: bool) -> tuple[dict, list[dict]]:
    """Field id -> first message, plus a GOV.UK error summary list linking to each field."""
    by_field: dict[str, str] = {}
    # On the self-referral form the parent's name is the referrer's: their own field's message
    # ("Enter a first name") is the one to show there.
    ordered = sorted(exc_fields.items(), key=lambda kv: self_referral and kv[0] == "referrer.name")
    for key, messages in ordered:
        by_field.setdefault(forms.error_key_to_field(key, rows, self_referral), messages[0])
    summary = [{"text": msg, "href": f"#{field}"} for field, msg in by_field.items()]
    return by_field, summary


def _submit(self_referral: bool):
    """(submission, None) when accepted, else (None, (field errors, error summary))."""
    data, early_errors, rows = forms.request_from_form(request.form, self_referral)
    source = Source.SELF_REFERRAL if self_referral else Source.PROFESSIONAL
    try:
        if early_errors:  # a malformed date: still show every other problem at the same time
            fields = {}
            try:
                services.validate_request(data, source)
            except ServiceValidationError as exc:
                fields = exc.fields
            raise ServiceValidationError("Some answers need changing.", {**fields, **early_errors})
        actor = None if self_referral else current_user
        with savepoint():  # a refused request leaves nothing behind; the page shows why
            return services.submit_request(actor, data, source), None
    except ServiceValidationError as exc:
        fields = {**exc.fields, **{k: v for k, v in early_errors.items() if k not in exc.fields}}
        return None, _form_errors(fields, rows, self_referral)


@bp.route("/requests/new", methods=["GET", "POST"])
@login_required
def new_request():
    require(current_user, "request.create", object_type="request_for_help", audit=False)
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
                           due=services.triage_due_at(req),
                           can_see_family=bool(family_view_decision(current_user, req.family_id)))


def _people_shown(form) -> int:
    """How many people after the applicant the self-referral form shows: at least one, every row
    already filled in, and one more each time they press "Add another person"."""
    try:
        shown = int(form.get("people_shown", "1"))
    except ValueError:
        shown = 1
    filled = [i for i in range(1, forms.MAX_PEOPLE)
              if any(form.get(f"people-{i}-{f}", "").strip() for f in ("given_name", "family_name", "dob-year"))]
    shown = max(shown, *filled, 1)
    if form.get("add_person"):
        shown += 1
    return min(shown, forms.MAX_PEOPLE - 1)


def _adding_a_person() -> bool:
    return request.method == "POST" and bool(request.form.get("add_person"))


@bp.route("/ask-for-help", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.extensions["caseflow.settings"].self_referral_rate_limit,
               methods=["POST"], exempt_when=_adding_a_person)  # room for one more person sends nothing
def self_referral():
    errors, summary = {}, []
    if request.method == "POST" and not request.form.get("add_person"):
        submission, problems = _submit(self_referral=True)
        if submission is not None:
            return render_template("frontdoor/self_referral_done.html",
                                   reference=submission.request.reference,
                                   due=services.triage_due_at(submission.request),
                                   title="We have your request")
        errors, summary = problems
    return render_template("frontdoor/self_referral.html", errors=errors, error_summary=summary,
                           form=request.form, problems=HEADLINE_PROBLEMS,
                           max_people=forms.MAX_PEOPLE, people_shown=_people_shown(request.form),
                           title="Ask for help for your family"), (400 if summary else 200)


# --- the public pages families read: privacy, accessibility, cookies (public layout) ------------

@bp.route("/privacy")
def privacy():
    settings = current_app.extensions["caseflow.settings"]
    return render_template("frontdoor/privacy.html", retention_years=settings.retention_years,
                           title="Privacy notice")


@bp.route("/accessibility")
def accessibility():
    settings = current_app.extensions["caseflow.settings"]
    try:
        reviewed = timescales.format_uk_date(settings.accessibility_reviewed_on)
    except ValueError:  # not an ISO date: show it as the council wrote it
        reviewed = settings.accessibility_reviewed_on
    return render_template("frontdoor/accessibility.html", reviewed=reviewed, title="Accessibility statement")


@bp.route("/cookies")
def cookies():
    settings = current_app.extensions["caseflow.settings"]
    return render_template("frontdoor/cookies.html", session_cookie=current_app.config["SESSION_COOKIE_NAME"],
                           session_idle_minutes=settings.session_idle_minutes, title="Cookies")


@bp.route("/front-door")
@login_required
def queue():
    status = request.args.get("status") or None
    urgency = request.args.get("urgency") or None
    sort = request.args.get("sort") or "oldest"
    if status not in (None, *services.QUEUE_STATUSES) or urgency not in (None, *Urgency) \
            or sort not in services.QUEUE_SORTS:
        abort(400, "Choose a status, urgency and order from the filters.")
    page = current_page()
    rows, total = services.front_door_queue(current_user, status=status, urgency=urgency,
                                            page=page, per_page=QUEUE_PER_PAGE, sort=sort)
    return render_template("frontdoor/queue.html", rows=rows, total=total, page=page,
                           per_page=QUEUE_PER_PAGE, status=status, urgency=urgency, sort=sort,
                           title="Front door queue")


@bp.route("/advice-line", methods=["GET", "POST"])
@login_required
def advice_line():
    errors, form = {}, request.form
    if request.method == "POST":
        raw = {name: (form.get(name) or "").strip() or None for name in (
            "caller_name", "caller_organisation", "caller_contact", "question", "advice", "request_reference",
            "family_reference")}
        raw["became_request"] = form.get("became_request") == "yes"
        done, errors = submit(lambda: advice.record(current_user, {k: v for k, v in raw.items() if v is not None}))
        if done is not None:
            flash("Advice call logged.", "success")
            return redirect(url_for("frontdoor.advice_line"))
    page = current_page()
    rows, total, families = advice.listing(current_user, page)
    return render_template("frontdoor/advice_line.html", rows=rows, total=total, families=families, page=page,
                           errors=errors, form=form, title="Advice line"), (400 if errors else 200)


@bp.route("/advice-line/<call_id>")
@login_required
def advice_call(call_id):
    call, family = advice.get(current_user, call_id)
    return render_template("frontdoor/advice_call.html", call=call, family=family, title="Advice call")


@bp.route("/requests/<request_id>")
@login_required
def show_request(request_id):
    req, decision = services.view_request(current_user, request_id)
    review = services.match_review(current_user, req)
    return render_template("frontdoor/request.html", req=req, decision=decision, review=review,
                           people=services.shown_people(req, decision),
                           can_triage=req.status == RequestStatus.NEW and bool(can(current_user, "case.triage")),
                           waiting=timescales.working_hours_between(req.received_at, utcnow()),
                           title=f"Request {req.reference}")


@bp.route("/requests/<request_id>/people/<person_id>/match", methods=["POST"])
@login_required
def decide_match(request_id, person_id):
    decision = request.form.get("decision")
    try:
        with savepoint():
            req = review.resolve_match(current_user, person_id, decision,
                                       request.form.get("candidate_id"), request_id=request_id)
    except ServiceValidationError as exc:
        flash(str(exc), "error")
        return redirect(url_for("frontdoor.show_request", request_id=request_id))
    if decision == "confirm":
        flash("Match confirmed: the request is now on the existing family's record."
              if req.status != RequestStatus.ROUTED else
              "Match confirmed: the family already has an open case, so the request has joined it.",
              "success")
    else:
        flash("Recorded: not the same person. A new record is kept.", "success")
    return redirect(url_for("frontdoor.show_request", request_id=req.id))
