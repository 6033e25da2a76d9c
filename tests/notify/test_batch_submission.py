"""A partner's system sends many incidents in one call (catching up after an outage, say): each
is accepted and routed exactly as one sent alone, repeats are recognised, a bad one is named by
its position and nothing is half-accepted; and one event that cannot be routed does not hold up
the rest of its routing batch."""
from __future__ import annotations

from sqlalchemy import select

from tests.notify.helpers import LEAH, inbox, incident, open_family
from tests.notify.test_redis_queue import queue_on

STRANGER = {"given_name": "Zebedee", "family_name": "Quartermaine", "date_of_birth": "1960-01-01"}


def test_a_batch_is_accepted_in_order_and_each_event_routed(api, factory):
    w = open_family(api, factory)
    body = {"events": [incident("NP-B1"), incident("NP-B2", type_="police_contact"),
                       incident("NP-B3", people=[STRANGER])]}
    response = api.post("/api/v1/notifications/batch", w.t["police"], json=body)
    assert response.status_code == 202, response.get_json()
    result = response.get_json()
    assert result["accepted"] == 3 and result["duplicates"] == 0
    assert [i["source_reference"] for i in result["items"]] == ["NP-B1", "NP-B2", "NP-B3"]
    statuses = [api.get(f"/api/v1/notifications/{i['id']}", w.t["police"]).get_json()["status"]
                for i in result["items"]]
    assert statuses == ["routed", "routed", "needs_review"]  # Leah twice; nobody known once
    ids = {i["id"] for i in result["items"]}
    assert len([n for n in inbox(api, w.t["sam"]) if n["event_id"] in ids]) == 2
    school = [n for n in inbox(api, w.t["key_adult"]) if n["event_id"] in ids]
    assert len(school) == 1 and "verbal argument" not in school[0]["body"]  # domestic abuse only, the fact only


def test_sending_the_batch_again_creates_nothing_new(api, factory):
    w = open_family(api, factory)
    body = {"events": [incident("NP-R1"), incident("NP-R2")]}
    first = api.post("/api/v1/notifications/batch", w.t["police"], json=body).get_json()
    single = api.post("/api/v1/notifications", w.t["police"], json=incident("NP-R3")).get_json()
    again = api.post("/api/v1/notifications/batch", w.t["police"],
                     json={"events": body["events"] + [incident("NP-R3"), incident("NP-R4")]})
    assert again.status_code == 202
    result = again.get_json()
    assert (result["accepted"], result["duplicates"]) == (1, 3)
    assert [i["id"] for i in result["items"][:3]] == [*(i["id"] for i in first["items"]), single["id"]]
    assert [i["duplicate"] for i in result["items"]] == [True, True, True, False]
    everything = {i["id"] for i in result["items"]}
    assert len([n for n in inbox(api, w.t["sam"]) if n["event_id"] in everything]) == 4  # one each, never two
    all_repeats = api.post("/api/v1/notifications/batch", w.t["police"], json=body)
    assert all_repeats.status_code == 200 and all_repeats.get_json()["accepted"] == 0


def test_a_bad_event_is_named_by_position_and_nothing_is_accepted(api, factory):
    w = open_family(api, factory)
    body = {"events": [incident("NP-V1"), incident("NP-V2", occurred_at="2026-11-20 22:15")]}
    response = api.post("/api/v1/notifications/batch", w.t["police"], json=body)
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert list(fields) == ["events.1.occurred_at"] and "offset" in fields["events.1.occurred_at"][0]
    # The good one was not kept either: resending the corrected batch accepts both.
    fixed = api.post("/api/v1/notifications/batch", w.t["police"],
                     json={"events": [incident("NP-V1"), incident("NP-V2")]}).get_json()
    assert fixed["accepted"] == 2


def test_repeated_references_and_oversized_batches_are_refused(api, factory):
    w = open_family(api, factory)
    twice = api.post("/api/v1/notifications/batch", w.t["police"],
                     json={"events": [incident("NP-D1"), incident("NP-D1")]})
    assert twice.status_code == 422 and "NP-D1 appears more than once" in str(twice.get_json()["error"]["fields"])
    too_many = api.post("/api/v1/notifications/batch", w.t["police"],
                        json={"events": [incident(f"NP-M{i}") for i in range(501)]})
    assert too_many.status_code == 422 and "between 1 and 500" in str(too_many.get_json()["error"]["fields"])
    empty = api.post("/api/v1/notifications/batch", w.t["police"], json={"events": []})
    assert empty.status_code == 422
    assert api.post("/api/v1/notifications/batch", w.t["police"], json=[incident()]).status_code == 400
    # Only those who may report events may send a batch.
    assert api.post("/api/v1/notifications/batch", w.t["sam"], json={"events": [incident("NP-X")]}).status_code == 403


def test_an_event_that_cannot_be_routed_fails_alone_and_the_rest_of_its_batch_is_delivered(api, factory, app):
    from caseflow.core.audit import verify_chain
    from caseflow.core.extensions import db
    from caseflow.notify import dispatcher
    from caseflow.notify.models import Delivery, PartnerEvent

    from sqlalchemy import delete, update

    from caseflow.notify.models import Notification

    w = open_family(api, factory)
    result = api.post("/api/v1/notifications/batch", w.t["police"],
                      json={"events": [incident("NP-F1"), incident("NP-F2"), incident("NP-F3")]}).get_json()
    good, bad, later = (i["id"] for i in result["items"])
    with app.app_context():
        # The three events wait in the outbox, unrouted (as if the process that accepted them
        # died before routing them), and one of them holds data that breaks the router.
        db.session.execute(delete(Notification).where(Notification.event_id.in_([good, bad, later])))
        db.session.execute(update(Delivery).where(Delivery.event_id.in_([good, bad, later])).values(
            status="pending", delivered_at=None, attempts=0))
        db.session.execute(update(PartnerEvent).where(PartnerEvent.id.in_([good, bad, later])).values(status="received"))
        broken = db.session.get(PartnerEvent, bad)
        broken.people = [{**LEAH, "date_of_birth": "2 June 2011"}]
        db.session.commit()
        assert dispatcher.route_pending() == 3
        rows = {r.event_id: r for r in db.session.scalars(select(Delivery).where(Delivery.kind == "route"))}
        assert rows[good].status == rows[later].status == "delivered"
        assert rows[bad].status == "pending" and rows[bad].attempts == 1  # retried later, with backoff
        assert "ValueError" in rows[bad].last_error
        assert verify_chain().ok  # the batch's audit records joined the chain in order
        db.session.remove()
    routed = [n for n in inbox(api, w.t["sam"]) if n["event_id"] in {good, bad, later}]
    assert sorted(n["event_id"] for n in routed) == sorted([good, later])
