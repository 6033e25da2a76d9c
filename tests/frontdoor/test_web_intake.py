"""The professional request form and the public self-referral form."""
from datetime import datetime, timezone

from sqlalchemy import select

from caseflow.core.extensions import db
from caseflow.frontdoor.models import RequestForHelp
from tests.conftest import csrf_token, sign_in


def professional_form(token, **overrides):
    form = {
        "csrf_token": token, "referrer-name": "Ms Patel", "referrer-organisation": "Northshire Academy",
        "referrer-role": "DSL", "referrer-email": "dsl@academy.example",
        "people-0-given_name": "Sharon", "people-0-family_name": "Walsh", "people-0-relationship": "parent_carer",
        "people-0-dob-day": "11", "people-0-dob-month": "2", "people-0-dob-year": "1987",
        "people-0-postcode": "NS1 4AB",
        "people-1-given_name": "Leah", "people-1-family_name": "Walsh", "people-1-relationship": "child",
        "people-1-dob-day": "2", "people-1-dob-month": "6", "people-1-dob-year": "2011",
        "concerns": ["education", "health"], "details": "Attendance 68%.",
        "consent_given": "yes", "urgency": "routine",
    }
    form.update(overrides)
    return form


def test_professional_submits_the_web_form_and_sees_a_reference(client, factory, app):
    user = factory.user("partner", name="Ms Patel")
    sign_in(client, user)
    token = csrf_token(client, "/requests/new")
    response = client.post("/requests/new", data=professional_form(token))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Request received" in page and "RFH-" in page
    with app.app_context():
        req = db.session.scalar(select(RequestForHelp))
        assert req.source == "professional" and req.submitted_by_id == user.id
        assert {p.given_name for p in req.people} == {"Sharon", "Leah"}


def test_form_errors_are_listed_and_linked_and_nothing_is_saved(client, factory, app):
    sign_in(client, factory.user("partner"))
    token = csrf_token(client, "/requests/new")
    form = professional_form(token, **{"people-1-dob-month": "13", "people-0-family_name": "",
                                       "consent_given": "", "people-0-postcode": "not a postcode"})
    response = client.post("/requests/new", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in html
    assert 'href="#people-1-dob-day"' in html and "Date of birth must be a real date" in html
    assert 'href="#people-0-family_name"' in html and "Enter a last name" in html
    assert "Enter a real postcode" in html
    assert "Say whether the family agreed" in html
    assert 'value="Leah"' in html  # what they typed is kept
    with app.app_context():
        assert db.session.scalar(select(RequestForHelp)) is None


def test_web_form_without_csrf_is_rejected(client, factory):
    sign_in(client, factory.user("partner"))
    response = client.post("/requests/new", data=professional_form(""))
    assert response.status_code == 400
    assert "form has expired" in response.get_data(as_text=True)


def self_referral_form(token, **overrides):
    form = {"csrf_token": token, "referrer-phone": "07700 900982",
            "people-0-given_name": "Aisha", "people-0-family_name": "Rahman",
            "people-0-dob-day": "19", "people-0-dob-month": "8", "people-0-dob-year": "1997",
            "people-0-postcode": "NS3 1JJ",
            "people-1-given_name": "Zayn", "people-1-family_name": "Rahman",
            "people-1-dob-day": "3", "people-1-dob-month": "3", "people-1-dob-year": "2023",
            "concerns": ["children_need_help"],
            "details": "Struggling with Zayn's behaviour and feel very alone.", "consent_given": "yes"}
    form.update(overrides)
    return form


def test_a_parent_refers_herself_without_signing_in(client, app):
    token = csrf_token(client, "/ask-for-help")
    response = client.post("/ask-for-help", data=self_referral_form(token))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "We have your request" in html and "RFH-" in html
    assert "What happens next" in html and "call 999" in html
    with app.app_context():
        req = db.session.scalar(select(RequestForHelp))
        assert req.source == "self_referral" and req.submitted_by_id is None
        assert req.referrer_name == "Aisha Rahman"
        assert req.people[0].relationship_to_family == "parent_carer"


def test_self_referral_late_at_night_promises_a_reply_by_next_working_day(client, app, monkeypatch):
    import time_machine

    # Friday 24 December 2027, 22:40: Christmas Monday and Boxing Day Tuesday are bank holidays.
    with time_machine.travel(datetime(2027, 12, 24, 22, 40, tzinfo=timezone.utc), tick=False):
        token = csrf_token(client, "/ask-for-help")
        html = client.post("/ask-for-help", data=self_referral_form(token)).get_data(as_text=True)
    assert "by the end of 29 December 2027" in html


def test_self_referral_needs_agreement_and_explains_why(client, app):
    token = csrf_token(client, "/ask-for-help")
    response = client.post("/ask-for-help", data=self_referral_form(token, consent_given=""))
    assert response.status_code == 400
    assert "Tell us if you agree" in response.get_data(as_text=True)


def test_self_referral_is_rate_limited_with_a_friendly_page(client, app):
    statuses = []
    for _ in range(7):
        token = csrf_token(client, "/ask-for-help")
        statuses.append(client.post("/ask-for-help", data=self_referral_form(token)).status_code)
    assert statuses[:5] == [200] * 5
    assert statuses[-1] == 429
    token = csrf_token(client, "/ask-for-help")
    page = client.post("/ask-for-help", data=self_referral_form(token)).get_data(as_text=True)
    assert "too many attempts" in page and "999" in page


def summary_links_all_land_on_fields(html):
    import re

    summary = html.split("govuk-error-summary__list")[1].split("</ul>")[0]
    targets = re.findall(r'href="#([^"]+)"', summary)
    ids = set(re.findall(r'id="([^"]+)"', html))
    assert targets and all(t in ids for t in targets), (targets, [t for t in targets if t not in ids])
    return targets


def test_an_empty_self_referral_links_every_error_to_a_field_on_the_page(client):
    token = csrf_token(client, "/ask-for-help")
    response = client.post("/ask-for-help", data={"csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    targets = summary_links_all_land_on_fields(html)
    assert "people-0-given_name" in targets and "referrer-email" in targets
    assert "Name at least one person" in html


def test_the_professional_form_asks_for_your_role(client, factory, app):
    sign_in(client, factory.user("partner"))
    token = csrf_token(client, "/requests/new")
    response = client.post("/requests/new", data=professional_form(token, **{"referrer-role": ""}))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "referrer-role" in summary_links_all_land_on_fields(html)
    assert "Enter your role" in html
    with app.app_context():
        assert db.session.scalar(select(RequestForHelp)) is None


def test_the_confirmation_links_to_the_request_case_and_family(client, factory):
    sign_in(client, factory.user("partner"))
    token = csrf_token(client, "/requests/new")
    response = client.post("/requests/new", data=professional_form(token))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "View your request" in page and "View the case" in page and "View the family record" in page


def test_what_the_public_types_is_shown_as_text_not_markup(client, factory, app):
    token = csrf_token(client, "/ask-for-help")
    client.post("/ask-for-help", data=self_referral_form(token, **{
        "people-0-family_name": "<script>alert(1)</script>", "people-1-family_name": "Rahman"}))
    with app.app_context():
        req = db.session.scalar(select(RequestForHelp))
    officer = app.test_client()
    officer.environ_base["wsgi.url_scheme"] = "https"
    sign_in(officer, factory.user("front_door"))
    for path in (f"/requests/{req.id}", "/front-door"):
        html = officer.get(path).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_a_self_referral_keeps_the_parents_name_out_of_the_audit_trail(client, app):
    from caseflow.core.audit import AuditEvent

    token = csrf_token(client, "/ask-for-help")
    client.post("/ask-for-help", data=self_referral_form(token))
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "request.self_refer"))
        assert event is not None and "Rahman" not in event.actor_label


def test_self_referral_without_csrf_is_rejected_and_saves_nothing(client, app):
    response = client.post("/ask-for-help", data=self_referral_form(""))
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(RequestForHelp)) is None
