"""Case file audit (issue 20, point 3): a manager draws a random sample of a team's cases open in
a period, grades each against the configurable checklist, records actions for the keyworker,
and sees the grades month by month."""
from __future__ import annotations

from datetime import timedelta

import re

from sqlalchemy import text

from caseflow.core import timescales
from caseflow.core.extensions import db
from tests.conftest import csrf_token, sign_in
from tests.plans.helpers import allocated_case, team
from caseflow.core.timescales import today_london



def period() -> dict:
    """The last ninety days, worked out when a test runs (not when the file is read: a run
    across midnight would otherwise sample a window that ends before today's cases opened)."""
    return {"period_start": (today_london() - timedelta(days=90)).isoformat(), "period_end": today_london().isoformat()}


def _team_id(app, user):
    from caseflow.auth.models import User

    with app.app_context():
        return db.session.get(User, user.id).team_id


def _answers(grade):
    from caseflow.oversight.vocab import DEFAULT_CHECKLIST

    return {code: grade for code, _ in DEFAULT_CHECKLIST}


def test_a_manager_samples_grades_and_follows_grades_over_time(api, factory, app):
    p, t, orgs = team(factory)
    north = [allocated_case(api, p, t, surname=s) for s in ("Walsh", "Okoro", "Brennan", "Dawson")]
    south = allocated_case(api, p, t, surname="Fraser", keyworker="aaron")
    team_id = _team_id(app, p["sam"])

    assert api.post("/api/v1/case-audits/samples", t["sam"], json={"team_id": team_id, **period()}).status_code == 403
    backwards = api.post("/api/v1/case-audits/samples", t["manager"], json={
        "team_id": team_id, "period_start": period()["period_end"], "period_end": period()["period_start"]})
    assert backwards.status_code == 422 and "period_end" in backwards.get_json()["error"]["fields"]
    drawn = api.post("/api/v1/case-audits/samples", t["manager"], json={"team_id": team_id, **period(), "size": 3})
    assert drawn.status_code == 201, drawn.get_json()
    sample = drawn.get_json()
    sampled = [a["case_id"] for a in sample["audits"]]
    assert sample["eligible"] == 4 and len(set(sampled)) == 3 and set(sampled) <= set(north) and south not in sampled

    first = sample["audits"][0]
    grade_path = f"/api/v1/case-audits/files/{first['id']}/grade"
    partial = api.post(grade_path, t["manager"], json={"answers": {"plan": "good"}, "grade": "good", "findings": "x"})
    assert partial.status_code == 422 and "answers.assessment" in partial.get_json()["error"]["fields"]
    wrong = api.post(grade_path, t["manager"], json={"answers": _answers("brilliant"), "grade": "good", "findings": "x"})
    assert wrong.status_code == 422
    graded = api.post(grade_path, t["manager"], json={
        "answers": {**_answers("good"), "reviews": "requires_improvement"}, "grade": "requires_improvement",
        "findings": "Reviews late twice; the child's voice is strong.", "actions": "Book the overdue TAF review."})
    assert graded.status_code == 200, graded.get_json()
    assert {a["question"] for a in graded.get_json()["answers"]} and graded.get_json()["status"] == "graded"
    assert api.post(grade_path, t["manager"], json={
        "answers": _answers("good"), "grade": "good", "findings": "Again"}).status_code == 409
    second = sample["audits"][1]
    assert api.post(f"/api/v1/case-audits/files/{second['id']}/grade", t["manager"], json={
        "answers": _answers("outstanding"), "grade": "outstanding", "findings": "Exemplary file."}).status_code == 200

    months = api.get("/api/v1/case-audits/grades", t["manager"]).get_json()["items"]
    assert len(months) == 12 and months[-1]["label"] == timescales.format_uk_month(today_london())
    assert (months[-1]["requires_improvement"], months[-1]["outstanding"], months[-1]["good"]) == (1, 1, 0)
    assert api.get("/api/v1/case-audits/grades", t["sam"]).status_code == 403

    # Findings and actions are encrypted; the keyworker sees the actions on the case.
    with app.app_context():
        stored = db.session.execute(text("SELECT findings, actions FROM case_file_audits WHERE status = 'graded'")).all()
    assert stored and all("TAF" not in (f or "") + (a or "") for f, a in stored)


def test_the_keyworker_sees_the_audit_actions_and_the_checklist_is_the_areas_own(api, factory, app, client):
    p, t, orgs = team(factory)
    case_id = allocated_case(api, p, t)
    sign_in(client, p["manager"])
    # The area adds its own question and retires one; the grading form asks what is in use.
    token = csrf_token(client, "/case-audits/checklist")
    assert client.post("/case-audits/checklist", data={"csrf_token": token, "question": ""}).status_code == 400
    assert client.post("/case-audits/checklist", data={
        "csrf_token": token, "question": "The family's own words are in the plan"}).status_code == 302
    page = client.get("/case-audits/checklist").get_data(as_text=True)
    retire = re.findall(r'name="retire" value="([0-9a-f]+)"', page)
    assert len(retire) == 7  # the six the area started with, and its own (retiring the supervision question)
    assert client.post("/case-audits/checklist", data={"csrf_token": token, "retire": retire[-2]}).status_code == 302
    assert "Supervision is recorded" not in client.get("/case-audits/checklist").get_data(as_text=True)

    token = csrf_token(client, "/case-audits")
    drawn = client.post("/case-audits", data={
        "csrf_token": token, "team_id": _team_id(app, p["sam"]), "size": "1",
        "period_start-day": "1", "period_start-month": "1", "period_start-year": str(today_london().year - 1),
        "period_end-day": str(today_london().day), "period_end-month": str(today_london().month), "period_end-year": str(today_london().year)})
    assert drawn.status_code == 302
    sample_page = client.get(drawn.headers["Location"]).get_data(as_text=True)
    audit_id = re.search(r'/case-audits/files/([0-9a-f]+)', sample_page).group(1)
    form = client.get(f"/case-audits/files/{audit_id}").get_data(as_text=True)
    assert "The family&#39;s own words are in the plan" in form and "Supervision is recorded" not in form
    codes = re.findall(r'name="(answer-[a-z0-9_]+)"', form)
    data = {"csrf_token": token, "grade": "good", "findings": "A clear plan.", "actions": "Add the school's view."}
    missing = client.post(f"/case-audits/files/{audit_id}", data=data)
    assert missing.status_code == 400 and "There is a problem" in missing.get_data(as_text=True)
    done = client.post(f"/case-audits/files/{audit_id}", data={**data, **{c: "good" for c in set(codes)}})
    assert done.status_code == 302
    assert "Good" in client.get("/case-audits").get_data(as_text=True)

    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/inbox")})
    sign_in(client, p["sam"])
    page = client.get(f"/cases/{case_id}/oversight").get_data(as_text=True)
    assert "Add the school&#39;s view." in page and "Good" in page
    assert client.get("/case-audits").status_code == 403
