"""The advice line: practitioners calling the front door for a consultation, logged with or
without a family; a call linked to a family is read as that family's record."""
from caseflow.core.audit import AuditEvent
from caseflow.core.extensions import db
from tests.conftest import csrf_token, sign_in
from tests.triage.helpers import new_case

CALL = {"caller_name": "Mr Hale", "caller_organisation": "Riverside Primary School", "caller_contact": "01632 960444",
        "question": "A Year 4 pupil is often late and hungry: is this one for early help?",
        "advice": "Talk with the family first; if they agree, make a request for help.", "became_request": "no"}


def test_the_front_door_logs_calls_with_and_without_a_family(app, api, factory, client):
    officer, referrer = factory.user("front_door"), factory.user("partner")
    created = new_case(api, factory.token(referrer))
    sign_in(client, officer)
    csrf = csrf_token(client, "/advice-line")
    missing = client.post("/advice-line", data={"csrf_token": csrf, "caller_name": "Mr Hale"})
    html = missing.get_data(as_text=True)
    assert missing.status_code == 400 and "Write what the caller asked" in html and "Write the advice given" in html
    assert client.post("/advice-line", data={"csrf_token": csrf, **CALL}).status_code == 302
    wrong = client.post("/advice-line", data={"csrf_token": csrf, **CALL, "request_reference": "NOPE-1"})
    assert wrong.status_code == 400 and "No request for help has that reference" in wrong.get_data(as_text=True)
    with app.app_context():
        from caseflow.frontdoor.models import RequestForHelp

        reference = db.session.get(RequestForHelp, created["id"]).reference
    linked = client.post("/advice-line", data={"csrf_token": csrf, **CALL, "caller_name": "Ms Shah",
                                               "became_request": "yes", "request_reference": reference})
    assert linked.status_code == 302
    log = client.get("/advice-line").get_data(as_text=True)
    assert "Mr Hale, Riverside Primary School" in log and "Walsh" in log and "Not known" in log
    with app.app_context():
        family_reads = db.session.query(AuditEvent).filter(AuditEvent.action == "advice.view",
                                                          AuditEvent.family_id == created["family_id"]).count()
        assert family_reads >= 1


def test_only_the_front_door_and_its_managers_keep_the_log(factory, client):
    sign_in(client, factory.user("keyworker"))
    assert client.get("/advice-line").status_code == 403
    csrf = csrf_token(client, "/inbox")
    assert client.post("/advice-line", data={"csrf_token": csrf, **CALL}).status_code == 403
