"""The triage page, local eligibility criteria and the signposting letter. Views parse forms
and call the services."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from werkzeug.datastructures import MultiDict

from caseflow.cases import services as cases
from caseflow.core.stages import IllegalTransition
from caseflow.directory import services as directory_services
from caseflow.frontdoor import services as frontdoor
from caseflow.core.access import can
from caseflow.core.vocab import HEADLINE_PROBLEMS
from caseflow.core.errors import Conflict, ServiceValidationError
from caseflow.core.unit_of_work import savepoint
from caseflow.triage import amendments, services
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
           "service_ids": form.getlist("service_ids"),
           "decision": form.get("decision") or None, "rationale": form.get("rationale", "").strip() or None,
           "signposted_to": form.get("signposted_to", "").strip() or None,
           "reason": form.get("reason", "").strip() or None}
    return {k: v for k, v in raw.items() if v is not None}, problems


def _record_triage(call, case, problems: list[dict]) -> dict[str, str]:
    """Run the triage (or amendment) service: {} when done, else the form's errors."""
    try:
        with savepoint():  # a refused decision undoes itself; the audit of the read is kept
            call()
        return {}
    except ServiceValidationError as exc:
        errors = _errors(exc)
        for key, messages in exc.fields.items():  # evidence errors point at the right box
            if key.startswith("headline_problems.") and key.endswith(".evidence"):
                index = int(key.split(".")[1])
                errors[f"evidence-{problems[index]['code']}"] = messages[0]
        return errors
    except (Conflict, IllegalTransition) as exc:
        return {"decision": getattr(exc, "reason", str(exc))}


@bp.route("/cases/<case_id>/triage", methods=["GET", "POST"])
@login_required
def triage(case_id):
    case = cases.load_case(current_user, case_id, "triage.view", "triage")[0]
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
    case = cases.load_case(current_user, case_id, "triage.view", "triage")[0]
    raw, problems = _triage_form(request.form)
    errors = _record_triage(lambda: amendments.amend_triage(current_user, case.id, raw), case, problems)
    if not errors:
        flash(f"Triage decision amended for {case.reference}. The original stays on the case history.", "success")
        return redirect(url_for("cases.show", case_id=case.id))
    return _triage_page(case, errors, request.form)


def _triage_page(case, errors, form):
    concerns = frontdoor.concerns_raised(case.id)
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
                           directory_choices=directory_services.choices(current_user), chosen=form.getlist("service_ids")
                           if hasattr(form, "getlist") else [],
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
