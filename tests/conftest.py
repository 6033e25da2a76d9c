"""Shared fixtures. Tests run against a real database engine: SQLite by default, PostgreSQL when
CASEFLOW_TEST_DATABASE_URL is set (scripts/test runs the suite on both). The schema is built by
the Alembic migrations, exactly as in production.
"""
from __future__ import annotations

import os
import re
import threading
from contextlib import contextmanager

import pytest
from argon2 import PasswordHasher
from sqlalchemy import event, text

from caseflow.app import create_app
from caseflow.auth import services as auth_services
from caseflow.core.crypto import ensure_key_canary
from caseflow.core.database import Base
from caseflow.core.extensions import db, limiter

TEST_PASSWORD = "correct horse battery staple"


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("CASEFLOW_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'caseflow-test.db'}"


def _reset_schema(url: str) -> None:
    """PostgreSQL test databases are reused between runs: start each run from empty."""
    if not url.startswith("postgresql"):
        return
    from sqlalchemy import create_engine

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1)
                           if url.startswith("postgresql://") else url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


# argon2 with the product's parameters (64 MiB, three passes) takes tens of milliseconds a hash by
# design, and the suite creates thousands of accounts and signs in hundreds of times: the tests
# hash and verify with the same algorithm at its cheapest cost. The product's own parameters are
# kept here and checked by tests/auth/test_sign_in.py.
PRODUCT_PASSWORD_HASHER = auth_services._hasher
_TEST_PASSWORD_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
auth_services._hasher = _TEST_PASSWORD_HASHER
auth_services._DUMMY_HASH = _TEST_PASSWORD_HASHER.hash("a password nobody has")


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    from caseflow.core.migrate import upgrade

    url = _database_url(tmp_path_factory)
    _reset_schema(url)
    instance = tmp_path_factory.mktemp("instance")
    # "development": the suite's PostgreSQL run generates its keys like the embedded default does
    # (production refuses to; tests/test_settings.py covers that).
    application = create_app(instance_path=instance, database_url=url, environment="development")
    application.config.update(TESTING=True)
    with application.app_context():
        upgrade("head")
    return application


def _tables_children_first() -> list[str]:
    # Asked at each clean-up, not at import: the models are all imported once the app is built.
    return [t.name for t in reversed(Base.metadata.sorted_tables)]


_emptying_script: list[str] = []


def _postgresql_emptying_script(conn) -> str:
    if not _emptying_script:
        sequences = conn.execute(text("SELECT relname FROM pg_class WHERE relkind = 'S'")).scalars().all()
        _emptying_script.append("; ".join([f"DELETE FROM {name}" for name in _tables_children_first()]
                                          + [f"ALTER SEQUENCE {name} RESTART" for name in sequences]))
    return _emptying_script[0]


@pytest.fixture(autouse=True)
def _clean_database(request, app):
    """Every test starts with empty tables (schema kept) and fresh rate-limit counters."""
    yield
    db.session.remove()
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # One script of DELETEs (children first) and sequence restarts, in one round trip:
            # a test leaves a few rows in a few tables, and TRUNCATE of every table costs about a
            # second each time (it makes new files for all of them), DELETE a few milliseconds.
            conn.exec_driver_sql(_postgresql_emptying_script(conn))
        else:
            for name in _tables_children_first():
                conn.execute(text(f"DELETE FROM {name}"))
        # As the migrations leave it: the key canary, under the keys in use (a test that
        # rotated keys re-encrypted it under keys it has since put back).
        ensure_key_canary(conn)
    limiter.reset()
    # The audit checkpoints sign the chain that was just emptied: they go with it.
    app.extensions["caseflow.settings"].audit_checkpoint_file.unlink(missing_ok=True)


def _https_client(app):
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"  # as behind the TLS-terminating proxy
    return client


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    # Cookies are Secure; the test client sends them only over https.
    return _https_client(app)


# --- factories --------------------------------------------------------------------------------

class Factory:
    """Creates organisations, users and tokens through the real services."""

    def __init__(self, app):
        self.app = app
        self._n = 0

    def org(self, name: str | None = None, type: str = "early_help"):
        from caseflow.auth.services import create_organisation

        self._n += 1
        with self.app.app_context():
            org = create_organisation(name or f"Organisation {self._n}", type)
            db.session.commit()
            return org

    def user(self, role: str = "front_door", org=None, email: str | None = None,
             name: str | None = None, password: str = TEST_PASSWORD, team=None):
        from caseflow.auth.services import create_team, create_user
        from caseflow.auth.models import Organisation

        self._n += 1
        with self.app.app_context():
            if org is None:
                org_type = {"partner": "school", "partner_system": "police"}.get(role, "early_help")
                org = self.org(type=org_type)
            org = db.session.get(Organisation, org.id)
            team_obj = create_team(team, org) if isinstance(team, str) else team
            user, _ = create_user(email or f"{role}{self._n}@example.gov.uk",
                                  name or f"{role.replace('_', ' ').title()} {self._n}", role,
                                  org.name, password, team=team_obj)
            db.session.commit()
            return user

    def token(self, user) -> str:
        from caseflow.auth.services import create_token

        with self.app.app_context():
            _, token = create_token(user.email)
            db.session.commit()
            return token


@pytest.fixture
def factory(app):
    return Factory(app)


def sign_in(client, user, password: str = TEST_PASSWORD):
    page = client.get("/sign-in")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True))
    token = token or re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    return client.post("/sign-in", data={"email": user.email, "password": password,
                                         "csrf_token": token.group(1)})


def csrf_token(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


@pytest.fixture
def api(app):
    """A JSON client: api.post(path, token, json=...) with the bearer header set."""

    class Api:
        def __init__(self):
            self.client = _https_client(app)

        def _headers(self, token, extra=None):
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            headers.update(extra or {})
            return headers

        def get(self, path, token, **kw):
            return self.client.get(path, headers=self._headers(token, kw.pop("headers", None)), **kw)

        def post(self, path, token, **kw):
            return self.client.post(path, headers=self._headers(token, kw.pop("headers", None)), **kw)

        def put(self, path, token, **kw):
            return self.client.put(path, headers=self._headers(token, kw.pop("headers", None)), **kw)

    return Api()


# --- query counting -----------------------------------------------------------------------------

@contextmanager
def count_queries():
    """Counts SQL statements sent to the database inside the block."""
    statements: list[str] = []

    def _before(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", _before)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", _before)


# --- a real server for the browser ----------------------------------------------------------------

@pytest.fixture(scope="module")
def live_server(app):
    """The app served by a real WSGI server on 127.0.0.1 in a background thread, for one test
    module: its plain-HTTP cookie setting must not outlive the module (the other tests check that
    cookies are Secure)."""
    from werkzeug.serving import make_server

    # Plain HTTP on loopback: cookies cannot be Secure here (they are everywhere else).
    app.config["SESSION_COOKIE_SECURE"] = False
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    app.config["SESSION_COOKIE_SECURE"] = True


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("CASEFLOW_CHROMIUM", "/usr/bin/chromium")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=executable, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="en-GB", timezone_id="Europe/London")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()
