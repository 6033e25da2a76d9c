"""The outcomes pages: a family's outcomes tab (linked from the case page), recording evidence
through its form, the plan editor, the claims workflow and the returns."""
from __future__ import annotations

import re

from tests.conftest import csrf_token, sign_in
from tests.outcomes.helpers import TERMS, attendance, family_on_programme, outcomes_team


def test_the_case_page_links_to_the_outcomes_tab_where_a_keyworker_records_evidence(app, api, factory, client):
    people, tokens, _ = outcomes_team(factory)
    case_id, family_id, who = family_on_programme(app, api, people, tokens)
    sign_in(client, people["sam"])
    case_page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert f"/families/{family_id}/outcomes" in case_page
    page = client.get(f"/families/{family_id}/outcomes")
    assert page.status_code == 200
    assert "No evidence recorded yet." in page.get_data(as_text=True)
    token = csrf_token(client, f"/families/{family_id}/outcomes")
    form = {"csrf_token": token, "person_id": who["child"], "kind": "attendance", "value": "72",
            "period_start-day": str(TERMS[0][0].day), "period_start-month": str(TERMS[0][0].month),
            "period_start-year": str(TERMS[0][0].year), "period_end-day": str(TERMS[0][1].day),
            "period_end-month": str(TERMS[0][1].month), "period_end-year": str(TERMS[0][1].year)}
    saved = client.post(f"/families/{family_id}/outcomes", data=form, follow_redirects=True)
    html = saved.get_data(as_text=True)
    assert "Evidence recorded" in html and "School attendance for a term: 72%" in html
    assert "Not met" in html  # 72% is below the plan's 90%
    bad = client.post(f"/families/{family_id}/outcomes", data={**form, "value": "", "period_end-day": "31",
                                                               "period_end-month": "2"})
    assert bad.status_code == 400 and "There is a problem" in bad.get_data(as_text=True)


def test_an_administrator_edits_a_problem_as_a_new_version(app, factory, client):
    admin = factory.user("admin")
    sign_in(client, admin)
    page = client.get("/outcomes/plan")
    assert page.status_code == 200 and "Version 1" in page.get_data(as_text=True)
    token = csrf_token(client, "/outcomes/plan/problems/education")
    form = {"csrf_token": token, "label": "Children not attending school regularly", "indicators": "Below 90%",
            "assessment_problems": ["education"], "description": "95% for three terms", "measure": "attendance",
            "threshold_pct": "95", "terms": "3"}
    saved = client.post("/outcomes/plan/problems/education", data=form, follow_redirects=True)
    assert "Saved as version 2" in saved.get_data(as_text=True)
    bad = client.post("/outcomes/plan/problems/education", data={**form, "threshold_pct": "250"})
    assert bad.status_code == 400 and "Enter a percentage from 1 to 100" in bad.get_data(as_text=True)
    keyworker = factory.user("keyworker")
    other = app.test_client()
    other.environ_base["wsgi.url_scheme"] = "https"
    sign_in(other, keyworker)
    assert other.get("/outcomes/plan/problems/education").status_code == 403


def test_claims_and_returns_pages_for_an_analyst(app, api, factory, client):
    people, tokens, _ = outcomes_team(factory)
    _, family_id, who = family_on_programme(app, api, people, tokens)
    attendance(api, tokens["sam"], who["child"], [95, 95, 95])
    sign_in(client, people["analyst"])
    token = csrf_token(client, "/outcomes/claims")
    started = client.post("/outcomes/runs", data={"csrf_token": token, "kind": "claims_proposal"}, follow_redirects=True)
    assert "Finished" in started.get_data(as_text=True)
    listing = client.get("/outcomes/claims?state=proposed").get_data(as_text=True)
    claim_id = re.search(r'/outcomes/claims/([0-9a-f]{32})', listing).group(1)
    detail = client.get(f"/outcomes/claims/{claim_id}").get_data(as_text=True)
    assert "Validate the claim" in detail and "Met and sustained" in detail
    rejected = client.post(f"/outcomes/claims/{claim_id}", data={"csrf_token": token, "action": "reject",
                                                                "version": "1", "reason": ""})
    assert rejected.status_code == 400 and "Say why the claim is rejected" in rejected.get_data(as_text=True)
    returns = client.post("/outcomes/runs", data={"csrf_token": token, "kind": "progress_data", "sample_percent": "100"},
                          follow_redirects=True)
    html = returns.get_data(as_text=True)
    assert "Download the CSV" in html
    run_id = re.search(r'/outcomes/runs/([0-9a-f]{32})/output.csv', html).group(1)
    csv_text = client.get(f"/outcomes/runs/{run_id}/output.csv").get_data(as_text=True)
    assert csv_text.splitlines()[0].startswith("family_pseudonym,plan_started_on")
    assert len(csv_text.splitlines()) == 2 and family_id not in csv_text
    too_small = client.post("/outcomes/runs", data={"csrf_token": token, "kind": "progress_data",
                                                    "sample_percent": "5"}, follow_redirects=True)
    assert "at least 10%" in too_small.get_data(as_text=True)
