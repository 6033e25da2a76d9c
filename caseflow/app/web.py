"""Jinja with GOV.UK Frontend macros, Flask-Login wiring, security headers and error pages."""
from __future__ import annotations

import secrets

from flask import Flask, g, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from caseflow.core import timescales
from caseflow.core.roles import ORG_TYPE_LABELS, ROLE_LABELS
from caseflow.core.access import AccessDenied
from caseflow.core.extensions import db, login_manager
from caseflow.core.unit_of_work import discard_changes
from caseflow.core.stages import STAGE_LABELS
from caseflow.core.errors import NotFound, ServiceValidationError
from caseflow.web.navigation import navigation as service_navigation


def init_app(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader([
        app.jinja_loader,
        PrefixLoader({
            "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
            "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
        }),
    ])
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    WTFormsHelpers(app)
    app.add_template_filter(timescales.format_uk_date, "uk_date")
    app.add_template_filter(timescales.format_uk_datetime, "uk_datetime")
    app.add_template_filter(timescales.format_uk_month, "uk_month")
    app.add_template_filter(timescales.format_hours, "hours_minutes")
    app.add_template_global(ROLE_LABELS, "ROLE_LABELS")
    app.add_template_global(ORG_TYPE_LABELS, "ORG_TYPE_LABELS")
    app.add_template_global(STAGE_LABELS, "STAGE_LABELS")

    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def _load_user(session_id: str):
        from caseflow.auth.models import User

        # "<user id>:<session version>" (User.get_id). A session signed in before the password
        # was changed or reset carries an old version and loads no one: it is signed out.
        user_id, _, version = session_id.partition(":")
        user = db.session.get(User, user_id)
        if user is None or str(user.session_version or 0) != (version or "0"):
            return None
        return user

    @app.before_request
    def _per_request():
        g.csp_nonce = secrets.token_urlsafe(16)
        return _session_rules()

    @app.after_request
    def _security_headers(response):
        nonce = getattr(g, "csp_nonce", "")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; "
            f"script-src 'self' 'nonce-{nonce}'; object-src 'none'; base-uri 'self'; "
            "frame-ancestors 'none'; form-action 'self'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "geolocation=(), camera=(), microphone=()")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if current_user.is_authenticated and not request.path.startswith("/static"):
            response.headers.setdefault("Cache-Control", "no-store")  # personal data: never cache
        return response

    @app.context_processor
    def _template_context():
        def inbox_count():  # called only by the navigation, so pages without it pay nothing
            from caseflow.notify.services import unacknowledged_count

            if not current_user.is_authenticated:
                return 0
            # Counted once a request: the navigation is rendered by more than one template block.
            if "inbox_count" not in g:
                g.inbox_count = unacknowledged_count(current_user)
            return g.inbox_count

        def navigation():  # the service navigation's links, for signed-in pages
            return service_navigation(current_user.role, request.endpoint, inbox_count)

        # The council's name and contacts, as the area configured them, for the public pages.
        return {"csp_nonce": getattr(g, "csp_nonce", ""), "inbox_count": inbox_count, "navigation": navigation,
                "council": app.extensions["caseflow.settings"]}

    # Refusals and unknown ids answer with a 4xx page: whatever the request had changed is
    # thrown away, but its audit events (the refusal itself, the reads before it) are kept, for
    # the request's unit of work to commit (caseflow.core.unit_of_work).

    @app.errorhandler(AccessDenied)
    def _denied(exc: AccessDenied):
        discard_changes()
        if request.path.startswith("/api/"):
            from caseflow.api.errors import error_response

            return error_response(403, "forbidden", exc.decision.reason)
        from flask_login import current_user

        glass = exc.family_id if getattr(current_user, "role", None) == "team_manager" else None
        return render_template("errors/403.html", reason=exc.decision.reason, break_glass_family=glass), 403

    @app.errorhandler(NotFound)
    def _not_found(exc: NotFound):
        # Services raise NotFound for unknown ids; pages answer with the 404 page (the API's
        # endpoint() wrapper turns it into a 404 envelope before it gets here).
        discard_changes()
        if request.path.startswith("/api/"):
            from caseflow.api.errors import error_response

            return error_response(404, "not_found", str(exc))
        return render_template("errors/404.html"), 404

    @app.errorhandler(ServiceValidationError)
    def _invalid(exc: ServiceValidationError):
        # A page that does not show a service's validation errors on its form (or a column's
        # limit the form did not know): a 400 that says what was wrong, never a 500.
        discard_changes()
        messages = [m for ms in exc.fields.values() for m in ms]
        if request.path.startswith("/api/"):
            from caseflow.api.errors import error_response

            return error_response(422, "validation_failed", str(exc), exc.fields)
        return render_template("errors/400.html", message=" ".join([str(exc), *messages])), 400

    @app.errorhandler(DataError)
    def _data_error(exc: DataError):
        # The database refused a value (PostgreSQL: out of range, too long, not encodable) that
        # every check before it let through. The input was bad, not the service: a 400, logged
        # so the missing check can be added where it belongs.
        app.logger.warning("database refused a value: %s", exc.orig)
        db.session.rollback()
        if request.path.startswith("/api/"):
            from caseflow.api.errors import error_response

            return error_response(400, "malformed", "A value sent cannot be stored (too long, too large or not valid text).")
        return render_template("errors/400.html", message="Something you entered cannot be saved: check for very long or unusual text."), 400

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        discard_changes()
        return render_template(
            "errors/400.html",
            message="This form has expired or was not sent from CaseFlow. Go back, refresh the page and try again.",
        ), 400

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        # A failure outside the view (the commit after the response) arrives wrapped in a 500.
        if database_unavailable(getattr(exc, "original_exception", None)):
            return _database_error(exc.original_exception)
        discard_changes()  # e.g. abort(400) part-way through a view
        # The exception's own headers (Allow on a 405, Retry-After...) go with our body.
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
        if request.path.startswith("/api/"):
            from caseflow.api.errors import error_response

            body, code = error_response(exc.code or 500, (exc.name or "error").lower().replace(" ", "_"),
                                        exc.description or exc.name)
            return body, code, headers
        template = {403: "errors/403.html", 404: "errors/404.html", 429: "errors/429.html"}.get(
            exc.code, "errors/400.html")
        return render_template(template, message=exc.description, reason=exc.description), exc.code, headers

    @app.errorhandler(DBAPIError)
    def _database_error(exc: DBAPIError):
        # The database cannot be reached (down, restarting, the connection dropped mid-request):
        # a 503 that says to try again, not a 500. Whatever the request had written is rolled
        # back with its transaction, so a retry starts clean. Any other database error is a bug.
        if not database_unavailable(exc):
            return _unexpected(exc)
        app.logger.error("database unavailable: %s", exc.orig)
        _rollback_quietly()
        # Render as nobody: the page must not need the database it says is down (the signed-in
        # user, the inbox count in the navigation).
        g._login_user = login_manager.anonymous_user()
        headers = {"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)}
        if request.path.startswith("/api/"):
            from caseflow.api.errors import error_response

            body, code = error_response(503, "service_unavailable", DATABASE_DOWN_API_MESSAGE)
            return body, code, headers
        return render_template("errors/503.html"), 503, headers

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        app.logger.exception("unhandled error")
        _rollback_quietly()  # a 500 keeps nothing, not even its audit events
        if request.path.startswith("/api/"):
            from caseflow.api.errors import error_response

            # We cannot know what was kept (the failure may be the commit itself): the sender
            # retries with the same Idempotency-Key, which returns the first result if there was one.
            return error_response(500, "internal_error", "Something went wrong on our side. Your request may not "
                                  "have been saved: send it again with the same Idempotency-Key.")
        return render_template("errors/500.html"), 500


DATABASE_RETRY_AFTER_SECONDS = 30
DATABASE_DOWN_API_MESSAGE = ("The service cannot reach its database just now. Your request may not have been "
                             "saved: send it again in a minute with the same Idempotency-Key.")


def database_unavailable(exc: BaseException | None) -> bool:
    """The database could not be used at all (refused or dropped connection), as opposed to a
    statement it refused: those are the caller's bad input (DataError) or our bug."""
    return isinstance(exc, DBAPIError) and (
        bool(exc.connection_invalidated) or isinstance(exc, (OperationalError, InterfaceError)))


def _rollback_quietly() -> None:
    try:
        db.session.rollback()
    except Exception:  # the connection is already gone: there is nothing left to undo
        db.session.remove()



SIGNED_IN_EXEMPT = {"static", "auth.sign_out", "auth.two_factor_setup", "auth.sign_in", "auth.sign_in_code", "health",
                    "ready", "metrics", "auth.change_password", "frontdoor.privacy", "frontdoor.accessibility",
                    "frontdoor.cookies"}


def _session_rules():
    """Staff sessions end after the configured idle time (checked on the server, not left to the
    cookie's expiry), and staff who must use two-factor sign-in set it up before anything else."""
    from flask import current_app, flash, redirect, request, session, url_for
    from flask_login import current_user, logout_user

    from caseflow.auth import two_factor
    from caseflow.core.database import utcnow

    if request.blueprint and request.blueprint.endswith("_api") or not current_user.is_authenticated:
        return None
    settings = current_app.extensions["caseflow.settings"]
    now = utcnow().timestamp()
    last = session.get("last_seen")
    if last is not None and now - last > settings.session_idle_minutes * 60:
        logout_user()
        session.clear()
        flash(f"You were signed out after {settings.session_idle_minutes} minutes without activity, to protect "
              "families' information. Sign in again to carry on.", "info")
        return redirect(url_for("auth.sign_in", next=request.full_path if request.method == "GET" else None))
    session["last_seen"] = now
    if request.endpoint not in SIGNED_IN_EXEMPT and current_user.must_change_password:
        return redirect(url_for("auth.change_password"))
    if request.endpoint not in SIGNED_IN_EXEMPT and two_factor.needs_enrolment(current_user, settings):
        return redirect(url_for("auth.two_factor_setup"))
    return None

