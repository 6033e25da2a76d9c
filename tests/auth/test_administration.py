"""Administration from the web: adding people, organisations and teams, caseload capacity,
password and two-factor resets, API tokens; every change audited, every page refused to anyone
who is not an administrator, bad input answered with form errors."""
import re

import pyotp
import pytest
from sqlalchemy import select

from caseflow.auth.models import ApiToken, Organisation, Team, User
from caseflow.core.audit import AuditEvent
from caseflow.core.extensions import db
from tests.conftest import TEST_PASSWORD, _https_client, csrf_token, sign_in


def _temporary_password(html: str) -> str:
    match = re.search(r'data-testid="temporary-password">([^<]+)<', html)
    assert match, html[:3000]
    return match.group(1)


def _actions(app, object_id=None) -> list[str]:
    with app.app_context():
        query = select(AuditEvent.action)
        if object_id:
            query = query.where(AuditEvent.object_id == object_id)
        return list(db.session.scalars(query))


@pytest.fixture
def admin_client(client, factory):
    org = factory.org("Northshire Early Help")
    admin = factory.user("admin", org=org)
    assert sign_in(client, admin).status_code == 302
    return client, org, admin


def _person_form(token, org, **overrides):
    form = {"csrf_token": token, "name": "Sam Okafor", "email": "Sam.Okafor@northshire.example",
            "role": "keyworker", "organisation_id": org.id, "team_id": "", "caseload_capacity": "9"}
    form.update(overrides)
    return form


def test_an_administrator_adds_a_person_who_signs_in_and_must_choose_their_own_password(admin_client, app):
    client, org, admin = admin_client
    token = csrf_token(client, "/admin/users/new")
    response = client.post("/admin/users/new", data=_person_form(token, org))
    assert response.status_code == 200
    temporary = _temporary_password(response.get_data(as_text=True))
    with app.app_context():
        sam = db.session.scalar(select(User).where(User.email == "sam.okafor@northshire.example"))
        assert sam.role == "keyworker" and sam.organisation_id == org.id and sam.caseload_capacity == 9
        assert sam.must_change_password and temporary not in sam.password_hash
    assert "user.create" in _actions(app, sam.id)

    newcomer = _https_client(app)
    signed = sign_in(newcomer, sam, password=temporary)
    assert signed.status_code == 302
    # Nothing else until they choose their own password.
    forced = newcomer.get("/caseload")
    assert forced.status_code == 302 and forced.headers["Location"].endswith("/account/password")
    token = csrf_token(newcomer, "/account/password")
    changed = newcomer.post("/account/password", data={"csrf_token": token, "current_password": temporary,
                                                       "new_password": "a brand new passphrase",
                                                       "confirm_password": "a brand new passphrase"})
    assert changed.status_code == 302 and changed.headers["Location"].endswith("/caseload")
    assert newcomer.get("/caseload").status_code == 200


@pytest.mark.parametrize("overrides, field, message", [
    ({"name": "x" * 201}, "name", "200 characters or fewer"),
    ({"email": "not an email"}, "email", "correct format"),
    ({"email": ("x" * 250) + "@example.org"}, "email", "254 characters or fewer"),
    ({"role": "emperor"}, "role", "Choose a role"),
    ({"caseload_capacity": "-3"}, "caseload_capacity", "whole number from 0 to 100"),
    ({"caseload_capacity": "9" * 40}, "caseload_capacity", "whole number from 0 to 100"),
])
def test_bad_answers_when_adding_a_person_are_form_errors(admin_client, app, overrides, field, message):
    client, org, _ = admin_client
    token = csrf_token(client, "/admin/users/new")
    response = client.post("/admin/users/new", data=_person_form(token, org, **overrides))
    html = response.get_data(as_text=True)
    assert response.status_code == 400, html[:2000]
    assert f'href="#{field}"' in html and message in html
    with app.app_context():
        assert db.session.scalar(select(User).where(User.name == "Sam Okafor")) is None


@pytest.mark.parametrize("path, overrides", [
    ("/admin/users/new", {"name": "Sam\x00Okafor"}), ("/admin/users/new", {"email": "a\x00b@example.org"}),
    ("/admin/users/new", {"organisation_id": "nope\x00"}),
])
def test_a_nul_in_any_answer_is_refused_at_the_door_and_nothing_is_saved(admin_client, app, path, overrides):
    """NUL cannot be stored (PostgreSQL refuses it): every form is refused with a 400 page that
    says so, before any service sees it (caseflow.app.input_guard)."""
    client, org, _ = admin_client
    token = csrf_token(client, path)
    response = client.post(path, data=_person_form(token, org, **overrides))
    assert response.status_code == 400
    assert "Something you entered cannot be saved" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.name.like("Sam%Okafor"))) is None


def test_a_second_account_with_the_same_email_in_any_case_is_refused(admin_client, factory, app):
    client, org, _ = admin_client
    factory.user("keyworker", org=org, email="sam.okafor@northshire.example")
    token = csrf_token(client, "/admin/users/new")
    response = client.post("/admin/users/new", data=_person_form(token, org, email="SAM.OKAFOR@northshire.example"))
    assert response.status_code == 400
    assert "already has an account with this email address" in response.get_data(as_text=True)


def test_a_team_from_another_organisation_is_refused(admin_client, factory, app):
    client, org, _ = admin_client
    other = factory.org("Elsewhere Council")
    with app.app_context():
        team = Team(name="South", organisation_id=other.id)
        db.session.add(team)
        db.session.commit()
        team_id = team.id
    token = csrf_token(client, "/admin/users/new")
    response = client.post("/admin/users/new", data=_person_form(token, org, team_id=team_id))
    assert response.status_code == 400 and "Choose a team in the person" in response.get_data(as_text=True)


def test_an_administrator_sets_a_keyworkers_team_and_caseload_capacity(admin_client, factory, app):
    client, org, admin = admin_client
    keyworker = factory.user("keyworker", org=org, team="North")
    with app.app_context():
        north = db.session.get(User, keyworker.id).team_id
    page = f"/admin/users/{keyworker.id}"
    token = csrf_token(client, page)
    saved = client.post(page, data={"csrf_token": token, "name": keyworker.name, "organisation_id": org.id,
                                     "team_id": north, "caseload_capacity": "8"})
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.get(User, keyworker.id).caseload_capacity == 8
    assert "admin.user.updated" in _actions(app, keyworker.id)
    # and the caseloads page measures them against it
    caseloads = client.get("/api/v1/caseloads")  # admins do not see caseloads: the policy still decides
    assert caseloads.status_code in (401, 403)
    bad = client.post(page, data={"csrf_token": token, "name": "", "organisation_id": org.id,
                                  "team_id": north, "caseload_capacity": "lots"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "Enter their full name" in html and "whole number from 0 to 100" in html


def test_a_password_reset_signs_the_person_out_and_the_old_password_stops_working(admin_client, factory, app):
    client, org, _ = admin_client
    keyworker = factory.user("keyworker", org=org)
    theirs = _https_client(app)
    sign_in(theirs, keyworker)
    assert theirs.get("/caseload").status_code == 200
    token = csrf_token(client, f"/admin/users/{keyworker.id}")
    response = client.post(f"/admin/users/{keyworker.id}/reset-password", data={"csrf_token": token})
    temporary = _temporary_password(response.get_data(as_text=True))
    assert theirs.get("/caseload").status_code == 302  # their open session has ended
    assert sign_in(_https_client(app), keyworker).status_code == 401  # old password refused
    again = _https_client(app)
    assert sign_in(again, keyworker, password=temporary).status_code == 302
    assert again.get("/caseload").headers["Location"].endswith("/account/password")
    assert "admin.user.password_reset" in _actions(app, keyworker.id)


def test_an_administrator_resets_two_factor_for_a_lost_phone(admin_client, factory, app):
    client, org, _ = admin_client
    keyworker = factory.user("keyworker", org=org)
    with app.app_context():
        user = db.session.get(User, keyworker.id)
        from caseflow.core.database import utcnow

        user.totp_secret, user.totp_enabled_at = pyotp.random_base32(), utcnow()
        db.session.commit()
    token = csrf_token(client, f"/admin/users/{keyworker.id}")
    response = client.post(f"/admin/users/{keyworker.id}/reset-two-factor", data={"csrf_token": token})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, keyworker.id).totp_enabled_at is None
    assert "admin.user.two_factor_reset" in _actions(app, keyworker.id)
    # signing in now needs no code: they set the app up again
    assert sign_in(_https_client(app), keyworker).headers["Location"].endswith("/caseload")


def test_a_revoked_token_is_refused_on_the_api(admin_client, factory, api, app):
    client, org, _ = admin_client
    partner = factory.user("partner_system", org=factory.org("Northshire Police", type="police"))
    token = factory.token(partner)
    assert api.get("/api/v1/inbox", token).status_code == 200
    listing = client.get("/admin/tokens").get_data(as_text=True)
    assert token[:10] in listing and partner.name in listing
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    response = client.post(f"/admin/tokens/{token_id}/revoke", data={"csrf_token": csrf_token(client, "/admin/tokens")})
    assert response.status_code == 302
    refused = api.get("/api/v1/inbox", token)
    assert refused.status_code == 401 and "revoked" in refused.get_json()["error"]["message"]
    assert "admin.token.revoked" in _actions(app, token_id)
    assert "Revoked" in client.get("/admin/tokens").get_data(as_text=True)


def test_an_administrator_adds_and_edits_organisations_and_teams(admin_client, app):
    client, _, _ = admin_client
    token = csrf_token(client, "/admin/organisations/new")
    added = client.post("/admin/organisations/new", data={
        "csrf_token": token, "name": "Riverside Primary", "type": "school", "duty_email": "office@riverside.example",
        "webhook_url": ""})
    assert added.status_code == 302
    with app.app_context():
        school = db.session.scalar(select(Organisation).where(Organisation.name == "Riverside Primary"))
        assert school.type == "school" and school.duty_email == "office@riverside.example"
    page = f"/admin/organisations/{school.id}"
    edited = client.post(page, data={"csrf_token": token, "name": "Riverside Primary School", "type": "school",
                                     "duty_email": "dsl@riverside.example", "webhook_url": "https://mis.riverside.example/hook"})
    assert edited.status_code == 200 and 'data-testid="webhook-secret"' in edited.get_data(as_text=True)
    team = client.post(f"{page}/teams", data={"csrf_token": token, "team_name": "Pastoral"})
    assert team.status_code == 302
    with app.app_context():
        school = db.session.get(Organisation, school.id)
        assert school.name == "Riverside Primary School" and school.webhook_url == "https://mis.riverside.example/hook"
        assert school.webhook_secret
        team_id = db.session.scalar(select(Team.id).where(Team.organisation_id == school.id, Team.name == "Pastoral"))
    client.post(f"{page}/teams/{team_id}", data={"csrf_token": token, "team_name": "Pastoral care"})
    with app.app_context():
        assert db.session.get(Team, team_id).name == "Pastoral care"
    for action in ("organisation.create", "admin.organisation.updated", "organisation.notification_settings"):
        assert action in _actions(app, school.id)
    assert {"team.create", "admin.team.renamed"} <= set(_actions(app, team_id))
    listing = client.get("/admin/organisations").get_data(as_text=True)
    assert "Riverside Primary School" in listing and "Pastoral care" in listing


@pytest.mark.parametrize("form, message", [
    ({"name": "Northshire Early Help", "type": "early_help"}, "already an organisation with this name"),
    ({"name": "NORTHSHIRE early help", "type": "early_help"}, "already an organisation with this name"),
    ({"name": "y" * 300, "type": "school"}, "200 characters or fewer"),
    ({"name": "Fine name", "type": "castle"}, "Choose the type of organisation"),
    ({"name": "Fine name", "type": "school", "webhook_url": "http://insecure.example"}, "starting https://"),
    ({"name": "Fine name", "type": "school", "duty_email": "nobody"}, "Enter an email address"),
    ({"name": "Fine name", "type": "school", "duty_email": "d@" + "e" * 300 + ".org"}, "254 characters or fewer"),
    ({"name": "Fine name", "type": "school", "webhook_url": "https://x.example/" + "p" * 600}, "500 characters or fewer"),
])
def test_bad_organisation_answers_are_form_errors(admin_client, app, form, message):
    client, _, _ = admin_client
    token = csrf_token(client, "/admin/organisations/new")
    response = client.post("/admin/organisations/new", data={"csrf_token": token, "duty_email": "",
                                                             "webhook_url": "", **form})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Organisation).where(Organisation.name == "Fine name")) is None


ADMIN_PAGES = [("GET", "/admin/users"), ("GET", "/admin/users/new"), ("POST", "/admin/users/new"),
               ("GET", "/admin/users/{user}"), ("POST", "/admin/users/{user}"),
               ("POST", "/admin/users/{user}/reset-password"), ("POST", "/admin/users/{user}/reset-two-factor"),
               ("GET", "/admin/organisations"), ("GET", "/admin/organisations/new"),
               ("POST", "/admin/organisations/new"), ("GET", "/admin/organisations/{org}"),
               ("POST", "/admin/organisations/{org}"), ("POST", "/admin/organisations/{org}/teams"),
               ("GET", "/admin/tokens"), ("POST", "/admin/tokens/{token}/revoke")]


@pytest.mark.parametrize("role", ["front_door", "team_manager", "keyworker", "analyst", "partner"])
def test_nobody_but_an_administrator_gets_any_administration_page(client, factory, app, role):
    org = factory.org("Northshire Early Help")
    target = factory.user("keyworker", org=org)
    factory.token(target)
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    someone = factory.user(role, org=org if role != "partner" else None)
    sign_in(client, someone)
    csrf = csrf_token(client, "/inbox")
    for method, path in ADMIN_PAGES:
        url = path.format(user=target.id, org=org.id, token=token_id)
        response = client.open(url, method=method, data={"csrf_token": csrf, "name": "Hijack", "role": "admin",
                                                          "organisation_id": org.id, "team_name": "X"}
                               if method == "POST" else None)
        assert response.status_code == 403, (role, method, url, response.status_code)
    with app.app_context():
        assert db.session.get(User, target.id).name != "Hijack"
        assert db.session.scalar(select(ApiToken.revoked_at)) is None
        assert not db.session.get(User, target.id).must_change_password


def test_ids_that_cannot_be_ids_are_not_found_not_errors(admin_client):
    client, org, _ = admin_client
    token = csrf_token(client, "/admin/users")
    for method, path in [("GET", "/admin/users/a%00b"), ("POST", "/admin/users/a%00b/reset-password"),
                         ("GET", "/admin/organisations/" + "x" * 300), ("POST", "/admin/tokens/%00/revoke"),
                         ("POST", f"/admin/organisations/{org.id}/teams/%00")]:
        response = client.open(path, method=method, data={"csrf_token": token, "team_name": "A team"})
        assert response.status_code == 404, (method, path, response.status_code)
