"""Panel pages: the list of panels, a panel's agenda and decisions, attendance and minutes.
Views parse forms and call the services."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from caseflow.auth import services as directory
from caseflow.directory import services as directory_services
from caseflow.allocation import services as allocation
from caseflow.core.roles import Role
from caseflow.core.stages import IllegalTransition
from caseflow.core.vocab import HEADLINE_PROBLEMS
from caseflow.panels import amendments, pdf, services
from caseflow.core.errors import Conflict, ServiceValidationError
from caseflow.core.unit_of_work import savepoint
from caseflow.web.paging import current_page
from caseflow.web.submit import error_fields

bp = Blueprint("panels", __name__, template_folder="templates")


@bp.route("/panels", methods=["GET", "POST"])
@login_required
def panels():
    errors = {}
    if request.method == "POST":
        raw = {"name": request.form.get("name") or "Early help allocation panel",
               "date": request.form.get("date") or None, "members": request.form.getlist("members")}
        try:
            with savepoint():
                panel = services.create_panel(current_user, {k: v for k, v in raw.items() if v is not None})
            return redirect(url_for("panels.panel", panel_id=panel.id))
        except ServiceValidationError as exc:
            errors = error_fields(exc.fields, date_fields=())
    upcoming = services.list_panels(current_user)
    orgs = directory.organisations()
    return render_template("panels/panels.html", panels=upcoming, orgs=orgs, errors=errors,
                           next_date=services.next_panel_date(), form=request.form,
                           title="Panels"), (400 if errors else 200)


@bp.route("/panels/<panel_id>")
@login_required
def panel(panel_id):
    agenda = services.agenda(current_user, panel_id, page=current_page())
    panel, items, decision = agenda.panel, agenda.items, agenda.decision
    keyworkers = allocation.caseloads(current_user) if current_user.role in (Role.PANEL_CHAIR, Role.TEAM_MANAGER) else []
    teams = directory.teams()
    return render_template("panels/panel.html", panel=panel, items=items, decision=decision, agenda=agenda,
                           keyworkers=keyworkers, teams=teams, problems=HEADLINE_PROBLEMS,
                           deciding=_deciding(items, request.args.get("decide")),
                           directory_choices=directory_services.choices(current_user),
                           errors=request.args.get("error_case"), title=f"{panel.name}")


def _deciding(items, asked: str | None) -> str | None:
    """The one agenda item whose decision form is open: the one asked for, else the first
    waiting for a decision (the panel works down its agenda one family at a time)."""
    waiting = [i.case.id for i in items if i.decided is None]
    return asked if asked in waiting else (waiting[0] if waiting else None)


@bp.route("/panels/<panel_id>/attendance", methods=["POST"])
@login_required
def attendance(panel_id):
    services.record_attendance(current_user, panel_id, request.form.getlist("attended"))
    flash("Attendance recorded.", "success")
    return redirect(url_for("panels.panel", panel_id=panel_id))


@bp.route("/panels/<panel_id>/decisions", methods=["POST"])
@login_required
def panel_decision(panel_id):
    raw = {k: v for k, v in request.form.items() if v and k != "csrf_token"}
    raw["service_ids"] = request.form.getlist("service_ids")
    raw["confirm_over_capacity"] = request.form.get("confirm_over_capacity") == "yes"
    try:
        with savepoint():  # a refused decision undoes itself; its audit events are kept
            item = services.decide(current_user, panel_id, raw)
        flash(f"Decision recorded: {item.decision.replace('_', ' ')}.", "success")
    except allocation.OverCapacity as exc:
        flash(f"{exc} Tick 'allocate even though this is over capacity' to go ahead.", "error")
    except ServiceValidationError as exc:
        flash("; ".join(m[0] for m in exc.fields.values()) or str(exc), "error")
    except (Conflict, IllegalTransition) as exc:
        flash(getattr(exc, "reason", str(exc)), "error")
    return redirect(url_for("panels.panel", panel_id=panel_id) + f"#case-{raw.get('case_id', '')}")


@bp.route("/panels/<panel_id>/decisions/<case_id>/amend", methods=["POST"])
@login_required
def amend_panel_decision(panel_id, case_id):
    """Changing the panel's decision about a case: the chair or a manager, with a reason."""
    raw = {k: v for k, v in request.form.items() if v and k != "csrf_token"}
    raw["confirm_over_capacity"] = request.form.get("confirm_over_capacity") == "yes"
    try:
        with savepoint():  # a refused amendment undoes itself; its audit events are kept
            item, _ = amendments.amend_panel_decision(current_user, panel_id, case_id, raw)
        flash(f"Decision amended: {item.decision.replace('_', ' ')}. The original stays on the case history.", "success")
    except allocation.OverCapacity as exc:
        flash(f"{exc}", "error")
    except ServiceValidationError as exc:
        flash("; ".join(m[0] for m in exc.fields.values()) or str(exc), "error")
    except (Conflict, IllegalTransition) as exc:
        flash(getattr(exc, "reason", str(exc)), "error")
    return redirect(url_for("panels.panel", panel_id=panel_id) + f"#case-{case_id}")


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
    users = directory.users_by_id(i.decided.keyworker_id for i in decided)
    return render_template("panels/minutes.html", panel=panel, items=decided, decision=decision,
                           users=users, title=f"Minutes: {panel.name}")
