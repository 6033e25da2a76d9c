"""Pages: the Outcomes Plan editor, a family's outcomes tab, the claims workflow, the returns and
the progress of queued runs. Views parse forms and call the services."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from caseflow.core.access import can, require
from caseflow.core.vocab import HEADLINE_PROBLEMS
from caseflow.outcomes import claims, evidence, outcomes_plan, progress, returns, runs, vocab
from caseflow.web.forms import parse_date, text
from caseflow.web.submit import attempt, submit

bp = Blueprint("outcomes", __name__, template_folder="templates")


def _number(form, name):
    value = text(form, name)
    if value is None:
        return None
    try:
        return float(value) if "." in value else int(value)
    except ValueError:
        return value  # the schema says what is wrong with it


# --- the Outcomes Plan -------------------------------------------------------------------------

@bp.route("/outcomes/plan", methods=["GET", "POST"])
@login_required
def plan():
    require(current_user, "outcomes.plan.view", object_type="outcomes_plan", audit=False)
    errors = {}
    if request.method == "POST":
        done, errors = submit(lambda: outcomes_plan.save_version(current_user, {
            "framework": text(request.form, "framework"), "change_note": text(request.form, "change_note")}))
        if done is not None:
            flash(f"Version {done.number} of the Outcomes Plan is in force from now: "
                  f"{vocab.FRAMEWORKS[done.framework]}.", "success")
            return redirect(url_for("outcomes.plan"))
    version = outcomes_plan.current()
    return render_template("outcomes/plan.html", version=version, versions=outcomes_plan.versions()[::-1],
                           vocab=vocab, errors=errors, can_edit=bool(can(current_user, "outcomes.plan.edit")),
                           headline=HEADLINE_PROBLEMS, title="Outcomes Plan"), (400 if errors else 200)


@bp.route("/outcomes/plan/problems/<code>", methods=["GET", "POST"])
@login_required
def edit_problem(code):
    require(current_user, "outcomes.plan.edit", object_type="outcomes_plan", audit=False)
    version = outcomes_plan.current()
    problem = next((p for p in version.definition["problems"] if p["code"] == code), None)
    if problem is None:
        return redirect(url_for("outcomes.plan"))
    errors, form = {}, request.form
    if request.method == "POST":
        measure = text(form, "measure")
        reductions = {kind: _number(form, f"reduction_{kind}") for kind in ("offence", "asb", "domestic_abuse_incident")
                      if text(form, f"reduction_{kind}")}
        raw = {"label": text(form, "label"),
               "indicators": [line.strip() for line in (form.get("indicators") or "").splitlines() if line.strip()],
               "assessment_problems": form.getlist("assessment_problems"),
               "change_note": text(form, "change_note"),
               "outcome": {"description": text(form, "description"), "measure": measure,
                           "threshold_pct": _number(form, "threshold_pct"), "terms": _number(form, "terms"),
                           "months": _number(form, "months"), "reductions": reductions or None}}
        done, exc = attempt(lambda: outcomes_plan.edit_problem(current_user, code, raw))
        errors = _problem_errors(exc.fields if exc else {})
        if done is not None:
            flash(f"Saved as version {done.number}. Families whose plans started earlier keep the version they "
                  "started under.", "success")
            return redirect(url_for("outcomes.plan"))
    return render_template("outcomes/problem.html", problem=problem, form=form, errors=errors, vocab=vocab,
                           headline=HEADLINE_PROBLEMS, title=f"Edit {problem['label']}"), (400 if errors else 200)


def _problem_errors(fields: dict) -> dict[str, str]:
    """The plan's nested errors ("outcome.reductions.asb") -> the editor's field ids."""
    out: dict[str, str] = {}
    for key, messages in fields.items():
        parts = key.split(".")
        name = parts[-1]
        if "reductions" in parts:
            name = f"reduction_{parts[-1]}" if parts[-1] != "reductions" else "reduction_offence"
        if name in ("_schema", "outcome", "problems"):
            name = "_form"
        out.setdefault(name, messages[0])
    return out


# --- a family's outcomes tab -------------------------------------------------------------------

@bp.route("/families/<family_id>/outcomes", methods=["GET", "POST"])
@login_required
def family(family_id):
    errors, form = {}, request.form
    if request.method == "POST":
        start, start_error = parse_date(form, "period_start", "The date")
        end, end_error = parse_date(form, "period_end", "The end date")
        early = {k: [v] for k, v in {"period_start": start_error, "period_end": end_error}.items() if v}
        raw = {"person_id": text(form, "person_id"), "kind": text(form, "kind"), "period_start": start,
               "period_end": end, "value": _number(form, "value"), "code": text(form, "code"), "note": text(form, "note")}
        done, errors = submit(lambda: evidence.record(current_user, {k: v for k, v in raw.items() if v is not None}),
                              early)
        if done is not None:
            flash("Evidence recorded. The family's progress has been recomputed.", "success")
            return redirect(url_for("outcomes.family", family_id=family_id))
    shown = progress.family_outcomes(current_user, family_id)
    family_row = shown["family"]
    names = {m.person_id: m.person.full_name for m in shown["members"]}
    can_record = current_user.role in ("keyworker", "team_manager", "analyst")
    return render_template("outcomes/family.html", family=family_row, shown=shown, members=shown["members"],
                           names=names, vocab=vocab, errors=errors, form=form, can_record=can_record,
                           title=f"Outcomes: {family_row.display_name if family_row else ''}"), (400 if errors else 200)


# --- claims ----------------------------------------------------------------------------------

@bp.route("/outcomes/claims")
@login_required
def claims_list():
    state = request.args.get("state") or None
    if state not in {s.value for s in vocab.ClaimState}:
        state = None
    try:
        page = max(1, min(int(request.args.get("page", 1)), 1_000_000))
    except ValueError:
        page = 1
    listed = claims.list_claims(current_user, state, page)
    return render_template("outcomes/claims.html", listed=listed, state=state, vocab=vocab,
                           runs=runs.recent(current_user, [vocab.RunKind.CLAIMS_PROPOSAL]),
                           batches=claims.batches(), errors={}, title="Claims")


@bp.route("/outcomes/claims/<claim_id>", methods=["GET", "POST"])
@login_required
def claim(claim_id):
    errors, form = {}, request.form
    if request.method == "POST":
        action = form.get("action")
        raw = {"version": _number(form, "version"), "reason": text(form, "reason")}
        act = {"validate": claims.validate_claim, "reject": claims.reject_claim, "approve": claims.approve_claim}.get(action)
        if act is None:
            errors = {"_form": "Choose what to do with the claim"}
        else:
            done, errors = submit(lambda: act(current_user, claim_id, raw))
            if done is not None:
                flash(f"Claim {done.reference}: {vocab.CLAIM_STATES[done.state].lower()}.", "success")
                return redirect(url_for("outcomes.claim", claim_id=claim_id))
    record, family_row = claims.claim_page(current_user, claim_id)
    snapshot = claims.shown_snapshot(record)
    return render_template("outcomes/claim.html", claim=record, family=family_row, snapshot=snapshot,
                           evidence=claims.shown_evidence(snapshot), vocab=vocab, errors=errors,
                           form=form, can_validate=bool(can(current_user, "outcomes.claim.validate", record)),
                           can_approve=bool(can(current_user, "outcomes.claim.approve", record)),
                           title=f"Claim {record.reference}"), (400 if errors else 200)


@bp.route("/outcomes/claims/submit", methods=["POST"])
@login_required
def submit_claims():
    done, errors = submit(lambda: claims.submit_month(current_user, {"month": text(request.form, "month")}))
    if done is not None:
        flash(f"{done.claims} claims submitted for {done.month}. Download the CSV for the funder below.", "success")
    else:
        flash(next(iter(errors.values())), "error")
    return redirect(url_for("outcomes.claims_list"))


@bp.route("/outcomes/batches/<batch_id>.csv")
@login_required
def batch_csv(batch_id):
    batch, csv_text = claims.batch_csv(current_user, batch_id)
    return Response(csv_text, mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=claims-{batch.month}.csv"})


# --- runs and returns ----------------------------------------------------------------------------

@bp.route("/outcomes/runs", methods=["POST"])
@login_required
def start_run():
    kind = text(request.form, "kind")
    done, errors = submit(lambda: runs.start(current_user, {"kind": kind,
                                                             "sample_percent": _number(request.form, "sample_percent")}))
    if done is None:
        flash(next(iter(errors.values())), "error")
        return redirect(url_for("outcomes.claims_list" if kind == "claims_proposal" else "outcomes.returns_page"))
    return redirect(url_for("outcomes.run", run_id=done.id))


@bp.route("/outcomes/runs/<run_id>")
@login_required
def run(run_id):
    record = runs.get(current_user, run_id)
    return render_template("outcomes/run.html", run=record, vocab=vocab, title=vocab.RUN_KINDS[record.kind])


@bp.route("/outcomes/runs/<run_id>/output.csv")
@login_required
def run_output(run_id):
    record, csv_text = runs.output(current_user, run_id)
    return Response(csv_text, mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={record.kind}-{record.as_of}.csv"})


@bp.route("/outcomes/returns", methods=["GET", "POST"])
@login_required
def returns_page():
    errors = {}
    if request.method == "POST":
        kind = text(request.form, "kind")
        done, errors = submit(lambda: returns.set_unit_cost(current_user, kind or "", request.form.get("pounds")))
        if done is not None:
            flash("Unit cost saved.", "success")
            return redirect(url_for("outcomes.returns_page"))
    can_returns = bool(can(current_user, "outcomes.returns"))
    can_costs = bool(can(current_user, "outcomes.unit_costs.edit"))
    if not (can_returns or can_costs):
        require(current_user, "outcomes.returns", object_type="outcome_returns")
    return render_template("outcomes/returns.html", costs=sorted(returns.unit_costs().values(), key=lambda c: c.kind),
                           runs=runs.recent(current_user, [vocab.RunKind.PROGRESS_DATA, vocab.RunKind.COST_SAVINGS])
                           if can_returns else [], can_returns=can_returns, can_costs=can_costs, vocab=vocab,
                           errors=errors, title="National returns"), (400 if errors else 200)
