"""The authorisation matrix: every route of the app, for every role, allowed or refused as
declared here. A route with no row fails the first test, so no endpoint can be added without a
policy decision being written down and checked.

"Allowed" means the policy let the request through: anything but 401/403 (and never a 500);
an empty form may still fail validation. "Refused" means 403 for a signed-in user. Anonymous
callers get the sign-in page (web) or 401 (API) unless a route is public.
"""
from __future__ import annotations

import pytest

from tests.conftest import _https_client, csrf_token, sign_in
from tests.plans.helpers import agreed_plan, allocated_case, complete_assessment, members

ROLES = ["front_door", "panel_chair", "panel_member", "keyworker", "other_keyworker", "team_manager",
         "social_worker", "referrer", "taf_partner", "stranger_partner", "partner_system", "analyst", "admin"]
EVERYONE = set(ROLES)
SERVICE = {"front_door", "panel_chair", "team_manager"}
WORKERS = SERVICE | {"social_worker", "keyworker"}          # people working with this family
CASEWORK = {"keyworker", "team_manager"}                     # recording on an early-help case
PARTNERS = {"panel_member", "referrer", "taf_partner", "stranger_partner", "partner_system"}
PUBLIC = "public"

# (method, rule) -> roles allowed. Rules use the app's own URL rules, exactly.
MATRIX: dict[tuple[str, str], set[str] | str] = {
    ("GET", "/"): PUBLIC, ("GET", "/sign-in"): PUBLIC, ("POST", "/sign-in"): PUBLIC,
    ("GET", "/sign-in/code"): PUBLIC, ("POST", "/sign-in/code"): PUBLIC, ("GET", "/healthz"): PUBLIC,
    ("GET", "/ask-for-help"): PUBLIC, ("POST", "/ask-for-help"): PUBLIC, ("GET", "/api/v1/openapi.json"): PUBLIC,
    ("GET", "/account/two-factor"): EVERYONE, ("POST", "/account/two-factor"): EVERYONE,
    ("POST", "/sign-out"): EVERYONE,
    ("GET", "/admin/users"): {"admin"}, ("POST", "/admin/users"): {"admin"},
    ("GET", "/admin/local-criteria"): {"admin"}, ("POST", "/admin/local-criteria"): {"admin"},
    # inbox: everyone reads their own
    ("GET", "/inbox"): EVERYONE, ("POST", "/inbox/<notification_id>/acknowledge"): EVERYONE,
    ("GET", "/api/v1/inbox"): EVERYONE, ("POST", "/api/v1/inbox/<notification_id>/acknowledge"): EVERYONE,
    # front door
    ("GET", "/front-door"): SERVICE, ("GET", "/api/v1/requests"): SERVICE,
    ("GET", "/requests/new"): EVERYONE - {"admin", "analyst"}, ("POST", "/requests/new"): EVERYONE - {"admin", "analyst"},
    ("POST", "/api/v1/requests"): EVERYONE - {"admin", "analyst"},
    # the request that brought the family in: its referrer, and the people now working with the family
    ("GET", "/requests/<request_id>"): SERVICE | {"referrer", "social_worker", "keyworker"},
    ("GET", "/api/v1/requests/<request_id>"): SERVICE | {"referrer", "social_worker", "keyworker"},
    ("GET", "/requests/<request_id>/submitted"): SERVICE | {"referrer", "social_worker", "keyworker"},
    ("POST", "/requests/<request_id>/people/<person_id>/match"): {"front_door", "team_manager"},
    ("POST", "/api/v1/requests/<request_id>/people/<person_id>/match"): {"front_door", "team_manager"},
    # families
    ("GET", "/families"): EVERYONE - {"admin", "analyst"}, ("GET", "/api/v1/families"): EVERYONE - {"admin", "analyst"},
    ("GET", "/families/<family_id>"): WORKERS | {"referrer"}, ("GET", "/api/v1/families/<family_id>"): WORKERS | {"referrer"},
    ("GET", "/families/<family_id>/access-log"): SERVICE | {"keyworker"},
    ("GET", "/api/v1/families/<family_id>/access-log"): SERVICE | {"keyworker"},
    ("GET", "/families/<family_id>/consents"): WORKERS, ("POST", "/families/<family_id>/consents"): WORKERS,
    ("GET", "/api/v1/families/<family_id>/consents"): WORKERS,
    ("GET", "/families/<family_id>/lawful-bases"): WORKERS, ("POST", "/families/<family_id>/lawful-bases"): WORKERS,
    ("POST", "/api/v1/families/<family_id>/lawful-bases"): WORKERS,
    ("POST", "/families/<family_id>/break-glass"): {"team_manager"},
    ("GET", "/families/<family_id>/break-glass"): {"team_manager"},
    ("POST", "/api/v1/families/<family_id>/break-glass"): {"team_manager"},
    ("POST", "/api/v1/people/<person_id>/consents"): WORKERS,
    ("POST", "/consents/<consent_id>/withdraw"): WORKERS, ("POST", "/api/v1/consents/<consent_id>/withdraw"): WORKERS,
    ("GET", "/consents/<consent_id>/form.pdf"): WORKERS,
    ("GET", "/consents/<consent_id>/signed-copy"): WORKERS, ("POST", "/consents/<consent_id>/signed-copy"): WORKERS,
    ("GET", "/consents/<consent_id>/signed-copy/download"): WORKERS,
    # the register of information sharing agreements: no personal data, kept by admins and managers
    ("GET", "/agreements"): EVERYONE, ("GET", "/api/v1/agreements"): EVERYONE,
    ("GET", "/agreements/new"): {"admin", "team_manager"}, ("POST", "/agreements/new"): {"admin", "team_manager"},
    ("GET", "/people/<person_id>/subject-access.pdf"): {"team_manager"},
    ("GET", "/api/v1/people/<person_id>/subject-access"): {"team_manager"},
    ("GET", "/reports/access"): {"team_manager"}, ("GET", "/api/v1/reports/access"): {"team_manager"},
    # triage, panels, allocation
    ("GET", "/cases/<case_id>/triage"): WORKERS, ("POST", "/cases/<case_id>/triage"): {"front_door", "team_manager"},
    ("POST", "/api/v1/cases/<case_id>/triage"): {"front_door", "team_manager"},
    ("GET", "/panels"): SERVICE | {"social_worker", "panel_member"},
    ("POST", "/panels"): {"panel_chair", "team_manager"}, ("POST", "/api/v1/panels"): {"panel_chair", "team_manager"},
    ("GET", "/panels/<panel_id>"): SERVICE | {"social_worker", "panel_member"},
    ("GET", "/api/v1/panels/<panel_id>"): SERVICE | {"social_worker", "panel_member"},
    ("GET", "/panels/<panel_id>/minutes"): SERVICE | {"social_worker", "panel_member"},
    ("GET", "/panels/<panel_id>/minutes.pdf"): SERVICE | {"social_worker", "panel_member"},
    ("POST", "/panels/<panel_id>/attendance"): {"panel_chair", "team_manager"},
    ("POST", "/panels/<panel_id>/decisions"): {"panel_chair", "team_manager"},
    ("POST", "/api/v1/panels/<panel_id>/decisions"): {"panel_chair", "team_manager"},
    ("GET", "/cases/<case_id>/allocate"): {"panel_chair", "team_manager"},
    ("POST", "/cases/<case_id>/allocate"): {"team_manager"},  # the case is held: re-allocation
    ("POST", "/api/v1/cases/<case_id>/allocation"): {"team_manager"},
    ("GET", "/unallocated"): SERVICE, ("GET", "/api/v1/cases/unallocated"): SERVICE,
    ("GET", "/caseloads"): SERVICE, ("GET", "/api/v1/caseloads"): SERVICE,
    ("GET", "/caseload"): EVERYONE,  # your own caseload (empty if you hold none)
    ("GET", "/caseload/<keyworker_id>"): SERVICE | {"keyworker"},
    ("GET", "/api/v1/caseloads/<keyworker_id>"): SERVICE | {"keyworker"},
    ("GET", "/cases/<case_id>/signpost-letter"): {"front_door", "team_manager"},
    ("GET", "/admin/local-criteria/"): {"admin"},
    # the case and its casework
    ("GET", "/cases/<case_id>"): WORKERS | {"referrer"}, ("GET", "/api/v1/cases/<case_id>"): WORKERS | {"referrer"},
    ("GET", "/cases/<case_id>/assessment"): WORKERS, ("POST", "/cases/<case_id>/assessment"): WORKERS,
    ("GET", "/api/v1/cases/<case_id>/assessment"): WORKERS,
    ("PUT", "/api/v1/cases/<case_id>/assessment"): CASEWORK, ("POST", "/cases/<case_id>/assessment/autosave"): CASEWORK,
    ("POST", "/api/v1/cases/<case_id>/assessment/complete"): CASEWORK,
    ("POST", "/cases/<case_id>/assessment/addenda"): CASEWORK, ("POST", "/api/v1/cases/<case_id>/assessment/addenda"): CASEWORK,
    ("GET", "/cases/<case_id>/plan"): WORKERS | {"taf_partner"}, ("POST", "/cases/<case_id>/plan"): CASEWORK,
    ("GET", "/api/v1/cases/<case_id>/plan"): WORKERS | {"taf_partner"},
    ("GET", "/cases/<case_id>/plan.pdf"): WORKERS | {"taf_partner"},
    ("PUT", "/api/v1/cases/<case_id>/plan"): CASEWORK,
    ("POST", "/cases/<case_id>/plan/agree"): CASEWORK, ("POST", "/api/v1/cases/<case_id>/plan/agree"): CASEWORK,
    ("GET", "/cases/<case_id>/contacts/new"): CASEWORK, ("POST", "/cases/<case_id>/contacts/new"): CASEWORK,
    ("POST", "/api/v1/cases/<case_id>/contacts"): CASEWORK, ("GET", "/api/v1/cases/<case_id>/contacts"): WORKERS,
    ("GET", "/cases/<case_id>/reviews/new"): CASEWORK, ("POST", "/cases/<case_id>/reviews/new"): CASEWORK,
    ("POST", "/api/v1/cases/<case_id>/reviews"): CASEWORK, ("GET", "/api/v1/cases/<case_id>/reviews"): WORKERS,
    ("POST", "/cases/<case_id>/taf"): CASEWORK, ("POST", "/api/v1/cases/<case_id>/taf"): CASEWORK,
    ("POST", "/cases/<case_id>/taf/<member_id>/remove"): CASEWORK,
    ("GET", "/cases/<case_id>/close"): CASEWORK, ("POST", "/cases/<case_id>/close"): CASEWORK,
    ("POST", "/api/v1/cases/<case_id>/close"): CASEWORK,
    ("GET", "/cases/<case_id>/engagement"): {"team_manager"}, ("POST", "/cases/<case_id>/engagement"): {"team_manager"},
    ("POST", "/api/v1/cases/<case_id>/engagement-extension"): {"team_manager"},
    ("GET", "/cases/<case_id>/chronology"): WORKERS, ("GET", "/api/v1/cases/<case_id>/chronology"): WORKERS,
    ("GET", "/overdue"): SERVICE | {"keyworker", "other_keyworker"}, ("GET", "/api/v1/cases/overdue"): SERVICE | {"keyworker", "other_keyworker"},
    # social care
    ("GET", "/cases/<case_id>/step-up"): WORKERS, ("POST", "/cases/<case_id>/step-up"): WORKERS,
    ("POST", "/api/v1/cases/<case_id>/step-up"): WORKERS,
    ("GET", "/cases/<case_id>/step-down"): {"social_worker", "team_manager"},
    ("POST", "/cases/<case_id>/step-down"): {"social_worker", "team_manager"},
    ("POST", "/api/v1/cases/<case_id>/step-down"): {"social_worker", "team_manager"},
    ("POST", "/cases/<case_id>/statutory-status"): {"social_worker", "team_manager"},
    ("POST", "/api/v1/cases/<case_id>/statutory-status"): {"social_worker", "team_manager"},
    ("POST", "/cases/<case_id>/social-worker"): {"social_worker", "team_manager"},
    ("POST", "/api/v1/cases/<case_id>/social-worker"): {"social_worker", "team_manager"},
    ("POST", "/cases/<case_id>/keyworker-role"): {"social_worker", "team_manager"},
    ("POST", "/api/v1/cases/<case_id>/keyworker-role"): {"social_worker", "team_manager"},
    ("GET", "/cases/<case_id>/handover-pack.pdf"): WORKERS | {"taf_partner", "referrer"},
    ("GET", "/api/v1/cases/<case_id>/handover-pack"): WORKERS | {"taf_partner", "referrer"},
    ("GET", "/reports/step-up-step-down"): {"team_manager", "panel_chair", "analyst"},
    ("GET", "/api/v1/reports/transitions"): {"team_manager", "panel_chair", "analyst"},
    ("GET", "/api/v1/reports/oscillating-families"): {"team_manager", "panel_chair"},
    # partner events, flags and the notification queue
    ("POST", "/api/v1/notifications"): PARTNERS | SERVICE,
    ("POST", "/api/v1/notifications/batch"): PARTNERS | SERVICE,
    ("GET", "/api/v1/notifications/<event_id>"): SERVICE | {"keyworker", "social_worker", "referrer",
                                                            "panel_member", "partner_system"},
    ("GET", "/api/v1/flags"): EVERYONE - {"admin", "analyst"},
    ("GET", "/api/v1/events/review"): {"front_door", "team_manager"},
    ("POST", "/api/v1/events/<event_id>/review"): {"front_door", "team_manager"},
    ("POST", "/api/v1/events/<event_id>/decision"): {"team_manager", "keyworker"},
    ("GET", "/api/v1/deliveries"): {"admin"}, ("POST", "/api/v1/deliveries/<delivery_id>/replay"): {"admin"},
    ("GET", "/api/v1/routing-rules"): {"admin"}, ("PUT", "/api/v1/routing-rules"): {"admin"},
    ("PUT", "/api/v1/organisations/<org_id>/notification-settings"): {"admin"},
    ("GET", "/events/review"): {"front_door", "team_manager"},
    ("GET", "/events/<event_id>"): SERVICE | {"keyworker", "social_worker", "referrer", "panel_member", "partner_system"},
    ("POST", "/events/<event_id>/review"): {"front_door", "team_manager"},
    ("POST", "/events/<event_id>/decision"): {"team_manager", "keyworker"},
    ("GET", "/notifications/dashboard"): SERVICE,
    ("GET", "/admin/routing"): {"admin"}, ("POST", "/admin/routing"): {"admin"},
    ("POST", "/admin/school-holidays"): {"admin"},
    ("GET", "/admin/deliveries"): {"admin"}, ("POST", "/admin/deliveries/<delivery_id>/replay"): {"admin"},
    ("GET", "/admin/organisations/<org_id>/notifications"): {"admin"},
    ("POST", "/admin/organisations/<org_id>/notifications"): {"admin"},
}
MATRIX.pop(("GET", "/admin/local-criteria/"))


def app_routes(app) -> set[tuple[str, str]]:
    return {(method, rule.rule) for rule in app.url_map.iter_rules() if rule.endpoint != "static"
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def test_every_route_has_a_declared_policy(app):
    missing = sorted(app_routes(app) - set(MATRIX))
    stale = sorted(set(MATRIX) - app_routes(app))
    assert not missing, "Routes with no row in the authorisation matrix: " + ", ".join(f"{m} {r}" for m, r in missing)
    assert not stale, "Matrix rows for routes that no longer exist: " + ", ".join(f"{m} {r}" for m, r in stale)


@pytest.fixture
def world(app, api, factory):
    """One family with a case in review, a panel, a request, a consent and a TAF partner, and a
    signed-in browser session and API token for every role."""
    from caseflow.core.extensions import db
    from caseflow.notify.services import notify

    early_help = factory.org("Northshire Early Help")
    school, police = factory.org("Riverside Academy", type="school"), factory.org("Northshire Police", type="police")
    users = {
        "front_door": factory.user("front_door", org=early_help), "panel_chair": factory.user("panel_chair", org=early_help),
        "panel_member": factory.user("panel_member", org=police), "keyworker": factory.user("keyworker", org=early_help, team="North"),
        "other_keyworker": factory.user("keyworker", org=early_help, team="South"),
        "team_manager": factory.user("team_manager", org=early_help),
        "social_worker": factory.user("social_worker", org=factory.org("Children's Social Care", type="social_care")),
        "referrer": factory.user("partner", org=school), "taf_partner": factory.user("partner", org=factory.org("CAMHS", type="gp")),
        "stranger_partner": factory.user("partner", org=factory.org("Northshire Homes", type="housing")),
        "partner_system": factory.user("partner_system", org=police), "analyst": factory.user("analyst", org=early_help),
        "admin": factory.user("admin", org=early_help)}
    tokens = {role: factory.token(user) for role, user in users.items()}
    t = {"referrer": tokens["referrer"], "officer": tokens["front_door"], "chair": tokens["panel_chair"]}
    case_id = allocated_case(api, {"sam": users["keyworker"]}, {**t, "sam": tokens["keyworker"]}, "Walsh", keyworker="sam")
    complete_assessment(api, tokens["keyworker"], case_id)
    agreed_plan(api, tokens["keyworker"], case_id, users["keyworker"].id)
    member = api.post(f"/api/v1/cases/{case_id}/taf", tokens["keyworker"], json={"user_id": users["taf_partner"].id}).get_json()
    case = api.get(f"/api/v1/cases/{case_id}", tokens["keyworker"]).get_json()
    person_id = members(api, tokens["keyworker"], case_id)[0]["person_id"]
    panel = api.post("/api/v1/panels", tokens["panel_chair"], json={"date": "2026-12-01", "members": [police.id]}).get_json()
    request_id = api.get("/api/v1/requests?status=triaged", tokens["front_door"]).get_json()["items"][0]["id"]
    rp_id = api.get(f"/api/v1/requests/{request_id}", tokens["front_door"]).get_json()["people"][0]["id"]
    consent = api.post(f"/api/v1/people/{person_id}/consents", tokens["keyworker"], json={
        "purpose": "taf_information_sharing", "recipient_organisation_ids": [school.id], "categories": ["education"],
        "given_by": "Sharon Walsh", "given_by_relationship": "parent_carer", "method": "verbal",
        "given_on": "2026-01-05"}).get_json()
    event = api.post("/api/v1/notifications", tokens["partner_system"], json={
        "type": "police_contact", "occurred_at": "2026-11-20T22:15:00+00:00", "source_reference": "MATRIX-1",
        "people": [{"given_name": "Leah", "family_name": "Walsh", "date_of_birth": "2011-06-02",
                    "postcode": "NS1 4AB"}]}).get_json()
    review = api.get("/api/v1/events/review", tokens["front_door"]).get_json()["items"][0]  # no postcode on file
    resolved = api.post(f"/api/v1/events/{event['id']}/review", tokens["front_door"], json={
        "decision": "confirm", "person_id": review["candidates"][0]["candidates"][0]["person_id"]})
    assert resolved.status_code == 200 and resolved.get_json()["status"] == "routed", resolved.get_json()
    with app.app_context():
        from caseflow.notify.models import Delivery

        note = notify(users["keyworker"].id, "test", "matrix:1", "A notification", "For the matrix")
        db.session.flush()
        dead = Delivery(kind="webhook", notification_id=note.id, status="dead", attempts=7)
        db.session.add(dead)
        db.session.commit()
        note_id, delivery_id = note.id, dead.id
    params = {"case_id": case_id, "family_id": case["family_id"], "panel_id": panel["id"], "request_id": request_id,
              "person_id": person_id, "consent_id": consent["id"], "notification_id": note_id, "member_id": member["id"],
              "keyworker_id": users["keyworker"].id, "event_id": event["id"], "delivery_id": delivery_id,
              "org_id": school.id}
    clients = {}
    for number, (role, user) in enumerate(users.items(), start=1):
        client = _https_client(app)
        client.environ_base["REMOTE_ADDR"] = f"10.0.0.{number}"  # each role its own rate-limit bucket
        signed = sign_in(client, user)
        assert signed.status_code == 302, (role, signed.status_code, signed.get_data(as_text=True)[:3000])
        clients[role] = (client, csrf_token(client, "/inbox"))
    return params, rp_id, clients, tokens


DESTRUCTIVE_LAST = ["/taf/<member_id>/remove", "/withdraw", "/sign-out"]


def _path(rule: str, params: dict, rp_id: str) -> str:
    if "/people/<person_id>/match" in rule:
        rule = rule.replace("<person_id>", rp_id)
    for name, value in params.items():
        rule = rule.replace(f"<{name}>", value)
    return rule


def _call(client, token, method, path, csrf):
    if path.startswith("/api/"):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return client.open(path, method=method, headers=headers, json={} if method != "GET" else None)
    data = {"csrf_token": csrf} if method != "GET" and csrf else None
    return client.open(path, method=method, data=data)


def _outcome(status: int) -> str:
    if status >= 500:
        return "error"
    return "refused" if status in (401, 403) else "allowed"


def test_every_role_gets_exactly_what_the_matrix_declares(world, app):
    params, rp_id, clients, tokens = world
    order = sorted(MATRIX, key=lambda mr: (mr[0] != "GET", any(d in mr[1] for d in DESTRUCTIVE_LAST),
                                           mr[1].endswith("/sign-out"), mr))
    wrong = []
    anonymous = _https_client(app)
    anonymous.environ_base["REMOTE_ADDR"] = "10.0.1.1"
    for method, rule in order:
        expected = MATRIX[(method, rule)]
        path = _path(rule, params, rp_id)
        for role in ROLES:
            if rule == "/sign-out" and role != ROLES[-1]:
                continue  # signing out is checked once, last, so the other sessions stay usable
            client, csrf = clients[role]
            response = _call(client, tokens[role], method, path, csrf)
            got = _outcome(response.status_code)
            want = "allowed" if expected == PUBLIC or role in expected else "refused"
            if got != want:
                wrong.append(f"{method} {rule} as {role}: {response.status_code} ({got}, expected {want})")
        response = _call(anonymous, None, method, path, None)
        anonymous_ok = response.status_code < 500 and (
            expected == PUBLIC or response.status_code == 401 or
            (response.status_code == 302 and "/sign-in" in response.headers.get("Location", "")) or
            (method != "GET" and response.status_code == 400))  # a form without a session's CSRF token
        if not anonymous_ok:
            wrong.append(f"{method} {rule} anonymously: {response.status_code}")
    assert not wrong, f"{len(wrong)} outcomes differ from the matrix:\n" + "\n".join(wrong)
