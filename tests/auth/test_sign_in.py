from sqlalchemy import select

from caseflow.auth.models import User
from caseflow.core.extensions import db
from tests.conftest import TEST_PASSWORD, sign_in


def test_sign_in_shows_who_is_signed_in_and_their_organisation(client, factory):
    org = factory.org("Northshire Early Help")
    user = factory.user("front_door", org=org, name="Priya Shah")
    response = sign_in(client, user)
    assert response.status_code == 302
    home = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Priya Shah" in home and "Northshire Early Help" in home


def test_wrong_password_is_refused_with_a_clear_message(client, factory):
    user = factory.user("keyworker")
    response = sign_in(client, user, password="not the password at all")
    assert response.status_code == 401
    assert "Enter a correct email address and password" in response.get_data(as_text=True)


def test_account_locks_after_five_failures_even_with_the_right_password(client, factory, app):
    user = factory.user("keyworker")
    for _ in range(5):
        sign_in(client, user, password="wrong password here")
    response = sign_in(client, user, password=TEST_PASSWORD)
    assert response.status_code == 401
    # The same answer as a wrong password (an unknown email gets it too): nothing tells an
    # attacker the account exists; the lock is on the account.
    page = response.get_data(as_text=True)
    assert "Enter a correct email address and password" in page and "locked" not in page
    with app.app_context():
        assert db.session.scalar(select(User).where(User.id == user.id)).locked_until is not None


def test_sign_in_without_csrf_token_is_rejected(client, factory):
    user = factory.user("front_door")
    response = client.post("/sign-in", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert "form has expired" in response.get_data(as_text=True)


def test_password_is_stored_as_argon2_hash(factory, app):
    user = factory.user("front_door")
    with app.app_context():
        stored = db.session.get(User, user.id).password_hash
    assert stored.startswith("$argon2id$") and TEST_PASSWORD not in stored


def test_the_product_hashes_passwords_with_argon2id_at_a_recommended_cost():
    """The suite hashes at argon2's cheapest cost (tests/conftest.py); the product must not: at
    least OWASP's minimum for argon2id (19 MiB of memory, two passes), and in fact the library's
    RFC 9106 low-memory profile (64 MiB, three passes)."""
    from argon2 import Type

    from tests.conftest import PRODUCT_PASSWORD_HASHER as product
    assert product.type is Type.ID
    assert product.memory_cost >= 64 * 1024 and product.time_cost >= 3
    assert product.hash("correct horse battery staple").startswith("$argon2id$v=19$m=65536,t=3,")


def test_session_cookie_is_secure_and_httponly(client, factory):
    user = factory.user("front_door")
    response = sign_in(client, user)
    cookie = response.headers.get("Set-Cookie")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_sign_out_needs_a_post_with_csrf(client, factory):
    user = factory.user("front_door")
    sign_in(client, user)
    assert client.get("/sign-out").status_code == 405
