"""The outcome wheel (issue 20, point 5): ten areas administrators maintain, scored 1 to 10 by the
family and by the keyworker at assessment and at each review, shown as distance travelled."""
from __future__ import annotations

import re

from tests.conftest import csrf_token, sign_in
from tests.plans.helpers import allocated_case, team
from caseflow.core.timescales import today_london


def _scoring(token, area_ids, occasion, family, worker, **extra) -> dict:
    data = {"csrf_token": token, "occasion": occasion, "scored_on-day": str(today_london().day),
            "scored_on-month": str(today_london().month), "scored_on-year": str(today_london().year), **extra}
    for area_id in area_ids:
        data[f"scores-{area_id}-family"], data[f"scores-{area_id}-worker"] = str(family), str(worker)
    return data


def test_the_family_and_keyworker_score_the_wheel_and_see_the_distance_travelled(api, factory, client):
    p, t, orgs = team(factory)
    case_id = allocated_case(api, p, t)
    sign_in(client, p["sam"])
    new = f"/cases/{case_id}/outcome-wheel/new"
    form = client.get(new).get_data(as_text=True)
    area_ids = list(dict.fromkeys(re.findall(r'name="scores-([0-9a-f]{32})-family"', form)))
    assert len(area_ids) == 10 and "Daily routines" in form
    token = csrf_token(client, new)

    missing = client.post(new, data=_scoring(token, area_ids[1:], "assessment", 3, 2))
    assert missing.status_code == 400 and f'href="#scores-{area_ids[0]}-family"' in missing.get_data(as_text=True)
    out_of_range = client.post(new, data=_scoring(token, area_ids, "assessment", 11, 2))
    assert out_of_range.status_code == 400 and "score from 1 to 10" in out_of_range.get_data(as_text=True)

    assert client.post(new, data=_scoring(token, area_ids, "assessment", 3, 2)).status_code == 302
    shown = client.post(new, data=_scoring(token, area_ids, "review", 7, 5, comment="Mornings are calmer."),
                        follow_redirects=True).get_data(as_text=True)
    assert 'data-testid="wheel-chart"' in shown and "<svg" in shown and 'role="img"' in shown
    table = shown[shown.index('data-testid="wheel-table"'):]
    # Health: the family 3 -> 7 (+4), the keyworker 2 -> 5 (+3).
    assert re.search(r"Health</th>\s*<td[^>]*>3</td><td[^>]*>7</td><td[^>]*>\+4</td>\s*"
                     r"<td[^>]*>2</td><td[^>]*>5</td><td[^>]*>\+3</td>", table)
    assert "Mornings are calmer." in shown

    client.get("/sign-out")
    sign_in(client, p["aaron"])  # another team's keyworker
    assert client.get(f"/cases/{case_id}/outcome-wheel").status_code == 403


def test_administrators_keep_ten_areas_on_the_wheel(factory, client):
    admin = factory.user("admin")
    sign_in(client, admin)
    token = csrf_token(client, "/admin/outcome-wheel")
    full = client.post("/admin/outcome-wheel", data={"csrf_token": token, "label": "Staying safe online"})
    assert full.status_code == 400 and "retire one before adding another" in full.get_data(as_text=True)
    page = client.get("/admin/outcome-wheel").get_data(as_text=True)
    work = re.search(r'/admin/outcome-wheel/([0-9a-f]{32})">Work and training', page).group(1)
    assert client.post(f"/admin/outcome-wheel/{work}", data={"csrf_token": token, "label": "Work and training",
                                                            "active": "no"}).status_code == 302
    added = client.post("/admin/outcome-wheel", data={"csrf_token": token, "label": "Staying safe online"},
                        follow_redirects=True).get_data(as_text=True)
    assert "Staying safe online" in added and "Retired" in added
    client.get("/sign-out")
    sign_in(client, factory.user("keyworker"))
    assert client.get("/admin/outcome-wheel").status_code == 403
