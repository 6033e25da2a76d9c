"""The triage page, local eligibility criteria and the signposting letter. Views parse forms
and call the services."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from caseflow.cases import services as cases
from caseflow.core.extensions import db
from caseflow.core.stages import IllegalTransition
from caseflow.frontdoor import services as frontdoor
from caseflow.frontdoor.models import RequestForHelp
from caseflow.core.vocab import HEADLINE_PROBLEMS
from caseflow.core.errors import Conflict, ServiceValidationError
from caseflow.core.unit_of_work import savepoint
from caseflow.triage import services
from caseflow.triage.schemas import LEVELS, RAG

bp = Blueprint("triage", __name__, template_folder="templates")


def _errors(exc: ServiceValidationError) -> dict[str, str]:
    out = {}
    for key, messages in exc.fields.items():
        out.setdefault(key.split(".")[0] if not key.startswith("headline_problems.") else key, messages[0])
    return out


@bp.route("/cases/<case_id>/triage", methods=["GET", "POST"])
@login_required
def triage(case_id):
    case = cases.view_case(current_user, case_id, action="triage.view", purpose="triage")
    errors, form = {}, request.form
    if request.method == "POST":
        problems = [{"code": code, "evidence": form.get(f"evidence-{code}", "").strip()}
                    for code in form.getlist("problems")]
        raw = {"level_of_need": form.get("level_of_need") or None, "headline_problems": problems,
               "local_criteria": form.getlist("local_criteria"), "rag": form.get("rag") or None,
               "decision": form.get("decision") or None, "rationale": form.get("rationale", "").strip() or None,
               "signposted_to": form.get("signposted_to", "").strip() or None}
        raw = {k: v for k, v in raw.items() if v is not None}
        try:
            with savepoint():  # a refused decision undoes itself; the audit of the read is kept
                services.triage(current_user, case.id, raw)
            flash(f"Triage decision recorded for {case.reference}.", "success")
            return redirect(url_for("frontdoor.queue"))
        except ServiceValidationError as exc:
            errors = _errors(exc)
            for key, messages in exc.fields.items():  # evidence errors point at the right box
                if key.startswith("headline_problems.") and key.endswith(".evidence"):
                    index = int(key.split(".")[1])
                    errors[f"evidence-{problems[index]['code']}"] = messages[0]
        except (Conflict, IllegalTransition) as exc:
            errors = {"decision": getattr(exc, "reason", str(exc))}
    concerns = set()
    for req in db.session.scalars(select(RequestForHelp).where(RequestForHelp.case_id == case.id)):
        concerns.update(req.concerns)
    return render_template("triage/triage.html", case=case, errors=errors, form=form,
                           problems=HEADLINE_PROBLEMS, levels=LEVELS, rag=RAG, concerns=concerns,
                           local_criteria=services.active_local_criteria(),
                           due=frontdoor.triage_deadline(case.opened_at),
                           title=f"Triage {case.reference}"), (400 if errors else 200)


@bp.route("/admin/local-criteria", methods=["GET", "POST"])
@login_required
def local_criteria():
    errors = {}
    if request.method == "POST":
        try:
            with savepoint():
                if request.form.get("criterion_id"):
                    services.set_local_criterion_active(current_user, request.form["criterion_id"],
                                                        request.form.get("active") == "yes")
                else:
                    services.add_local_criterion(current_user, "", request.form.get("label", ""))
            flash("Local criteria updated.", "success")
            return redirect(url_for("triage.local_criteria"))
        except ServiceValidationError as exc:
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
