"""Administrators: routing rules and school holidays, dead deliveries, organisations' duty
contacts, key adults and webhooks."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from caseflow.auth import services as directory
from caseflow.core import keyset
from caseflow.core.access import require
from caseflow.notify import dashboard, dispatcher, partners, rules
from caseflow.notify.vocab import CHANNELS, DEADLINES, EVENT_TYPES, RECIPIENTS
from caseflow.web.forms import parse_date, text
from caseflow.web.paging import current_page
from caseflow.web.submit import attempt, submit

bp = Blueprint("notify_admin", __name__, template_folder="templates")


@bp.route("/admin/routing", methods=["GET", "POST"])
@login_required
def routing():
    errors, form = {}, request.form
    if request.method == "POST":
        raw = {"event_type": text(form, "event_type"), "recipient": text(form, "recipient"),
               "channel": text(form, "channel"), "deadline": text(form, "deadline") or "none",
               "deadline_hours": text(form, "deadline_hours"), "active": form.get("active") == "yes",
               "agreement_id": text(form, "agreement_id")}
        done, errors = submit(lambda: rules.save(current_user, {k: v for k, v in raw.items() if v is not None}))
        if done is not None:
            flash("Routing rule saved. It applies to the next event.", "success")
            return redirect(url_for("notify_admin.routing"))
    rules.seed_defaults()
    from caseflow.agreements import services as agreements

    agreement_names = agreements.names()
    return render_template("notify/routing.html", rules=rules.all_rules(current_user), holidays=rules.school_holidays(),
                           agreements=agreements.in_force_today(), agreement_names=agreement_names,
                           types=EVENT_TYPES, recipients=RECIPIENTS, channels=CHANNELS, deadlines=DEADLINES,
                           organisations=directory.organisations(),
                           errors=errors, form=form, title="Notification routing"), (400 if errors else 200)


@bp.route("/admin/school-holidays", methods=["POST"])
@login_required
def add_holiday():
    form = request.form
    starts, start_error = parse_date(form, "starts_on", "Start date")
    ends, end_error = parse_date(form, "ends_on", "End date")
    early = {k: [v] for k, v in (("starts_on", start_error), ("ends_on", end_error)) if v}
    done, errors = submit(lambda: rules.add_school_holiday(current_user, text(form, "name"), starts, ends), early or None)
    flash("School holiday added." if done else "; ".join(errors.values()), "success" if done else "error")
    return redirect(url_for("notify_admin.routing"))


@bp.route("/admin/deliveries")
@login_required
def deliveries():
    status = request.args.get("status") or "dead"
    before = keyset.cursor_or_none(request.args.get("before"), dashboard.DELIVERY_KEYS)
    rows, total, next_cursor = dashboard.deliveries(current_user, status, current_page(), 50, before)
    return render_template("notify/deliveries.html", rows=rows, total=total, status=status, page=current_page(),
                           before=before, next_cursor=next_cursor, title="Deliveries")


@bp.route("/admin/deliveries/<delivery_id>/replay", methods=["POST"])
@login_required
def replay(delivery_id):
    done, exc = attempt(lambda: dispatcher.replay(current_user, delivery_id))
    flash("Sent again." if done else str(exc), "success" if done else "error")
    return redirect(url_for("notify_admin.deliveries"))


@bp.route("/admin/organisations/<org_id>/notifications", methods=["GET", "POST"])
@login_required
def organisation(org_id):
    require(current_user, "routing.manage", object_type="organisation", object_id=org_id, audit=False)
    org = directory.get_organisation(org_id)
    errors, form, secret = {}, request.form, None
    if request.method == "POST":
        raw = {"duty_contact_id": form.get("duty_contact_id", ""), "key_adult_id": form.get("key_adult_id", ""),
               "encompass_lead_id": form.get("encompass_lead_id", ""),
               "duty_email": form.get("duty_email", ""), "webhook_url": form.get("webhook_url", ""),
               "new_secret": form.get("new_secret") == "yes"}
        done, errors = submit(lambda: partners.configure(current_user, org_id, raw))
        if done is not None:
            org, secret = done
            flash("Saved.", "success")
    people = directory.active_staff(organisation_id=org_id)
    return render_template("notify/organisation.html", org=org, people=people, errors=errors, form=form, secret=secret,
                           title=f"Notifications for {org.name}"), (400 if errors else 200)
