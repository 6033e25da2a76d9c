"""Sign in and out. Lockout and password checks live in auth.services."""
from __future__ import annotations

from urllib.parse import urlparse

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from caseflow.auth import services, two_factor
from caseflow.auth.forms import SignInForm
from caseflow.core.roles import Role
from caseflow.core import audit
from caseflow.core.database import utcnow
from caseflow.core.extensions import limiter, sign_in_account_key
from caseflow.core.errors import ServiceValidationError
from caseflow.core.unit_of_work import savepoint

bp = Blueprint("auth", __name__, template_folder="templates")


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parsed = urlparse(target)
    return target if not parsed.scheme and not parsed.netloc and target.startswith("/") else None


# Where each role starts after signing in: a page of their own work they are allowed to see
# (administrators and analysts may not search families; a keyworker's day starts at their caseload;
# an analyst's at their workspace of dashboards and extracts).
HOME_PAGES = {
    Role.FRONT_DOOR: "frontdoor.queue", Role.TEAM_MANAGER: "frontdoor.queue", Role.PANEL_CHAIR: "frontdoor.queue",
    Role.KEYWORKER: "allocation.caseload",
    Role.ADMIN: "admin.users",
    Role.ANALYST: "reports.workspace",
}


def home_for(user) -> str:
    return url_for(HOME_PAGES.get(user.role, "families.search"))


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    return render_template("auth/start.html")


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.extensions["caseflow.settings"].login_rate_limit, methods=["POST"])
@limiter.limit(lambda: current_app.extensions["caseflow.settings"].login_rate_limit, methods=["POST"],
               key_func=sign_in_account_key, scope="sign-in-account")
def sign_in():
    form = SignInForm()
    error = None
    if form.validate_on_submit():
        result = services.authenticate(form.email.data, form.password.data)
        if result.user is not None:
            session.clear()  # new session id on sign-in: no fixation
            session.permanent = True
            target = _safe_next(request.args.get("next")) or home_for(result.user)
            if result.user.totp_enabled_at is not None:  # the password alone is not enough
                session["pending_user"], session["pending_next"] = result.user.id, target
                session["pending_at"] = utcnow().timestamp()
                return redirect(url_for("auth.sign_in_code"))
            _complete_sign_in(result.user)
            if two_factor.needs_enrolment(result.user, current_app.extensions["caseflow.settings"]):
                return redirect(url_for("auth.two_factor_setup"))
            return redirect(target)
        error = result.error
        form.password.errors.append(error)
    return render_template("auth/sign_in.html", form=form, error=error), (200 if request.method == "GET" or not error else 401)


def _complete_sign_in(user) -> None:
    login_user(user)
    session["last_seen"] = utcnow().timestamp()


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Current password, then the new one twice. Every other session of the account ends; this
    one carries on under the new session version."""
    errors = {}
    if request.method == "POST":
        form = request.form
        try:
            with savepoint():  # a refused change keeps only the audit of the attempt
                services.change_password(current_user, form.get("current_password"), form.get("new_password"),
                                         form.get("confirm_password"))
        except ServiceValidationError as exc:
            errors = {field: messages[0] for field, messages in exc.fields.items()}
        else:
            login_user(current_user._get_current_object())  # this session: the new version
            flash("Your password has been changed. Any other place you were signed in has been signed out.",
                  "success")
            return redirect(home_for(current_user))
    return render_template("auth/change_password.html", errors=errors, title="Change your password",
                           forced=current_user.must_change_password,
                           min_length=services.MIN_PASSWORD_LENGTH), (400 if errors else 200)


@bp.route("/sign-in/code", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.extensions["caseflow.settings"].login_rate_limit, methods=["POST"])
@limiter.limit(lambda: current_app.extensions["caseflow.settings"].login_rate_limit, methods=["POST"],
               key_func=sign_in_account_key, scope="sign-in-account")
def sign_in_code():
    """The second step: the code from the authenticator app, within 5 minutes of the password."""

    user_id, started = session.get("pending_user"), session.get("pending_at", 0)
    if not user_id and current_user.is_authenticated:
        return redirect(home_for(current_user))  # already signed in: nothing to confirm
    if not user_id or utcnow().timestamp() - started > 300:
        for key in ("pending_user", "pending_at", "pending_next"):
            session.pop(key, None)
        flash("Sign in again: the code must follow your password within 5 minutes.", "info")
        return redirect(url_for("auth.sign_in"))
    error = None
    if request.method == "POST":
        user = services.check_second_factor(user_id, request.form.get("code"))
        if user is not None:
            target = session.get("pending_next") or home_for(user)
            session.clear()
            session.permanent = True
            _complete_sign_in(user)
            return redirect(target)
        error = "Enter the 6-digit code your authenticator app shows now"
    return render_template("auth/code.html", error=error, title="Enter your code"), (401 if error else 200)


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
def two_factor_setup():
    if current_user.totp_enabled_at is not None:
        return render_template("auth/two_factor.html", enabled=True, title="Two-factor sign-in")
    secret = session.get("totp_setup") or two_factor.new_secret()
    session["totp_setup"] = secret
    error = None
    if request.method == "POST":
        try:
            with savepoint():  # a wrong code changes nothing; the audit of the attempt is kept
                two_factor.enable(current_user, secret, request.form.get("code"))
        except ServiceValidationError as exc:
            error = exc.fields["code"][0]
        else:
            session.pop("totp_setup", None)
            flash("Two-factor sign-in is on. You will need your app each time you sign in.", "success")
            return redirect(home_for(current_user))
    uri = two_factor.provisioning_uri(current_user, secret)
    return render_template("auth/two_factor.html", enabled=False, secret=secret, qr=two_factor.qr_svg(uri),
                           error=error, title="Set up two-factor sign-in"), (400 if error else 200)


@bp.route("/sign-out", methods=["POST"])
@login_required
def sign_out():
    audit.record(current_user, "auth.sign_out", "user", current_user.id)
    services.end_sessions(current_user)  # a copy of this cookie no longer signs anyone in
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.sign_in"))
