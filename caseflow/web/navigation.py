"""The service navigation under the header: which sections each role sees, and which is current.

It was a chain of `{% if role %}{% set nav = nav + [...] %}` in base.html, thirty sections and
their rules for being current written into the page frame. It is a table here, read in order
(tests/test_navigation.py checks each role's menu), and base.html hands the result to GOV.UK
Frontend's service navigation macro.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask import url_for
from markupsafe import Markup, escape

from caseflow.core.roles import Role

FRONT_DOOR_ROLES = frozenset({Role.FRONT_DOOR, Role.TEAM_MANAGER, Role.PANEL_CHAIR})
NOT_CASEWORK_ROLES = frozenset({Role.ADMIN, Role.ANALYST})  # they see no families, so no search


def _is(*endpoints: str) -> Callable[[str], bool]:
    return lambda endpoint: endpoint in endpoints


def _within(prefix: str) -> Callable[[str], bool]:
    return lambda endpoint: endpoint.startswith(prefix)


@dataclass(frozen=True)
class Section:
    text: str
    endpoint: str  # where the link goes
    shown_to: Callable[[str], bool]  # by role
    current: Callable[[str], bool]  # by the request's endpoint: this page is in the section


def _roles(*roles: str) -> Callable[[str], bool]:
    allowed = frozenset(roles)
    return lambda role: role in allowed


def _oversight_audits(endpoint: str) -> bool:
    return endpoint.startswith("oversight.") and endpoint not in ("oversight.overdue_supervision",
                                                                   "oversight.case_oversight")


def _analyst_workspace(endpoint: str) -> bool:
    return (endpoint.startswith("reports.") and "extract" in endpoint) or endpoint == "reports.workspace"


_ADMIN = _roles(Role.ADMIN)
_front_door = _roles(*FRONT_DOOR_ROLES)
_OUTCOMES_TEAM = _roles(Role.ANALYST, Role.ADMIN)

SECTIONS: tuple[Section, ...] = (
    Section("Front door queue", "frontdoor.queue", _front_door, _within("frontdoor.queue")),
    Section("Advice line", "frontdoor.advice_line", _front_door,
            _is("frontdoor.advice_line", "frontdoor.advice_call")),
    Section("Panels", "panels.panels", _roles(*FRONT_DOOR_ROLES, Role.PANEL_MEMBER), _within("panels.panel")),
    Section("Unallocated", "allocation.unallocated", _front_door, _is("allocation.unallocated")),
    Section("Caseloads", "allocation.caseloads", _front_door,
            _is("allocation.caseloads", "allocation.caseload")),
    Section("My caseload", "allocation.caseload", _roles(Role.KEYWORKER), _is("allocation.caseload")),
    # Keyworkers, and the social workers and partners who go on joint visits.
    Section("My visits", "plans.my_visits", _roles(Role.KEYWORKER, Role.SOCIAL_WORKER, Role.PARTNER),
            _is("plans.my_visits")),
    Section("Overdue", "plans.overdue_work", _roles(Role.KEYWORKER, Role.TEAM_MANAGER), _is("plans.overdue_work")),
    Section("Supervision", "oversight.overdue_supervision", _roles(Role.TEAM_MANAGER),
            _is("oversight.overdue_supervision")),
    Section("Case audits", "oversight.case_audits", _roles(Role.TEAM_MANAGER), _oversight_audits),
    Section("Sharing report", "consent.access_report", _roles(Role.TEAM_MANAGER), _is("consent.access_report")),
    Section("Events to check", "notify.review_queue", _roles(Role.FRONT_DOOR, Role.TEAM_MANAGER),
            _is("notify.review_queue")),
    Section("Duplicates", "records.duplicates", _roles(Role.FRONT_DOOR, Role.TEAM_MANAGER), _is("records.duplicates")),
    Section("Deadlines", "notify.manager_dashboard", _front_door, _is("notify.manager_dashboard")),
    Section("Workspace", "reports.workspace", _roles(Role.ANALYST), _analyst_workspace),
    Section("Dashboards", "reports.index", _roles(Role.TEAM_MANAGER, Role.PANEL_CHAIR, Role.ANALYST, Role.PARTNER),
            _is("reports.index", "reports.dashboard")),
    Section("Step-up and step-down", "socialcare.figures", _roles(Role.TEAM_MANAGER, Role.PANEL_CHAIR, Role.ANALYST),
            _is("socialcare.figures")),
    Section("Claims", "outcomes.claims_list", _roles(Role.TEAM_MANAGER, Role.ANALYST),
            _is("outcomes.claims_list", "outcomes.claim", "outcomes.run")),
    Section("Identified families", "identification.families", _roles(Role.ANALYST, Role.FRONT_DOOR, Role.TEAM_MANAGER),
            _within("identification.")),
    Section("Outcomes Plan", "outcomes.plan", _OUTCOMES_TEAM, _is("outcomes.plan", "outcomes.edit_problem")),
    Section("Returns", "outcomes.returns_page", _OUTCOMES_TEAM, _is("outcomes.returns_page")),
    Section("Families", "families.search", lambda role: role not in NOT_CASEWORK_ROLES, _within("families.")),
    Section("Request help", "frontdoor.new_request", lambda role: role not in NOT_CASEWORK_ROLES,
            _is("frontdoor.new_request")),
    Section("Inbox", "notify.inbox", lambda role: role != Role.PARTNER_SYSTEM, _is("notify.inbox")),
    Section("Imports", "imports.index", _OUTCOMES_TEAM, _within("imports.")),
    Section("People and roles", "admin.users", _ADMIN, _is("admin.users", "admin.add_person", "admin.person")),
    Section("Organisations", "admin.organisations", _ADMIN,
            _is("admin.organisations", "admin.add_organisation", "admin.organisation")),
    Section("API tokens", "admin.tokens", _ADMIN, _is("admin.tokens")),
    Section("Local criteria", "triage.local_criteria", _ADMIN, _is("triage.local_criteria")),
    Section("Directory", "directory.index", _ADMIN, _within("directory.")),
    Section("Notification routing", "notify_admin.routing", _ADMIN,
            _is("notify_admin.routing", "notify_admin.organisation")),
    Section("Deliveries", "notify_admin.deliveries", _ADMIN, _is("notify_admin.deliveries")),
    Section("Outcome wheel", "practice.wheel_areas", _ADMIN, _is("practice.wheel_areas", "practice.wheel_area")),
)


@dataclass(frozen=True)
class NavigationLink:
    """One item of govukServiceNavigation's `navigation` list (the fields it reads)."""
    href: str
    html: Markup  # escaped text, or the inbox's label with its count
    active: bool  # the current page is in this section


def navigation(role: str, endpoint: str | None, inbox_count: Callable[[], int]) -> list[NavigationLink]:
    """The links a user of `role` sees, in order, the one holding the current page marked.
    `inbox_count` is called only for roles that have an inbox (it costs a query)."""
    endpoint = endpoint or ""
    links = []
    for section in SECTIONS:
        if not section.shown_to(role):
            continue
        label = escape(section.text)
        if section.endpoint == "notify.inbox":
            waiting = inbox_count()
            if waiting:
                label += Markup(' <strong class="govuk-tag govuk-tag--red cf-count" data-testid="inbox-count">'
                                '{}<span class="govuk-visually-hidden"> new</span></strong>').format(waiting)
        links.append(NavigationLink(url_for(section.endpoint), label, section.current(endpoint)))
    return links
