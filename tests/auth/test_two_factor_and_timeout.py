"""Two-factor sign-in for staff and the idle session timeout."""
from datetime import datetime, timedelta, timezone

import pyotp
import time_machine

from tests.conftest import csrf_token, sign_in


def enrol(client, user):
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "<svg" in page  # the QR code, inline
    secret = page.split('class="cf-key">')[1].split("<")[0]
    token = csrf_token(client, "/account/two-factor")
    wrong = client.post("/account/two-factor", data={"csrf_token": token, "code": "000000"})
    assert wrong.status_code == 400 and "6-digit code" in wrong.get_data(as_text=True)
    done = client.post("/account/two-factor", data={"csrf_token": token, "code": pyotp.TOTP(secret).now()})
    assert done.status_code == 302
    return secret


def test_with_two_factor_on_the_password_alone_does_not_sign_in(client, factory, app):
    user = factory.user("keyworker")
    with time_machine.travel(datetime.now(timezone.utc) - timedelta(seconds=30), tick=False):
        sign_in(client, user)  # half a minute ago: the code typed at enrolment is spent (a
        secret = enrol(client, user)  # code works once), so sign-in takes the next one
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/account/two-factor")})
    step_one = sign_in(client, user)
    assert step_one.status_code == 302 and step_one.headers["Location"].endswith("/sign-in/code")
    assert client.get("/caseload").status_code == 302  # not signed in yet
    token = csrf_token(client, "/sign-in/code")
    assert client.post("/sign-in/code", data={"csrf_token": token, "code": "123456"}).status_code == 401
    done = client.post("/sign-in/code", data={"csrf_token": token, "code": pyotp.TOTP(secret).now()})
    assert done.status_code == 302 and client.get("/caseload").status_code == 200


def test_when_required_staff_set_up_two_factor_before_anything_else(client, factory, app):
    settings = app.extensions["caseflow.settings"]
    settings.require_totp = True
    try:
        user = factory.user("front_door")
        response = sign_in(client, user)
        assert response.headers["Location"].endswith("/account/two-factor")
        assert client.get("/front-door").headers["Location"].endswith("/account/two-factor")
        # The health check answers a monitor whatever the session in the browser has to do.
        assert client.get("/healthz").status_code == 200
        enrol(client, user)
        assert client.get("/front-door").status_code == 200
    finally:
        settings.require_totp = False


def test_an_idle_session_ends_after_the_configured_time(client, factory, app):
    user = factory.user("front_door")
    start = datetime.now(timezone.utc)
    with time_machine.travel(start, tick=False) as clock:
        sign_in(client, user)
        assert client.get("/front-door").status_code == 200
        clock.shift(timedelta(minutes=29))
        assert client.get("/front-door").status_code == 200  # activity keeps it alive
        clock.shift(timedelta(minutes=31))
        expired = client.get("/front-door")
        assert expired.status_code == 302 and "/sign-in" in expired.headers["Location"]
        page = client.get(expired.headers["Location"]).get_data(as_text=True)
        assert "without activity" in page
        assert client.get("/front-door").status_code == 302


def test_only_administrators_change_roles_and_not_their_own(client, factory, app):
    from tests.conftest import _https_client

    admin, keyworker = factory.user("admin"), factory.user("keyworker")
    sign_in(client, admin)
    token = csrf_token(client, "/admin/users")
    changed = client.post("/admin/users", data={"csrf_token": token, "user_id": keyworker.id, "role": "team_manager",
                                                "active": "yes"})
    assert changed.status_code == 302
    assert "team_manager" in client.get("/admin/users").get_data(as_text=True)
    own = client.post("/admin/users", data={"csrf_token": token, "user_id": admin.id, "role": "keyworker", "active": "yes"})
    assert "another administrator" in client.get(own.headers["Location"]).get_data(as_text=True)
    other = _https_client(app)
    sign_in(other, keyworker)  # now a team manager, still not an administrator
    assert other.get("/admin/users").status_code == 403
    assert other.post("/admin/users", data={"csrf_token": csrf_token(other, "/front-door"), "user_id": keyworker.id,
                                            "role": "admin", "active": "yes"}).status_code == 403
