"""The database down or dropped mid-request (issue 14, problem 5): a clean 503 that says to try
again, never a 500, and nothing half-written; the API does not claim nothing was lost."""
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select

from caseflow.core.audit import AuditEvent
from caseflow.core.extensions import db
from caseflow.frontdoor.models import RequestForHelp
from tests.conftest import _https_client, csrf_token, sign_in
from tests.frontdoor.test_api_intake import request_body

REFUSING = "postgresql+psycopg://root@127.0.0.1:1/caseflow"  # nothing listens on port 1


@contextmanager
def database_down(app):
    with app.app_context():
        db.configure(REFUSING)
    try:
        yield
    finally:
        with app.app_context():
            db.configure(app.config["DATABASE_URL"])


@contextmanager
def connection_dropped_at_commit(app):
    """The database goes away after the request's writes reached it, as it commits."""
    with app.app_context():
        dialect = db.engine.dialect

    def _gone(connection):
        connection.rollback()  # a server that drops the connection takes its transaction with it
        raise dialect.loaded_dbapi.OperationalError("server closed the connection unexpectedly")

    original = dialect.do_commit
    dialect.do_commit = _gone
    try:
        yield
    finally:
        dialect.do_commit = original


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_a_page_answers_503_when_the_database_is_down_and_works_again_after(client, factory, app):
    user = factory.user("front_door")
    sign_in(client, user)
    with database_down(app):
        response = client.get("/front-door")
        anonymous = client.get("/sign-in")
    for answer in (response, anonymous):
        page = answer.get_data(as_text=True)
        assert answer.status_code == 503 and answer.headers["Retry-After"].isdigit()
        assert "service is unavailable" in page and "Try again in a minute" in page
    assert client.get("/front-door").status_code == 200  # the same session carries on


def test_the_api_answers_503_saying_to_retry_with_the_same_key_not_that_nothing_was_lost(api, factory, app):
    token = factory.token(factory.user("partner_system"))
    with database_down(app):
        response = api.post("/api/v1/requests", token, json=request_body(), headers={"Idempotency-Key": "k-1"})
    assert response.status_code == 503 and response.headers["Retry-After"].isdigit()
    error = response.get_json()["error"]
    assert error["code"] == "service_unavailable"
    assert "may not have been saved" in error["message"] and "same Idempotency-Key" in error["message"]
    assert "lost" not in error["message"]
    retry = api.post("/api/v1/requests", token, json=request_body(), headers={"Idempotency-Key": "k-1"})
    assert retry.status_code == 201 and _count(app, RequestForHelp) == 1


def test_a_connection_dropped_at_commit_answers_503_and_leaves_nothing_half_written(api, factory, app):
    token = factory.token(factory.user("partner_system"))
    audit_before = _count(app, AuditEvent)
    with connection_dropped_at_commit(app):
        response = api.post("/api/v1/requests", token, json=request_body(), headers={"Idempotency-Key": "k-2"})
    assert response.status_code == 503, response.get_data(as_text=True)
    assert "same Idempotency-Key" in response.get_json()["error"]["message"]
    assert _count(app, RequestForHelp) == 0 and _count(app, AuditEvent) == audit_before
    retry = api.post("/api/v1/requests", token, json=request_body(), headers={"Idempotency-Key": "k-2"})
    assert retry.status_code == 201 and _count(app, RequestForHelp) == 1


def test_a_web_form_whose_commit_fails_answers_503_and_saves_nothing(client, factory, app):
    user = factory.user("keyworker")
    sign_in(client, user)
    token = csrf_token(client, "/account/password")
    # A page's commit runs after its view (caseflow.core.unit_of_work); a failure there reaches
    # the error handlers as a 500 wrapping it, as in production (tests otherwise re-raise it).
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        with connection_dropped_at_commit(app):
            response = client.post("/account/password", data={
                "csrf_token": token, "current_password": "correct horse battery staple",
                "new_password": "another long passphrase", "confirm_password": "another long passphrase"})
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
    assert response.status_code == 503
    assert "may not have been saved" in response.get_data(as_text=True)
    # The old password still works: the change was not half-made.
    assert sign_in(_https_client(app), user).status_code == 302


def test_a_database_error_that_is_a_bug_is_still_a_500(app):
    """Only an unusable connection is a 503: a statement the database refuses is not 'try later'."""
    from sqlalchemy.exc import IntegrityError
    from caseflow.app.web import database_unavailable

    assert not database_unavailable(IntegrityError("INSERT", {}, Exception("duplicate key")))
    assert not database_unavailable(ValueError("not a database error"))
