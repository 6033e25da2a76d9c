"""Sign-in that resists attack (issue 14, problem 3): a copied session cookie dies at sign-out,
a two-factor code works once, wrong codes lock the account, and a locked account answers like an
unknown one."""
import re
from datetime import datetime, timedelta, timezone

import pyotp
import time_machine
from sqlalchemy import select

from caseflow.auth.models import User
from caseflow.core.extensions import db
from tests.auth.test_two_factor_and_timeout import enrol
from tests.conftest import TEST_PASSWORD, _https_client, csrf_token, sign_in


def _user(app, user_id) -> User:
    with app.app_context():
        return db.session.scalar(select(User).where(User.id == user_id))


def test_a_session_cookie_copied_before_sign_out_no_longer_works_after_it(app, factory):
    user = factory.user("front_door")
    first, thief = _https_client(app), _https_client(app)
    sign_in(first, user)
    assert first.get("/front-door").status_code == 200
    cookie = first.get_cookie("caseflow_session")
    thief.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
    assert thief.get("/front-door").status_code == 200  # the copy works while the session lives

    first.post("/sign-out", data={"csrf_token": csrf_token(first, "/front-door")})

    after = thief.get("/front-door")
    assert after.status_code == 302 and "/sign-in" in after.headers["Location"]
    # The person signs in again as normal.
    sign_in(first, user)
    assert first.get("/front-door").status_code == 200


def _two_factor_user(app, factory, client):
    user = factory.user("keyworker")
    sign_in(client, user)
    secret = enrol(client, user)
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/account/two-factor")})
    return user, secret


def _code_step(client, user, code):
    sign_in(client, user)
    return client.post("/sign-in/code", data={"csrf_token": csrf_token(client, "/sign-in/code"), "code": code})


def test_the_same_two_factor_code_is_accepted_only_once(app, factory):
    start = datetime.now(timezone.utc)
    with time_machine.travel(start, tick=False) as clock:
        client = _https_client(app)
        user, secret = _two_factor_user(app, factory, client)
        # The code typed at enrolment is spent: it cannot be sent again to sign in.
        assert _code_step(client, user, pyotp.TOTP(secret).now()).status_code == 401
        clock.shift(timedelta(seconds=30))
        code = pyotp.TOTP(secret).now()
        assert _code_step(client, user, code).status_code == 302
        client.post("/sign-out", data={"csrf_token": csrf_token(client, "/caseload")})

        replay = _code_step(_https_client(app), user, code)  # seen over a shoulder, sent again
        assert replay.status_code == 401 and "6-digit code" in replay.get_data(as_text=True)
        # An older code still inside the clock-drift window is refused as well.
        assert _code_step(_https_client(app), user, pyotp.TOTP(secret).at(start)).status_code == 401
        clock.shift(timedelta(seconds=30))
        assert _code_step(_https_client(app), user, pyotp.TOTP(secret).now()).status_code == 302


def test_wrong_two_factor_codes_in_a_row_lock_the_account(app, factory):
    threshold = app.extensions["caseflow.settings"].lockout_threshold
    start = datetime.now(timezone.utc)
    with time_machine.travel(start, tick=False) as clock:
        client = _https_client(app)
        user, secret = _two_factor_user(app, factory, client)
        clock.shift(timedelta(seconds=30))
        sign_in(client, user)
        token = csrf_token(client, "/sign-in/code")
        right = pyotp.TOTP(secret).now()
        wrong = "000000" if right != "000000" else "111111"
        for _ in range(threshold):
            assert client.post("/sign-in/code", data={"csrf_token": token, "code": wrong}).status_code == 401
        assert _user(app, user.id).locked_until is not None
        # The right code no longer lets the password-holder in, nor does the password alone.
        assert client.post("/sign-in/code", data={"csrf_token": token, "code": right}).status_code == 401
        assert client.get("/caseload").status_code == 302
        assert sign_in(_https_client(app), user).status_code == 401


def test_a_right_code_resets_the_count_of_wrong_ones(app, factory):
    threshold = app.extensions["caseflow.settings"].lockout_threshold
    start = datetime.now(timezone.utc)
    with time_machine.travel(start, tick=False) as clock:
        client = _https_client(app)
        user, secret = _two_factor_user(app, factory, client)
        clock.shift(timedelta(seconds=30))
        sign_in(client, user)
        token = csrf_token(client, "/sign-in/code")
        for _ in range(threshold - 1):
            client.post("/sign-in/code", data={"csrf_token": token, "code": "not a code"})
        assert client.post("/sign-in/code", data={"csrf_token": token,
                                                  "code": pyotp.TOTP(secret).now()}).status_code == 302
        stored = _user(app, user.id)
        assert stored.locked_until is None and stored.failed_login_count == 0


def test_unknown_wrong_and_locked_accounts_get_the_same_answer(app, factory):
    threshold = app.extensions["caseflow.settings"].lockout_threshold
    user = factory.user("keyworker")
    client = _https_client(app)

    class Nobody:
        email = "nobody-here@example.gov.uk"

    unknown = sign_in(client, Nobody(), password="whatever it is now")
    wrong = sign_in(client, user, password="not the password at all")
    for _ in range(threshold):
        locking = sign_in(client, user, password="not the password at all")
    locked = sign_in(client, user, password=TEST_PASSWORD)

    assert _user(app, user.id).locked_until is not None
    def answer(response):  # the page less what differs on every page: the email typed, the tokens
        page = response.get_data(as_text=True).replace(user.email, "").replace(Nobody.email, "")
        return response.status_code, re.sub(r'(value|nonce)="[^"]*"', "", page)

    answers = {answer(r) for r in (unknown, wrong, locking, locked)}
    assert len(answers) == 1
    status, page = answers.pop()
    assert status == 401 and "Enter a correct email address and password" in page and "locked" not in page
