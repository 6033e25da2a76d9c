"""The consent dimension of the authorisation matrix: for a partner, every combination of
relationship (referred the family or not) and consent (none, valid, withdrawn, expired) across
the family, search, case, plan and casework routes, with the fields that appear.

The staff side of the matrix (every role x every route) is tests/consent/test_route_matrix.py.
"""
from datetime import timedelta

import pytest

from tests.plans.helpers import agreed_plan, allocated_case, complete_assessment, team
from caseflow.core.timescales import today_london

CONSENT_STATES = ["none", "valid", "withdrawn", "expired"]


def _consent(org_id, categories, **dates):
    return {"purpose": "taf_information_sharing", "recipient_organisation_ids": [org_id],
            "categories": categories, "given_by": "Sharon Walsh", "given_by_relationship": "parent_carer",
            "method": "signed_form", "given_on": today_london().isoformat(), **dates}


def _give(api, token, person_id, org_id, state, categories):
    if state == "none":
        return
    dates = {}
    if state == "expired":
        dates = {"given_on": (today_london() - timedelta(days=400)).isoformat(),
                 "expires_on": (today_london() - timedelta(days=1)).isoformat()}
    given = api.post(f"/api/v1/people/{person_id}/consents", token, json=_consent(org_id, categories, **dates))
    assert given.status_code == 201, given.get_json()
    if state == "withdrawn":
        withdrawn = api.post(f"/api/v1/consents/{given.get_json()['id']}/withdraw", token, json={"reason": "Mum asked"})
        assert withdrawn.status_code == 200


@pytest.fixture
def family(api, factory):
    p, t, orgs = team(factory)
    case_id = allocated_case(api, p, t)
    complete_assessment(api, t["sam"], case_id)
    agreed_plan(api, t["sam"], case_id, p["sam"].id)
    family_id = api.get(f"/api/v1/cases/{case_id}", t["sam"]).get_json()["family_id"]
    person_id = api.get(f"/api/v1/families/{family_id}", t["sam"]).get_json()["members"][0]["id"]
    return p, t, orgs, case_id, family_id, person_id


@pytest.mark.parametrize("state", CONSENT_STATES)
@pytest.mark.parametrize("relationship", ["referrer", "senco"])  # Ms Patel referred; Jo SENCo did not
def test_education_consent_opens_the_school_section_only_while_it_is_valid(api, family, relationship, state):
    p, t, orgs, case_id, family_id, person_id = family
    _give(api, t["sam"], person_id, orgs["school"].id, state, ["education"])
    token, valid, referred = t[relationship], state == "valid", relationship == "referrer"

    seen = api.get(f"/api/v1/families/{family_id}", token)
    assert seen.status_code == (200 if valid or referred else 403)
    if seen.status_code == 200:
        body = seen.get_json()
        member = body["members"][0]
        assert "health" not in body["categories"] and "nhs_number" in member["redacted"]
        assert ("education" in body["categories"]) == valid
        assert ("upn" in member["redacted"]) == (not valid)  # a redaction names the field, never a silent gap
        assert "reason" not in body or body["reason"]
    found = api.get("/api/v1/families?q=Walsh", token).get_json()["total"]
    assert found == (1 if valid or referred else 0)  # search never reveals a family you may not see

    # An education consent is not a licence to read the keyworker's notes or the plan.
    for path in (f"/api/v1/cases/{case_id}/assessment", f"/api/v1/cases/{case_id}/contacts",
                 f"/api/v1/cases/{case_id}/reviews", f"/api/v1/cases/{case_id}/chronology",
                 f"/api/v1/cases/{case_id}/plan"):
        response = api.get(path, token)
        assert response.status_code == 403, (path, response.get_json())
        message = response.get_json()["error"]["message"]
        if (valid or referred) and not path.endswith("plan"):
            assert "does not cover case notes" in message  # the refusal says why
        else:
            assert message


@pytest.mark.parametrize("state", CONSENT_STATES)
def test_case_notes_and_plan_consent_opens_casework_only_while_valid(api, family, state):
    p, t, orgs, case_id, family_id, person_id = family
    _give(api, t["sam"], person_id, orgs["camhs"].id, state, ["health", "case_notes", "plan"])
    token, valid = t["camhs"], state == "valid"
    assessment = api.get(f"/api/v1/cases/{case_id}/assessment", token)
    assert assessment.status_code == (200 if valid else 403)
    plan = api.get(f"/api/v1/cases/{case_id}/plan", token)
    assert plan.status_code == (200 if valid else 403)
    if valid:
        assert assessment.get_json()["family_views"].startswith("Mum says")
        assert [o["headline_problem"] for o in plan.get_json()["outcomes"]] == ["education", "health"]
        member = api.get(f"/api/v1/families/{family_id}", token).get_json()["members"][0]
        assert "nhs_number" not in member["redacted"] and "upn" in member["redacted"]


def test_a_taf_member_sees_the_plan_but_not_the_notes(api, family):
    p, t, orgs, case_id, family_id, person_id = family
    assert api.post(f"/api/v1/cases/{case_id}/taf", t["sam"], json={"user_id": p["camhs"].id}).status_code == 201
    plan = api.get(f"/api/v1/cases/{case_id}/plan", t["camhs"])
    assert plan.status_code == 200 and len(plan.get_json()["outcomes"]) == 2
    assert api.get(f"/api/v1/cases/{case_id}/assessment", t["camhs"]).status_code == 403
    assert api.get(f"/api/v1/cases/{case_id}/contacts", t["camhs"]).status_code == 403
