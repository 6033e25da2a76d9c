"""Oversight pages: a case's supervision and audit actions, recording supervision, the managers'
overdue supervision list, and case file audits (samples, grading, the checklist, grades over
time). Views parse forms and call the services; the request commits."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from caseflow.auth import services as directory
from caseflow.cases.services import load_case
from caseflow.core import keyset, timescales
from caseflow.core.access import can
from caseflow.oversight import audits, supervision
from caseflow.oversight.vocab import AUDIT_STATUSES, GRADES
from caseflow.web.forms import date_parts, parse_date, text
from caseflow.web.paging import current_page
from caseflow.web.submit import submit

bp = Blueprint("oversight", __name__, template_folder="templates")


@bp.app_context_processor
def _oversight_words():
    return {"GRADES": GRADES, "AUDIT_STATUSES": AUDIT_STATUSES}


# --- supervision -------------------------------------------------------------------------------

@bp.route("/cases/<case_id>/oversight")
@login_required
def case_oversight(case_id):
    before = keyset.cursor_or_none(request.args.get("before"), supervision.SUPERVISION_KEYS)
    case, rows, total, next_cursor = supervision.listing(current_user, case_id, current_page(), 50, before)
    return render_template("oversight/case.html", case=case, rows=rows, total=total, next_cursor=next_cursor,
                           due_on=supervision.due_on(case), audits=audits.actions_for_case(current_user, case),
                           can_record=bool(can(current_user, "supervision.record", case)) and case.is_open,
                           today=timescales.today_london(), title=f"Supervision and audit, {case.reference}")


@bp.route("/cases/<case_id>/supervision/new", methods=["GET", "POST"])
@login_required
def new_supervision(case_id):
    case, _ = load_case(current_user, case_id, "supervision.record", "supervision")
    errors, form = {}, request.form
    if request.method == "POST":
        held, held_error = parse_date(form, "date")
        next_due, next_error = parse_date(form, "next_due_on", "Next supervision")
        early = {k: [v] for k, v in {"date-day": held_error, "next_due_on-day": next_error}.items() if v}
        raw = {"date": held, "discussion": text(form, "discussion"), "decisions": text(form, "decisions"),
               "actions": text(form, "actions"), "next_due_on": next_due}
        done, errors = submit(lambda: supervision.record(current_user, case_id,
                                                         {k: v for k, v in raw.items() if v is not None}), early)
        if done is not None:
            flash(f"Supervision recorded. Next due {timescales.format_uk_date(done.next_due_on)}.", "success")
            return redirect(url_for("oversight.case_oversight", case_id=case_id))
    defaults = date_parts(timescales.today_london()) if request.method == "GET" else None
    return render_template("oversight/supervision_form.html", case=case, errors=errors, form=form,
                           defaults=defaults, title=f"Record supervision, {case.reference}"), (400 if errors else 200)


@bp.route("/supervision/overdue")
@login_required
def overdue_supervision():
    page = current_page()
    rows, total, today = supervision.overdue(current_user, page=page)
    return render_template("oversight/overdue.html", rows=rows, total=total, today=today, page=page, per_page=50,
                           title="Overdue supervision")


# --- case file audit ---------------------------------------------------------------------------

@bp.route("/case-audits", methods=["GET", "POST"])
@login_required
def case_audits():
    errors, form = {}, request.form
    if request.method == "POST":
        start, start_error = parse_date(form, "period_start", "Start of the period")
        end, end_error = parse_date(form, "period_end", "End of the period")
        early = {k: [v] for k, v in {"period_start-day": start_error, "period_end-day": end_error}.items() if v}
        raw = {"team_id": text(form, "team_id"), "period_start": start, "period_end": end, "size": text(form, "size")}
        done, errors = submit(lambda: audits.draw_sample(current_user, {k: v for k, v in raw.items() if v is not None}),
                               early)
        if done is not None:
            drawn = len(done.audits)
            flash(f"{drawn} case file{'s' if drawn != 1 else ''} drawn at random from {done.eligible}.", "success")
            return redirect(url_for("oversight.audit_sample", sample_id=done.id))
    drawn = audits.samples(current_user)
    teams = directory.teams(current_user.organisation_id)
    return render_template("oversight/audits.html", samples=drawn, teams=teams, errors=errors, form=form,
                           grades=audits.grades_over_time(current_user), title="Case file audits"), \
        (400 if errors else 200)


@bp.route("/case-audits/samples/<sample_id>")
@login_required
def audit_sample(sample_id):
    found, rows = audits.sample(current_user, sample_id)
    return render_template("oversight/sample.html", sample=found, rows=rows,
                           title=f"Case file audit sample, {timescales.format_uk_date(found.drawn_at)}")


@bp.route("/case-audits/files/<audit_id>", methods=["GET", "POST"])
@login_required
def grade_file(audit_id):
    record, case = audits.file_audit(current_user, audit_id)
    questions = audits.checklist(current_user)
    errors, form = {}, request.form
    if request.method == "POST":
        raw = {"answers": {q.code: form.get(f"answer-{q.code}") for q in questions if form.get(f"answer-{q.code}")},
               "grade": text(form, "grade"), "findings": text(form, "findings"), "actions": text(form, "actions")}
        done, errors = submit(lambda: audits.grade(current_user, audit_id, {k: v for k, v in raw.items() if v is not None}))
        if done is not None:
            flash(f"{case.reference} graded {GRADES[done.grade].lower()}.", "success")
            return redirect(url_for("oversight.audit_sample", sample_id=record.sample_id))
    errors = {(f"answer-{k.split('.', 1)[1]}" if k.startswith("answers.") else k): v for k, v in errors.items()}
    return render_template("oversight/grade.html", record=record, case=case, questions=questions, errors=errors,
                           form=form, title=f"Audit the case file {case.reference}"), (400 if errors else 200)


@bp.route("/case-audits/checklist", methods=["GET", "POST"])
@login_required
def audit_checklist():
    errors, form = {}, request.form
    if request.method == "POST":
        if form.get("retire"):
            audits.retire_question(current_user, form["retire"])
            flash("Question retired: files already graded keep it.", "success")
            return redirect(url_for("oversight.audit_checklist"))
        done, errors = submit(lambda: audits.add_question(current_user, {"question": text(form, "question")}))
        if done is not None:
            flash("Question added to the checklist.", "success")
            return redirect(url_for("oversight.audit_checklist"))
    return render_template("oversight/checklist.html", questions=audits.checklist(current_user), errors=errors,
                           form=form, title="Case file audit checklist"), (400 if errors else 200)
