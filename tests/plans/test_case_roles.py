"""Case roles, not just job roles: keyworker, lead professional, TAF member and action owner are
relationships to a case, whatever organisation the person works for.

A school's safeguarding lead allocated as keyworker, or a health visitor named lead
professional, does the casework that role needs, under the consent the family gave to their
agency; a TAF member records progress on the actions they own and nothing more; someone removed
from the TAF loses access at their next request.
"""
from __future__ import annotations

import pytest

from tests.conftest import sign_in
from tests.plans.helpers import agreed_plan, complete_assessment, plan_body, team
from tests.triage.helpers import case_at_panel
from caseflow.core.timescales import today_london


@pytest.fixture
def partners(api, factory):
    p, t, orgs = team(factory)
    health = factory.org("Northshire Health Visiting", type="health_visiting")
    p["dsl"] = factory.user("partner", org=orgs["school"], name="Dana DSL")
    p["hv"] = factory.user("partner", org=health, name="Hana Health Visitor")
    for key in ("dsl", "hv"):
        t[key] = factory.token(p[key])
    orgs["health"] = health
    return p, t, orgs


def _allocate(api, t, keyworker_id, lead_id=None, surname="Walsh"):
    created = case_at_panel(api, t["referrer"], t["officer"], surname)
    body = {"keyworker_id": keyworker_id, **({"lead_professional_id": lead_id} if lead_id else {})}
    allocated = api.post(f"/api/v1/cases/{created['case_id']}/allocation", t["chair"], json=body)
    assert allocated.status_code == 201, allocated.get_json()
    return created["case_id"], created["family_id"]


def _contact(api, token, case_id, notes="Home visit: Leah and mum seen together."):
    return api.post(f"/api/v1/cases/{case_id}/contacts", token, json={
        "date": today_london().isoformat(), "type": "home_visit", "people_seen": [], "notes": notes})


def test_a_schools_safeguarding_lead_allocated_as_keyworker_does_the_casework(api, client, partners):
    p, t, orgs = partners
    case_id, family_id = _allocate(api, t, p["dsl"].id)
    assert api.get(f"/api/v1/cases/{case_id}", t["dsl"]).status_code == 200
    assessment = api.get(f"/api/v1/cases/{case_id}/assessment", t["dsl"])
    assert assessment.status_code == 200, assessment.get_json()
    complete_assessment(api, t["dsl"], case_id)
    agreed_plan(api, t["dsl"], case_id, p["dsl"].id)
    assert _contact(api, t["dsl"], case_id).status_code == 201
    assert api.get(f"/api/v1/cases/{case_id}/contacts", t["dsl"]).get_json()["total"] == 1
    chronology = api.get(f"/api/v1/cases/{case_id}/chronology", t["dsl"])
    assert chronology.status_code == 200 and any(e["kind"] == "contact" for e in chronology.get_json()["items"])
    plan = api.get(f"/api/v1/cases/{case_id}/plan", t["dsl"]).get_json()
    review = api.post(f"/api/v1/cases/{case_id}/reviews", t["dsl"], json={
        "date": today_london().isoformat(), "attendees": [{"name": "Dana DSL", "organisation": "Northshire Academy"}],
        "progress": [{"outcome_id": o["id"], "score": 5} for o in plan["outcomes"]], "decision": "continue"})
    assert review.status_code == 201, review.get_json()
    # The case's moves are offered to the keyworker who may make them.
    actions = [a["action"] for a in api.get(f"/api/v1/cases/{case_id}", t["dsl"]).get_json()["actions"]]
    assert "close" in actions
    # Under the consent the family gave the school: no health details without health consent.
    family = api.get(f"/api/v1/families/{family_id}", t["dsl"]).get_json()
    assert "nhs_number" in family["members"][0]["redacted"]
    sign_in(client, p["dsl"])
    for page in (f"/cases/{case_id}", f"/cases/{case_id}/assessment", f"/cases/{case_id}/plan",
                 f"/cases/{case_id}/chronology", f"/cases/{case_id}/contacts/new"):
        assert client.get(page).status_code == 200, page
    # The role is the case, not the job: another case of the same school stays closed to her.
    other_case, _ = _allocate(api, t, p["sam"].id, surname="Baker")
    assert api.get(f"/api/v1/cases/{other_case}/assessment", t["dsl"]).status_code == 403


def test_a_health_visitor_named_lead_professional_leads_the_casework(api, partners):
    p, t, orgs = partners
    case_id, _ = _allocate(api, t, p["sam"].id, lead_id=p["hv"].id)
    assert api.get(f"/api/v1/cases/{case_id}/assessment", t["hv"]).status_code == 200
    assert _contact(api, t["hv"], case_id, "Health visit: development check done.").status_code == 201
    assert api.get(f"/api/v1/cases/{case_id}/chronology", t["hv"]).status_code == 200
    # Another health visitor of the same agency, with no part in the case, gets nothing.
    assert api.get(f"/api/v1/cases/{case_id}/assessment", t["camhs"]).status_code == 403


def test_a_taf_member_records_progress_on_the_actions_they_own_and_nothing_more(api, partners):
    p, t, orgs = partners
    case_id, _ = _allocate(api, t, p["sam"].id)
    complete_assessment(api, t["sam"], case_id)
    body = plan_body(p["sam"].id)
    body["actions"][1]["owner_user_id"] = p["camhs"].id  # CAMHS owns the health action
    saved = api.put(f"/api/v1/cases/{case_id}/plan", t["sam"], json=body).get_json()
    api.post(f"/api/v1/cases/{case_id}/plan/agree", t["sam"], json={"family_agreed": True, "version": saved["version"]})
    assert api.post(f"/api/v1/cases/{case_id}/taf", t["sam"], json={"user_id": p["camhs"].id}).status_code == 201
    actions = {a["owner_user_id"]: a["id"] for a in api.get(f"/api/v1/cases/{case_id}/plan", t["sam"]).get_json()["actions"]}

    mine = api.post(f"/api/v1/cases/{case_id}/plan/actions/{actions[p['camhs'].id]}/progress", t["camhs"],
                    json={"status": "in_progress", "note": "First CAMHS appointment booked for Leah."})
    assert mine.status_code == 200, mine.get_json()
    assert mine.get_json()["status"] == "in_progress"
    seen = {a["id"]: a for a in api.get(f"/api/v1/cases/{case_id}/plan", t["sam"]).get_json()["actions"]}
    assert seen[actions[p["camhs"].id]]["progress_note"] == "First CAMHS appointment booked for Leah."
    theirs = api.post(f"/api/v1/cases/{case_id}/plan/actions/{actions[p['sam'].id]}/progress", t["camhs"],
                      json={"status": "done"})
    assert theirs.status_code == 403
    assert _contact(api, t["camhs"], case_id).status_code == 403  # a TAF member is not the keyworker
    assert api.get(f"/api/v1/cases/{case_id}/assessment", t["camhs"]).status_code == 403
    # The keyworker updates any action of the plan.
    assert api.post(f"/api/v1/cases/{case_id}/plan/actions/{actions[p['sam'].id]}/progress", t["sam"],
                    json={"status": "done"}).status_code == 200
    missing = api.post(f"/api/v1/cases/{case_id}/plan/actions/{actions[p['camhs'].id]}/progress", t["camhs"],
                       json={"status": "finished"})
    assert missing.status_code == 422


def test_someone_removed_from_the_taf_loses_access_at_the_next_request(api, client, partners):
    p, t, orgs = partners
    case_id, _ = _allocate(api, t, p["sam"].id)
    complete_assessment(api, t["sam"], case_id)
    body = plan_body(p["sam"].id)
    body["actions"][1]["owner_user_id"] = p["camhs"].id
    saved = api.put(f"/api/v1/cases/{case_id}/plan", t["sam"], json=body).get_json()
    api.post(f"/api/v1/cases/{case_id}/plan/agree", t["sam"], json={"family_agreed": True, "version": saved["version"]})
    member = api.post(f"/api/v1/cases/{case_id}/taf", t["sam"], json={"user_id": p["camhs"].id}).get_json()
    assert api.get(f"/api/v1/cases/{case_id}/plan", t["camhs"]).status_code == 200
    action_id = next(a["id"] for a in saved["actions"] if a["owner_user_id"] == p["camhs"].id)

    sign_in(client, p["sam"])
    from tests.conftest import csrf_token

    token = csrf_token(client, f"/cases/{case_id}")
    assert client.post(f"/cases/{case_id}/taf/{member['id']}/remove", data={"csrf_token": token}).status_code == 302
    for path in (f"/api/v1/cases/{case_id}/plan", f"/api/v1/cases/{case_id}/handover-pack"):
        assert api.get(path, t["camhs"]).status_code == 403, path
    assert api.post(f"/api/v1/cases/{case_id}/plan/actions/{action_id}/progress", t["camhs"],
                    json={"status": "done"}).status_code == 403
    # Still named on an action, but out of the team: no casework either.
    assert api.get(f"/api/v1/cases/{case_id}/assessment", t["camhs"]).status_code == 403



def test_a_taf_member_records_progress_on_their_action_from_the_plan_page(api, client, partners):
    from tests.conftest import csrf_token

    p, t, orgs = partners
    case_id, _ = _allocate(api, t, p["sam"].id)
    complete_assessment(api, t["sam"], case_id)
    body = plan_body(p["sam"].id)
    body["actions"][1]["owner_user_id"] = p["camhs"].id
    saved = api.put(f"/api/v1/cases/{case_id}/plan", t["sam"], json=body).get_json()
    api.post(f"/api/v1/cases/{case_id}/plan/agree", t["sam"], json={"family_agreed": True, "version": saved["version"]})
    api.post(f"/api/v1/cases/{case_id}/taf", t["sam"], json={"user_id": p["camhs"].id})
    action_id = next(a["id"] for a in saved["actions"] if a["owner_user_id"] == p["camhs"].id)
    sign_in(client, p["camhs"])
    page = client.get(f"/cases/{case_id}/plan").get_data(as_text=True)
    assert page.count('data-testid="action-progress"') == 1  # their own action only
    done = client.post(f"/cases/{case_id}/plan/actions/{action_id}/progress", data={
        "csrf_token": csrf_token(client, f"/cases/{case_id}/plan"), "status": "done", "note": "Leah finished her sessions."})
    assert done.status_code == 302
    assert "Leah finished her sessions." in client.get(f"/cases/{case_id}/plan").get_data(as_text=True)


def test_the_keyworker_finds_a_practitioner_by_name_or_organisation_and_adds_them_to_the_taf(api, client, partners):
    """A county has hundreds of partners and social workers: the case page links to a search
    rather than listing them all, and the search offers only those who can sit in a TAF."""
    import re

    from tests.conftest import csrf_token

    p, t, orgs = partners
    case_id, _ = _allocate(api, t, p["sam"].id)
    sign_in(client, p["sam"])
    case_page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert f'href="/cases/{case_id}/taf/add"' in case_page and "Hana Health Visitor" not in case_page
    by_name = client.get(f"/cases/{case_id}/taf/add?q=hana").get_data(as_text=True)
    assert "Hana Health Visitor, Northshire Health Visiting" in by_name and "Dana DSL" not in by_name
    by_organisation = client.get(f"/cases/{case_id}/taf/add?q=Health+Visiting").get_data(as_text=True)
    assert "Hana Health Visitor" in by_organisation
    # Keyworkers and the police's system are not offered, whatever is typed; nothing typed lists no one.
    assert 'data-testid="taf-none-found"' in client.get(f"/cases/{case_id}/taf/add?q={p['sam'].name}").get_data(as_text=True)
    assert "govuk-radios__input" not in client.get(f"/cases/{case_id}/taf/add").get_data(as_text=True)
    for odd in ("%25", "_", "x" * 500, "ملك"):
        assert client.get(f"/cases/{case_id}/taf/add?q={odd}").status_code == 200
    assert client.get(f"/cases/{case_id}/taf/add?q=%00").status_code == 400  # the app's answer to a NUL
    hana = re.search(r'value="([^"]+)"[^>]*>\s*<label[^>]*>Hana Health Visitor', by_name).group(1)
    added = client.post(f"/cases/{case_id}/taf", data={"csrf_token": csrf_token(client, f"/cases/{case_id}/taf/add?q=hana"),
                                                      "user_id": hana, "role": "Health visitor"})
    assert added.status_code == 302 and added.headers["Location"].endswith(f"/cases/{case_id}#taf")
    team_list = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "Hana Health Visitor, Northshire Health Visiting (Health visitor)" in team_list
    # A partner in the TAF cannot add anyone.
    sign_in(client, p["hv"])
    assert client.get(f"/cases/{case_id}/taf/add?q=dana").status_code == 403
