"""The case page: summary, chronology and what the signed-in user may do next."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from caseflow import flow
from caseflow.cases import services


bp = Blueprint("cases", __name__, template_folder="templates")


@bp.route("/cases/<case_id>")
@login_required
def show(case_id):
    case = services.view_case(current_user, case_id)
    from caseflow.auth.models import User
    from caseflow.extensions import db
    from caseflow.triage.services import timeliness

    keyworker = db.session.get(User, case.keyworker_id) if case.keyworker_id else None
    return render_template("cases/show.html", case=case, actions=flow.available_actions(case, current_user),
                           timeliness=timeliness(case), keyworker=keyworker, title=f"Case {case.reference}")
