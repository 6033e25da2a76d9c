"""Running CaseFlow for real (issue 15): settings that fail closed, readiness, keys that must fit
the database, request ids and logs, metrics, proxies and rate limits, backups."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from caseflow.core.settings import Settings, SettingsError
from tests.conftest import TEST_PASSWORD, _https_client, csrf_token

CASEFLOW = str(Path(sys.executable).parent / "caseflow")


@pytest.fixture
def clean_env(monkeypatch):
    """No CASEFLOW_ setting from the surrounding shell leaks into a settings test."""
    for name in [n for n in os.environ if n.startswith("CASEFLOW_") and not n.startswith("CASEFLOW_TEST_")]:
        monkeypatch.delenv(name)
    return monkeypatch


# --- settings -----------------------------------------------------------------------------------

@pytest.mark.parametrize("variable", ["CASEFLOW_SECURE_COOKIES", "CASEFLOW_REQUIRE_TOTP"])
def test_a_misspelt_true_or_false_stops_start_up_naming_the_variable(clean_env, tmp_path, variable):
    clean_env.setenv(variable, "ture")  # fell back to insecure cookies / no two-factor before
    with pytest.raises(SettingsError, match=f"{variable} must be true or false, not 'ture'"):
        Settings.from_env(instance_path=tmp_path)


def test_a_misspelt_setting_name_stops_start_up_and_suggests_the_right_one(clean_env, tmp_path):
    clean_env.setenv("CASEFLOW_SECURE_COOKIE", "false")
    with pytest.raises(SettingsError, match="CASEFLOW_SECURE_COOKIE is not a CaseFlow setting; "
                                            "did you mean CASEFLOW_SECURE_COOKIES"):
        Settings.from_env(instance_path=tmp_path)


@pytest.mark.parametrize("variable, value, message", [
    ("CASEFLOW_API_RATE_LIMIT", "lots", "rate limits such as"),
    ("CASEFLOW_REDIS_URL", "127.0.0.1:6379", "must be a URL starting redis://"),
    ("CASEFLOW_TRUSTED_PROXY_HOPS", "-1", "whole number from 0 to 10"),
    ("CASEFLOW_LOG_FORMAT", "xml", "must be one of json, text"),
    ("CASEFLOW_ENVIRONMENT", "prod", "must be one of production, development"),
])
def test_values_that_are_not_understood_stop_start_up(clean_env, tmp_path, variable, value, message):
    clean_env.setenv(variable, value)
    with pytest.raises(SettingsError, match=f"{variable}.*{message}"):
        Settings.from_env(instance_path=tmp_path)


def test_production_takes_its_keys_from_configuration_and_never_generates_them(clean_env, tmp_path):
    clean_env.setenv("CASEFLOW_DATABASE_URL", "postgresql://caseflow@db.internal/caseflow")
    with pytest.raises(SettingsError, match="CASEFLOW_SECRET_KEY must be set in production"):
        Settings.from_env(instance_path=tmp_path)
    clean_env.setenv("CASEFLOW_SECRET_KEY", "s" * 48)
    with pytest.raises(SettingsError, match="CASEFLOW_KEYS_FILE .* must be set in production"):
        Settings.from_env(instance_path=tmp_path)
    clean_env.setenv("CASEFLOW_KEYS_FILE", str(tmp_path / "missing.json"))
    with pytest.raises(SettingsError, match="does not exist"):
        Settings.from_env(instance_path=tmp_path)
    clean_env.setenv("CASEFLOW_ENCRYPTION_KEYS", Fernet.generate_key().decode())
    clean_env.setenv("CASEFLOW_SECURE_COOKIES", "false")
    with pytest.raises(SettingsError, match="CASEFLOW_SECURE_COOKIES=false is refused in production"):
        Settings.from_env(instance_path=tmp_path)
    clean_env.delenv("CASEFLOW_SECURE_COOKIES")
    settings = Settings.from_env(instance_path=tmp_path)
    assert settings.production and settings.log_format.value == "json"
    assert not (tmp_path / "secret_key").exists() and not (tmp_path / "keys.json").exists()


def test_production_on_the_embedded_database_is_refused(clean_env, tmp_path):
    clean_env.setenv("CASEFLOW_ENVIRONMENT", "production")
    with pytest.raises(SettingsError, match="production runs on PostgreSQL"):
        Settings.from_env(instance_path=tmp_path)


def _cli_env(app, **extra) -> dict:
    settings = app.extensions["caseflow.settings"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEFLOW_") or k.startswith("CASEFLOW_TEST_")}
    env.update({"CASEFLOW_DATABASE_URL": settings.database_url, "CASEFLOW_KEYS_FILE": str(settings.keys_file),
                "CASEFLOW_INSTANCE_PATH": str(settings.instance_path), "CASEFLOW_SECRET_KEY": settings.secret_key})
    env.update(extra)
    return env


def _caseflow(env, *args, timeout=120):
    return subprocess.run([CASEFLOW, *args], env=env, capture_output=True, text=True, timeout=timeout)


def test_the_command_line_stops_on_a_bad_setting_and_check_reports_every_verdict(app):
    refused = _caseflow(_cli_env(app, CASEFLOW_SECURE_COOKIES="ture"), "check")
    assert refused.returncode == 2
    assert "CASEFLOW_SECURE_COOKIES must be true or false" in refused.stderr
    checked = _caseflow(_cli_env(app), "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    for line in ("database: ok", "migrations: ok", "keys: ok (the configured keys decrypt this database)"):
        assert line in checked.stdout


def test_check_reports_an_unmigrated_database(app, tmp_path):
    env = _cli_env(app, CASEFLOW_DATABASE_URL=f"sqlite:///{tmp_path / 'empty.db'}", CASEFLOW_ENVIRONMENT="development")
    checked = _caseflow(env, "check")
    assert checked.returncode == 1
    assert "migrations: FAILED (database at no revision" in checked.stdout and "caseflow db upgrade" in checked.stdout


# --- keys that fit the database -------------------------------------------------------------------

def test_a_server_with_other_keys_refuses_to_start_and_says_why(app):
    """A second server with its own instance folder (so its own keys) used to start, say healthy
    and answer 500 on the first family it opened."""
    other_keys = _cli_env(app, CASEFLOW_ENCRYPTION_KEYS=Fernet.generate_key().decode())
    worker = _caseflow(other_keys, "worker", "--burst")
    assert worker.returncode != 0
    assert "cannot decrypt this database's data" in worker.stderr
    checked = _caseflow(other_keys, "check")
    assert checked.returncode == 1 and "keys: FAILED" in checked.stdout


def test_readiness_fails_with_other_keys_and_passes_with_the_right_ones(app, client):
    from caseflow.core import crypto
    from caseflow.core.readiness import refuse_to_start_unless_fit

    assert client.get("/readyz").status_code == 200
    keys = crypto.current_keys()
    crypto.configure([Fernet.generate_key().decode()])
    try:
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.get_json()["checks"]["keys"]["ok"] is False
        with pytest.raises(SystemExit, match="keys: the configured encryption keys cannot decrypt"):
            refuse_to_start_unless_fit(app)
    finally:
        crypto.configure(keys)


# --- health and readiness ---------------------------------------------------------------------------

def test_healthz_says_the_process_is_alive_and_readyz_checks_what_it_depends_on(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    checks = ready.get_json()["checks"]
    assert {name for name, verdict in checks.items() if verdict["ok"]} == {"database", "migrations", "keys"}


def test_readyz_is_not_ready_when_redis_is_configured_but_unreachable(app, client):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once the probe closes
    settings = app.extensions["caseflow.settings"]
    settings.redis_url = f"redis://127.0.0.1:{port}/0"
    try:
        ready = client.get("/readyz")
    finally:
        settings.redis_url = None
    assert ready.status_code == 503
    checks = ready.get_json()["checks"]
    assert checks["redis"]["ok"] is False and checks["workers"]["ok"] is False
    assert checks["database"]["ok"] is True


# --- request ids, logs ------------------------------------------------------------------------------

def _last_audit_event(app):
    from caseflow.core.audit import AuditEvent
    from caseflow.core.extensions import db

    with app.app_context():
        event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        db.session.remove()
        return event


def test_every_response_names_its_request_and_the_audit_row_carries_the_same_id(app, api, factory):
    user = factory.user("keyworker")
    token = factory.token(user)
    # A client that is not a trusted proxy can neither choose its id nor its address.
    response = api.get("/api/v1/inbox", token, headers={"X-Request-ID": "chosen-by-the-client-1",
                                                        "X-Forwarded-For": "203.0.113.9"})
    assert response.status_code == 200
    request_id = response.headers["X-Request-ID"]
    assert request_id and request_id != "chosen-by-the-client-1"
    event = _last_audit_event(app)
    assert event.actor_id == user.id and event.request_id == request_id and event.ip == "127.0.0.1"


def test_request_log_lines_are_json_with_the_request_id_and_never_the_query_string(app, api, factory, capsys):
    from dataclasses import replace

    from caseflow.app import observability
    from caseflow.core.settings import LogFormat

    settings = app.extensions["caseflow.settings"]
    observability.configure_logging(replace(settings, log_format=LogFormat.JSON))
    try:
        token = factory.token(factory.user("keyworker"))
        capsys.readouterr()
        response = api.get("/api/v1/families?name=Walsh", token)
        err = capsys.readouterr().err
    finally:
        observability.configure_logging(settings)
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    requests = [line for line in lines if line.get("event") == "request"]
    assert requests, err
    line = requests[-1]
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert line["route"] == "/api/v1/families" and line["status"] == response.status_code
    assert line["level"] == "INFO" and "duration_ms" in line
    assert "Walsh" not in err  # search terms are personal data: never logged


# --- behind the proxy ---------------------------------------------------------------------------------

@pytest.fixture
def proxied(app):
    """The same database and keys, served as behind one trusted TLS proxy."""
    from caseflow.app import create_app

    settings = app.extensions["caseflow.settings"]
    behind = create_app(instance_path=settings.instance_path, database_url=app.config["DATABASE_URL"],
                        environment="development", trusted_proxy_hops=1, login_rate_limit="3 per minute",
                        api_rate_limit="3 per minute")
    behind.config.update(TESTING=True)
    yield behind
    from caseflow.core.extensions import db

    db.configure(app.config["DATABASE_URL"])  # give the suite's app its engine back


def _sign_in_from(client, address: str, email: str, password: str):
    token = csrf_token(client, "/sign-in")
    return client.post("/sign-in", data={"email": email, "password": password, "csrf_token": token},
                       headers={"X-Forwarded-For": address})


def test_behind_a_trusted_proxy_audit_rows_record_the_real_client(proxied, factory):
    user = factory.user("keyworker")
    token = factory.token(user)
    client = _https_client(proxied)
    response = client.get("/api/v1/inbox", headers={"Authorization": f"Bearer {token}",
                                                    "X-Forwarded-For": "203.0.113.9",
                                                    "X-Request-ID": "proxy-request-0001"})
    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == "proxy-request-0001"  # the trusted proxy names requests
    event = _last_audit_event(proxied)
    assert event.ip == "203.0.113.9" and event.request_id == "proxy-request-0001"


def test_sign_in_limits_count_per_client_address_not_for_the_whole_council(proxied, factory):
    users = [factory.user("keyworker") for _ in range(4)]
    client = _https_client(proxied)
    for user in users[:3]:
        assert _sign_in_from(client, "203.0.113.9", user.email, "wrong password").status_code == 401
    assert _sign_in_from(client, "203.0.113.9", users[3].email, "wrong password").status_code == 429
    # A colleague at another address signs in normally: before, everyone behind the proxy shared a count.
    assert _sign_in_from(_https_client(proxied), "203.0.113.10", users[3].email, TEST_PASSWORD).status_code == 302


def test_sign_in_limits_also_count_per_account_across_addresses(proxied, factory):
    user = factory.user("keyworker")
    for n in range(3):
        assert _sign_in_from(_https_client(proxied), f"198.51.100.{n}", user.email, "wrong").status_code == 401
    assert _sign_in_from(_https_client(proxied), "198.51.100.50", user.email, "wrong").status_code == 429


def test_api_limits_count_per_token(proxied, factory):
    first, second = factory.token(factory.user("keyworker")), factory.token(factory.user("keyworker"))
    client = _https_client(proxied)
    for _ in range(3):
        assert client.get("/api/v1/inbox", headers={"Authorization": f"Bearer {first}"}).status_code == 200
    assert client.get("/api/v1/inbox", headers={"Authorization": f"Bearer {first}"}).status_code == 429
    # Another system calling from the same address has its own allowance.
    assert client.get("/api/v1/inbox", headers={"Authorization": f"Bearer {second}"}).status_code == 200


# --- metrics ----------------------------------------------------------------------------------------

def test_metrics_show_requests_and_the_queue_to_the_loopback_or_a_token_holder(app, client, proxied):
    client.get("/healthz")
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    text = metrics.get_data(as_text=True)
    assert "caseflow_http_requests_total" in text and "caseflow_http_request_duration_seconds_bucket" in text
    assert "caseflow_oldest_undelivered_seconds" in text and "caseflow_dead_letters" in text
    outside = _https_client(proxied)
    assert outside.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 403
    settings = proxied.extensions["caseflow.settings"]
    settings.metrics_token = "m" * 32
    assert outside.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 401
    scraped = outside.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9", "Authorization": "Bearer " + "m" * 32})
    assert scraped.status_code == 200


# --- backups ------------------------------------------------------------------------------------------

@pytest.fixture
def empty_database(app, tmp_path):
    """An empty database of the suite's engine, made for this test and removed after it."""
    url = app.config["DATABASE_URL"]
    if url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    import psycopg
    from sqlalchemy.engine import make_url

    name = "cf_restore_" + uuid.uuid4().hex[:12]
    server = make_url(url).set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_backup_restores_into_an_empty_database_with_its_audit_chain_intact(app, api, factory, tmp_path,
                                                                                empty_database):
    token = factory.token(factory.user("keyworker", name="Dana Okafor"))
    assert api.get("/api/v1/inbox", token).status_code == 200  # an audited read to carry over
    backup_file, keys_file = tmp_path / "caseflow.backup", tmp_path / "keys-copy.json"
    made = _caseflow(_cli_env(app), "backup", "--to", str(backup_file), "--keys-to", str(keys_file))
    assert made.returncode == 0, made.stderr
    assert backup_file.stat().st_size > 0 and oct(keys_file.stat().st_mode)[-3:] == "600"
    assert "Fernet" not in backup_file.read_bytes().decode("latin-1")  # sanity: keys are not in it
    settings = app.extensions["caseflow.settings"]
    assert json.loads(keys_file.read_text())["fernet_keys"][0] not in backup_file.read_bytes().decode("latin-1")
    assert settings.keys_file.exists()

    target = _cli_env(app, CASEFLOW_DATABASE_URL=empty_database, CASEFLOW_KEYS_FILE=str(keys_file))
    restored = _caseflow(target, "restore", "--from", str(backup_file))
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "keys: ok" in restored.stdout and "chain intact" in restored.stdout
    verified = _caseflow(target, "audit", "verify")
    assert verified.returncode == 0 and "chain intact" in verified.stdout
    # The restored database holds the people, decryptable with the keys backed up beside it.
    checked = _caseflow(target, "check")
    assert checked.returncode == 0, checked.stdout
    again = _caseflow(target, "restore", "--from", str(backup_file))
    assert again.returncode == 2 and "the database is not empty" in again.stderr
