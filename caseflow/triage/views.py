"""Triage, panel, allocation and caseload pages. Views parse forms and call the services."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from caseflow.auth.models import Organisation, Team, User
from caseflow.auth.roles import Role
from caseflow.cases import services as cases
from caseflow.extensions import db
from caseflow.flow import IllegalTransition
from caseflow.frontdoor import services as frontdoor
from caseflow.frontdoor.schemas import HEADLINE_PROBLEMS
from caseflow.web.paging import current_page
from caseflow.services_errors import Conflict, ServiceValidationError
from caseflow.triage import amendments, pdf, services
from caseflow.triage.schemas import LEVELS, RAG

bp = Blueprint("triage", __name__, template_folder="templates")



def _errors(exc: ServiceValidationError) -> dict[str, str]:
    out = {}
    for key, messages in exc.fields.items():
        out.setdefault(key.split(".")[0] if not key.startswith("headline_problems.") else key, messages[0])
    return out


def _triage_form(form) -> tuple[dict, list[dict]]:
    problems = [{"code": code, "evidence": form.get(f"evidence-{code}", "").strip()}
                for code in form.getlist("problems")]
    raw = {"level_of_need": form.get("level_of_need") or None, "headline_problems": problems,
           "local_criteria": form.getlist("local_criteria"), "rag": form.get("rag") or None,
           "decision": form.get("decision") or None, "rationale": form.get("rationale", "").strip() or None,
           "signposted_to": form.get("signposted_to", "").strip() or None,
           "reason": form.get("reason", "").strip() or None}
    return {k: v for k, v in raw.items() if v is not None}, problems


def _record_triage(call, case, problems: list[dict]) -> dict[str, str]:
    """Run the triage (or amendment) service: {} when done, else the form's errors."""
    try:
        call()
        db.session.commit()
        return {}
    except ServiceValidationError as exc:
        db.session.rollback()
        errors = _errors(exc)
        for key, messages in exc.fields.items():  # evidence errors point at the right box
            if key.startswith("headline_problems.") and key.endswith(".evidence"):
                index = int(key.split(".")[1])
                errors[f"evidence-{problems[index]['code']}"] = messages[0]
        return errors
    except (Conflict, IllegalTransition) as exc:
        db.session.rollback()
        return {"decision": getattr(exc, "reason", str(exc))}


@bp.route("/cases/<case_id>/triage", methods=["GET", "POST"])
@login_required
def triage(case_id):
    case = cases.view_case(current_user, case_id, action="triage.view", purpose="triage")
    errors, form = {}, request.form
    if request.method == "POST":
        raw, problems = _triage_form(form)
        raw.pop("reason", None)
        errors = _record_triage(lambda: services.triage(current_user, case.id, raw), case, problems)
        if not errors:
            flash(f"Triage decision recorded for {case.reference}.", "success")
            return redirect(url_for("frontdoor.queue"))
    return _triage_page(case, errors, form)


@bp.route("/cases/<case_id>/triage/amend", methods=["POST"])
@login_required
def amend_triage(case_id):
    """Changing a recorded triage decision: a manager's act, with a reason, on the record."""
    case = cases.view_case(current_user, case_id, action="triage.view", purpose="triage")
    raw, problems = _triage_form(request.form)
    errors = _record_triage(lambda: amendments.amend_triage(current_user, case.id, raw), case, problems)
    if not errors:
        flash(f"Triage decision amended for {case.reference}. The original stays on the case history.", "success")
        return redirect(url_for("cases.show", case_id=case.id))
    return _triage_page(case, errors, request.form)


def _triage_page(case, errors, form):
    from werkzeug.datastructures import MultiDict

    from caseflow.consent.policy import can
    from caseflow.frontdoor.models import RequestForHelp

    concerns = set()
    for req in db.session.scalars(select(RequestForHelp).where(RequestForHelp.case_id == case.id)):
        concerns.update(req.concerns)
    made = services.current_triage(case.id)
    can_amend = made is not None and bool(can(current_user, "case.triage.amend", case))
    if made is not None and not form:  # the amendment form starts from the decision as it stands
        form = MultiDict([("level_of_need", str(made.level_of_need)), ("rag", made.rag), ("decision", made.decision),
                          ("rationale", made.rationale), ("signposted_to", made.signposted_to or "")]
                         + [("problems", p["code"]) for p in made.headline_problems]
                         + [(f"evidence-{p['code']}", p.get("evidence", "")) for p in made.headline_problems]
                         + [("local_criteria", c) for c in made.local_criteria or []])
    return render_template("triage/triage.html", case=case, errors=errors, form=form, made=made, can_amend=can_amend,
                           problems=HEADLINE_PROBLEMS, levels=LEVELS, rag=RAG, concerns=concerns,
                           local_criteria=services.active_local_criteria(),
                           due=frontdoor.triage_deadline(case.opened_at),
                           title=f"Triage {case.reference}"), (400 if errors else 200)


@bp.route("/panels", methods=["GET", "POST"])
@login_required
def panels():
    errors = {}
    if request.method == "POST":
        raw = {"name": request.form.get("name") or "Early help allocation panel",
               "date": request.form.get("date") or None, "members": request.form.getlist("members")}
        try:
            panel = services.create_panel(current_user, {k: v for k, v in raw.items() if v is not None})
            return redirect(url_for("triage.panel", panel_id=panel.id))
        except ServiceValidationError as exc:
            db.session.rollback()
            errors = _errors(exc)
    upcoming = services.list_panels(current_user)
    orgs = db.session.scalars(select(Organisation).order_by(Organisation.name)).all()
    return render_template("triage/panels.html", panels=upcoming, orgs=orgs, errors=errors,
                           next_date=services.next_panel_date(), form=request.form,
                           title="Panels"), (400 if errors else 200)


@bp.route("/panels/<panel_id>")
@login_required
def panel(panel_id):
    agenda = services.agenda(current_user, panel_id, page=current_page())
    panel, items, decision = agenda.panel, agenda.items, agenda.decision
    keyworkers = services.caseloads(current_user) if current_user.role in (Role.PANEL_CHAIR, Role.TEAM_MANAGER) else []
    teams = db.session.scalars(select(Team).order_by(Team.name)).all()
    return render_template("triage/panel.html", panel=panel, items=items, decision=decision, agenda=agenda,
                           keyworkers=keyworkers, teams=teams, problems=HEADLINE_PROBLEMS,
                           errors=request.args.get("error_case"), title=f"{panel.name}")


@bp.route("/panels/<panel_id>/attendance", methods=["POST"])
@login_required
def attendance(panel_id):
    services.record_attendance(current_user, panel_id, request.form.getlist("attended"))
    flash("Attendance recorded.", "success")
    return redirect(url_for("triage.panel", panel_id=panel_id))


@bp.route("/panels/<panel_id>/decisions", methods=["POST"])
@login_required
def panel_decision(panel_id):
    raw = {k: v for k, v in request.form.items() if v and k != "csrf_token"}
    raw["confirm_over_capacity"] = request.form.get("confirm_over_capacity") == "yes"
    try:
        item = services.decide(current_user, panel_id, raw)
        flash(f"Decision recorded: {item.decision.replace('_', ' ')}.", "success")
    except services.OverCapacity as exc:
        db.session.rollback()
        flash(f"{exc} Tick 'allocate even though this is over capacity' to go ahead.", "error")
    except ServiceValidationError as exc:
        db.session.rollback()
        flash("; ".join(m[0] for m in exc.fields.values()) or str(exc), "error")
    except (Conflict, IllegalTransition) as exc:
        db.session.rollback()
        flash(getattr(exc, "reason", str(exc)), "error")
    return redirect(url_for("triage.panel", panel_id=panel_id) + f"#case-{raw.get('case_id', '')}")


@bp.route("/panels/<panel_id>/decisions/<case_id>/amend", methods=["POST"])
@login_required
def amend_panel_decision(panel_id, case_id):
    raw = {k: v for k, v in request.form.items() if v and k != "csrf_token"}
    raw["confirm_over_capacity"] = request.form.get("confirm_over_capacity") == "yes"
    try:
        item, _ = amendments.amend_panel_decision(current_user, panel_id, case_id, raw)
        db.session.commit()
        flash(f"Decision amended: {item.decision.replace('_', ' ')}. The original stays on the case history.", "success")
    except services.OverCapacity as exc:
        db.session.rollback()
        flash(f"{exc}", "error")
    except ServiceValidationError as exc:
        db.session.rollback()
        flash("; ".join(m[0] for m in exc.fields.values()) or str(exc), "error")
    except (Conflict, IllegalTransition) as exc:
        db.session.rollback()
        flash(getattr(exc, "reason", str(exc)), "error")
    return redirect(url_for("triage.panel", panel_id=panel_id) + f"#case-{case_id}")


@bp.route("/panels/<panel_id>/minutes")
@bp.route("/panels/<panel_id>/minutes.pdf", endpoint="minutes_pdf")
@login_required
def minutes(panel_id):
    agenda = services.agenda(current_user, panel_id, waiting=False)
    panel, decision = agenda.panel, agenda.decision
    decided = [i for i in agenda.items if i.decided is not None]
    if request.path.endswith(".pdf"):
        return Response(pdf.minutes_pdf(panel, decided, decision), mimetype="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="panel-minutes-{panel.meets_on}.pdf"'})
    users = {u.id: u for u in db.session.scalars(select(User).where(
        User.id.in_({i.decided.keyworker_id for i in decided if i.decided.keyworker_id})))}
    return render_template("triage/minutes.html", panel=panel, items=decided, decision=decision,
                           users=users, title=f"Minutes: {panel.name}")


@bp.route("/cases/<case_id>/allocate", methods=["GET", "POST"])
@login_required
def allocate(case_id):
    case = cases.view_case(current_user, case_id)
    errors, warning = {}, None
    if request.method == "POST":
        raw = {k: v for k, v in request.form.items() if v and k != "csrf_token"}
        raw["confirm_over_capacity"] = request.form.get("confirm_over_capacity") == "yes"
        try:
            services.allocate(current_user, case.id, raw)
            flash(f"{case.reference} allocated.", "success")
            return redirect(url_for("cases.show", case_id=case.id))
        except services.OverCapacity as exc:
            db.session.rollback()
            warning = str(exc)
        except ServiceValidationError as exc:
            db.session.rollback()
            errors = _errors(exc)
        except IllegalTransition as exc:
            db.session.rollback()
            errors = {"keyworker_id": exc.reason}
    rows = services.caseloads(current_user)
    teams = db.session.scalars(select(Team).order_by(Team.name)).all()
    leads = services.lead_professional_options(current_user)
    return render_template("triage/allocate.html", case=case, rows=rows, teams=teams, errors=errors, leads=leads,
                           warning=warning, form=request.form, title=f"Allocate {case.reference}"), \
        (400 if errors or warning else 200)


@bp.route("/unallocated")
@login_required
def unallocated():
    stage, rag = request.args.get("stage") or None, request.args.get("rag") or None
    if stage not in (None, "triaged", "awaiting_panel", "stepped_down") or rag not in (None, "red", "amber", "green"):
        abort(400, "Choose a stage and risk from the filters.")
    rows, total = services.unallocated(current_user, page=current_page(), stage=stage, rag=rag)
    return render_template("triage/unallocated.html", rows=rows, total=total, page=current_page(), stage=stage, rag=rag,
                           timeliness=services.timeliness_many([c for c, _ in rows]),
                           title="Cases waiting for a keyworker")


@bp.route("/caseload")
@bp.route("/caseload/<keyworker_id>")
@login_required
def caseload(keyworker_id=None):
    keyworker, rows, total = services.caseload(current_user, keyworker_id or current_user.id, page=current_page())
    return render_template("triage/caseload.html", keyworker=keyworker, rows=rows, total=total,
                           timeliness=services.timeliness_many([c for c, _ in rows]),
                           title=f"Caseload: {keyworker.name}")


@bp.route("/caseloads")
@login_required
def caseloads():
    return render_template("triage/caseloads.html", rows=services.caseloads(current_user),
                           title="Keyworker caseloads")


@bp.route("/admin/local-criteria", methods=["GET", "POST"])
@login_required
def local_criteria():
    errors = {}
    if request.method == "POST":
        try:
            if request.form.get("criterion_id"):
                services.set_local_criterion_active(current_user, request.form["criterion_id"],
                                                    request.form.get("active") == "yes")
            else:
                services.add_local_criterion(current_user, "", request.form.get("label", ""))
            flash("Local criteria updated.", "success")
            return redirect(url_for("triage.local_criteria"))
        except ServiceValidationError as exc:
            db.session.rollback()
            errors = _errors(exc)
    return render_template("triage/local_criteria.html", criteria=services.all_local_criteria(current_user),
                           errors=errors, title="Local eligibility criteria"), (400 if errors else 200)


@bp.route("/cases/<case_id>/signpost-letter")
@login_required
def signpost_letter(case_id):
    try:
        letter = services.signpost_letter(current_user, case_id)
    except Conflict as exc:
        abort(409, str(exc))
    return render_template("triage/signpost_letter.html", letter=letter, title="Letter to the family")
