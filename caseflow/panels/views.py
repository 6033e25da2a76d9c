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
from caseflow.panels import amendments, contributions, escalation, localities, pdf, services
from caseflow.panels.models import PanelKind
from caseflow.core.errors import Conflict, ServiceValidationError
from caseflow.core.unit_of_work import savepoint
from caseflow.web.paging import current_page
from caseflow.web.submit import error_fields, submit

bp = Blueprint("panels", __name__, template_folder="templates")


@bp.route("/panels", methods=["GET", "POST"])
@login_required
def panels():
    errors = {}
    if request.method == "POST":
        raw = {"name": request.form.get("name") or None, "date": request.form.get("date") or None,
               "members": request.form.getlist("members"), "kind": request.form.get("kind") or "allocation",
               "locality_id": request.form.get("locality_id") or None}
        try:
            with savepoint():
                panel = services.create_panel(current_user, {k: v for k, v in raw.items() if v is not None})
            return redirect(url_for("panels.panel", panel_id=panel.id))
        except ServiceValidationError as exc:
            errors = error_fields(exc.fields, date_fields=())
    upcoming = services.list_panels(current_user)
    orgs = directory.organisations()
    areas = localities.all_localities()
    next_dates = [("Allocation panel (whole service)", services.next_panel_date())] + [
        (f"{a.name} ({localities.CADENCE_LABELS[a.cadence].lower()} allocation)",
         services.next_panel_date(locality=a)) for a in areas] + [
        ("Action and Impact panel", services.next_panel_date(kind=PanelKind.ESCALATION))]
    return render_template("panels/panels.html", panels=upcoming, orgs=orgs, errors=errors,
                           next_date=services.next_panel_date(), next_dates=next_dates, localities=areas,
                           form=request.form, title="Panels"), (400 if errors else 200)


@bp.route("/panels/<panel_id>")
@login_required
def panel(panel_id):
    if services.kind_of(panel_id) == PanelKind.ESCALATION:
        return _escalation_page(panel_id)
    agenda = services.agenda(current_user, panel_id, page=current_page())
    panel, items, decision = agenda.panel, agenda.items, agenda.decision
    keyworkers = allocation.caseloads(current_user) if current_user.role in (Role.PANEL_CHAIR, Role.TEAM_MANAGER) else []
    teams = directory.teams()
    return render_template("panels/panel.html", panel=panel, items=items, decision=decision, agenda=agenda,
                           keyworkers=keyworkers, teams=teams, problems=HEADLINE_PROBLEMS,
                           deciding=_deciding(items, request.args.get("decide")),
                           notes=contributions.for_agenda(panel, [i.case.id for i in items], decision),
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


# --- Action & Impact (escalation) panels ----------------------------------------------------------

def _flash_problem(errors: dict) -> None:
    flash("; ".join(dict.fromkeys(errors.values())), "error")


@bp.route("/cases/<case_id>/action-and-impact", methods=["GET", "POST"])
@login_required
def nominate(case_id):
    """A keyworker or manager brings a stuck case to the next Action and Impact panel."""
    case, upcoming = escalation.nomination_form(current_user, case_id)  # the policy first
    errors = {}
    if request.method == "POST":
        raw = {k: request.form.get(k) for k in ("panel_id", "stuck", "ask") if request.form.get(k)}
        nomination, errors = submit(lambda: escalation.nominate(current_user, case_id, raw))
        if nomination is not None:
            flash("The case is on the Action and Impact panel's agenda.", "success")
            return redirect(url_for("cases.show", case_id=case_id))
    return render_template("panels/nominate.html", case=case, upcoming=upcoming, errors=errors, form=request.form,
                           title="Bring a stuck case to Action and Impact"), (400 if errors else 200)


def _escalation_page(panel_id):
    panel, decision = services.get_panel(current_user, panel_id)
    meeting = escalation.agenda(current_user, panel, decision)
    notes = contributions.for_agenda(panel, [i.case.id for i in meeting.items], decision)
    owners = escalation.owner_choices(panel) if current_user.role in (Role.PANEL_CHAIR, Role.TEAM_MANAGER) else ([], [])
    return render_template("panels/escalation.html", panel=panel, meeting=meeting, decision=decision, notes=notes,
                           owner_orgs=owners[0], owner_people=owners[1], statuses=escalation.STATUS_LABELS,
                           title=panel.name)


@bp.route("/panel-nominations/<nomination_id>/discussion", methods=["POST"])
@login_required
def nomination_discussion(nomination_id):
    raw = {"discussion": request.form.get("discussion")}
    nomination, errors = submit(lambda: escalation.record_discussion(current_user, nomination_id, raw))
    if errors:
        _flash_problem(errors)
    else:
        flash("Discussion recorded.", "success")
    return redirect(_back_to_panel(nomination_id) + f"#nomination-{nomination_id}")


@bp.route("/panel-nominations/<nomination_id>/actions", methods=["POST"])
@login_required
def nomination_action(nomination_id):
    raw = {k: request.form.get(k) for k in ("description", "owner_user_id", "owner_organisation_id", "due_on")
           if request.form.get(k)}
    action, errors = submit(lambda: escalation.add_action(current_user, nomination_id, raw))
    if errors:
        _flash_problem(errors)
    else:
        flash("Action agreed and added to the family plan.", "success")
    return redirect(_back_to_panel(nomination_id) + f"#nomination-{nomination_id}")


def _back_to_panel(nomination_id: str) -> str:
    panel_id = escalation.panel_of_nomination(nomination_id)
    return url_for("panels.panel", panel_id=panel_id) if panel_id else url_for("panels.panels")


@bp.route("/panel-actions/<panel_action_id>/follow-up", methods=["POST"])
@login_required
def action_follow_up(panel_action_id):
    raw = {k: request.form.get(k) for k in ("panel_id", "status", "note") if request.form.get(k)}
    action, errors = submit(lambda: escalation.follow_up(current_user, panel_action_id, raw))
    if errors:
        _flash_problem(errors)
    else:
        flash(f"Follow-up recorded: {escalation.STATUS_LABELS[action.status].lower()}.", "success")
    target = raw.get("panel_id") if isinstance(raw.get("panel_id"), str) else None
    return redirect((url_for("panels.panel", panel_id=target) if target else url_for("panels.panels"))
                    + "#follow-ups")


# --- partners' contributions before the meeting ---------------------------------------------------

@bp.route("/panels/<panel_id>/contributions", methods=["GET"])
@login_required
def panel_contributions(panel_id):
    found = contributions.page(current_user, panel_id, current_page())
    return render_template("panels/contributions.html", found=found, panel=found.panel, errors={},
                           title=f"Contributions: {found.panel.name}")


@bp.route("/panels/<panel_id>/contributions/<case_id>", methods=["POST"])
@login_required
def contribute(panel_id, case_id):
    raw = {"body": request.form.get("body")} if request.form.get("body") else {}
    note, errors = submit(lambda: contributions.contribute(current_user, panel_id, case_id, raw))
    if errors:
        _flash_problem(errors)
    else:
        flash("Your contribution is saved for the panel.", "success")
    return redirect(url_for("panels.panel_contributions", panel_id=panel_id) + f"#contribution-{case_id}")


# --- localities -------------------------------------------------------------------------------------

@bp.route("/localities", methods=["GET", "POST"])
@login_required
def localities_page():
    found = localities.localities(current_user)  # the policy first
    errors = {}
    if request.method == "POST":
        raw = {"name": request.form.get("name") or None, "cadence": request.form.get("cadence") or "weekly",
               "team_ids": request.form.getlist("team_ids")}
        saved, errors = submit(lambda: localities.save_locality(
            current_user, {k: v for k, v in raw.items() if v is not None}, request.form.get("locality_id") or None))
        if saved is not None:
            flash(f"{saved.name} saved.", "success")
            return redirect(url_for("panels.localities_page"))
        found = localities.all_localities()
    return render_template("panels/localities.html", localities=found, teams=directory.teams(), errors=errors,
                           form=request.form, cadences=localities.CADENCE_LABELS, title="Localities"), \
        (400 if errors else 200)


@bp.route("/localities/<locality_id>/families", methods=["POST"])
@login_required
def place_family(locality_id):
    raw = {"family_reference": request.form.get("family_reference")} if request.form.get("family_reference") else {}
    placed, errors = submit(lambda: localities.place_family(current_user, locality_id, raw))
    if errors:
        _flash_problem(errors)
    else:
        flash("Family placed in the locality.", "success")
    return redirect(url_for("panels.localities_page"))
