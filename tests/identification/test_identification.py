"""The data identification route (issue 18, point 3): runs propose eligible families not open to
the service, with the evidence for each problem; the front door starts a request or dismisses."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from caseflow.core.extensions import db
from tests.conftest import csrf_token, sign_in
from tests.identification.helpers import evidence, known_family


@pytest.fixture
def world(app, factory):
    """Five known families, none open to the service, with evidence of different strength."""
    org = factory.org("Northshire Council")
    people = {role: factory.user(role, org=org) for role in ("analyst", "front_door", "keyworker")}
    tokens = {role: factory.token(user) for role, user in people.items()}
    by = people["analyst"].id
    with app.app_context():
        # Two problems: attendance below the plan's 90% this year, and a police offence.
        two, two_people = known_family("Harrow")
        evidence(two_people["child"], "attendance", 60, by, value=81.5, end_days_ago=10)
        evidence(two_people["parent"], "offence", 100, by, source_reference="police-2026-q3.csv")
        # Three problems: an exclusion, anti-social behaviour and an open out-of-work benefit claim.
        three, three_people = known_family("Okafor", parent="Grace", child="Tobi", postcode="NS3 1AA")
        evidence(three_people["child"], "exclusion", 30, by, code="fixed_term")
        evidence(three_people["child"], "asb", 45, by)
        evidence(three_people["parent"], "benefit_claim", 400, by, code="universal_credit")
        # One problem only: good attendance does not count, the offence does.
        one, one_people = known_family("Lindqvist", parent="Ann", child="Eli", postcode="NS4 2BB")
        evidence(one_people["child"], "attendance", 60, by, value=97.0, end_days_ago=10)
        evidence(one_people["parent"], "offence", 20, by)
        # Two problems, but the offence is older than the plan's 12 months.
        old, old_people = known_family("Brennan", parent="Moira", child="Finn", postcode="NS5 3CC")
        evidence(old_people["child"], "attendance", 60, by, value=70.0, end_days_ago=10)
        evidence(old_people["parent"], "offence", 500, by)
        db.session.commit()
    return {"people": people, "tokens": tokens, "two": two, "three": three, "one": one, "old": old,
            "two_people": two_people}


def _run(api, token, **body):
    response = api.post("/api/v1/identification/runs", token, json=body)
    assert response.status_code == 202, response.get_json()
    assert response.get_json()["state"] == "done", response.get_json()
    return response.get_json()


def _listed(api, token, run_id=None):
    response = api.get("/api/v1/identification/families" + (f"?run_id={run_id}" if run_id else ""), token)
    assert response.status_code == 200, response.get_json()
    return {item["family_id"]: item for item in response.get_json()["items"]}


def test_a_run_proposes_families_with_two_problems_from_the_evidence_and_is_repeatable(app, api, world):
    tokens = world["tokens"]
    first = _run(api, tokens["analyst"])
    listed = _listed(api, tokens["front_door"])
    assert set(listed) == {world["two"], world["three"]}
    assert first["identified"] == 2 and first["min_problems"] == 2
    three = listed[world["three"]]
    assert three["problem_count"] == 3
    assert [p["code"] for p in three["problems"]] == ["crime_asb", "education", "worklessness"]
    assert [p["code"] for p in listed[world["two"]]["problems"]] == ["crime_asb", "education"]
    # The plan measures these by the keyworker's record: a run says it cannot count them.
    assert set(first["summary"]["not_counted_from_data"]) == {"children_need_help", "health"}
    # The same evidence gives the same result.
    second = _run(api, tokens["analyst"])
    again = _listed(api, tokens["front_door"], second["id"])
    assert {k: (v["problem_count"], v["problems"]) for k, v in again.items()} == \
        {k: (v["problem_count"], v["problems"]) for k, v in listed.items()}
    runs = api.get("/api/v1/identification/runs", tokens["front_door"]).get_json()["items"]
    assert [r["id"] for r in runs] == [second["id"], first["id"]]
    # The eligibility rule is the run's: with one problem the single-problem family is proposed.
    assert world["one"] in _listed(api, tokens["analyst"], _run(api, tokens["analyst"], min_problems=1)["id"])


def test_dismissed_families_stay_off_until_new_evidence_arrives(app, api, world):
    tokens = world["tokens"]
    run = _run(api, tokens["analyst"])
    refused = api.post(f"/api/v1/identification/runs/{run['id']}/families/{world['two']}/dismiss", tokens["front_door"],
                       json={"reason": "  "})
    assert refused.status_code == 422 and "reason" in str(refused.get_json())
    dismissed = api.post(f"/api/v1/identification/runs/{run['id']}/families/{world['two']}/dismiss",
                         tokens["front_door"], json={"reason": "Known to the school's own early help offer"})
    assert dismissed.status_code == 200 and dismissed.get_json()["state"] == "dismissed"
    twice = api.post(f"/api/v1/identification/runs/{run['id']}/families/{world['two']}/dismiss",
                     tokens["front_door"], json={"reason": "again"})
    assert twice.status_code == 409
    assert world["two"] not in _listed(api, tokens["analyst"], _run(api, tokens["analyst"])["id"])
    with app.app_context():
        evidence(world["two_people"]["child"], "exclusion", 2, world["people"]["analyst"].id, code="fixed_term",
                 recorded_at=datetime.now(timezone.utc) + timedelta(seconds=1))
        db.session.commit()
    back = _listed(api, tokens["analyst"], _run(api, tokens["analyst"])["id"])
    assert back[world["two"]]["state"] == "proposed"


def test_the_front_door_starts_a_request_through_the_front_door_service(app, api, world):
    tokens = world["tokens"]
    run = _run(api, tokens["analyst"])
    path = f"/api/v1/identification/runs/{run['id']}/families/{world['three']}/request"
    # Analysts find families; the front door contacts them. Refused before the body is read.
    assert api.post(path, tokens["analyst"], json={}).status_code == 403
    # The front door's own rule: without consent, only for a safeguarding concern.
    no_consent = api.post(path, tokens["front_door"], json={"consent_given": False})
    assert no_consent.status_code == 422 and "consent" in str(no_consent.get_json()).lower()
    started = api.post(path, tokens["front_door"], json={"consent_given": True, "urgency": "routine"})
    assert started.status_code == 201, started.get_json()
    body = started.get_json()
    assert body["identified"]["state"] == "request_started" and body["match_status"] == "linked"
    with app.app_context():
        from caseflow.frontdoor.models import RequestForHelp

        request = db.session.get(RequestForHelp, body["request_id"])
        assert request.family_id == world["three"] and request.status == "new"
        assert request.concerns == ["crime_asb", "education", "worklessness"]
        assert "identification run" in request.details
    # Now open to the service: the next run leaves the family off.
    assert world["three"] not in _listed(api, tokens["analyst"], _run(api, tokens["analyst"])["id"])


def test_the_list_goes_through_the_policy_and_each_family_shown_is_audited(app, api, world):
    tokens = world["tokens"]
    assert api.post("/api/v1/identification/runs", tokens["keyworker"], json={"min_problems": "x"}).status_code == 403
    assert api.post("/api/v1/identification/runs", tokens["front_door"], json={}).status_code == 403
    run = _run(api, tokens["analyst"])
    assert api.get("/api/v1/identification/families", tokens["keyworker"]).status_code == 403
    assert api.post(f"/api/v1/identification/runs/{run['id']}/families/{world['two']}/dismiss", tokens["keyworker"],
                    json={}).status_code == 403
    # Refused before the body is read: not JSON at all is still a 403 for someone refused.
    assert api.post(f"/api/v1/identification/runs/{run['id']}/families/{world['two']}/request", tokens["analyst"],
                    data="not json", headers={"Content-Type": "application/json"}).status_code == 403
    _listed(api, tokens["front_door"])
    with app.app_context():
        from caseflow.core.audit import AuditEvent

        read = set(db.session.scalars(select(AuditEvent.family_id).where(AuditEvent.action == "identification.list")))
        assert read == {world["two"], world["three"]}
        # The run itself is on the record: who started it, and what it found.
        finished = db.session.scalars(select(AuditEvent.purpose).where(AuditEvent.action == "identification.run.finish"))
        assert "2 families identified" in " ".join(finished)


def test_pages_list_show_evidence_and_refuse_bad_input_with_a_form_error(app, client, world):
    people = world["people"]
    sign_in(client, people["analyst"])
    started = client.post("/identification/runs", data={"csrf_token": csrf_token(client, "/identification")})
    assert started.status_code == 302
    listing = client.get("/identification").get_data(as_text=True)
    assert "Harrow" in listing and "Okafor" in listing and "Lindqvist" not in listing
    run_id = started.headers["Location"].rstrip("/").split("/")[-1]
    page = client.get(f"/identification/runs/{run_id}/families/{world['two']}").get_data(as_text=True)
    assert "81.5%" in page and "police-2026-q3.csv" in page
    assert "Start the request" not in page  # analysts do not decide
    client.get("/sign-out")
    sign_in(client, people["front_door"])
    path = f"/identification/runs/{run_id}/families/{world['two']}"
    token = csrf_token(client, path)
    for data in ({"reason": ""}, {"reason": "x" * 5000}):
        bad = client.post(f"{path}/dismiss", data={"csrf_token": token, **data})
        assert bad.status_code == 400 and "There is a problem" in bad.get_data(as_text=True)
    for data in ({}, {"consent_given": "maybe"}, {"consent_given": "no"}, {"consent_given": "yes", "urgency": "soon"}):
        bad = client.post(f"{path}/request", data={"csrf_token": token, **data})
        assert bad.status_code == 400, data
    done = client.post(f"{path}/dismiss", data={"csrf_token": token, "reason": "Moved out of the area"})
    assert done.status_code == 302
    assert "Dismissed because: Moved out of the area" in client.get(path).get_data(as_text=True)


def test_caseflow_identify_run(app, world):
    from caseflow.cli import main

    result = app.test_cli_runner().invoke(main, ["identify", "run", "--by", world["people"]["analyst"].email])
    assert result.exit_code == 0, result.output
    assert "2 families identified with 2 or more problems" in result.output
    refused = app.test_cli_runner().invoke(main, ["identify", "run", "--by", world["people"]["keyworker"].email])
    assert refused.exit_code == 2 and "analysts" in refused.output
