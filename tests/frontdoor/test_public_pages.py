"""The pages families see: their own layout without staff notices or menus, a privacy notice,
an accessibility statement and a cookies page in the council's own words (from settings), and a
self-referral form that asks the person filling it in about themselves in the second person."""
import re

import pytest

from tests.conftest import csrf_token, sign_in
from tests.frontdoor.test_web_intake import self_referral_form

PUBLIC_PAGES = ["/", "/ask-for-help", "/privacy", "/accessibility", "/cookies"]
STAFF_NOTICE = "Every view is recorded"


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_have_no_staff_banner_or_menu_and_link_the_legal_pages(client, path):
    response = client.get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert STAFF_NOTICE not in html and "Official-Sensitive" not in html
    assert "govuk-service-navigation" not in html and "Sign out" not in html
    footer = html.split('data-testid="footer-links"')[1].split("</ul>")[0]
    for href in ("/privacy", "/accessibility", "/cookies"):
        assert f'href="{href}"' in footer


def test_the_request_confirmation_is_public_too(client):
    token = csrf_token(client, "/ask-for-help")
    html = client.post("/ask-for-help", data=self_referral_form(token)).get_data(as_text=True)
    assert "We have your request" in html and STAFF_NOTICE not in html and 'data-testid="public-header"' in html


def test_staff_pages_keep_the_staff_notice(client, factory):
    sign_in(client, factory.user("front_door"))
    html = client.get("/front-door").get_data(as_text=True)
    assert STAFF_NOTICE in html and 'href="/privacy"' in html


def test_the_council_names_itself_and_its_contacts_through_settings(client, app):
    settings = app.extensions["caseflow.settings"]
    saved = {k: getattr(settings, k) for k in ("council_name", "council_email", "council_phone", "dpo_email",
                                               "retention_years", "accessibility_reviewed_on")}
    try:
        settings.council_name, settings.council_email = "Westmoor Borough Council", "help@westmoor.example"
        settings.council_phone, settings.dpo_email = "01632 960123", "dpo@westmoor.example"
        settings.retention_years, settings.accessibility_reviewed_on = 7, "2027-03-04"
        privacy = client.get("/privacy").get_data(as_text=True)
        assert "Westmoor Borough Council is the data controller" in privacy
        assert "dpo@westmoor.example" in privacy and "01632 960123" in privacy
        assert re.search(r'data-testid="retention">[^<]*7 years', privacy)
        statement = client.get("/accessibility").get_data(as_text=True)
        assert "help@westmoor.example" in statement and "4 March 2027" in statement
        assert "Westmoor Borough Council" in client.get("/ask-for-help").get_data(as_text=True)
    finally:
        for key, value in saved.items():
            setattr(settings, key, value)


def test_the_privacy_notice_gives_the_lawful_basis_and_the_familys_rights(client):
    html = client.get("/privacy").get_data(as_text=True)
    for words in ("Article 6(1)(e)", "Article 9(2)(g)", "Article 9(2)(h)", "Data Protection Act 2018, Schedule 1",
                  "What information we collect", "Why we collect it", "How long we keep it", "Your rights",
                  "Information Commissioner"):
        assert words in html, words


def test_the_accessibility_statement_has_what_the_regulations_require(client):
    html = client.get("/accessibility").get_data(as_text=True)
    for words in ("Accessibility Regulations 2018", "Compliance status", "partially compliant",
                  "Non-accessible content", "Reporting accessibility problems", "Enforcement procedure",
                  "Equality and Human Rights Commission", "Equality Advisory and Support Service"):
        assert words in html, words


def test_the_cookies_page_names_the_cookie_the_app_really_sets(client, app):
    page = client.get("/ask-for-help")  # the form's security code puts the session cookie in place
    set_cookie = page.headers.get("Set-Cookie", "")
    name = set_cookie.split("=")[0]
    assert name == app.config["SESSION_COOKIE_NAME"]
    html = client.get("/cookies").get_data(as_text=True)
    assert f"<code>{name}</code>" in html and "Strictly necessary" in html
    assert html.count('<tr class="govuk-table__row">') == 2  # the header row and the one cookie


def test_the_self_referral_form_asks_the_applicant_about_themselves(client):
    html = client.get("/ask-for-help").get_data(as_text=True)
    applicant = html.split("Your details")[1].split("Your children and others")[0]
    assert "Who are they in the family" not in html
    assert "Your relationship to the child or children" in applicant
    assert "I am their parent or carer" in applicant


def test_the_self_referral_form_has_one_add_another_control_that_adds_a_person(client, app):
    html = client.get("/ask-for-help").get_data(as_text=True)
    assert html.count("Add another person") == 1 and "<details" not in html
    assert 'name="people-1-given_name"' in html and 'name="people-2-given_name"' not in html
    token = csrf_token(client, "/ask-for-help")
    form = self_referral_form(token, add_person="yes", people_shown="1")
    more = client.post("/ask-for-help", data=form)
    page = more.get_data(as_text=True)
    assert more.status_code == 200 and "We have your request" not in page and "There is a problem" not in page
    assert 'name="people-2-given_name"' in page and page.count("Add another person") == 1
    assert 'value="Zayn"' in page  # what they typed is kept
    # and the form with the extra person sends as usual
    form.pop("add_person")
    form.update({"people_shown": "2", "people-2-given_name": "Mira", "people-2-family_name": "Rahman",
                 "people-2-dob-day": "1", "people-2-dob-month": "1", "people-2-dob-year": "2020"})
    sent = client.post("/ask-for-help", data=form)
    assert sent.status_code == 200 and "We have your request" in sent.get_data(as_text=True)
    from sqlalchemy import select

    from caseflow.core.extensions import db
    from caseflow.frontdoor.models import RequestForHelp

    with app.app_context():
        req = db.session.scalar(select(RequestForHelp))
        assert {p.given_name for p in req.people} == {"Aisha", "Zayn", "Mira"}


def test_adding_people_does_not_use_up_the_self_referral_rate_limit(client):
    token = csrf_token(client, "/ask-for-help")
    for shown in range(1, 5):
        response = client.post("/ask-for-help", data={"csrf_token": token, "add_person": "yes",
                                                      "people_shown": str(shown)})
        assert response.status_code == 200
    for _ in range(5):
        assert client.post("/ask-for-help", data=self_referral_form(token)).status_code == 200


def test_the_form_stops_offering_more_people_at_its_limit(client):
    token = csrf_token(client, "/ask-for-help")
    html = client.post("/ask-for-help", data={"csrf_token": token, "add_person": "yes",
                                              "people_shown": "99"}).get_data(as_text=True)
    assert "Add another person" not in html and 'name="people-5-given_name"' in html
    assert 'name="people-6-given_name"' not in html
