"""The in-app inbox."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from caseflow.notify import services
from caseflow.web.paging import current_page


bp = Blueprint("notify", __name__, template_folder="templates")


@bp.route("/inbox")
@login_required
def inbox():
    page = current_page()
    items, total = services.inbox(current_user, page=page)
    return render_template("notify/inbox.html", items=items, total=total, page=page, title="Inbox")


@bp.route("/inbox/<notification_id>/acknowledge", methods=["POST"])
@login_required
def acknowledge(notification_id):
    services.acknowledge(current_user, notification_id)
    flash("Acknowledged.", "success")
    return redirect(url_for("notify.inbox"))
