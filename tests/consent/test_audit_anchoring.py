"""The audit trail cannot be trimmed or quietly edited (issue 14, problem 4): signed checkpoints
kept outside the database show rows cut off the end; every column is in the hash; rows sealed
the old way still verify; the break-glass reason and the triage evidence are not stored as plain
text, yet show where they showed before."""
import json

import pytest
from sqlalchemy import func, select, text

from caseflow.core import audit
from caseflow.core.audit import AuditEvent, HASH_VERSION, _HASHED_COLUMNS, event_hash, verify_chain
from caseflow.core.audit_checkpoints import read_checkpoints, write_checkpoint
from caseflow.core.extensions import db

KEY = b"a checkpoint key the database does not hold"


def _write_events(actor, n=5):
    for i in range(n):
        audit.record(actor, "family.view", "family", f"fam{i}", family_id=f"fam{i}",
                     categories=["identity"], purpose="test", basis="early help service function")
    db.session.commit()


def _trim_tail(rows: int) -> None:
    """What someone with database access does: delete the newest rows, move the head back."""
    with db.engine.begin() as conn:
        last = conn.execute(text("SELECT MAX(seq) FROM audit_events")).scalar()
        keep = last - rows
        conn.execute(text("DELETE FROM audit_events WHERE seq > :keep"), {"keep": keep})
        kept_hash = conn.execute(text("SELECT hash FROM audit_events WHERE seq = :keep"), {"keep": keep}).scalar()
        conn.execute(text("UPDATE audit_chain_head SET last_seq = :keep, last_hash = :hash"),
                     {"keep": keep, "hash": kept_hash})


def _checkpoint(path):
    written = write_checkpoint(path=path, key=KEY)
    db.session.rollback()  # it only read the head: end that transaction, as the command does
    return written


def _verify(path=None):
    report = verify_chain(checkpoints=read_checkpoints(path, KEY) if path else None)
    db.session.rollback()  # a read: end it, so the next "attacker" statement is not kept waiting
    return report


def test_cutting_rows_off_the_end_after_a_checkpoint_is_detected(app_ctx, factory, tmp_path):
    path = tmp_path / "checkpoints.jsonl"
    _write_events(factory.user("front_door"))
    assert _checkpoint(path) is not None
    assert _verify(path).ok
    _trim_tail(2)
    assert _verify().ok  # the chain alone is still whole: this is what the checkpoint adds
    report = _verify(path)
    assert not report.ok
    assert any("cut off" in p for p in report.problems), report.problems


def test_a_chain_rewritten_after_a_checkpoint_is_detected(app_ctx, factory, tmp_path):
    """Trimmed and refilled to the same length, re-hashed: the checkpointed event differs."""
    path = tmp_path / "checkpoints.jsonl"
    user = factory.user("front_door")
    _write_events(user, 3)
    _checkpoint(path)
    _trim_tail(1)
    _write_events(user, 1)  # the app appends a new row where the deleted one was
    assert _verify().ok
    report = _verify(path)
    assert not report.ok and any("differs from the signed checkpoint" in p for p in report.problems)


def test_no_new_events_write_no_new_checkpoint(app_ctx, factory, tmp_path):
    path = tmp_path / "checkpoints.jsonl"
    _write_events(factory.user("front_door"), 2)
    assert _checkpoint(path) is not None
    assert _checkpoint(path) is None
    _write_events(factory.user("front_door"), 1)
    assert _checkpoint(path) is not None
    assert len(read_checkpoints(path, KEY).entries) == 2 and _verify(path).ok


def test_a_forged_or_edited_checkpoint_line_is_detected(app_ctx, factory, tmp_path):
    path = tmp_path / "checkpoints.jsonl"
    _write_events(factory.user("front_door"))
    _checkpoint(path)
    line = json.loads(path.read_text())
    # A forger moves the checkpoint back (to cover a trim) without the key.
    path.write_text(json.dumps({**line, "seq": line["seq"] - 2}) + "\n")
    report = _verify(path)
    assert not report.ok and any("signature does not match" in p for p in report.problems)
    # Signing it with another key is no better.
    forged = read_checkpoints(path, b"someone else's key")
    assert forged.problems


def test_a_checkpoint_line_taken_out_of_the_middle_is_detected(app_ctx, factory, tmp_path):
    path = tmp_path / "checkpoints.jsonl"
    user = factory.user("front_door")
    for _ in range(3):
        _write_events(user, 1)
        _checkpoint(path)
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0], lines[2]]) + "\n")
    assert any("does not follow" in p for p in _verify(path).problems)


@pytest.mark.parametrize("column, value", [("ip", "203.0.113.66"), ("request_id", "someone-elses-request")])
def test_editing_the_client_address_or_request_id_is_detected(app_ctx, factory, column, value):
    _write_events(factory.user("front_door"))
    with db.engine.begin() as conn:
        conn.execute(text(f"UPDATE audit_events SET {column} = :value "
                          "WHERE seq = (SELECT MAX(seq) - 1 FROM audit_events)"), {"value": value})
    report = _verify()
    assert not report.ok and any("edited" in p for p in report.problems)


def test_every_column_is_in_the_hash():
    columns = set(AuditEvent.__table__.columns.keys()) - {"hash", "prev_hash"}  # prev_hash is chained in
    assert set(_HASHED_COLUMNS[HASH_VERSION]) == columns


def _reseal_as_version_1(up_to_seq: int) -> None:
    """Rows as they were written before migration 0014: sealed by the hash without the address."""
    prev = audit.GENESIS_HASH
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    db.session.expunge_all()
    db.session.rollback()
    with db.engine.begin() as conn:
        for ev in events:
            version = 1 if ev.seq <= up_to_seq else 2
            ev.prev_hash = prev
            ev.hash_version = version
            ev.hash = event_hash(ev, prev, version)
            conn.execute(text("UPDATE audit_events SET hash_version = :v, prev_hash = :p, hash = :h WHERE seq = :s"),
                         {"v": version, "p": ev.prev_hash, "h": ev.hash, "s": ev.seq})
            prev = ev.hash
        conn.execute(text("UPDATE audit_chain_head SET last_hash = :h"), {"h": prev})


def test_rows_sealed_by_the_old_hash_still_verify_and_new_rows_follow_them(app_ctx, factory):
    user = factory.user("front_door")
    _write_events(user, 4)
    _reseal_as_version_1(up_to_seq=4)
    assert _verify().ok, _verify().problems
    _write_events(user, 2)  # new rows are version 2, chained on the old ones
    assert db.session.scalar(select(AuditEvent.hash_version).order_by(AuditEvent.seq.desc()).limit(1)) == 2
    report = _verify()
    assert report.ok, report.problems
    assert report.events_checked == db.session.scalar(select(func.count()).select_from(AuditEvent))


def test_a_new_row_marked_down_to_the_old_hash_is_detected(app_ctx, factory):
    """Marking a row version 1 to take its client address out of the hash does not work."""
    user = factory.user("front_door")
    _write_events(user, 4)
    _reseal_as_version_1(up_to_seq=2)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET hash_version = 1, ip = '198.51.100.1' WHERE seq = 3"))
    assert not _verify().ok


def test_checkpoint_and_verify_from_the_command_line_find_a_trimmed_tail(app, factory):
    from caseflow.cli import main

    runner = app.test_cli_runner()
    with app.app_context():
        _write_events(factory.user("front_door"))
    written = runner.invoke(main, ["audit", "checkpoint"])
    assert written.exit_code == 0 and "checkpoint at event" in written.output
    assert runner.invoke(main, ["audit", "verify"]).exit_code == 0
    with app.app_context():
        _trim_tail(1)
    result = runner.invoke(main, ["audit", "verify"])
    assert result.exit_code == 1 and "TAMPERING DETECTED" in result.output and "cut off" in result.output


def test_the_worker_sweep_writes_checkpoints(app, factory, monkeypatch):
    from caseflow import jobs

    monkeypatch.setattr(jobs, "_checkpointed", float("-inf"))
    with app.app_context():
        _write_events(factory.user("front_door"))
    jobs.sweep_once(app)
    with app.app_context():
        assert read_checkpoints().latest is not None


def test_the_break_glass_reason_is_not_in_the_audit_rows_but_shows_in_the_access_log(api, factory, app):
    from tests.consent.test_consent_records import world

    p, t, orgs, police, case_id, family_id, members = world(api, factory)
    duty = factory.user("team_manager", org=orgs["early_help"], name="Duty Manager", team="Locality South")
    duty_token = factory.token(duty)
    reason = "Police call at 02:00: child missing; need the safety plan."
    assert api.post(f"/api/v1/families/{family_id}/break-glass", duty_token, json={"reason": reason}).status_code == 201
    assert api.get(f"/api/v1/families/{family_id}", duty_token).status_code == 200  # a read under it
    with app.app_context(), db.engine.connect() as conn:
        rows = conn.execute(text("SELECT purpose, basis FROM audit_events")).all()
        stored = conn.execute(text("SELECT reason FROM break_glass")).scalar()
    assert rows and not any("Police call" in (purpose or "") + (basis or "") for purpose, basis in rows)
    assert "Police call" not in stored  # encrypted on the grant
    log = api.get(f"/api/v1/families/{family_id}/access-log", t["manager"]).get_json()["items"]
    glass = next(e for e in log if e["action"] == "BREAK_GLASS")
    assert glass["purpose"] == f"break-glass: {reason}"
    assert any(e["action"] == "family.view" and reason in (e["basis"] or "") for e in log)


def test_triage_evidence_is_encrypted_at_rest_and_shows_on_the_triage_page(api, factory, client, app):
    from tests.conftest import sign_in
    from tests.triage.helpers import case_at_panel
    from tests.triage.test_decisions_once import _world

    p, t = _world(api, factory)
    case_id = case_at_panel(api, t["referrer"], t["officer"])["case_id"]
    with app.app_context(), db.engine.connect() as conn:
        stored = conn.execute(text("SELECT headline_problems FROM triage_decisions")).scalar()
    assert "School attendance" not in str(stored) and "education" not in str(stored)
    sign_in(client, p["manager"])
    page = client.get(f"/cases/{case_id}/triage").get_data(as_text=True)
    assert "School attendance data: 68%" in page


def test_migration_0014_encrypts_existing_evidence_and_keeps_old_audit_rows_at_version_1(app, tmp_path):
    """On a database written before 0014 (SQLite: foreign keys are not enforced, so the rows
    need no cases or users around them)."""
    import sqlalchemy as sa
    from alembic import command

    from caseflow.core import crypto
    from caseflow.core.migrate import alembic_config

    url = f"sqlite:///{tmp_path / 'before_0014.db'}"
    config = alembic_config(url)
    command.upgrade(config, "0012")
    engine = sa.create_engine(url)
    problems = [{"code": "education", "evidence": "School attendance data: 68%"}]
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO triage_decisions (id, case_id, decided_by_id, decided_at, level_of_need, headline_problems, "
            "local_criteria, eligible, rag, decision, rationale) VALUES ('t1', 'c1', 'u1', '2026-01-01 00:00:00', 3, "
            ":problems, '[]', 1, 'amber', 'panel', 'x')"), {"problems": json.dumps(problems)})
        conn.execute(text(
            "INSERT INTO audit_events (seq, at, actor_label, action, object_type, categories, prev_hash, hash) "
            "VALUES (1, '2026-01-01 00:00:00', 'a', 'family.view', 'family', '[]', :g, :g)"), {"g": "0" * 64})
    command.upgrade(config, "0014")
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT headline_problems FROM triage_decisions")).scalar()
        assert "School attendance" not in stored and json.loads(crypto.decrypt(stored)) == problems
        assert conn.execute(text("SELECT hash_version FROM audit_events")).scalar() == 1
    command.downgrade(config, "0012")
    with engine.connect() as conn:
        assert json.loads(conn.execute(text("SELECT headline_problems FROM triage_decisions")).scalar()) == problems
    engine.dispose()
