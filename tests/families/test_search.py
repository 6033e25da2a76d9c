"""Family search finds by every key, and never reveals families the user may not know about."""
import pytest

from tests.frontdoor.helpers import known_family
from tests.frontdoor.test_api_intake import request_body


@pytest.fixture
def walsh(app):
    return known_family(app)[0]


@pytest.mark.parametrize("q", ["Sharon Walsh", "walsh sharon", "Wal", "11/02/1987", "1987-02-11",
                               "NS1 4AB", "ns14ab", "943 476 5919"])
def test_front_door_finds_the_family_by_each_key(api, factory, walsh, q):
    token = factory.token(factory.user("front_door"))
    body = api.get("/api/v1/families", token, query_string={"q": q}).get_json()
    assert [f["id"] for f in body["items"]] == [walsh], q


def test_search_by_reference(api, factory, walsh, app):
    from caseflow.core.extensions import db
    from caseflow.families.models import Family

    with app.app_context():
        ref = db.session.get(Family, walsh).reference
    token = factory.token(factory.user("front_door"))
    assert api.get("/api/v1/families", token, query_string={"q": ref.lower()}).get_json()["total"] == 1


def test_keyworker_search_does_not_reveal_families_they_do_not_work_with(api, factory, walsh):
    token = factory.token(factory.user("keyworker"))
    body = api.get("/api/v1/families", token, query_string={"q": "Walsh"}).get_json()
    assert body["total"] == 0 and body["items"] == []


def test_partner_finds_only_families_they_referred(api, factory, walsh):
    partner = factory.user("partner")
    token = factory.token(partner)
    assert api.get("/api/v1/families", token, query_string={"q": "Walsh"}).get_json()["total"] == 0
    api.post("/api/v1/requests", token, json=request_body())  # links to the known family
    body = api.get("/api/v1/families", token, query_string={"q": "Walsh"}).get_json()
    assert [f["id"] for f in body["items"]] == [walsh]


def test_search_pages(api, factory, app):
    for _ in range(3):
        known_family(app, surname="Jones", people=[("Amy", None, "child", {})])
    token = factory.token(factory.user("front_door"))
    first = api.get("/api/v1/families", token, query_string={"q": "Jones", "per_page": 2}).get_json()
    second = api.get("/api/v1/families", token, query_string={"q": "Jones", "per_page": 2, "page": 2}).get_json()
    assert first["total"] == 3 and len(first["items"]) == 2 and len(second["items"]) == 1


def test_bad_page_number_is_a_clear_400(api, factory):
    token = factory.token(factory.user("front_door"))
    response = api.get("/api/v1/families", token, query_string={"q": "x", "page": "zero"})
    assert response.status_code == 400 and "page" in response.get_json()["error"]["fields"]


# --- names in every script (issue 14) ---------------------------------------------------------

@pytest.mark.parametrize("given, surname, queries", [
    ("\u0645\u062d\u0645\u062f", "\u0639\u0644\u064a", ["\u0645\u062d\u0645\u062f \u0639\u0644\u064a", "\u0639\u0644\u064a"]),
    ("\u4f1f", "\u674e", ["\u674e \u4f1f", "\u674e\u4f1f", "Li Wei"]),
    ("\u041e\u043b\u044c\u0433\u0430", "\u0418\u0432\u0430\u043d\u043e\u0432\u0430",
     ["\u041e\u043b\u044c\u0433\u0430 \u0418\u0432\u0430\u043d\u043e\u0432\u0430", "\u0418\u0432\u0430\u043d", "Olga Ivanova"]),
    ("Zo\u00eb", "M\u00fcller", ["Zo\u00eb M\u00fcller", "Zoe Muller", "mu\u0308ller"]),
])
def test_search_finds_names_in_every_script(api, factory, app, given, surname, queries):
    family_id, _ = known_family(app, surname=surname, people=[(given, None, "child", {})])
    known_family(app, surname="Walsh")  # someone else, not to be found
    token = factory.token(factory.user("front_door"))
    for q in queries:
        body = api.get("/api/v1/families", token, query_string={"q": q}).get_json()
        assert [f["id"] for f in body["items"]] == [family_id], q


def test_the_search_page_asks_for_more_when_too_many_people_match(app, factory, monkeypatch):
    """A surname shared by more people than BROAD_SEARCH_PEOPLE (a county's Lees or Smiths) gets a
    prompt to narrow the search instead of hundreds of pages; adding a first name finds the family.
    The refused search is still on the trail, naming no family."""
    from sqlalchemy import select

    from caseflow.core.audit import AuditEvent
    from caseflow.core.extensions import db
    from caseflow.readmodels import family_view
    from tests.conftest import _https_client, sign_in

    monkeypatch.setattr(family_view, "BROAD_SEARCH_PEOPLE", 2)
    walsh, _ = known_family(app)  # Sharon and Leah Walsh
    other, _ = known_family(app, people=[("Aoife", None, "child", {})])  # a third Walsh
    client = _https_client(app)
    sign_in(client, factory.user("front_door"))

    broad = client.get("/families", query_string={"q": "Walsh"})
    html = broad.get_data(as_text=True)
    assert broad.status_code == 200
    assert "More than 2 people match this search. Add a first name, a date of birth or a postcode" in html
    assert f"/families/{walsh}" not in html and f"/families/{other}" not in html
    with app.app_context():
        refused = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "family.search")).all()
        assert [e.family_id for e in refused] == [None]

    narrowed = client.get("/families", query_string={"q": "Sharon Walsh"}).get_data(as_text=True)
    assert f"/families/{walsh}" in narrowed and f"/families/{other}" not in narrowed
    assert "More than 2 people" not in narrowed
    # As many as the limit, and no more: listed as before.
    monkeypatch.setattr(family_view, "BROAD_SEARCH_PEOPLE", 3)
    listed = client.get("/families", query_string={"q": "Walsh"}).get_data(as_text=True)
    assert f"/families/{walsh}" in listed and f"/families/{other}" in listed and "More than" not in listed


def test_the_api_still_lists_a_broad_search(api, factory, app, monkeypatch):
    """The API's contract is unchanged: a broad search is listed and paged as it always was."""
    from caseflow.readmodels import family_view

    monkeypatch.setattr(family_view, "BROAD_SEARCH_PEOPLE", 1)
    walsh, _ = known_family(app)
    token = factory.token(factory.user("front_door"))
    body = api.get("/api/v1/families", token, query_string={"q": "Walsh"}).get_json()
    assert [f["id"] for f in body["items"]] == [walsh]
