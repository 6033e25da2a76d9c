"""The in-app inbox, partner events (the front door's check, the last keyworker's decision)
and the managers' notifications dashboard."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from caseflow.core import keyset
from caseflow.core.access import can
from caseflow.notify import dashboard, events, services
from caseflow.notify.vocab import EVENT_STATUSES, EVENT_TYPES
from caseflow.web.forms import text
from caseflow.web.paging import current_page
from caseflow.web.submit import submit
from caseflow.notify.vocab import EventStatus

bp = Blueprint("notify", __name__, template_folder="templates")


@bp.route("/inbox")
@login_required
def inbox():
    page = current_page()
    before = keyset.cursor_or_none(request.args.get("before"), services.INBOX_KEYS)
    items, total, next_cursor = services.inbox(current_user, page=page, before=before)
    return render_template("notify/inbox.html", items=items, total=total, page=page, before=before,
                           next_cursor=next_cursor, title="Inbox", answered_by_action=services.answered_by_action)


@bp.route("/inbox/<notification_id>/acknowledge", methods=["POST"])
@login_required
def acknowledge(notification_id):
    services.acknowledge(current_user, notification_id)
    flash("Acknowledged.", "success")
    return redirect(url_for("notify.inbox"))


@bp.route("/events/review")
@login_required
def review_queue():
    return render_template("notify/review.html", items=events.review_queue(current_user), types=EVENT_TYPES,
                           title="Events to check")


@bp.route("/events/<event_id>", methods=["GET"])
@login_required
def event(event_id):
    view = events.read(current_user, event_id)
    return _event_page(view, {})


def _event_page(view, errors, status=200):
    item = view.event
    return render_template("notify/event.html", event=item, view=view, types=EVENT_TYPES, statuses=EVENT_STATUSES,
                           errors=errors, form=request.form,
                           can_decide=item.status == EventStatus.CLOSED_RECENTLY and bool(can(current_user, "event.decide", item)),
                           can_review=item.status == EventStatus.NEEDS_REVIEW and bool(can(current_user, "event.review", item)),
                           title=f"Notification {item.reference}"), status


@bp.route("/events/<event_id>/review", methods=["POST"])
@login_required
def resolve(event_id):
    item = events.get(current_user, event_id, "event.review")
    choice = request.form.get("person_id", "")
    raw = {"decision": "not_known"} if choice == "not_known" else {"decision": "confirm", "person_id": choice}
    done, errors = submit(lambda: events.resolve_review(current_user, event_id, raw),
                          None if choice else {"person_id": ["Choose who this is about"]})
    if done is None:
        return _event_page(events.shown(current_user, item), errors, 400)
    flash("Sent to the people working with the family." if done.status == EventStatus.ROUTED
          else "Recorded: not known to us. It is kept only for the retention period.", "success")
    return redirect(url_for("notify.review_queue"))


@bp.route("/events/<event_id>/decision", methods=["POST"])
@login_required
def decide(event_id):
    item = events.get(current_user, event_id, "event.decide")
    raw = {k: v for k, v in {"decision": text(request.form, "decision"), "reason": text(request.form, "reason")}.items()
           if v is not None}
    done, errors = submit(lambda: events.decide(current_user, event_id, raw))
    if done is None:
        return _event_page(events.shown(current_user, item), errors, 400)
    if done.new_case_id:
        flash("A new case is open and waiting for triage at the front door.", "success")
        return redirect(url_for("cases.show", case_id=done.new_case_id))
    flash("Your decision is recorded.", "success")
    return redirect(url_for("notify.event", event_id=event_id))


@bp.route("/notifications/dashboard")
@login_required
def manager_dashboard():
    before = keyset.cursor_or_none(request.args.get("before"), dashboard.DASHBOARD_KEYS)
    rows, next_cursor = dashboard.manager_view(current_user, before=before)
    return render_template("notify/dashboard.html", rows=rows, next_cursor=next_cursor, before=before,
                           title="Notifications and deadlines")
