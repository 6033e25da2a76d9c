"""The case page: summary, casework, chronology and what the signed-in user may do next."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from caseflow.auth import services as directory
from caseflow.cases import services
from caseflow.core.access import can

bp = Blueprint("cases", __name__, template_folder="templates")
# The case page shows the newest entries of the chronology; the chronology page has them all.
CHRONOLOGY_ON_CASE_PAGE = 40


@bp.route("/cases/<case_id>")
@login_required
def show(case_id):
    from caseflow.readmodels import chronology
    from caseflow.plans import summary
    from caseflow.socialcare.services import case_panel
    from caseflow.triage.services import timeliness

    view = services.read_case(current_user, case_id)
    case = view.case
    keyworker = directory.get_user(case.keyworker_id)
    work = summary.for_case(current_user, case)
    entries, older_entries = chronology.recent(current_user, case.id, CHRONOLOGY_ON_CASE_PAGE,
                                               opened=(case, view.decision), assessment=work.assessment,
                                               extensions=work.extensions)
    return render_template("cases/show.html", case=case, view=view, actions=view.actions,
                           timeliness=timeliness(case), keyworker=keyworker, work=work, entries=entries, older_entries=older_entries,
                           chronology_link=older_entries and bool(can(current_user, "casework.view", case)),
                           social=case_panel(current_user, case, view.decision),
                           can_reallocate=bool(can(current_user, "case.reallocate", case)),
                           can_see_supervision=bool(can(current_user, "supervision.view", case)),
                           can_nominate=bool(can(current_user, "escalation.nominate", case)),
                           can_see_risk=bool(can(current_user, "risk.view", case)),
                           can_see_wheel=bool(can(current_user, "wheel.view", case)),
                           title=f"Case {case.reference}")
