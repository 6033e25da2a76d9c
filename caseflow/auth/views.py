"""Sign in and out. Lockout and password checks live in auth.services."""
from __future__ import annotations

from urllib.parse import urlparse

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from caseflow.auth import services
from caseflow.auth.forms import SignInForm
from caseflow.auth.roles import Role
from caseflow.consent import audit
from caseflow.extensions import db, limiter

bp = Blueprint("auth", __name__, template_folder="templates")


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parsed = urlparse(target)
    return target if not parsed.scheme and not parsed.netloc and target.startswith("/") else None


def home_for(user) -> str:
    if user.role in {Role.FRONT_DOOR, Role.TEAM_MANAGER, Role.PANEL_CHAIR}:
        return url_for("frontdoor.queue")
    return url_for("families.search")


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    return render_template("auth/start.html")


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.extensions["caseflow.settings"].login_rate_limit, methods=["POST"])
def sign_in():
    form = SignInForm()
    error = None
    if form.validate_on_submit():
        result = services.authenticate(form.email.data, form.password.data)
        db.session.commit()
        if result.user is not None:
            session.clear()  # new session id on sign-in: no fixation
            session.permanent = True
            login_user(result.user)
            return redirect(_safe_next(request.args.get("next")) or home_for(result.user))
        error = result.error
        form.password.errors.append(error)
    return render_template("auth/sign_in.html", form=form, error=error), (200 if request.method == "GET" or not error else 401)


@bp.route("/sign-out", methods=["POST"])
@login_required
def sign_out():
    audit.record(current_user, "auth.sign_out", "user", current_user.id)
    db.session.commit()
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.sign_in"))
