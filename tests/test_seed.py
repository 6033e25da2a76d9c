"""`caseflow seed`: a synthetic county that the app reads like its own records (issue 16)."""
from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select, text

from caseflow.allocation.services import HELD_STAGES
from caseflow.auth.models import User
from caseflow.cases.models import Case, CaseTransition
from caseflow.cli import main
from caseflow.core import stages
from caseflow.core.audit import AuditEvent, event_hash
from caseflow.core.extensions import db
from caseflow.core.vocab import HEADLINE_PROBLEMS
from caseflow.families.models import Family, FamilyMember, Person
from caseflow.frontdoor.models import RequestForHelp
from caseflow.plans.models import Contact
from caseflow.triage.models import TriageDecision
from tests.conftest import sign_in

PEOPLE = 400
AS_OF = date(2026, 11, 30)


def seed(app, tmp_path, seed_value: int = 7):
    logins = tmp_path / f"logins-{seed_value}.json"
    result = app.test_cli_runner().invoke(main, [
        "seed", "--people", str(PEOPLE), "--seed", str(seed_value), "--as-of", AS_OF.isoformat(),
        "--logins-file", str(logins)])
    assert result.exit_code == 0, result.output
    return json.loads(logins.read_text()), result.output


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_seeded_county_has_every_stage_in_proportion(app, tmp_path):
    seed(app, tmp_path)
    with app.app_context():
        people, families = count(Person), count(Family)
        assert people == PEOPLE
        assert 85 <= families <= 115  # about four people a household
        contacts = count(Contact)
        assert 3 * PEOPLE <= contacts <= 8 * PEOPLE  # about five contacts a person
        stages_seen = set(db.session.scalars(select(Case.stage)))
        assert {"requested", "signposted", "closed", "reviewing"} <= stages_seen and len(stages_seen) >= 5
        tables = ["requests_for_help", "request_people", "triage_decisions", "panel_items", "allocations",
                  "assessments", "plans", "plan_outcomes", "reviews", "step_ups", "step_downs", "consents",
                  "consent_people", "partner_events", "notifications", "audit_events", "taf_members"]
        for table in tables:
            assert db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar() > 0, table
        # Nothing is left for the worker to escalate at once: what passed its deadline
        # unacknowledged was escalated at the time, to the duty manager.
        from caseflow.notify.models import Notification
        overdue = select(func.count()).select_from(Notification).where(
            Notification.deadline_at <= datetime(2026, 11, 30, tzinfo=timezone.utc), Notification.acknowledged_at.is_(None))
        assert db.session.scalar(overdue) > 0
        assert db.session.scalar(overdue.where(Notification.escalated_at.is_(None))) == 0
        assert db.session.scalar(select(func.count()).select_from(Notification)
                                 .where(Notification.type == "escalation")) >= db.session.scalar(overdue)
        # The dashboards' daily totals are there, as in a county in service: the first worker to
        # start does not rebuild them in the working day.
        from caseflow.readmodels import report_aggregates
        assert report_aggregates.last_refresh() is not None and not report_aggregates.due(2)
        # Possible matches wait for the front door; every other request is new or triaged.
        statuses = set(db.session.scalars(select(RequestForHelp.status)))
        assert statuses <= {"new", "triaged", "needs_review"} and "triaged" in statuses


def test_nothing_is_dated_after_the_as_of_day_and_each_case_moves_along_the_stage_graph(app, tmp_path):
    seed(app, tmp_path)
    end = datetime(2026, 11, 30, 23, 59, 59, 999999, tzinfo=timezone.utc)
    with app.app_context():
        moments = {
            "cases": ["opened_at", "closed_at", "created_at"], "case_transitions": ["at"],
            "requests_for_help": ["received_at"], "triage_decisions": ["decided_at"],
            "panel_items": ["decided_at"], "allocations": ["allocated_at"], "assessments": ["started_at", "completed_at"],
            "plans": ["agreed_at"], "reviews": ["held_on", "recorded_at"], "contacts": ["occurred_on", "recorded_at"],
            "consents": ["given_on", "recorded_at"], "partner_events": ["occurred_at", "received_at", "routed_at"],
            "notifications": ["created_at", "read_at", "acknowledged_at"], "audit_events": ["at"],
            "panels": ["meets_on"], "people": ["created_at"], "step_ups": ["requested_at", "responded_at"],
            "step_downs": ["requested_at"], "taf_members": ["added_at"]}
        for table, columns in moments.items():
            for column in columns:
                latest = db.session.execute(text(f"SELECT max({column}) FROM {table}")).scalar()
                if latest is None:
                    continue
                if isinstance(latest, str):  # SQLite hands back text
                    latest = datetime.fromisoformat(latest) if " " in latest or "T" in latest else date.fromisoformat(latest)
                if isinstance(latest, datetime):
                    latest = latest if latest.tzinfo else latest.replace(tzinfo=timezone.utc)
                    assert latest <= end, f"{table}.{column} = {latest}"
                else:
                    assert latest <= AS_OF, f"{table}.{column} = {latest}"

        # Each case's moves: from where the last one left it, along a move the graph has, forwards in time.
        moves = defaultdict(list)
        for move in db.session.scalars(select(CaseTransition)):
            moves[move.case_id].append(move)
        for case in db.session.scalars(select(Case)):
            history = sorted(moves[case.id], key=lambda m: m.at)
            assert history[0].action == "request" and history[0].to_stage == "requested"
            for before, after in zip(history, history[1:]):
                rule = stages.TRANSITIONS_BY_ACTION[after.action]
                assert after.from_stage == before.to_stage and after.from_stage in rule.sources
                assert after.to_stage == rule.target
            assert history[-1].to_stage == case.stage
            assert (case.closed_at is not None) == (case.stage in stages.CLOSED_STAGES)
        # Request, triage, panel and allocation, in that order.
        late = db.session.execute(text(
            "SELECT count(*) FROM requests_for_help r JOIN triage_decisions t ON t.case_id = r.case_id "
            "LEFT JOIN panel_items p ON p.case_id = r.case_id LEFT JOIN allocations a ON a.case_id = r.case_id "
            "WHERE t.decided_at < r.received_at OR p.decided_at < t.decided_at OR a.allocated_at < p.decided_at")).scalar()
        assert late == 0


def test_caseloads_stay_within_each_keyworkers_capacity(app, tmp_path):
    seed(app, tmp_path)
    with app.app_context():
        held = dict(db.session.execute(select(Case.keyworker_id, func.count()).where(Case.stage.in_(HELD_STAGES))
                                       .group_by(Case.keyworker_id)).all())
        assert held and None not in held
        keyworkers = db.session.scalars(select(User).where(User.role == "keyworker")).all()
        assert all(held.get(k.id, 0) <= k.caseload_capacity for k in keyworkers)


def test_headline_problems_and_free_text_are_stored_as_the_services_store_them(app, tmp_path):
    seed(app, tmp_path)
    with app.app_context():
        codes = set(HEADLINE_PROBLEMS)
        for request in db.session.scalars(select(RequestForHelp)):
            assert request.concerns and set(request.concerns) <= codes and request.concerns == sorted(request.concerns)
        decision = db.session.scalars(select(TriageDecision)).first()
        # Encrypted under the app's keys: reading through the model decrypts them.
        assert decision.headline_problems and {p["code"] for p in decision.headline_problems} <= codes
        assert all(p["evidence"] for p in decision.headline_problems)
        contact = db.session.scalars(select(Contact)).first()
        assert len(contact.notes) > 10
        raw = db.session.execute(text("SELECT notes FROM contacts LIMIT 1")).scalar()
        assert raw.startswith("gAAAA")  # a Fernet token, not the note
        person = db.session.scalars(select(Person)).first()
        assert person.given_name_norm and person.family_name_norm and person.name_phonetic


def test_the_audit_chain_of_a_seeded_county_verifies(app, tmp_path):
    seed(app, tmp_path)
    with app.app_context():
        for event in db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq).limit(50)):
            assert event_hash(event, event.prev_hash) == event.hash
    result = app.test_cli_runner().invoke(main, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "chain intact" in result.output and "checkpoints checked" in result.output


def _digest() -> str:
    queries = ["SELECT id, reference, name FROM families ORDER BY id",
               "SELECT id, given_name, family_name, date_of_birth, postcode FROM people ORDER BY id",
               "SELECT id, reference, stage, opened_at, keyworker_id FROM cases ORDER BY id",
               "SELECT id, case_id, occurred_on, contact_type FROM contacts ORDER BY id",
               "SELECT seq, action, object_id, hash FROM audit_events ORDER BY seq"]
    digest = hashlib.sha256()
    for query in queries:
        for row in db.session.execute(text(query)):
            digest.update(repr(tuple(str(v) for v in row)).encode())
    return digest.hexdigest()


def _empty_the_database() -> None:
    from caseflow.core.database import Base

    db.session.remove()
    with db.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name not in ("routing_rules", "key_canary", "alembic_version"):
                conn.execute(table.delete())


def test_the_same_seed_gives_the_same_county(app, tmp_path):
    checkpoints = app.extensions["caseflow.settings"].audit_checkpoint_file
    digests = []
    for seed_value in (7, 7, 8):
        seed(app, tmp_path, seed_value)
        with app.app_context():
            digests.append(_digest())
            _empty_the_database()
        checkpoints.unlink(missing_ok=True)
    assert digests[0] == digests[1]
    assert digests[0] != digests[2]


def test_a_seeded_keyworker_signs_in_and_opens_a_family_and_their_caseload(app, client, api, tmp_path):
    logins, _ = seed(app, tmp_path)
    assert logins["password"] and logins["keyworkers"] and logins["front_door"] and logins["managers"]
    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.stage.in_(HELD_STAGES)).order_by(Case.id)).first()
        keyworker = db.session.get(User, case.keyworker_id)
        assert keyworker.email in logins["keyworkers"]
        member = db.session.scalars(select(FamilyMember).where(FamilyMember.family_id == case.family_id,
                                                               FamilyMember.relationship_to_family == "parent_carer")).first()
        given_name, family_name = member.person.given_name, member.person.family_name
        born, postcode = member.person.date_of_birth.isoformat(), member.person.postcode
    assert sign_in(client, keyworker, password=logins["password"]).status_code == 302
    caseload = client.get("/caseload")
    assert caseload.status_code == 200 and family_name in caseload.get_data(as_text=True)
    page = client.get(f"/families/{case.family_id}")
    assert page.status_code == 200 and given_name in page.get_data(as_text=True)

    # A partner system's token from the file is accepted by the partner API.
    response = api.post("/api/v1/notifications", logins["partner_tokens"][0], json={
        "type": "domestic_abuse", "occurred_at": "2026-11-29T22:15:00+00:00", "source_reference": "NP-SEED-1",
        "summary": "Officers attended.", "people": [{"given_name": given_name, "family_name": family_name}]})
    assert response.status_code in (200, 201, 202), response.get_json()
    # And a request for help about a seeded parent finds her record (the matcher reads the
    # normalised name keys the seed stored).
    response = api.post("/api/v1/requests", logins["partner_tokens"][-1], json={
        "referrer": {"name": "Duty officer", "organisation": "Northshire Police", "role": "Officer",
                     "email": "duty@police.example"},
        "people": [{"given_name": given_name, "family_name": family_name, "date_of_birth": born,
                    "relationship": "parent_carer", "postcode": postcode}],
        "concerns": ["domestic_abuse"], "details": "Repeat incidents at the address.", "consent_given": True,
        "urgency": "routine"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["match"]["status"] == "linked"


def test_a_second_seed_into_a_seeded_database_is_refused(app, tmp_path):
    seed(app, tmp_path)
    result = app.test_cli_runner().invoke(main, ["seed", "--people", "10"])
    assert result.exit_code != 0 and "empty" in result.output


def test_seeding_stops_with_an_error_when_the_generator_process_dies(app, tmp_path, monkeypatch):
    """On PostgreSQL the county is generated in a forked process. If that process is killed (out
    of memory, a crash in a C library) the seed must say so and stop, not wait for ever."""
    import os
    from caseflow.seed import loader

    if db.engine.dialect.name != "postgresql":
        pytest.skip("the generator runs in its own process only on PostgreSQL")

    def killed(queue, arguments):
        os._exit(9)

    monkeypatch.setattr(loader, "_produce", killed)
    result = app.test_cli_runner().invoke(main, [
        "seed", "--people", str(PEOPLE), "--seed", "7", "--as-of", AS_OF.isoformat(),
        "--logins-file", str(tmp_path / "logins.json")])
    assert result.exit_code != 0
    assert "the generator process stopped without finishing (exit code 9)" in result.output
