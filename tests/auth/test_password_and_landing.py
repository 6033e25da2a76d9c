"""Changing your own password (and what it does to your other sessions), and where each role
lands after signing in."""
import pytest
from sqlalchemy import select

from caseflow.auth.models import User
from caseflow.core.audit import AuditEvent
from caseflow.core.extensions import db
from tests.conftest import TEST_PASSWORD, _https_client, csrf_token, sign_in

NEW = "another long passphrase"


def change(client, current=TEST_PASSWORD, new=NEW, confirm=NEW):
    token = csrf_token(client, "/account/password")
    return client.post("/account/password", data={"csrf_token": token, "current_password": current,
                                                  "new_password": new, "confirm_password": confirm})


def test_changing_your_password_signs_you_out_everywhere_else(app, factory):
    user = factory.user("front_door")
    laptop, phone = _https_client(app), _https_client(app)
    sign_in(laptop, user)
    sign_in(phone, user)
    assert phone.get("/front-door").status_code == 200
    done = change(laptop)
    assert done.status_code == 302
    assert laptop.get("/front-door").status_code == 200  # this session carries on
    ended = phone.get("/front-door")
    assert ended.status_code == 302 and "/sign-in" in ended.headers["Location"]
    with app.app_context():
        stored = db.session.get(User, user.id).password_hash
        assert stored.startswith("$argon2id$")
        assert "auth.password_changed" in db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.object_id == user.id)).all()
    assert sign_in(_https_client(app), user).status_code == 401
    assert sign_in(_https_client(app), user, password=NEW).status_code == 302


@pytest.mark.parametrize("current, new, confirm, field, message", [
    ("wrong password entirely", NEW, NEW, "current_password", "Enter your current password correctly"),
    (TEST_PASSWORD, "short", "short", "new_password", "12 characters or more"),
    (TEST_PASSWORD, NEW, NEW + "x", "confirm_password", "Enter the same password twice"),
    (TEST_PASSWORD, TEST_PASSWORD, TEST_PASSWORD, "new_password", "different from your current one"),
    (TEST_PASSWORD, "p" * 300, "p" * 300, "new_password", "256 characters or fewer"),
    ("", "", "", "new_password", "Enter a new password"),
])
def test_a_refused_password_change_says_why_and_changes_nothing(client, factory, app, current, new, confirm, field,
                                                                message):
    user = factory.user("keyworker")
    sign_in(client, user)
    response = change(client, current, new, confirm)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and f'href="#{field}"' in html and message in html
    assert client.get("/caseload").status_code == 200  # still signed in
    assert sign_in(_https_client(app), user).status_code == 302  # old password still works


def test_a_nul_in_a_new_password_is_refused_at_the_door_and_changes_nothing(client, factory, app):
    user = factory.user("keyworker")
    sign_in(client, user)
    response = change(client, TEST_PASSWORD, "nul\x00character here", "nul\x00character here")
    assert response.status_code == 400
    assert "Something you entered cannot be saved" in response.get_data(as_text=True)
    assert sign_in(_https_client(app), user).status_code == 302  # old password still works


def test_changing_your_password_needs_a_session_and_the_csrf_token(client, factory):
    user = factory.user("keyworker")
    assert client.get("/account/password").status_code == 302
    sign_in(client, user)
    refused = client.post("/account/password", data={"current_password": TEST_PASSWORD, "new_password": NEW,
                                                      "confirm_password": NEW})
    assert refused.status_code == 400 and "form has expired" in refused.get_data(as_text=True)


@pytest.mark.parametrize("role, home", [
    ("admin", "/admin/users"), ("analyst", "/analysis"), ("keyworker", "/caseload"),
    ("front_door", "/front-door"), ("team_manager", "/front-door"), ("partner", "/families"),
])
def test_each_role_lands_on_a_page_of_its_own_work_it_may_see(client, factory, role, home):
    user = factory.user(role)
    signed = sign_in(client, user)
    assert signed.status_code == 302 and signed.headers["Location"] == home
    assert client.get(home).status_code == 200
    again = client.get("/")  # the start page sends a signed-in person to the same place
    assert again.status_code == 302 and again.headers["Location"] == home
