"""Casework pages: the assessment, the plan (and its PDF), visits, TAF reviews, the TAF,
closure, engagement and the overdue dashboard. Views parse forms, call a service and render."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from caseflow.auth import services as directory
from caseflow.core import timescales
from caseflow.core.database import utcnow
from caseflow.core.vocab import HEADLINE_PROBLEMS
from caseflow.core.access import can
from caseflow.directory import services as directory_services
from caseflow.plans import assessments, closure, contacts, family_plan, forms, monitoring, overdue, pdf, reviews, taf
from caseflow.readmodels import chronology
from caseflow.plans import vocab
from caseflow.cases.services import load_case
from caseflow.core.errors import Conflict, ServiceValidationError
from caseflow.core.unit_of_work import savepoint
from caseflow.web.forms import date_parts, parse_date, text
from caseflow.web.paging import current_page
from caseflow.web.submit import attempt, submit
from caseflow.plans.vocab import ReviewDecision

bp = Blueprint("plans", __name__, template_folder="templates")


def posted_date(form, prefix: str, fallback=None) -> dict[str, str]:
    """What a date input shows: what was posted, else the fallback date (or blank)."""
    if form is not None and f"{prefix}-day" in form:
        return {p: form.get(f"{prefix}-{p}", "") for p in ("day", "month", "year")}
    return fallback if isinstance(fallback, dict) else date_parts(fallback)


@bp.app_context_processor
def _vocabulary():
    return {"vocab": vocab, "posted_date": posted_date, "headline_problems": HEADLINE_PROBLEMS,
            "score_options": [(str(n), str(n)) for n in range(vocab.SCORE_MIN, vocab.SCORE_MAX + 1)],
            "today": timescales.today_london()}


def _case_link(case_id):
    return redirect(url_for("cases.show", case_id=case_id))


# --- assessment --------------------------------------------------------------------------------------

@bp.route("/cases/<case_id>/assessment", methods=["GET", "POST"])
@login_required
def assessment(case_id):
    view = assessments.view(current_user, case_id)
    errors, content = {}, view.content
    if request.method == "POST" and not view.locked:
        raw = forms.assessment_from_form(request.form, view.content["members"])
        completing = request.form.get("action") == "complete"
        # The draft is saved first and stands even if completing is then refused.
        done, exc = attempt(lambda: assessments.save_draft(current_user, case_id, raw))
        if completing and done is not None:
            done, exc = attempt(lambda: assessments.complete(current_user, case_id))
        if done is not None:
            flash("Assessment completed and locked. Now write the family plan." if completing
                  else "Draft saved.", "success")
            return redirect(url_for("plans.plan", case_id=case_id) if completing
                            else url_for("plans.assessment", case_id=case_id))
        view = assessments.view(current_user, case_id)
        # Show what was typed; the version is the saved one (completing saves the draft first).
        content = {**view.content, **{k: v for k, v in raw.items() if k not in ("members", "version")},
                   "members": [{**m, **next((r for r in raw["members"] if r["person_id"] == m["person_id"]), {})}
                               for m in view.content["members"]]}
        errors = forms.assessment_error_fields(exc.fields, content["members"])
    return render_template("plans/assessment.html", view=view, content=content, errors=errors,
                           title=f"Assessment, {view.case.reference}"), (400 if errors else 200)


@bp.route("/cases/<case_id>/assessment/autosave", methods=["POST"])
@login_required
def autosave(case_id):
    """The assessment page saves the draft in the background as the keyworker types."""
    view = assessments.view(current_user, case_id)
    raw = forms.assessment_from_form(request.form, view.content["members"])
    try:
        with savepoint():  # a refused save undoes itself; the audit of the read above is kept
            saved = assessments.save_draft(current_user, case_id, raw)
    except ServiceValidationError as exc:
        return jsonify({"error": str(exc), "fields": exc.fields}), 422
    except Conflict as exc:
        return jsonify({"error": str(exc)}), 409
    return jsonify({"version": saved.version,
                    "saved_at": timescales.format_uk_datetime(saved.updated_at)})


@bp.route("/cases/<case_id>/assessment/addenda", methods=["POST"])
@login_required
def addendum(case_id):
    _, exc = attempt(lambda: assessments.add_addendum(current_user, case_id, {"text": text(request.form, "text")}))
    flash(exc.fields.get("text", [str(exc)])[0] if exc else "Addendum added.", "error" if exc else "success")
    return redirect(url_for("plans.assessment", case_id=case_id))


# --- plan -----------------------------------------------------------------------------------------------

def _owner_options(case, plan):
    users, orgs = family_plan.owner_choices(case, plan, current_user)
    return ([{"value": f"user:{u.id}", "text": f"{u.name} ({u.organisation.name})" + ("" if u.active else ", left")}
             for u in users],
            [{"value": f"org:{o.id}", "text": o.name} for o in orgs])


@bp.route("/cases/<case_id>/plan", methods=["GET", "POST"])
@login_required
def plan(case_id):
    case, current, decision = family_plan.view(current_user, case_id)
    errors, form = {}, None
    if request.method == "POST":
        body, date_errors, outcome_rows, action_rows = forms.plan_from_form(request.form)
        saved, exc = (None, ServiceValidationError("Some dates are not valid.", date_errors)) if date_errors \
            else attempt(lambda: family_plan.save(current_user, case_id, body))
        if saved is not None:
            flash("Plan saved.", "success")
            return redirect(url_for("plans.plan", case_id=case_id))
        if exc.fields.get("_form"):
            errors = {"_form": exc.fields["_form"][0]}
        else:
            errors = forms.plan_error_fields({**exc.fields, **date_errors}, outcome_rows, action_rows)
        form = request.form
        case, current, decision = family_plan.view(current_user, case_id)
    users, orgs = _owner_options(case, current) if "plan" in decision.categories else ([], [])
    from caseflow.core.access import can
    editable = bool(can(current_user, "casework.record", case)) and case.is_open and case.stage != "monitoring"
    problems = family_plan.confirmed_problems(case.id)
    outcome_rows, action_rows = forms.plan_form_rows(current, problems, form) if editable else ([], [])
    return render_template("plans/plan.html", case=case, plan=current, decision=decision, errors=errors,
                           problems=problems, editable=editable, owners=users + orgs,
                           owner_names={o["value"]: o["text"] for o in users + orgs},
                           outcome_rows=outcome_rows, action_rows=action_rows,
                           distance=family_plan.distance_travelled(case.id, plan=current)
                           if "case_notes" in decision.categories else [],
                           title=f"Family plan, {case.reference}"), (400 if errors else 200)


@bp.route("/cases/<case_id>/plan/agree", methods=["POST"])
@login_required
def agree(case_id):
    version = request.form.get("version", "")
    _, exc = attempt(lambda: family_plan.agree(current_user, case_id, {
        "family_agreed": request.form.get("family_agreed") == "yes",
        "version": int(version) if version.isdigit() else None}))
    if exc:
        flash(next(iter(exc.fields.values()), [str(exc)])[0], "error")
        return redirect(url_for("plans.plan", case_id=case_id))
    flash("The family's plan is agreed. The first TAF review is due in six weeks.", "success")
    return _case_link(case_id)


@bp.route("/cases/<case_id>/plan/actions/<action_id>/progress", methods=["POST"])
@login_required
def action_progress(case_id, action_id):
    """An action's owner (a TAF member) or the keyworker records how it is going."""
    raw = {k: v for k, v in {"status": text(request.form, "status"), "note": text(request.form, "note")}.items()
           if v is not None}
    done, exc = attempt(lambda: family_plan.record_progress(current_user, case_id, action_id, raw))
    flash(next(iter(exc.fields.values()), [str(exc)])[0] if exc else "Progress recorded.", "error" if exc else "success")
    return redirect(url_for("plans.plan", case_id=case_id))


@bp.route("/cases/<case_id>/plan.pdf")
@login_required
def plan_pdf(case_id):
    case, current, decision = family_plan.view(current_user, case_id)
    document = pdf.family_plan_pdf(case, current, decision)
    return Response(document, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="family-plan-{case.reference}.pdf"'})


# --- contacts, reviews ----------------------------------------------------------------------------------

@bp.route("/cases/<case_id>/contacts/new", methods=["GET", "POST"])
@login_required
def new_contact(case_id):
    case, _ = load_case(current_user, case_id, "casework.record", "visit or contact")
    # Only who is in the family: the assessment's prefill would also read (and decrypt) the
    # requests, triage and any previous assessment, which this form never shows.
    members = assessments.household(case)
    errors, form = {}, request.form
    if request.method == "POST":
        when, date_error = parse_date(form, "date")
        next_visit, next_error = parse_date(form, "next_visit_on", "Next visit")
        raw = {"date": when, "type": text(form, "type"), "people_seen": form.getlist("people_seen"),
               "notes": text(form, "notes"), "next_steps": text(form, "next_steps"), "next_visit_on": next_visit,
               "joint_with": form.getlist("joint_with")}
        raw = {k: v for k, v in raw.items() if v is not None}
        early = {k: [v] for k, v in {"date": date_error, "next_visit_on": next_error}.items() if v}
        done, errors = submit(lambda: contacts.record(current_user, case_id, raw), early or None)
        if done is not None:
            flash(f"{vocab.CONTACT_TYPES[done.contact_type]} recorded.", "success")
            return _case_link(case_id)
    defaults = date_parts(timescales.today_london()) if request.method == "GET" else None
    return render_template("plans/contact.html", case=case, members=members, errors=errors, form=form,
                           defaults=defaults, colleagues=contacts.joint_candidates(current_user, case), title=f"Record a visit or contact, {case.reference}"), \
        (400 if errors else 200)


def _attendees(form, team) -> list[dict]:
    chosen = set(form.getlist("attendees"))
    people = [{"name": user.name, "organisation": user.organisation.name, "user_id": user.id}
              for user in team if user.id in chosen]
    for line in (form.get("other_attendees") or "").splitlines():
        name, _, organisation = line.partition(",")
        if name.strip():
            people.append({"name": name.strip(), "organisation": organisation.strip() or None})
    return people


@bp.route("/cases/<case_id>/reviews/new", methods=["GET", "POST"])
@login_required
def new_review(case_id):
    case, _ = load_case(current_user, case_id, "casework.record", "TAF review")
    current = family_plan.get_plan(case.id)
    team = _review_team(case)
    errors, form = {}, request.form
    if request.method == "POST":
        when, date_error = parse_date(form, "date")
        next_date, next_error = parse_date(form, "next_review_date", "Next review date")
        raw = {"date": when, "attendees": _attendees(form, team), "decision": text(form, "decision"),
               "progress": [{"outcome_id": o.id, "score": form.get(f"progress-{o.id}")}
                            for o in (current.outcomes if current else []) if form.get(f"progress-{o.id}")],
               "action_updates": [{"action_id": a.id, "status": form.get(f"action-{a.id}")}
                                  for a in (current.actions if current else [])
                                  if form.get(f"action-{a.id}") and form.get(f"action-{a.id}") != a.status],
               "notes": text(form, "notes"), "next_review_date": next_date,
               "step_up_reason": text(form, "step_up_reason")}
        raw = {k: v for k, v in raw.items() if v is not None}
        early = {k: [v] for k, v in (("date", date_error), ("next_review_date", next_error)) if v}
        done, errors = submit(lambda: reviews.record(current_user, case_id, raw), early)
        if done is not None:
            flash("TAF review recorded.", "success")
            if done.decision == ReviewDecision.CLOSE:
                return redirect(url_for("plans.close", case_id=case_id))
            if done.decision == ReviewDecision.STEP_UP:  # the step-up itself, with its concern and urgency
                return redirect(url_for("socialcare.step_up", case_id=case_id))
            return _case_link(case_id)
    defaults = date_parts(timescales.today_london()) if request.method == "GET" else None
    last = reviews.latest_scores(case.id)
    return render_template("plans/review.html", case=case, plan=current, team=team, errors=errors, form=form,
                           defaults=defaults, last=last, title=f"TAF review, {case.reference}"), \
        (400 if errors else 200)


def _review_team(case):
    people = [user for _, user in taf.members(case.id)]
    keyworker = directory.get_user(case.keyworker_id)
    return ([keyworker] if keyworker else []) + [u for u in people if u is not keyworker]


# --- TAF, closure, engagement ----------------------------------------------------------------------------

@bp.route("/cases/<case_id>/taf/add")
@login_required
def find_taf_member(case_id):
    """Find a practitioner to add to the TAF by name or organisation (a county has hundreds)."""
    case, _ = load_case(current_user, case_id, "taf.manage", "Team Around the Family")
    search = (request.args.get("q") or "").strip()
    found = taf.candidates(search)
    return render_template("plans/taf_add.html", case=case, search=search, found=found,
                           shown=taf.CANDIDATES_SHOWN, title=f"Add a practitioner to the TAF, {case.reference}")


@bp.route("/cases/<case_id>/taf", methods=["POST"])
@login_required
def add_taf_member(case_id):
    member, exc = attempt(lambda: taf.add(current_user, case_id, {
        "user_id": request.form.get("user_id", ""), "role": text(request.form, "role")}))
    flash(next(iter(exc.fields.values()))[0] if exc else "Added to the Team Around the Family.",
          "error" if exc else "success")
    return redirect(url_for("cases.show", case_id=case_id) + "#taf")


@bp.route("/cases/<case_id>/taf/<member_id>/remove", methods=["POST"])
@login_required
def remove_taf_member(case_id, member_id):
    taf.remove(current_user, case_id, member_id)
    flash("Removed from the Team Around the Family.", "success")
    return redirect(url_for("cases.show", case_id=case_id) + "#taf")


CONTACT_FIELDS = ("person_name", "organisation", "how_to_reach")


@bp.route("/cases/<case_id>/close", methods=["GET", "POST"])
@login_required
def close(case_id):
    case, _ = load_case(current_user, case_id, "casework.record", "case closure")
    current = family_plan.get_plan(case.id)
    errors, form = {}, request.form
    if request.method == "POST":
        contact = {name: text(form, f"contact_{name}") for name in CONTACT_FIELDS}
        early = {}
        if form.get("reason") == "universal_services":  # a step-down names who the family goes to now
            early = {f"contact_{name}": [message] for name, message in (
                ("person_name", "Enter the name of the person the family can go to"),
                ("organisation", "Enter their organisation"),
                ("how_to_reach", "Say how the family can reach them")) if not contact[name]}
        raw = {"reason": text(form, "reason"), "summary": text(form, "summary"),
               "family_feedback": text(form, "family_feedback"),
               "monitoring": form.get("monitoring") == "yes",
               "service_ids": form.getlist("service_ids"),
               "step_down_contact": contact if any(contact.values()) else None,
               "outcomes": [{"outcome_id": o.id, "status": form.get(f"outcomes-{o.id}")}
                            for o in (current.outcomes if current else []) if form.get(f"outcomes-{o.id}")]}
        done, errors = submit(lambda: closure.close(current_user, case_id, {k: v for k, v in raw.items() if v is not None}),
                              early or None)
        if "step_down_contact" in errors:  # the nested answers' messages, on the first box
            errors["contact_person_name"] = errors.pop("step_down_contact")
        if done is not None:
            flash(f"Case {case.reference} closed" + (": its monitoring period has begun." if done.stage == "monitoring"
                                                     else "."), "success")
            return _case_link(case_id)
    return render_template("plans/close.html", case=case, plan=current, errors=errors, form=form,
                           directory_choices=directory_services.choices(current_user),
                           chosen=form.getlist("service_ids"), monitoring_months=monitoring._settings().monitoring_months,
                           title=f"Close the case, {case.reference}"), (400 if errors else 200)


@bp.route("/cases/<case_id>/closing-letter")
@login_required
def closing_letter(case_id):
    try:
        letter = closure.closing_letter(current_user, case_id)
    except Conflict as exc:
        abort(409, str(exc))
    return render_template("plans/closing_letter.html", letter=letter, title="Letter to the family")


@bp.route("/my-visits")
@login_required
def my_visits():
    page = current_page()
    rows, total, names = contacts.my_visits(current_user, page)
    return render_template("plans/my_visits.html", rows=rows, total=total, names=names, page=page,
                           title="My visits and contacts")


# --- after closure: monitoring -----------------------------------------------------------------------

def _monitoring_page(case_id, errors=None, form=None, status=200):
    watched = monitoring.read(current_user, case_id)
    can_record = bool(can(current_user, "monitoring.record", watched.case)) and watched.review_due
    return render_template("plans/monitoring.html", m=watched, case=watched.case, can_record=can_record,
                           errors=errors or {}, form=form or {}, title=f"Monitoring after closure, {watched.case.reference}"), status


@bp.route("/cases/<case_id>/monitoring")
@login_required
def monitoring_page(case_id):
    return _monitoring_page(case_id)


@bp.route("/cases/<case_id>/monitoring/check-ins/<check_in_id>", methods=["POST"])
@login_required
def record_check_in(case_id, check_in_id):
    load_case(current_user, case_id, "monitoring.record", "monitoring after closure")
    form = request.form
    when, date_error = parse_date(form, "date")
    raw = {k: v for k, v in {"date": when, "outcome": text(form, "outcome"), "note": text(form, "note")}.items()
           if v is not None}
    done, errors = submit(lambda: monitoring.record_check_in(current_user, case_id, check_in_id, raw),
                          {"date": [date_error]} if date_error else None)
    if done is not None:
        flash(f"Check-in recorded: {vocab.CHECK_IN_OUTCOMES[done.outcome].lower()}.", "success")
        return redirect(url_for("plans.monitoring_page", case_id=case_id))
    return _monitoring_page(case_id, errors, form, 400)


@bp.route("/cases/<case_id>/monitoring/review", methods=["POST"])
@login_required
def record_outcome_review(case_id):
    load_case(current_user, case_id, "monitoring.record", "monitoring after closure")
    form = request.form
    raw = {k: v for k, v in {"outcome": text(form, "review_outcome"), "summary": text(form, "review_summary")}.items()
           if v is not None}
    done, errors = submit(lambda: monitoring.record_review(current_user, case_id, raw))
    if done is not None:
        flash("Outcome review recorded. The case is now fully closed.", "success")
        return _case_link(case_id)
    errors = {{"outcome": "review_outcome", "summary": "review_summary"}.get(k, k): v for k, v in errors.items()}
    return _monitoring_page(case_id, errors, form, 400)


@bp.route("/cases/<case_id>/engagement", methods=["GET", "POST"])
@login_required
def engagement(case_id):
    case, _ = load_case(current_user, case_id, "engagement.extend", "engagement period")
    errors, form = {}, request.form
    if request.method == "POST":
        until, date_error = parse_date(form, "until")
        raw = {k: v for k, v in {"until": until, "reason": text(form, "reason")}.items() if v is not None}
        done, errors = submit(lambda: closure.extend_engagement(current_user, case_id, raw),
                               {"until": [date_error]} if date_error else None)
        if done is not None:
            flash(f"Engagement period extended to {timescales.format_uk_date(done.until)}.", "success")
            return _case_link(case_id)
    return render_template("plans/engagement.html", case=case, errors=errors, form=form,
                           title=f"Extend the engagement period, {case.reference}"), (400 if errors else 200)


@bp.route("/overdue")
@login_required
def overdue_work():
    page = current_page()
    rows, total, today = overdue.overdue(current_user, page=page)
    return render_template("plans/overdue.html", rows=rows, total=total, today=today, page=page, per_page=50,
                           title="Overdue assessments and reviews")


@bp.route("/cases/<case_id>/chronology")
@login_required
def case_chronology(case_id):
    case, entries = chronology.chronology(current_user, case_id)
    return render_template("plans/chronology.html", case=case, entries=entries, now=utcnow(),
                           title=f"Chronology, {case.reference}")
