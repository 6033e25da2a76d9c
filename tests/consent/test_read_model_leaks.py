"""Leaks the differential access test found (tests/consent/test_differential_access.py), each
pinned by a small hand-made world: a page or endpoint that showed a reader something the policy
withholds, through a door other than the record's own."""
from __future__ import annotations

import pytest

from tests.consent.differential_checks import api_get, response_text, web_client
from tests.consent.differential_world import FamilySpec, GrantSpec, World, build


def _family(**overrides) -> FamilySpec:
    spec = dict(size=2, stage="assessing", team="north", keyworker="keyworker_north", lead_professional=None,
                referrer="front_door", referred=[0], taf=[], event_person=None, event_sender="police")
    return FamilySpec(**{**spec, **overrides})


def _world(app, family: FamilySpec, grants: list[GrantSpec], viewers: list[str]):
    with app.app_context():
        return build(World([family], grants, [], viewers))


def _marker(built, record: str, person: int | None = None) -> str:
    return next(m.text for m in built.markers if m.record == record and m.person == person)


def _api(app, built, user: str, path: str):
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    return api_get(client, path, built.tokens[user])


def test_the_event_page_names_only_the_people_the_reader_may_name(app):
    """A school with consent for the mother read, on a police event's page, the name and date of
    birth of the child the incident was about, as the police sent them."""
    built = _world(app, _family(event_person=1),
                   [GrantSpec("consent", 0, [0], ("org", "school_a"), ["identity", "education"], "current")],
                   ["school_a", "front_door"])
    page = web_client(app, built.users["school_a"]).get(f"/events/{built.events[0]}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert _marker(built, "name", 1) not in text
    assert 'data-testid="people-withheld"' in text and _marker(built, "event_summary", 1) not in text
    # The front door sees who the police named.
    staff = web_client(app, built.users["front_door"]).get(f"/events/{built.events[0]}").get_data(as_text=True)
    assert _marker(built, "name", 1) in staff and 'data-testid="people-withheld"' not in staff


def test_the_event_page_names_a_person_the_reader_may_name(app):
    built = _world(app, _family(event_person=0),
                   [GrantSpec("consent", 0, [0], ("type", "school"), ["identity", "education"], "current")],
                   ["school_a"])
    text = web_client(app, built.users["school_a"]).get(f"/events/{built.events[0]}").get_data(as_text=True)
    assert _marker(built, "name", 0) in text and 'data-testid="people-withheld"' not in text


def test_the_case_page_keeps_a_cases_working_from_a_partner_without_case_notes(app):
    """A school with education consent read on the case page why and how the case closed (the
    keyworker's closure summary), its level of need and risk: the case's working, which the
    family view withholds from it."""
    built = _world(app, _family(stage="closed"),
                   [GrantSpec("consent", 0, [0], ("org", "school_a"), ["identity", "education"], "current")],
                   ["school_a", "keyworker_north"])
    path = f"/cases/{built.cases[0]}"
    school = web_client(app, built.users["school_a"]).get(path)
    assert school.status_code == 200
    text = school.get_data(as_text=True)
    assert _marker(built, "closure_summary") not in text
    assert "Level of need" not in text and "Risk" not in text
    keyworker = web_client(app, built.users["keyworker_north"]).get(path).get_data(as_text=True)
    assert _marker(built, "closure_summary") in keyworker and "Level of need" in keyworker


@pytest.mark.parametrize("surface", ["api", "page"])
def test_a_prefilled_assessment_carries_only_the_referrals_and_triage_the_reader_may_read(app, surface):
    """Before the assessment is started, it is shown pre-filled from the requests and triage.
    A housing officer with case-notes consent read in it the police's referral (refused on the
    request's own page) and triage's evidence (partners hear triage's outcome only)."""
    built = _world(app, _family(stage="allocated", referrer="police"),
                   [GrantSpec("consent", 0, [0, 1], ("org", "housing"), ["identity", "case_notes"], "current")],
                   ["housing", "police", "keyworker_north"])
    case = built.cases[0]
    details, evidence = _marker(built, "request_details"), _marker(built, "triage_evidence")

    def read(user):
        if surface == "api":
            response = _api(app, built, user, f"/api/v1/cases/{case}/assessment")
        else:
            response = web_client(app, built.users[user]).get(f"/cases/{case}/assessment")
        assert response.status_code == 200, user
        return response_text(response)

    assert _api(app, built, "housing", f"/api/v1/requests/{built.requests[0]}").status_code == 403
    housing = read("housing")
    assert details not in housing and evidence not in housing
    keyworker = read("keyworker_north")
    assert details in keyworker and evidence in keyworker


@pytest.mark.parametrize("surface", ["case page", "chronology API"])
def test_triage_reasons_stay_with_the_front_door_in_the_chronology(app, surface):
    """The police system that referred the family (referral category) read triage's rationale
    in the case page's chronology; a school with case-notes and referral consent read it in the
    chronology API. Partners hear triage's outcome, not its working."""
    built = _world(app, _family(stage="triaged", team=None, keyworker=None, referrer="police_system"),
                   [GrantSpec("consent", 0, [0, 1], ("org", "school_a"), ["identity", "referral", "case_notes"], "current")],
                   ["police_system", "school_a", "front_door"])
    case, rationale = built.cases[0], _marker(built, "triage_rationale")
    readers = {"case page": ["police_system", "school_a"], "chronology API": ["school_a"]}[surface]
    for user in readers:
        if surface == "case page":
            response = web_client(app, built.users[user]).get(f"/cases/{case}")
        else:
            response = _api(app, built, user, f"/api/v1/cases/{case}/chronology")
        assert response.status_code == 200, user
        text = response_text(response)
        assert "Triage: level 3" in text and rationale not in text, user  # the outcome, not the working
    assert rationale in response_text(_api(app, built, "front_door", f"/api/v1/cases/{case}/chronology"))


def test_a_long_audit_basis_is_cut_to_its_column_not_a_server_error(app):
    """A partner under several consents, each naming at length who gave it, read the family: the
    audit basis (every grant's wording) outgrew its column, and PostgreSQL refused the read (500)."""
    from sqlalchemy import select

    from caseflow.core.audit import AuditEvent
    from caseflow.core.extensions import db

    built = _world(app, _family(given_by_long=True),
                   [GrantSpec("consent", 0, [0], ("org", "school_a"), ["identity", "education"], "current"),
                    GrantSpec("consent", 0, [1], ("org", "school_a"), ["identity", "education"], "current"),
                    GrantSpec("consent", 0, [0], ("type", "school"), ["health"], "current")],
                   ["school_a"])
    response = _api(app, built, "school_a", f"/api/v1/families/{built.families[0]}")
    assert response.status_code == 200
    with app.app_context():
        basis = db.session.scalar(select(AuditEvent.basis).where(AuditEvent.action == "family.view"))
        assert basis.startswith("consent given") and len(basis) <= AuditEvent.__table__.c.basis.type.length


@pytest.mark.parametrize("surface", ["api", "page"])
def test_a_request_read_under_break_glass_names_only_the_people_the_glass_covers(app, surface):
    """A duty manager of another team broke glass for the mother only; the request for help
    (its own page and API) still named every person the request was about."""
    from tests.consent.differential_world import GlassSpec

    with app.app_context():
        built = build(World([_family(team="south", keyworker="keyworker_south", referred=[0, 1])], [],
                            [GlassSpec("manager_north", 0, [0], True)], ["manager_north", "front_door"]))
    path = f"/api/v1/requests/{built.requests[0]}" if surface == "api" else f"/requests/{built.requests[0]}"

    def read(user):
        response = _api(app, built, user, path) if surface == "api" else web_client(app, built.users[user]).get(path)
        assert response.status_code == 200, user
        return response_text(response)

    manager = read("manager_north")
    assert _marker(built, "name", 0) in manager and _marker(built, "name", 1) not in manager
    assert _marker(built, "name", 1) in read("front_door")


@pytest.mark.parametrize("surface", ["api", "pdf"])
def test_the_handover_pack_keeps_social_care_records_from_a_partner_without_social_care(app, surface):
    """A GP leading a case stepped up to social care (case notes by the case role, no social
    care grant) read the step-up's reason and concern in the handover pack."""
    built = _world(app, _family(stage="social_care", lead_professional="gp"), [], ["gp", "keyworker_north"])
    concern = _marker(built, "step_up")

    def read(user):
        if surface == "api":
            response = _api(app, built, user, f"/api/v1/cases/{built.cases[0]}/handover-pack")
        else:
            response = web_client(app, built.users[user]).get(f"/cases/{built.cases[0]}/handover-pack.pdf")
        assert response.status_code == 200, user
        return response_text(response)

    gp = read("gp")
    assert concern not in gp and "Step-up and step-down records and statutory status" in gp
    assert concern in read("keyworker_north")
