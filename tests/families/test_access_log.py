"""Who has seen this family: every read is on the record, with categories and basis."""
from tests.conftest import sign_in
from tests.frontdoor.helpers import known_family


def test_access_log_lists_reads_with_categories_and_basis(api, client, factory, app):
    family_id, _ = known_family(app)
    officer = factory.user("front_door", name="Priya Shah")
    sign_in(client, officer)
    client.get(f"/families/{family_id}")
    manager = factory.token(factory.user("team_manager"))
    items = api.get(f"/api/v1/families/{family_id}/access-log", manager).get_json()["items"]
    view = next(e for e in items if e["action"] == "family.view")
    assert view["actor"] == officer.email
    assert "identity" in view["categories"] and view["basis"] == "early help service function"
    assert items[0]["action"] == "family.access_log"  # reading the log is itself logged


def test_access_log_page_for_managers_and_refused_for_partners(api, client, factory, app):
    family_id, _ = known_family(app)
    sign_in(client, factory.user("team_manager"))
    html = client.get(f"/families/{family_id}/access-log").get_data(as_text=True)
    assert "This list cannot be edited" in html
    partner = factory.token(factory.user("partner"))
    assert api.get(f"/api/v1/families/{family_id}/access-log", partner).status_code == 403
