"""Allocation: caseload capacity warnings, re-allocation with a reason, caseload pages."""
from caseflow.auth.models import User
from caseflow.core.extensions import db
from tests.conftest import count_queries, sign_in
from tests.triage.helpers import SURNAMES, case_at_panel


def setup(factory, app, capacity=1):
    org = factory.org("Northshire Early Help")
    people = {"referrer": factory.user("partner"), "officer": factory.user("front_door", org=org),
              "chair": factory.user("panel_chair", org=org), "manager": factory.user("team_manager", org=org),
              "sam": factory.user("keyworker", org=org, name="Sam Taylor"),
              "aaron": factory.user("keyworker", org=org, name="Aaron Mensah")}
    with app.app_context():
        db.session.get(User, people["sam"].id).caseload_capacity = capacity
        db.session.commit()
    return people, {k: factory.token(v) for k, v in people.items()}


def test_allocation_warns_before_exceeding_capacity_and_can_be_confirmed(api, factory, app):
    p, t = setup(factory, app, capacity=1)
    first = case_at_panel(api, t["referrer"], t["officer"], "First")
    second = case_at_panel(api, t["referrer"], t["officer"], "Second")
    ok = api.post(f"/api/v1/cases/{first['case_id']}/allocation", t["chair"], json={"keyworker_id": p["sam"].id})
    assert ok.status_code == 201
    warned = api.post(f"/api/v1/cases/{second['case_id']}/allocation", t["chair"], json={"keyworker_id": p["sam"].id})
    assert warned.status_code == 409 and warned.get_json()["error"]["code"] == "over_capacity"
    assert "already holds 1 families (capacity 1)" in warned.get_json()["error"]["message"]
    assert api.get(f"/api/v1/cases/{second['case_id']}", t["chair"]).get_json()["stage"] == "awaiting_panel"
    confirmed = api.post(f"/api/v1/cases/{second['case_id']}/allocation", t["chair"],
                         json={"keyworker_id": p["sam"].id, "confirm_over_capacity": True})
    assert confirmed.status_code == 201
    loads = {r["name"]: r for r in api.get("/api/v1/caseloads", t["manager"]).get_json()["items"]}
    assert loads["Sam Taylor"]["held"] == 2 and loads["Sam Taylor"]["at_capacity"] is True


def test_manager_reallocates_with_a_reason_and_the_new_keyworker_is_told(api, factory, app):
    p, t = setup(factory, app, capacity=15)
    created = case_at_panel(api, t["referrer"], t["officer"])
    api.post(f"/api/v1/cases/{created['case_id']}/allocation", t["chair"], json={"keyworker_id": p["sam"].id})
    by_chair = api.post(f"/api/v1/cases/{created['case_id']}/allocation", t["chair"],
                        json={"keyworker_id": p["aaron"].id, "reason": "Sam on leave"})
    assert by_chair.status_code == 403
    no_reason = api.post(f"/api/v1/cases/{created['case_id']}/allocation", t["manager"],
                         json={"keyworker_id": p["aaron"].id})
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["error"]["fields"]
    moved = api.post(f"/api/v1/cases/{created['case_id']}/allocation", t["manager"],
                     json={"keyworker_id": p["aaron"].id, "reason": "Sam on long-term leave"})
    assert moved.status_code == 201 and moved.get_json()["stage"] == "allocated"
    note = api.get("/api/v1/inbox", t["aaron"]).get_json()["items"][0]
    assert "Sam on long-term leave" in note["body"]
    assert api.get(f"/api/v1/caseloads/{p['aaron'].id}", t["aaron"]).get_json()["total"] == 1
    assert api.get(f"/api/v1/caseloads/{p['sam'].id}", t["sam"]).get_json()["total"] == 0
    assert api.get(f"/api/v1/caseloads/{p['sam'].id}", t["aaron"]).status_code == 403


def test_unallocated_list_and_timeliness_in_working_days(api, factory, app):
    p, t = setup(factory, app)
    created = case_at_panel(api, t["referrer"], t["officer"])
    body = api.get("/api/v1/cases/unallocated", t["manager"]).get_json()
    assert [i["id"] for i in body["items"]] == [created["case_id"]]
    assert body["items"][0]["timeliness"] == {"to_triage": 0, "to_panel": None, "to_allocation": None}
    assert api.get("/api/v1/cases/unallocated", t["sam"]).status_code == 403


def test_acknowledging_a_notification(api, factory, app):
    p, t = setup(factory, app, capacity=15)
    created = case_at_panel(api, t["referrer"], t["officer"])
    api.post(f"/api/v1/cases/{created['case_id']}/allocation", t["chair"], json={"keyworker_id": p["sam"].id})
    note = api.get("/api/v1/inbox?unacknowledged=true", t["sam"]).get_json()["items"][0]
    assert note["read_at"] is not None  # opening the inbox marks it read
    acked = api.post(f"/api/v1/inbox/{note['id']}/acknowledge", t["sam"])
    assert acked.status_code == 200 and acked.get_json()["acknowledged_at"]
    assert api.get("/api/v1/inbox?unacknowledged=true", t["sam"]).get_json()["total"] == 0
    assert api.post(f"/api/v1/inbox/{note['id']}/acknowledge", t["aaron"]).status_code == 404


def test_caseload_page_query_count_is_fixed(client, api, factory, app):
    p, t = setup(factory, app, capacity=50)
    sign_in(client, p["sam"])

    def queries():
        with app.app_context(), count_queries() as statements:
            assert client.get("/caseload").status_code == 200
        return len(statements)

    created = case_at_panel(api, t["referrer"], t["officer"], "First")
    api.post(f"/api/v1/cases/{created['case_id']}/allocation", t["chair"], json={"keyworker_id": p["sam"].id})
    few = queries()
    for i in range(6):
        c = case_at_panel(api, t["referrer"], t["officer"], SURNAMES[i])
        api.post(f"/api/v1/cases/{c['case_id']}/allocation", t["chair"], json={"keyworker_id": p["sam"].id})
    assert queries() == few


def test_unallocated_list_filters_by_risk(api, factory, app):
    p, t = setup(factory, app)
    red = case_at_panel(api, t["referrer"], t["officer"], "Adams", rag="red")
    case_at_panel(api, t["referrer"], t["officer"], "Baker", rag="green")
    body = api.get("/api/v1/cases/unallocated?rag=red", t["manager"]).get_json()
    assert [i["id"] for i in body["items"]] == [red["case_id"]]
    assert api.get("/api/v1/cases/unallocated?rag=purple", t["manager"]).status_code == 400


def test_a_school_practitioner_can_be_lead_professional(api, client, factory, app):
    from tests.conftest import sign_in

    p, t = setup(factory, app, capacity=15)
    created = case_at_panel(api, t["referrer"], t["officer"])
    bad = api.post(f"/api/v1/cases/{created['case_id']}/allocation", t["chair"],
                   json={"keyworker_id": p["sam"].id, "lead_professional_id": "nobody"})
    assert bad.status_code == 422 and "lead_professional_id" in bad.get_json()["error"]["fields"]
    sign_in(client, p["chair"])
    page = client.get(f"/cases/{created['case_id']}/allocate").get_data(as_text=True)
    assert p["referrer"].name in page  # partner practitioners are offered as lead professional
    ok = api.post(f"/api/v1/cases/{created['case_id']}/allocation", t["chair"],
                  json={"keyworker_id": p["sam"].id, "lead_professional_id": p["referrer"].id})
    assert ok.status_code == 201
    from caseflow.cases.models import Case

    with app.app_context():
        assert db.session.get(Case, created["case_id"]).lead_professional_id == p["referrer"].id


def test_keyworker_sees_a_count_of_new_notifications_and_the_family_shows_who_holds_it(client, api, factory, app):
    from tests.conftest import sign_in

    p, t = setup(factory, app, capacity=15)
    created = case_at_panel(api, t["referrer"], t["officer"])
    api.post(f"/api/v1/cases/{created['case_id']}/allocation", t["chair"], json={"keyworker_id": p["sam"].id})
    sign_in(client, p["sam"])
    html = client.get("/caseload").get_data(as_text=True)
    assert 'data-testid="inbox-count">1<' in html
    family = client.get(f"/families/{created['family_id']}").get_data(as_text=True)
    assert "Keyworker: Sam Taylor" in family and "Level 3, amber risk" in family


def test_a_team_manager_sees_their_own_teams_caseloads_first_and_can_choose_another_or_all(api, factory, app, client):
    """A county runs to a hundred teams: the caseloads page opens on the manager's own team,
    with every team (and all of them together) a choice away; the API takes the team too."""
    from caseflow.auth.models import Team

    org = factory.org("Northshire Early Help")
    north_kw = factory.user("keyworker", org=org, name="Nadia North", team="North locality")
    with app.app_context():
        north = db.session.get(Team, db.session.get(User, north_kw.id).team_id)
        db.session.expunge(north)
    manager = factory.user("team_manager", org=org, team=north)
    factory.user("keyworker", org=org, name="Simon South", team="South locality")
    sign_in(client, manager)

    own = client.get("/caseloads").get_data(as_text=True)
    assert "Nadia North" in own and "Simon South" not in own
    assert "1 keyworker holds 0 families" in own
    everyone = client.get("/caseloads?team=").get_data(as_text=True)
    assert "Nadia North" in everyone and "Simon South" in everyone
    assert client.get("/caseloads?team=not-a-team").status_code == 404

    token = factory.token(manager)
    by_team = api.get(f"/api/v1/caseloads?team_id={north.id}", token).get_json()["items"]
    assert [r["name"] for r in by_team] == ["Nadia North"]
    assert {r["name"] for r in api.get("/api/v1/caseloads", token).get_json()["items"]} >= {"Nadia North", "Simon South"}
    assert api.get("/api/v1/caseloads?team_id=not-a-team", token).status_code == 404
    assert api.get(f"/api/v1/caseloads?team_id={'x' * 300}", token).status_code == 400  # a query that fails its rules
