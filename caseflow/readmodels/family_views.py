"""The single family view, family search and the family's access log."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from caseflow.readmodels import family_view as services
from caseflow.families.models import RELATIONSHIP_LABELS
from caseflow.web.forms import parse_date
from caseflow.web.paging import current_page
from caseflow.core import keyset
from caseflow.core.timescales import today_london
from caseflow.core.errors import ServiceValidationError

bp = Blueprint("families", __name__, template_folder="templates")



@bp.route("/families")
@login_required
def search():
    q = request.args.get("q", "")
    error, results, total = None, [], 0
    try:
        results, total = services.search_families(current_user, q, page=current_page(), refuse_broad=True)
    except ServiceValidationError as exc:
        error = str(exc)
    return render_template("families/search.html", q=q, results=results, total=total,
                           page=current_page(), error=error, today=today_london(), title="Find a family")


def as_of_day(args) -> date | None:
    """?as_of=2026-09-01, or the date boxes of a form (as_of-day, -month, -year); None for today
    or anything that is not a date."""
    raw = (args.get("as_of") or "").strip()
    if raw:
        try:
            return date.fromisoformat(raw)
        except ValueError:
            return None
    parsed, _ = parse_date(args, "as_of")
    return date.fromisoformat(parsed) if parsed else None


@bp.route("/families/<family_id>")
@login_required
def show(family_id):
    view = services.view_family(current_user, family_id, as_of=as_of_day(request.args))
    from caseflow.notify.vocab import EVENT_STATUSES, EVENT_TYPES

    return render_template("families/show.html", view=view, today=today_london(),
                           relationship_labels=RELATIONSHIP_LABELS, event_types=EVENT_TYPES,
                           event_statuses=EVENT_STATUSES,
                           title=view.family.display_name)


@bp.route("/families/<family_id>/access-log")
@login_required
def access_log(family_id):
    before = keyset.cursor_or_none(request.args.get("before"), services.ACCESS_LOG_KEYS)
    family, events, total, next_cursor = services.access_log(current_user, family_id, page=current_page(),
                                                             before=before)
    return render_template("families/access_log.html", family=family, events=events, total=total,
                           page=current_page(), before=before, next_cursor=next_cursor,
                           title=f"Who has seen {family.display_name}")
