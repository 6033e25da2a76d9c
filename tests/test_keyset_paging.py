"""Long lists read newest first page by keyset cursor (core.keyset, issue 16): following
next_cursor walks the whole list once, with nothing skipped or repeated even while new rows
arrive at the top, and the pages link to the older page. Whole-list counts stop at 1,000."""
from __future__ import annotations

import re

from caseflow.core.extensions import db
from caseflow.core.keyset import Total, bounded_count, decode_cursor, encode_cursor
from tests.conftest import sign_in
from tests.frontdoor.helpers import known_family
from caseflow.core.timescales import today_london


def walk(api, token, path, per_page):
    """Every item of an API list, following next_cursor from the first page."""
    items, cursor, pages = [], None, 0
    while True:
        separator = "&" if "?" in path else "?"
        url = f"{path}{separator}per_page={per_page}" + (f"&before={cursor}" if cursor else "")
        body = api.get(url, token).get_json()
        items += body["items"]
        pages += 1
        cursor = body["next_cursor"]
        assert body["total_capped"] is False
        if cursor is None:
            return items, pages


def notify_many(app, user, count):
    from caseflow.notify.services import notify

    with app.app_context():
        for i in range(count):
            notify(user.id, "plan", f"keyset:{i}", f"Notification {i}", "About the plan")
        db.session.commit()


def test_the_inbox_pages_by_cursor_through_every_notification_once(api, factory, app):
    keyworker = factory.user("keyworker")
    token = factory.token(keyworker)
    notify_many(app, keyworker, 7)
    items, pages = walk(api, token, "/api/v1/inbox", per_page=3)
    assert pages == 3
    assert len(items) == 7 and len({n["id"] for n in items}) == 7
    created = [n["created_at"] for n in items]
    assert created == sorted(created, reverse=True)
    # The old ?page= paging still answers, with the same cursor to carry on from.
    second = api.get("/api/v1/inbox?per_page=3&page=2", token).get_json()
    assert [n["id"] for n in second["items"]] == [n["id"] for n in items[3:6]]
    assert second["next_cursor"] is not None


def test_a_cursor_that_was_not_given_is_a_bad_query(api, factory):
    token = factory.token(factory.user("keyworker"))
    for cursor in ["nonsense", encode_cursor([1, 2, 3])]:
        response = api.get(f"/api/v1/inbox?before={cursor}", token)
        assert response.status_code == 400, cursor
        assert response.get_json()["error"]["code"] == "bad_query"
        assert "before" in response.get_json()["error"]["fields"]


def test_the_access_log_walk_is_not_disturbed_by_the_reads_it_records(api, factory, app):
    family_id, _ = known_family(app)
    manager = factory.user("team_manager")
    token = factory.token(manager)
    for _ in range(6):  # six reads of the family: six audit rows on its log
        assert api.get(f"/api/v1/families/{family_id}", token).status_code == 200
    with app.app_context():
        from sqlalchemy import func, select

        from caseflow.core.audit import AuditEvent

        logged = db.session.scalar(select(func.count()).where(AuditEvent.family_id == family_id))
    items, pages = walk(api, token, f"/api/v1/families/{family_id}/access-log", per_page=2)
    # Each page's own read is recorded at the top of the log as it is read; walking backwards
    # from the first page, the walk sees the first page's read and every row before it, once.
    assert len(items) == logged + 1
    assert pages == (logged + 1 + 1) // 2
    moments = [e["at"] for e in items]
    assert moments == sorted(moments, reverse=True)
    assert items[-1]["action"] != "family.access_log"  # the oldest row is the family's first read


def test_the_inbox_and_access_log_pages_link_to_older_pages(client, factory, app, api):
    keyworker = factory.user("keyworker")
    notify_many(app, keyworker, 55)
    sign_in(client, keyworker)
    first = client.get("/inbox").get_data(as_text=True)
    assert first.count("Acknowledge<span") == 50
    older = re.search(r'href="(/inbox\?before=[^"]+)" rel="next">Older</a>', first)
    assert older, "no link to the older notifications"
    second = client.get(older.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert second.count("Acknowledge<span") == 5
    assert 'rel="next">Older' not in second and ">Newest</a>" in second
    # An edited link shows the newest page rather than an error.
    assert client.get("/inbox?before=edited").status_code == 200


def test_the_contacts_of_a_case_page_by_cursor(api, factory, app):
    from tests.plans.helpers import allocated_case, team

    people, tokens, _ = team(factory)
    case_id = allocated_case(api, people, tokens)
    for i in range(5):  # the same day: ordered by when each was recorded, then by id
        recorded = api.post(f"/api/v1/cases/{case_id}/contacts", tokens["sam"], json={
            "date": today_london().isoformat(), "type": "phone_call", "notes": f"Call {i}"})
        assert recorded.status_code == 201, recorded.get_json()
    items, pages = walk(api, tokens["sam"], f"/api/v1/cases/{case_id}/contacts", per_page=2)
    assert pages == 3 and len({c["id"] for c in items}) == 5
    assert [c["notes"] for c in items] == [f"Call {i}" for i in reversed(range(5))]


def test_counts_stop_at_the_limit_and_say_so(app_ctx, factory):
    from sqlalchemy import select

    from caseflow.auth.models import User

    for _ in range(4):
        factory.user("keyworker")
    total = bounded_count(select(User), limit=3)
    assert (int(total), total.capped, str(total), f"{total:,}") == (3, True, "3+", "3+")
    exact = bounded_count(select(User), limit=10)
    assert (int(exact), exact.capped, str(exact)) == (4, False, "4")
    assert Total(1234) == 1234 and str(Total(1234)) == "1,234"
    assert decode_cursor(encode_cursor([5, "x"]), 2) == (5, "x")


def test_a_page_and_its_count_come_in_one_query_whether_the_list_is_under_the_limit_or_over_it(app_ctx, factory, monkeypatch):
    """page_and_count (a search's page) works the list out once: the page, in order, and the
    count, said as "N+" past the limit."""
    from sqlalchemy import select

    from caseflow.auth.models import User
    from caseflow.core import keyset
    from tests.conftest import count_queries

    names = ["Yasmin", "Ali", "Zoe", "Bea", "Cai", "Dev", "Eve"]
    for name in names:
        factory.user("keyworker", name=f"Paging {name}")
    everyone = select(User).where(User.name.like("Paging %"))
    in_order = sorted(f"Paging {n}" for n in names)

    def names_of(ids):
        return [db.session.get(User, i).name for i in ids]

    for limit, expected in ((100, (7, False, "7")), (3, (3, True, "3+"))):
        monkeypatch.setattr(keyset, "COUNT_LIMIT", limit)
        with count_queries() as statements:
            ids, total = keyset.page_and_count(everyone, User.id, (User.name, User.id), 2, 3)
        assert len([s for s in statements if s.lstrip().startswith("SELECT")]) == 1
        assert names_of(ids) == in_order[3:6]
        assert (int(total), total.capped, str(total)) == expected
        past_the_end, total = keyset.page_and_count(everyone, User.id, (User.name, User.id), 9, 3)
        assert past_the_end == [] and (int(total), total.capped, str(total)) == expected
    nobody, total = keyset.page_and_count(select(User).where(User.name == "Nobody at all"), User.id, (User.name,), 1, 3)
    assert nobody == [] and int(total) == 0 and not total.capped
