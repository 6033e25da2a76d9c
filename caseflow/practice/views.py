"""Practice tool pages: a case's DASH risk checklists (complete one, read its result and the
MARAC prompt, record the referral), its outcome wheel (score it, see the distance travelled),
and the administrators' list of wheel areas. Views parse forms and call the services; the
request commits."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from caseflow.cases.services import load_case
from caseflow.core import timescales
from caseflow.core.access import can
from caseflow.practice import chart, dash, wheel
from caseflow.practice.vocab import (DASH_ANSWERS, DASH_QUESTIONS, MARAC_THRESHOLD, SCORE_MAX, SCORE_MIN,
                                     WHEEL_OCCASIONS, WHEEL_SIZE)
from caseflow.web.forms import date_parts, parse_date, text
from caseflow.web.submit import attempt

bp = Blueprint("practice", __name__, template_folder="templates")


@bp.app_context_processor
def _practice_words():
    return {"DASH_QUESTIONS": DASH_QUESTIONS, "DASH_ANSWERS": DASH_ANSWERS, "MARAC_THRESHOLD": MARAC_THRESHOLD,
            "WHEEL_OCCASIONS": WHEEL_OCCASIONS, "WHEEL_SIZE": WHEEL_SIZE}


DATES = ("completed_on", "scored_on", "referred_on")


def submit(call, early: dict | None = None):
    """Like caseflow.web.submit.submit, keeping nested fields ("answers.injury",
    "scores.<area id>.family") as the form's own field ids, so each message sits by its question."""
    if early:
        return None, early
    done, exc = attempt(call)
    if done is not None:
        return done, {}
    errors = {}
    for key, messages in exc.fields.items():
        name = key.replace(".", "-")
        errors.setdefault(f"{name}-day" if name in DATES else name, messages[0])
    return None, errors


# --- DASH risk checklist ----------------------------------------------------------------------

@bp.route("/cases/<case_id>/dash")
@login_required
def dash_list(case_id):
    case, rows = dash.listing(current_user, case_id)
    return render_template("practice/dash_list.html", case=case, rows=rows,
                           can_record=bool(can(current_user, "risk.record", case)) and case.is_open,
                           title=f"DASH risk checklists, {case.reference}")


@bp.route("/cases/<case_id>/dash/new", methods=["GET", "POST"])
@login_required
def new_dash(case_id):
    case, _ = load_case(current_user, case_id, "risk.record", dash.PURPOSE)
    errors, form = {}, request.form
    if request.method == "POST":
        completed, completed_error = parse_date(form, "completed_on", "Date completed")
        early = {"completed_on-day": completed_error} if completed_error else None
        raw = {"victim_id": text(form, "victim_id"), "completed_on": completed,
               "answers": {code: form[f"answers-{code}"] for code, _ in DASH_QUESTIONS if form.get(f"answers-{code}")},
               "notes": {code: text(form, f"notes-{code}") for code, _ in DASH_QUESTIONS if text(form, f"notes-{code}")},
               "professional_judgement": form.get("professional_judgement") == "yes",
               "judgement_reason": text(form, "judgement_reason"),
               "escalation": form.get("escalation") == "yes"}
        done, errors = submit(lambda: dash.record(current_user, case_id, {k: v for k, v in raw.items() if v is not None}),
                              early)
        if done is not None:
            flash("DASH risk checklist saved.", "success")
            return redirect(url_for("practice.dash_result", case_id=case_id, checklist_id=done.id))
    defaults = date_parts(timescales.today_london()) if request.method == "GET" else None
    return render_template("practice/dash_form.html", case=case, adults=dash.adults(case), errors=errors, form=form,
                           defaults=defaults, title=f"DASH risk checklist, {case.reference}"), (400 if errors else 200)


@bp.route("/cases/<case_id>/dash/<checklist_id>")
@login_required
def dash_result(case_id, checklist_id):
    case, checklist, victim = dash.get(current_user, case_id, checklist_id)
    return render_template("practice/dash_result.html", case=case, checklist=checklist, victim=victim, errors={},
                           form={}, can_record=bool(can(current_user, "risk.record", case)),
                           title=f"DASH risk checklist result, {case.reference}")


@bp.route("/cases/<case_id>/dash/<checklist_id>/marac", methods=["POST"])
@login_required
def marac_referral(case_id, checklist_id):
    load_case(current_user, case_id, "risk.record", dash.PURPOSE)  # refused before the form is read
    form = request.form
    referred, referred_error = parse_date(form, "referred_on", "Date of the referral")
    early = {"referred_on-day": referred_error} if referred_error else None
    done, errors = submit(lambda: dash.record_referral(current_user, case_id, checklist_id,
                                                       {"referred_on": referred} if referred else {}), early)
    if done is not None:
        flash("MARAC referral recorded.", "success")
        return redirect(url_for("practice.dash_result", case_id=case_id, checklist_id=checklist_id))
    case, checklist, victim = dash.get(current_user, case_id, checklist_id)
    return render_template("practice/dash_result.html", case=case, checklist=checklist, victim=victim,
                           errors=errors, form=form, can_record=True,
                           title=f"DASH risk checklist result, {case.reference}"), 400


# --- outcome wheel ----------------------------------------------------------------------------

@bp.route("/cases/<case_id>/outcome-wheel")
@login_required
def wheel_page(case_id):
    found = wheel.history(current_user, case_id)
    return render_template("practice/wheel.html", case=found.case, history=found, svg=chart.distance_travelled(found.travel),
                           can_record=bool(can(current_user, "wheel.record", found.case)) and found.case.is_open,
                           title=f"Outcome wheel, {found.case.reference}")


@bp.route("/cases/<case_id>/outcome-wheel/new", methods=["GET", "POST"])
@login_required
def new_wheel(case_id):
    case, _ = load_case(current_user, case_id, "wheel.record", wheel.PURPOSE)
    areas = wheel.active_areas()
    errors, form = {}, request.form
    if request.method == "POST":
        scored, scored_error = parse_date(form, "scored_on", "Date scored")
        early = {"scored_on-day": scored_error} if scored_error else None
        scores = {}
        for area in areas:
            given = {who: form.get(f"scores-{area.id}-{who}") for who in ("family", "worker")}
            if any(given.values()):
                scores[area.id] = {who: value for who, value in given.items() if value}
        raw = {"occasion": text(form, "occasion"), "scored_on": scored, "scores": scores, "comment": text(form, "comment")}
        done, errors = submit(lambda: wheel.record(current_user, case_id, {k: v for k, v in raw.items() if v is not None}),
                              early)
        if done is not None:
            flash("Outcome wheel scores saved.", "success")
            return redirect(url_for("practice.wheel_page", case_id=case_id))
        for area in areas:  # a whole area left blank: the message sits on the family's score
            if errors.get(f"scores-{area.id}"):
                errors.setdefault(f"scores-{area.id}-family", errors.pop(f"scores-{area.id}"))
    defaults = date_parts(timescales.today_london()) if request.method == "GET" else None
    return render_template("practice/wheel_form.html", case=case, areas=areas, errors=errors, form=form,
                           defaults=defaults, score_range=[str(n) for n in range(SCORE_MIN, SCORE_MAX + 1)],
                           title=f"Score the outcome wheel, {case.reference}"), (400 if errors else 200)


# --- the wheel's areas (administrators) -------------------------------------------------------

def _area_raw(form) -> dict:
    raw = {"label": text(form, "label"), "description": text(form, "description"), "position": text(form, "position"),
           "active": form.get("active", "yes") == "yes"}
    return {k: v for k, v in raw.items() if v is not None}


@bp.route("/admin/outcome-wheel", methods=["GET", "POST"])
@login_required
def wheel_areas():
    errors, form = {}, request.form
    areas = wheel.all_areas(current_user)  # asks the policy before the form is read
    if request.method == "POST":
        done, errors = submit(lambda: wheel.add_area(current_user, _area_raw(form)))
        if done is not None:
            flash(f"Area “{done.label}” added.", "success")
            return redirect(url_for("practice.wheel_areas"))
    return render_template("practice/wheel_areas.html", areas=areas, errors=errors, form=form,
                           title="Outcome wheel areas"), (400 if errors else 200)


@bp.route("/admin/outcome-wheel/<area_id>", methods=["GET", "POST"])
@login_required
def wheel_area(area_id):
    areas = {a.id: a for a in wheel.all_areas(current_user)}
    if area_id not in areas:
        from caseflow.core.errors import NotFound

        raise NotFound("No outcome wheel area with that id.")
    errors, form = {}, request.form
    if request.method == "POST":
        done, errors = submit(lambda: wheel.update_area(current_user, area_id, _area_raw(form)))
        if done is not None:
            flash(f"Area “{done.label}” saved.", "success")
            return redirect(url_for("practice.wheel_areas"))
    return render_template("practice/wheel_area.html", area=areas[area_id], errors=errors, form=form,
                           title=f"Edit area: {areas[area_id].label}"), (400 if errors else 200)
