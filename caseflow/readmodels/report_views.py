"""The dashboards' pages and downloads, and the analyst's workspace. Views parse the filters,
call the read model and render; the extracts run as queued jobs (readmodels.extracts)."""
from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from caseflow.core.access import can
from caseflow.readmodels import extracts, report_aggregates, report_exports, reports
from caseflow.readmodels.charts import bar_chart

bp = Blueprint("reports", __name__, template_folder="templates")

MAX_PERIOD_DAYS = 5 * 366
EARLIEST = date(2000, 1, 1)


def _date(name: str, errors: dict) -> date | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        value = date.fromisoformat(raw[:10]) if len(raw) <= 10 else None
    except ValueError:
        value = None
    if value is None or value < EARLIEST or value > date(2100, 1, 1):
        errors[name] = "Enter a real date written as YYYY-MM-DD, for example 2026-04-01"
    return value


def _filters(key: str | None = None) -> tuple[reports.Filters, dict]:
    """The filters from the query string; errors (shown as a form error) leave the defaults."""
    errors: dict = {}
    f = reports.Filters.default()
    start, end = _date("from", errors), _date("to", errors)
    if start:
        f.start = start
    if end:
        f.end = end
    if not errors and f.start > f.end:
        errors["from"] = "The start of the period must be on or before its end"
    if not errors and (f.end - f.start).days > MAX_PERIOD_DAYS:
        errors["from"] = "Choose a period of five years or less"
    if errors:
        f = reports.Filters.default()
    team, organisation = request.args.get("team", ""), request.args.get("organisation", "")
    if team:
        if team in dict(reports.team_choices(current_user)):
            f.team_id = team
        else:
            errors["team"] = "Choose one of the teams listed"
    if organisation:
        if organisation in dict(reports.organisation_choices(current_user)):
            f.organisation_id = organisation
        else:
            errors["organisation"] = "Choose one of the organisations listed"
    return f, errors


def _dashboard_or_404(key: str):
    if key not in reports.DASHBOARDS:
        abort(404)


@bp.route("/reports")
@login_required
def index():
    available = reports.dashboards_for(current_user)
    if not available:
        abort(403)
    return render_template("reports/index.html", dashboards=available, title="Dashboards")


@bp.route("/reports/<key>")
@login_required
def dashboard(key):
    _dashboard_or_404(key)
    f, errors = _filters(key)
    board = reports.build(current_user, key, f)
    return render_template("reports/dashboard.html", board=board, errors=errors, bar_chart=bar_chart,
                           can_see_cases=bool(can(current_user, "reports.case_list")),
                           dashboards=reports.dashboards_for(current_user),
                           teams=reports.team_choices(current_user),
                           organisations=reports.organisation_choices(current_user),
                           args=f.as_args(), title=board.title), (400 if errors else 200)


@bp.route("/reports/timeliness/missed")
@login_required
def missed():
    f, errors = _filters("timeliness")
    table = reports.missed_cases(current_user, f)
    board = reports.Dashboard("timeliness", "Cases that missed a timeliness target", f, [table], None)
    return render_template("reports/missed.html", board=board, table=table, errors=errors, bar_chart=bar_chart,
                           args=f.as_args(), title=board.title), (400 if errors else 200)


@bp.route("/reports/<key>/refresh", methods=["POST"])
@login_required
def refresh(key):
    _dashboard_or_404(key)
    report_aggregates.request_refresh(current_user, key)
    flash("The daily totals are being worked out again. Figures update when that has finished.")
    return redirect(url_for("reports.dashboard", key=key, **{k: v for k, v in request.args.items()
                                                             if k in ("from", "to", "team", "organisation")}))


@bp.route("/reports/<key>/<table>.csv")
@login_required
def table_csv(key, table):
    _dashboard_or_404(key)
    f, _ = _filters(key)
    if (key, table) == ("timeliness", "missed"):
        found = reports.missed_cases(current_user, f)
    else:
        found = next((t for t in reports.build(current_user, key, f).tables if t.key == table), None)
    if found is None:
        abort(404)
    return Response(report_exports.table_csv(found), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{key}-{table}-{f.start}-{f.end}.csv"'})


@bp.route("/reports/<key>.xlsx")
@login_required
def dashboard_xlsx(key):
    _dashboard_or_404(key)
    f, _ = _filters(key)
    board = reports.build(current_user, key, f)
    return Response(report_exports.dashboard_xlsx(board),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{key}-{f.start}-{f.end}.xlsx"'})


# --- the analyst's workspace -----------------------------------------------------------------------

@bp.route("/analysis")
@login_required
def workspace():
    if not can(current_user, "reports.extract"):
        abort(403)
    return render_template("reports/workspace.html", dashboards=reports.dashboards_for(current_user),
                           purposes=extracts.PURPOSES, jobs=extracts.recent_jobs(current_user),
                           default=reports.Filters.default(), title="Analyst's workspace")


@bp.route("/analysis/extracts", methods=["POST"])
@login_required
def start_extract():
    if not can(current_user, "reports.extract"):
        abort(403)  # the policy before the form: only analysts get their answers checked
    errors = {}
    purpose = request.form.get("purpose", "")
    if purpose not in extracts.PURPOSES:
        errors["purpose"] = "Choose what the extract is for"
    dates = {}
    for name in ("from", "to"):
        raw = request.form.get(name, "").strip()
        try:
            dates[name] = date.fromisoformat(raw) if 0 < len(raw) <= 10 else None
        except ValueError:
            dates[name] = None
        if dates[name] is None or not (EARLIEST <= dates[name] <= date(2100, 1, 1)):
            errors[name] = "Enter a real date written as YYYY-MM-DD, for example 2026-04-01"
    if not errors and dates["from"] > dates["to"]:
        errors["from"] = "The start of the period must be on or before its end"
    if not errors and dates["to"] - dates["from"] > timedelta(days=MAX_PERIOD_DAYS):
        errors["from"] = "Choose a period of five years or less"
    if errors:
        return render_template("reports/workspace.html", dashboards=reports.dashboards_for(current_user),
                               purposes=extracts.PURPOSES, jobs=extracts.recent_jobs(current_user),
                               default=reports.Filters.default(), errors=errors, form=request.form,
                               title="Analyst's workspace"), 400
    job = extracts.request_extract(current_user, purpose, dates["from"], dates["to"])
    flash("The extract is being prepared. This page shows its progress.")
    return redirect(url_for("reports.extract_status", job_id=job.id))


@bp.route("/analysis/extracts/<job_id>")
@login_required
def extract_status(job_id):
    job = extracts.job_for(current_user, job_id)
    return render_template("reports/extract.html", job=job, purposes=extracts.PURPOSES,
                           title="Pseudonymised extract")


@bp.route("/analysis/extracts/<job_id>.csv")
@login_required
def extract_download(job_id):
    job, body = extracts.download(current_user, job_id)
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="extract-{job.purpose}-{job.period_start}-{job.period_end}.csv"'})
