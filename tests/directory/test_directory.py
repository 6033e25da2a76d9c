"""The directory of local services: administrators keep it; the front door, the panel and
keyworkers pick from it when they signpost a family, and the family's letter prints it."""
from caseflow.cases.models import Case
from caseflow.core.extensions import db
from caseflow.directory.models import CaseSignpost
from tests.conftest import csrf_token, sign_in
from tests.directory.helpers import add_service
from tests.plans.helpers import agreed_plan, allocated_case, complete_assessment, team
from tests.triage.helpers import TRIAGE_TO_PANEL, case_at_panel, new_case

SIGNPOST = {**TRIAGE_TO_PANEL, "level_of_need": 2, "decision": "signpost"}


def test_administrators_keep_the_directory_and_no_one_else_can(app, factory, client):
    admin, keyworker = factory.user("admin"), factory.user("keyworker")
    sign_in(client, keyworker)
    assert client.get("/admin/directory").status_code == 403
    assert client.get("/admin/directory/new").status_code == 403
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/inbox")})
    sign_in(client, admin)
    csrf = csrf_token(client, "/admin/directory/new")
    bad = client.post("/admin/directory/new", data={"csrf_token": csrf, "email": "not an email", "problems": "nonsense"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "Enter the service&#39;s name" in html and "correct format" in html
    assert "Choose from the six headline problems" in html
    added = client.post("/admin/directory/new", data={
        "csrf_token": csrf, "name": "Step Forward Money Advice", "organisation": "Citizens Advice Northshire",
        "offers": "Debt and benefits advice by phone.", "problems": ["worklessness"], "area": "Northshire-wide",
        "phone": "01632 960777", "website": "https://stepforward.example", "active": "yes"})
    assert added.status_code == 302
    listing = client.get("/admin/directory?problem=worklessness").get_data(as_text=True)
    assert "Step Forward Money Advice" in listing and "Phone: 01632 960777" in listing
    service_id = listing.split("/admin/directory/")[1].split('"')[0]
    retired = client.post(f"/admin/directory/{service_id}", data={
        "csrf_token": csrf, "name": "Step Forward Money Advice", "organisation": "Citizens Advice Northshire",
        "offers": "Debt and benefits advice by phone.", "problems": ["worklessness"], "area": "Northshire-wide",
        "active": "no"})
    assert retired.status_code == 302
    assert "Not in use" in client.get("/admin/directory").get_data(as_text=True)
    assert client.get("/admin/directory/" + "0" * 32).status_code == 404


def test_the_directory_api_lists_active_services_by_problem_and_area(app, api, factory):
    add_service(app, factory)
    add_service(app, factory, name="Northshire Domestic Abuse Service", organisation="Safe Northshire",
                problems=["domestic_abuse"], area="Northshire-wide")
    add_service(app, factory, name="Old Youth Club", problems=["crime_asb"], active=False)
    token = factory.token(factory.user("keyworker"))
    everything = api.get("/api/v1/directory", token).get_json()
    assert [s["name"] for s in everything["items"]] == ["Northshire Domestic Abuse Service", "Riverside Family Hub"]
    abuse = api.get("/api/v1/directory?problem=domestic_abuse", token).get_json()
    assert [s["name"] for s in abuse["items"]] == ["Northshire Domestic Abuse Service"]
    assert [s["name"] for s in api.get("/api/v1/directory?area=river", token).get_json()["items"]] == ["Riverside Family Hub"]
    assert api.get("/api/v1/directory?problem=aliens", token).status_code == 400
    assert api.get("/api/v1/directory", factory.token(factory.user("partner_system"))).status_code == 403


def test_signposting_at_triage_and_panel_picks_from_the_directory_and_the_letter_prints_it(app, api, factory, client):
    hub = add_service(app, factory)
    referrer, officer = factory.user("partner"), factory.user("front_door")
    partner, front_door = factory.token(referrer), factory.token(officer)
    created = new_case(api, partner)
    unknown = api.post(f"/api/v1/cases/{created['case_id']}/triage", front_door, json={**SIGNPOST, "service_ids": ["x"]})
    assert unknown.status_code == 422 and "service_ids" in unknown.get_json()["error"]["fields"]
    done = api.post(f"/api/v1/cases/{created['case_id']}/triage", front_door, json={**SIGNPOST, "service_ids": [hub]})
    assert done.status_code == 201 and done.get_json()["stage"] == "signposted"
    sign_in(client, officer)
    letter = client.get(f"/cases/{created['case_id']}/signpost-letter").get_data(as_text=True)
    assert "Riverside Family Hub" in letter and "Parenting groups, stay and play" in letter
    assert "Phone: 01632 960123" in letter and "Who it is for: Families with children" in letter

    chair = factory.user("panel_chair")
    chair_token = factory.token(chair)
    at_panel = case_at_panel(api, partner, front_door, "Baker")
    panel = api.post("/api/v1/panels", chair_token, json={"date": "2026-12-01", "members": []}).get_json()
    decided = api.post(f"/api/v1/panels/{panel['id']}/decisions", chair_token, json={
        "case_id": at_panel["case_id"], "decision": "signpost", "rationale": "A family hub can help", "service_ids": [hub]})
    assert decided.status_code == 201, decided.get_json()
    with app.app_context():
        contexts = sorted(s.context for s in db.session.query(CaseSignpost))
        assert contexts == ["panel", "triage"]
        case = db.session.get(Case, at_panel["case_id"])
        assert case.stage == "signposted" and case.signposted_to == "Riverside Family Hub (Northshire Council)"


def test_the_closing_letter_names_the_step_down_contact_and_the_services_picked(app, api, factory, client):
    p, t, orgs = team(factory)
    hub = add_service(app, factory)
    case_id = allocated_case(api, p, t)
    complete_assessment(api, t["sam"], case_id)
    plan = agreed_plan(api, t["sam"], case_id, p["sam"].id)
    closed = api.post(f"/api/v1/cases/{case_id}/close", t["sam"], json={
        "reason": "universal_services", "summary": "Managing well.", "service_ids": [hub],
        "outcomes": [{"outcome_id": o["id"], "status": "achieved"} for o in plan["outcomes"]],
        "step_down_contact": {"person_name": "Mrs Ola Adeyemi", "organisation": "Riverside Primary School",
                              "how_to_reach": "01632 960555"}})
    assert closed.status_code == 200, closed.get_json()
    sign_in(client, p["sam"])
    letter = client.get(f"/cases/{case_id}/closing-letter").get_data(as_text=True)
    assert "Mrs Ola Adeyemi, Riverside Primary School" in letter and "Riverside Family Hub" in letter
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/inbox")})
    sign_in(client, p["camhs"])  # a partner outside the case
    assert client.get(f"/cases/{case_id}/closing-letter").status_code == 403
