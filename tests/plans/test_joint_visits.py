"""Joint visits: a contact recorded with the other practitioners who went, which each of them
sees in their own list of visits and the case chronology names."""
from caseflow.core.audit import AuditEvent
from caseflow.core.extensions import db
from tests.conftest import sign_in
from tests.plans.helpers import allocated_case, team
from caseflow.core.timescales import today_london


def test_a_joint_visit_is_in_each_practitioners_own_list_and_the_chronology_names_them(api, factory, app, client):
    p, t, _ = team(factory)
    social_worker = factory.user("social_worker", name="Dee Social")
    case_id = allocated_case(api, p, t)
    unknown = api.post(f"/api/v1/cases/{case_id}/contacts", t["sam"], json={
        "date": today_london().isoformat(), "type": "home_visit", "notes": "x", "joint_with": ["nobody"]})
    assert unknown.status_code == 422 and "joint_with" in unknown.get_json()["error"]["fields"]
    made = api.post(f"/api/v1/cases/{case_id}/contacts", t["sam"], json={
        "date": today_london().isoformat(), "type": "home_visit", "notes": "Joint visit after the school's concern.",
        "joint_with": [p["senco"].id, social_worker.id, p["sam"].id]})
    assert made.status_code == 201 and sorted(made.get_json()["joint_with"]) == sorted([p["senco"].id, social_worker.id])
    listed = api.get(f"/api/v1/cases/{case_id}/contacts", t["sam"]).get_json()["items"]
    assert sorted(listed[0]["joint_with"]) == sorted([p["senco"].id, social_worker.id])
    history = api.get(f"/api/v1/cases/{case_id}/chronology", t["sam"]).get_json()["items"]
    [visit] = [e for e in history if e["kind"] == "contact"]
    assert visit["title"].startswith("Home visit (joint visit with ") and "Jo SENCo" in visit["title"]

    for who in (p["senco"], social_worker, p["sam"]):  # everyone who went sees it in their own list
        sign_in(client, who)
        page = client.get("/my-visits").get_data(as_text=True)
        assert "Joint visit" in page and "Walsh" in page and "Sam Taylor" in page, who.name
        client.post("/sign-out", data={"csrf_token": page.split('name="csrf_token" value="')[1].split('"')[0]})
    sign_in(client, p["aaron"])  # a keyworker who did not go
    assert "Walsh" not in client.get("/my-visits").get_data(as_text=True)
    with app.app_context():  # the family's access log shows the practitioners' reads
        reads = db.session.query(AuditEvent).filter(AuditEvent.action == "contact.own",
                                                   AuditEvent.actor_id == p["senco"].id).all()
        assert reads and all(r.family_id for r in reads)
