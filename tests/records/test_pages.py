"""The household page asks the front door's matcher before making a new person, and the pages
refuse anyone the policy refuses."""
from __future__ import annotations

from datetime import date

from tests.conftest import csrf_token, sign_in
from tests.frontdoor.helpers import known_family


def test_adding_someone_already_known_offers_them_before_making_a_copy(client, app, factory, api):
    family_id, _ = known_family(app)
    _, (dean,) = known_family(app, surname="Hughes", people=[("Dean", date(1984, 5, 1), "parent_carer", {})])
    sign_in(client, factory.user("front_door"))
    token = csrf_token(client, f"/families/{family_id}/household")
    form = {"csrf_token": token, "given_name": "Dean", "family_name": "Hughes", "date_of_birth-day": "1",
            "date_of_birth-month": "5", "date_of_birth-year": "1984", "sex": "male", "relationship": "significant_adult",
            "joined_on-day": "2", "joined_on-month": "11", "joined_on-year": "2026"}
    offered = client.post(f"/families/{family_id}/household/join", data=form)
    html = offered.get_data(as_text=True)
    assert offered.status_code == 200 and "Is this someone already known?" in html and dean in html
    added = client.post(f"/families/{family_id}/household/join", data={**form, "person_id": dean, "confirm_new": "yes"})
    assert added.status_code == 302
    page = client.get(f"/families/{family_id}/household").get_data(as_text=True)
    assert "Dean Hughes" in page and "2 November 2026" in page
    officer = factory.token(factory.user("front_door"))
    dean_record = api.get(f"/api/v1/people/{dean}", officer).get_json()
    assert len(dean_record["family_ids"]) == 2  # the same Dean, in both households: no copy made


def test_a_partner_sees_the_household_but_cannot_change_it(client, app, factory):
    family_id, (sharon, _) = known_family(app)
    sign_in(client, factory.user("front_door"))
    token = csrf_token(client, f"/families/{family_id}/household")
    client.post("/sign-out", data={"csrf_token": token})
    partner = factory.user("keyworker", team="Elsewhere")
    sign_in(client, partner)
    assert client.get(f"/people/{sharon}/correct").status_code == 403
    assert client.get("/duplicates").status_code == 403
