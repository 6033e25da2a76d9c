"""Administrators manage people's roles and accounts; nobody else can (policy: users.admin)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from caseflow.auth.models import User
from caseflow.core.roles import ROLE_LABELS, Role
from caseflow.core import audit
from caseflow.core.access import require
from caseflow.core.extensions import db
from caseflow.core.errors import NotFound, ServiceValidationError
from caseflow.core.unit_of_work import savepoint

bp = Blueprint("admin", __name__, template_folder="templates")


def list_users(actor) -> list[User]:
    require(actor, "users.admin", object_type="user_list", purpose="user administration")
    users = list(db.session.scalars(select(User).order_by(User.name)))
    return users


def update_user(actor, user_id: str, role: str | None, active: bool, reset_two_factor: bool = False) -> User:
    require(actor, "users.admin", object_type="user", object_id=user_id, purpose="user administration")
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    if role not in {r.value for r in Role}:
        raise ServiceValidationError("Choose a role.", {"role": ["Choose a role from the list"]})
    if user.id == actor.id and (role != user.role or not active):
        raise ServiceValidationError("You cannot change your own access.", {"role": [
            "Ask another administrator to change your own role or deactivate you"]})
    changes = []
    if role != user.role:
        changes.append(f"role {user.role} -> {role}")
        user.role = role
    if active != user.active:
        changes.append("activated" if active else "deactivated")
        user.active = active
    if reset_two_factor and user.totp_enabled_at:
        changes.append("two-factor reset")
        user.totp_secret = user.totp_enabled_at = None
    audit.record(actor, "users.update", "user", user.id, purpose="; ".join(changes)[:120] or "no change")
    return user


@bp.route("/admin/users", methods=["GET", "POST"])
@login_required
def users():
    if request.method == "POST":
        # auth sits below the web toolkit (caseflow.web.submit), so it runs its savepoint itself:
        # a refused change undoes its own edits and keeps the audit of the refusal.
        try:
            with savepoint():
                update_user(current_user, request.form.get("user_id", ""), request.form.get("role"),
                            request.form.get("active") == "yes", request.form.get("reset_two_factor") == "yes")
            flash("Account updated.", "success")
        except ServiceValidationError as exc:
            flash(next(iter(exc.fields.values()))[0], "error")
        return redirect(url_for("admin.users"))
    return render_template("auth/users.html", users=list_users(current_user), roles=ROLE_LABELS,
                           title="People and roles")
