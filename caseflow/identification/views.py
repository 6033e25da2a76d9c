"""Pages: the identified families list (with the runs, and a form to start one), a run's
progress, one family's evidence with the front door's two forms (start a request, dismiss)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from caseflow.core.access import can
from caseflow.core.vocab import Urgency
from caseflow.identification import services, vocab
from caseflow.outcomes.vocab import EVIDENCE_KINDS, EVIDENCE_SOURCES
from caseflow.web.forms import text
from caseflow.web.submit import submit

bp = Blueprint("identification", __name__, template_folder="templates")


def _page() -> int:
    try:
        return max(1, min(int(request.args.get("page", 1)), 1_000_000))
    except ValueError:
        return 1


@bp.route("/identification")
@login_required
def families():
    state = request.args.get("state") or None
    if state not in {s.value for s in vocab.IdentifiedState}:
        state = None
    run_id = (request.args.get("run_id") or "")[:32] or None
    listed = services.list_identified(current_user, run_id, state, _page())
    return render_template("identification/families.html", listed=listed, run=listed["run"], state=state,
                           runs=services.list_runs(current_user, 1, 10)["items"], vocab=vocab,
                           can_run=bool(can(current_user, "identification.run")), errors={},
                           title="Identified families")


@bp.route("/identification/runs", methods=["POST"])
@login_required
def start_run():
    raw = {}
    if text(request.form, "min_problems"):
        raw["min_problems"] = text(request.form, "min_problems")
    done, errors = submit(lambda: services.start(current_user, raw))
    if done is None:
        flash(next(iter(errors.values())), "error")
        return redirect(url_for("identification.families"))
    return redirect(url_for("identification.run", run_id=done.id))


@bp.route("/identification/runs/<run_id>")
@login_required
def run(run_id):
    record = services.get_run(current_user, run_id)
    return render_template("identification/run.html", run=record, plan_number=services.plan_number(record),
                           title="Identification run")


def _family_page(run_id, family_id, errors=None, form=None, status=200):
    shown = services.family_evidence(current_user, run_id, family_id)
    return render_template("identification/family.html", shown=shown, row=shown.shown.identified,
                           family=shown.shown.family, errors=errors or {}, form=form or {}, vocab=vocab,
                           kinds=EVIDENCE_KINDS, sources=EVIDENCE_SOURCES, urgencies=[u.value for u in Urgency],
                           can_decide=bool(can(current_user, "identification.decide", {"family_id": family_id})),
                           title=f"Identified family: {shown.shown.family.display_name}"), status


@bp.route("/identification/runs/<run_id>/families/<family_id>")
@login_required
def family(run_id, family_id):
    return _family_page(run_id, family_id)


def _yes_no(value):
    return {"yes": True, "no": False}.get(value, value)


@bp.route("/identification/runs/<run_id>/families/<family_id>/request", methods=["POST"])
@login_required
def start_request(run_id, family_id):
    form = request.form
    raw = {"consent_given": _yes_no(text(form, "consent_given")),
           "safeguarding_concern": form.get("safeguarding_concern") == "yes",
           "urgency": text(form, "urgency") or "routine", "details": text(form, "details")}
    done, errors = submit(lambda: services.start_request(current_user, run_id, family_id,
                                                         {k: v for k, v in raw.items() if v is not None}))
    if done is not None:
        _, submission = done
        flash(f"Request for help {submission.request.reference} started. It is in the front door queue.", "success")
        return redirect(url_for("identification.families"))
    return _family_page(run_id, family_id, errors, form, 400)


@bp.route("/identification/runs/<run_id>/families/<family_id>/dismiss", methods=["POST"])
@login_required
def dismiss(run_id, family_id):
    done, errors = submit(lambda: services.dismiss(current_user, run_id, family_id,
                                                   {"reason": text(request.form, "reason")}))
    if done is not None:
        flash("Dismissed. Later runs leave the family off the list until new evidence about it arrives.", "success")
        return redirect(url_for("identification.families"))
    return _family_page(run_id, family_id, errors, request.form, 400)
