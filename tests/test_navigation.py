"""The service navigation: each role sees its own sections, in a fixed order, and the page being
looked at is marked as the current section (caseflow.web.navigation)."""
from __future__ import annotations

import re

import pytest

from tests.conftest import _https_client, sign_in

LINK = re.compile(r'<a class="govuk-service-navigation__link" href="([^"]+)"( aria-current="true")?>\s*'
                  r'(?:<strong class="govuk-service-navigation__active-fallback">)?([^<]+?)\s*<')

SECTIONS = {
    "front_door": ["Front door queue", "Advice line", "Panels", "Unallocated", "Caseloads", "Events to check",
                   "Duplicates", "Deadlines", "Identified families", "Families", "Request help", "Inbox"],
    "keyworker": ["My caseload", "My visits", "Overdue", "Families", "Request help", "Inbox"],
    "team_manager": ["Front door queue", "Advice line", "Panels", "Unallocated", "Caseloads", "Overdue", "Supervision",
                     "Case audits", "Sharing report", "Events to check", "Duplicates", "Deadlines", "Dashboards",
                     "Step-up and step-down", "Claims", "Identified families", "Families", "Request help", "Inbox"],
    "partner": ["My visits", "Dashboards", "Families", "Request help", "Inbox"],
    "analyst": ["Workspace", "Dashboards", "Step-up and step-down", "Claims", "Identified families", "Outcomes Plan",
                "Returns", "Inbox", "Imports"],
    "admin": ["Outcomes Plan", "Returns", "Inbox", "Imports", "People and roles", "Organisations", "API tokens",
              "Local criteria", "Directory", "Notification routing", "Deliveries", "Outcome wheel"],
}


def _links(html: str) -> list[tuple[str, bool, str]]:
    return [(href, bool(current), text) for href, current, text in LINK.findall(html)]


@pytest.mark.parametrize("role", sorted(SECTIONS))
def test_each_role_sees_its_sections_and_the_current_one_is_marked(app, factory, role):
    client = _https_client(app)
    sign_in(client, factory.user(role, team="Locality North" if role == "team_manager" else None))
    links = _links(client.get("/inbox").get_data(as_text=True))
    labels = [label for _href, _current, label in links]
    current = [label for _href, is_current, label in links if is_current]
    assert labels == SECTIONS[role]
    assert current == ["Inbox"]  # the page looked at, and only it
    opened = {label: client.get(href).status_code for href, _, label in links}
    assert set(opened.values()) == {200}, opened  # every section opens for the role it is shown to


def test_a_page_inside_a_section_marks_that_section(app, factory):
    client = _https_client(app)
    sign_in(client, factory.user("keyworker"))
    links = _links(client.get("/families?q=Walsh").get_data(as_text=True))
    current = [label for _href, is_current, label in links if is_current]
    assert current == ["Families"]


def test_the_public_pages_have_no_navigation(app):
    assert "govuk-service-navigation" not in _https_client(app).get("/sign-in").get_data(as_text=True)
