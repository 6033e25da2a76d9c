"""Step-up and step-down forms, the social care records on the case page, the handover pack PDF
and the managers' step-up/step-down figures. Views parse forms and call the services."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from caseflow.auth import services as directory
from caseflow.core import timescales
from caseflow.core.roles import Role
from caseflow.core.access import can
from caseflow.cases.services import load_case
from caseflow.readmodels import handover
from caseflow.socialcare import oscillation, responses, services, vocab
from caseflow.web.forms import parse_date, text
from caseflow.web.submit import submit

bp = Blueprint("socialcare", __name__, template_folder="templates")


def _social_workers():
    return directory.active_staff(Role.SOCIAL_WORKER)


@bp.route("/cases/<case_id>/step-up", methods=["GET", "POST"])
@login_required
def step_up(case_id):
    case, _ = load_case(current_user, case_id, "case.step_up", "step-up to children's social care")
    # A TAF review that decided to step up has already said why: start from its words.
    decided = services.review_that_decided_step_up(case)
    workers = _social_workers()
    errors, form = {}, request.form
    if request.method == "POST":
        told = form.get("family_informed")
        raw = {"reason": text(form, "reason"), "concern": text(form, "concern"), "evidence": text(form, "evidence"),
               "informed": [line.strip() for line in (form.get("informed") or "").splitlines() if line.strip()],
               "family_informed": {"yes": True, "no": False}.get(told),
               "family_not_informed_reason": text(form, "family_not_informed_reason"),
               "urgency": text(form, "urgency"), "keyworker_role": text(form, "keyworker_role"),
               "social_worker_id": text(form, "social_worker_id")}
        done, errors = submit(lambda: services.step_up(current_user, case_id, {k: v for k, v in raw.items() if v is not None}))
        if done is not None:
            flash(f"{case.reference} stepped up to children's social care. Social care has been told.", "success")
            return redirect(url_for("cases.show", case_id=case_id))
    return render_template("socialcare/step_up.html", case=case, errors=errors, form=form, vocab=vocab,
                           workers=workers, prefill=_review_reason(decided) if decided else "",
                           title=f"Step up {case.reference}"), (400 if errors else 200)


def _review_reason(review) -> str:
    return f"TAF review on {timescales.format_uk_date(review.held_on)} decided to step up." + (
        f" {review.notes}" if review.notes else "")


@bp.route("/cases/<case_id>/step-down", methods=["GET", "POST"])
@login_required
def step_down(case_id):
    case, _ = load_case(current_user, case_id, "case.step_down", "step-down to early help")
    teams = directory.teams()
    errors, form = {}, request.form
    if request.method == "POST":
        meeting, date_error = parse_date(form, "handover_meeting_on", "Handover date")
        raw = {"reason": text(form, "reason"), "still_needed": text(form, "still_needed"),
               "handover_meeting_on": meeting, "route": text(form, "route"),
               "receiving_team_id": text(form, "receiving_team_id")}
        done, errors = submit(lambda: services.step_down(current_user, case_id, {k: v for k, v in raw.items() if v is not None}),
                               {"handover_meeting_on": [date_error]} if date_error else None)
        if done is not None:
            flash(f"{case.reference} stepped down to early help.", "success")
            return redirect(url_for("cases.show", case_id=case_id))
    due = timescales.add_working_days(timescales.today_london(), services._settings().step_down_handover_working_days)
    return render_template("socialcare/step_down.html", case=case, errors=errors, form=form, vocab=vocab,
                           teams=teams, due=due, title=f"Step down {case.reference}"), (400 if errors else 200)


def _record(call, done_message: str, case_id: str):
    done, errors = submit(call)
    flash(done_message if done is not None else next(iter(errors.values())), "success" if done is not None else "error")
    return redirect(url_for("cases.show", case_id=case_id) + "#social-care")


def _response_form() -> dict:
    raw = {"decision": text(request.form, "decision"), "reason": text(request.form, "reason")}
    words = text(request.form, "advice")
    raw["advice" if raw["decision"] == "not_accepted" else "note"] = words
    return {k: v for k, v in raw.items() if v is not None}


@bp.route("/cases/<case_id>/step-up/response", methods=["POST"])
@login_required
def step_up_response(case_id):
    form = _response_form()
    form.pop("reason", None)
    return _record(lambda: responses.respond(current_user, case_id, form), "Social care's response is recorded.", case_id)


@bp.route("/cases/<case_id>/step-up/response/amend", methods=["POST"])
@login_required
def amend_step_up_response(case_id):
    return _record(lambda: responses.amend(current_user, case_id, _response_form()),
                   "The response is amended; the original stays on the history.", case_id)


@bp.route("/cases/<case_id>/statutory-status", methods=["POST"])
@login_required
def statutory_status(case_id):
    started, problem = parse_date(request.form, "started_on", "Start date")
    if problem:
        flash(problem, "error")
        return redirect(url_for("cases.show", case_id=case_id) + "#social-care")
    return _record(lambda: services.record_status(current_user, case_id, {
        "status": text(request.form, "status"), "started_on": started}), "Statutory status recorded.", case_id)


@bp.route("/cases/<case_id>/social-worker", methods=["POST"])
@login_required
def social_worker(case_id):
    return _record(lambda: services.assign_social_worker(current_user, case_id, {
        "social_worker_id": text(request.form, "social_worker_id")}), "Social worker allocated.", case_id)


@bp.route("/cases/<case_id>/keyworker-role", methods=["POST"])
@login_required
def keyworker_role(case_id):
    return _record(lambda: services.set_keyworker_role(current_user, case_id, {
        "keyworker_role": text(request.form, "keyworker_role")}), "The keyworker's part is recorded.", case_id)


@bp.route("/cases/<case_id>/handover-pack.pdf")
@login_required
def handover_pdf(case_id):
    pack = handover.build(current_user, case_id)
    return Response(handover.pack_pdf(pack), mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="handover-{pack.case.reference}.pdf"'})


@bp.route("/reports/step-up-step-down")
@login_required
def figures():
    months = oscillation.monthly_transitions(current_user)
    families = oscillation.oscillating(current_user) if can(current_user, "reports.oscillation") else []
    return render_template("socialcare/figures.html", months=months, families=families,
                           show_families=bool(can(current_user, "reports.oscillation")),
                           title="Step-ups, step-downs and re-referrals")
