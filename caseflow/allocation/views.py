"""Allocation pages: allocate or re-allocate a case, the cases waiting for a keyworker, and
caseloads. Views parse forms and call the services."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from caseflow.auth import services as directory
from caseflow.allocation import services
from caseflow.allocation.schemas import WAITING_STAGES
from caseflow.cases import services as cases
from caseflow.core import keyset, timescales
from caseflow.core.stages import IllegalTransition
from caseflow.core.errors import ServiceValidationError
from caseflow.core.vocab import Rag
from caseflow.core.unit_of_work import savepoint
from caseflow.triage.services import timeliness_many
from caseflow.web.paging import current_page
from caseflow.web.submit import error_fields

bp = Blueprint("allocation", __name__, template_folder="templates")


@bp.route("/cases/<case_id>/allocate", methods=["GET", "POST"])
@login_required
def allocate(case_id):
    case = cases.load_case(current_user, case_id)[0]
    errors, warning = {}, None
    if request.method == "POST":
        raw = {k: v for k, v in request.form.items() if v and k != "csrf_token"}
        raw["confirm_over_capacity"] = request.form.get("confirm_over_capacity") == "yes"
        try:
            with savepoint():  # a refused allocation undoes itself; the audit of the read is kept
                services.allocate_case(current_user, case.id, raw)
            flash(f"{case.reference} allocated.", "success")
            return redirect(url_for("cases.show", case_id=case.id))
        except services.OverCapacity as exc:
            warning = str(exc)
        except ServiceValidationError as exc:
            errors = error_fields(exc.fields, date_fields=())
        except IllegalTransition as exc:
            errors = {"keyworker_id": exc.reason}
    rows = services.caseloads(current_user)
    teams = directory.teams()
    leads = services.lead_professional_options(current_user)
    return render_template("allocation/allocate.html", case=case, rows=rows, teams=teams, errors=errors, leads=leads,
                           warning=warning, form=request.form, title=f"Allocate {case.reference}"), \
        (400 if errors or warning else 200)


@bp.route("/unallocated")
@login_required
def unallocated():
    stage, rag = request.args.get("stage") or None, request.args.get("rag") or None
    if stage not in (None, *WAITING_STAGES) or rag not in (None, *Rag):
        abort(400, "Choose a stage and risk from the filters.")
    rows, total = services.unallocated(current_user, page=current_page(), stage=stage, rag=rag)
    return render_template("allocation/unallocated.html", rows=rows, total=total, page=current_page(), stage=stage, rag=rag,
                           timeliness=timeliness_many([c for c, _ in rows]),
                           title="Cases waiting for a keyworker")


@bp.route("/caseload")
@bp.route("/caseload/<keyworker_id>")
@login_required
def caseload(keyworker_id=None):
    before = keyset.cursor_or_none(request.args.get("before"), services.CASELOAD_KEYS)
    keyworker, rows, total, next_cursor = services.caseload_page(current_user, keyworker_id or current_user.id,
                                                                 before, page=current_page())
    return render_template("allocation/caseload.html", keyworker=keyworker, rows=rows, total=total,
                           next_cursor=next_cursor, before=before, keyworker_id=keyworker_id,
                           today=timescales.today_london(), title=f"Caseload: {keyworker.name}")


@bp.route("/caseloads")
@login_required
def caseloads():
    """A team's keyworkers against their capacity: the signed-in manager's own team first (a
    county runs to a hundred teams and a thousand keyworkers), any other team or all of them
    chosen from the list."""
    teams = directory.teams()
    chosen = request.args.get("team")
    if chosen is None:
        chosen = current_user.team_id or ""
    rows = services.caseloads(current_user, chosen or None)  # an unknown team: NotFound, a 404
    return render_template("allocation/caseloads.html", rows=rows, teams=teams, chosen=chosen,
                           held=sum(r.held for r in rows), capacity=sum(r.keyworker.caseload_capacity for r in rows),
                           title="Keyworker caseloads")
