"""One unit of work per entry point: services only flush, the request (or command, or job) commits
once. A refused form keeps the audit of what was read and saves nothing of what it tried to write."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from caseflow.core import audit
from caseflow.core.audit import AuditEvent, verify_chain
from caseflow.core.errors import ServiceValidationError
from caseflow.core.extensions import db
from caseflow.core.unit_of_work import savepoint, unit_of_work
from caseflow.notify import outbox, rules
from caseflow.notify.models import SchoolHoliday
from caseflow.plans.models import Plan
from caseflow.triage.models import LocalCriterion
from tests.conftest import csrf_token, sign_in
from tests.plans.helpers import allocated_case, complete_assessment, team
from caseflow.core.timescales import today_london

TARGET = today_london() + timedelta(days=90)


def _plan_form(token, owner: str) -> dict:
    return {"csrf_token": token, "version": "",
            "outcomes-0-headline_problem": "education", "outcomes-0-description": "Leah goes to school",
            "outcomes-0-measure": "Attendance 90%", "outcomes-0-target-day": str(TARGET.day),
            "outcomes-0-target-month": str(TARGET.month), "outcomes-0-target-year": str(TARGET.year),
            "outcomes-1-headline_problem": "health", "outcomes-1-description": "Mum sees her GP",
            "outcomes-1-measure": "Appointment kept", "outcomes-1-target-day": str(TARGET.day),
            "outcomes-1-target-month": str(TARGET.month), "outcomes-1-target-year": str(TARGET.year),
            "actions-0-description": "Meet the SENCo", "actions-0-owner": owner, "actions-0-outcome": "0",
            "actions-0-due-day": str(TARGET.day), "actions-0-due-month": str(TARGET.month),
            "actions-0-due-year": str(TARGET.year)}


def _stored(statement):
    """Read what is committed, on a connection of its own (not the session the app used)."""
    with db.engine.connect() as conn:
        return conn.execute(statement).scalar()


def _events(family_id, action):
    return _stored(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.family_id == family_id, AuditEvent.action == action))


def test_a_refused_form_saves_nothing_but_keeps_the_audit_of_what_was_read(client, api, factory, app):
    p, t, orgs = team(factory)
    case_id = allocated_case(api, p, t)
    complete_assessment(api, t["sam"], case_id)
    family_id = api.get(f"/api/v1/cases/{case_id}", t["sam"]).get_json()["family_id"]
    sign_in(client, p["sam"])
    token = csrf_token(client, f"/cases/{case_id}/plan")
    reads, attempts = _events(family_id, "plan.view"), _events(family_id, "casework.record")

    # The plan is written (and flushed: the owner check queries the database) before the
    # service finds the action's owner does not exist and refuses.
    refused = client.post(f"/cases/{case_id}/plan", data=_plan_form(token, "user:nobody-by-that-id"))

    assert refused.status_code == 400 and "Choose the action" in refused.get_data(as_text=True)
    with app.app_context():
        assert _stored(select(func.count()).select_from(Plan).where(Plan.case_id == case_id)) == 0
        assert _events(family_id, "plan.save") == 0
        # The page read the plan (before and after the attempt) and asked to change it: all on
        # the family's access log, although nothing was saved.
        assert _events(family_id, "plan.view") == reads + 2
        assert _events(family_id, "casework.record") == attempts + 1
        assert verify_chain().ok


def test_a_successful_form_is_committed_by_the_request(client, api, factory, app):
    p, t, orgs = team(factory)
    case_id = allocated_case(api, p, t)
    complete_assessment(api, t["sam"], case_id)
    family_id = api.get(f"/api/v1/cases/{case_id}", t["sam"]).get_json()["family_id"]
    sign_in(client, p["sam"])
    token = csrf_token(client, f"/cases/{case_id}/plan")

    saved = client.post(f"/cases/{case_id}/plan", data=_plan_form(token, f"org:{orgs['school'].id}"))

    assert saved.status_code == 302
    with app.app_context():
        assert _stored(select(func.count()).select_from(Plan).where(Plan.case_id == case_id)) == 1
        assert _events(family_id, "plan.save") == 1
        assert verify_chain().ok


def test_a_refused_api_call_keeps_only_the_audit_of_the_refusal(api, factory, app):
    p, t, orgs = team(factory)
    case_id = allocated_case(api, p, t)
    family_id = api.get(f"/api/v1/cases/{case_id}", t["sam"]).get_json()["family_id"]
    refused = api.post(f"/api/v1/cases/{case_id}/contacts", t["aaron"], json={  # another team's keyworker
        "date": today_london().isoformat(), "type": "home_visit", "notes": "Seen at home."})
    assert refused.status_code == 403
    with app.app_context():
        assert _events(family_id, "denied:casework.record") == 1
        assert _events(family_id, "contact.record") == 0


def test_services_only_flush_and_the_entry_point_commits(app, factory):
    admin = factory.user("admin")
    with app.app_context():
        rules.add_school_holiday(admin, "Half term", date(2031, 2, 17), date(2031, 2, 21))
        db.session.remove()  # the end of a request that did not commit: nothing is kept
        assert _stored(select(func.count()).select_from(SchoolHoliday)) == 0
        with unit_of_work():  # a command's unit of work
            rules.add_school_holiday(admin, "Half term", date(2031, 2, 17), date(2031, 2, 21))
        assert _stored(select(func.count()).select_from(SchoolHoliday)) == 1
        assert _stored(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "school_holiday.add")) == 1


def test_an_undone_action_keeps_its_audit_events_and_drops_only_its_own_outbox_rows(app, monkeypatch):
    dispatched = []
    monkeypatch.setattr(outbox, "dispatch", dispatched.extend)
    with app.app_context():
        before = outbox.add("email", target="first@example.gov.uk")
        audit.record("test", "test.before", "service")
        db.session.flush()
        with pytest.raises(ServiceValidationError):
            with savepoint():
                outbox.add("email", target="undone@example.gov.uk")
                audit.record("test", "test.undone", "service")
                db.session.flush()
                raise ServiceValidationError("refused", {})
        with savepoint():  # an action that succeeds: released, but nothing is committed yet
            kept = outbox.add("email", target="kept@example.gov.uk")
        assert dispatched == []
        # Both events wait for the commit (the chain is not taken when a savepoint is released).
        assert [e.action for e in audit.take_pending(db.session)] == ["test.before", "test.undone"]
        db.session.commit()
        assert sorted(dispatched) == sorted([(before.id, "email"), (kept.id, "email")])
        actions = {a for a in db.session.scalars(select(AuditEvent.action))}
        assert {"test.before", "test.undone"} <= actions
        assert verify_chain().ok


def test_a_failed_flush_inside_an_action_leaves_the_request_usable(app):
    with app.app_context():
        db.session.add(LocalCriterion(code="housing_risk", label="At risk of homelessness"))
        audit.record("test", "test.before", "service")
        db.session.flush()
        with pytest.raises(IntegrityError):
            with savepoint():
                audit.record("test", "test.duplicate", "service")
                db.session.add(LocalCriterion(code="housing_risk", label="The same code again"))
                db.session.flush()
        db.session.add(LocalCriterion(code="substance_misuse", label="Parental substance misuse"))
        db.session.commit()
        codes = set(db.session.scalars(select(LocalCriterion.code)))
        assert codes == {"housing_risk", "substance_misuse"}
        assert {"test.before", "test.duplicate"} <= set(db.session.scalars(select(AuditEvent.action)))
