"""CaseFlow: multi-agency case management for Early Help family support.

create_app() is the app factory; nothing else happens at import time.
"""
from __future__ import annotations

from flask import Flask


def create_app(settings=None, **overrides) -> Flask:
    from caseflow.core.settings import Settings

    settings = settings or Settings.from_env(**overrides)
    # "caseflow", not this module: templates and static files live at the package root.
    app = Flask("caseflow", instance_path=str(settings.instance_path), static_folder="static")
    app.config.update(settings.flask_config())
    app.extensions["caseflow.settings"] = settings
    if settings.trusted_proxy_hops:
        # Behind the TLS proxy: the client's address, scheme and host are what the trusted hops
        # say, so rate limits and audit rows see the real client, not the proxy.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = settings.trusted_proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)

    from caseflow.app import observability

    observability.configure_logging(settings)

    from caseflow.core import crypto

    crypto.configure(crypto.load_keys(settings.keys_file))

    import caseflow.policy.rules  # noqa: F401  (registers the access rule of every action)
    from caseflow.core.extensions import csrf, db, limiter, login_manager

    db.init_app(app)
    from caseflow.app import input_guard

    input_guard.init_app(app)  # first: NUL or lone surrogates anywhere answer 400/404, nothing else runs
    from caseflow.core import unit_of_work

    unit_of_work.init_app(app)  # each request commits once, at the end (services only flush)
    csrf.init_app(app)
    from caseflow.core import rate_limits  # noqa: F401  (registers the caseflowdb:// store the limiter may use)

    limiter.init_app(app)
    login_manager.init_app(app)

    from caseflow.app import web as web_setup

    web_setup.init_app(app)
    observability.init_app(app)  # request ids, request log lines, /healthz, /readyz, /metrics

    from caseflow.api import init_app as init_api

    init_api(app)
    _register_blueprints(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from caseflow.agreements.api import bp as agreements_api
    from caseflow.agreements.views import bp as agreements_bp
    from caseflow.allocation.api import bp as allocation_api
    from caseflow.allocation.views import bp as allocation_bp
    from caseflow.admin.views import bp as admin_bp
    from caseflow.auth.views import bp as auth_bp
    from caseflow.readmodels.case_api import bp as cases_api
    from caseflow.readmodels.case_views import bp as cases_bp
    from caseflow.consent.api import bp as consent_api
    from caseflow.consent.views import bp as consent_bp
    from caseflow.directory.api import bp as directory_api
    from caseflow.directory.views import bp as directory_bp
    from caseflow.readmodels.family_api import bp as families_api
    from caseflow.readmodels.family_views import bp as families_bp
    from caseflow.readmodels.report_views import bp as reports_bp
    from caseflow.frontdoor.api import bp as frontdoor_api
    from caseflow.frontdoor.views import bp as frontdoor_bp
    from caseflow.identification.api import bp as identification_api
    from caseflow.identification.views import bp as identification_bp
    from caseflow.imports.api import bp as imports_api
    from caseflow.imports.views import bp as imports_bp
    from caseflow.notify.api import bp as notify_api
    from caseflow.notify.admin_views import bp as notify_admin_bp
    from caseflow.notify.views import bp as notify_bp
    from caseflow.notify import concerns  # noqa: F401  (hears of each request for help: concern patterns)
    from caseflow.oversight.api import bp as oversight_api
    from caseflow.oversight.views import bp as oversight_bp
    from caseflow.panels.api import bp as panels_api
    from caseflow.panels.views import bp as panels_bp
    from caseflow.practice.views import bp as practice_bp
    from caseflow.plans.api import bp as plans_api
    from caseflow.plans.views import bp as plans_bp
    from caseflow.outcomes.api import bp as outcomes_api
    from caseflow.outcomes.views import bp as outcomes_bp
    from caseflow.records.api import bp as records_api
    from caseflow.records.views import bp as records_bp
    from caseflow.socialcare.api import bp as socialcare_api
    from caseflow.socialcare.views import bp as socialcare_bp
    from caseflow.triage.api import bp as triage_api
    from caseflow.triage.views import bp as triage_bp

    for bp in (auth_bp, admin_bp, families_bp, frontdoor_bp, cases_bp, triage_bp, panels_bp, allocation_bp, plans_bp,
               socialcare_bp, consent_bp, notify_bp, notify_admin_bp, agreements_bp, outcomes_bp, records_bp,
               oversight_bp, practice_bp, reports_bp, imports_bp, identification_bp, directory_bp):
        app.register_blueprint(bp)
    # allocation_api before cases_api: /cases/unallocated must not be read as a case id.
    for bp in (families_api, frontdoor_api, triage_api, panels_api, allocation_api, plans_api, socialcare_api, consent_api,
               cases_api, notify_api, agreements_api, outcomes_api, records_api, oversight_api, identification_api,
               directory_api, imports_api):
        app.register_blueprint(bp)
