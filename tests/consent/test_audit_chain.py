"""The audit trail is append-only and tamper-evident: any edited or deleted row is detected."""
from sqlalchemy import text

from caseflow.core import audit
from caseflow.core.audit import verify_chain
from caseflow.core.extensions import db


def _write_events(actor, n=5):
    for i in range(n):
        audit.record(actor, "family.view", "family", f"fam{i}", family_id=f"fam{i}",
                     categories=["identity"], purpose="test", basis="early help service function")
    db.session.commit()


def test_intact_chain_verifies(app_ctx, factory):
    user = factory.user("front_door")
    _write_events(user)
    report = verify_chain()
    assert report.ok, report.problems
    assert report.events_checked >= 5


def test_edited_row_is_detected(app_ctx, factory):
    user = factory.user("front_door")
    _write_events(user)
    with db.engine.begin() as conn:  # someone with database access rewrites history
        conn.execute(text("UPDATE audit_events SET actor_label = 'someone-else' "
                          "WHERE seq = (SELECT MAX(seq) - 2 FROM audit_events)"))
    report = verify_chain()
    assert not report.ok
    assert any("edited" in p for p in report.problems)


def test_deleted_row_is_detected(app_ctx, factory):
    user = factory.user("front_door")
    _write_events(user)
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE seq = (SELECT MAX(seq) - 1 FROM audit_events)"))
    report = verify_chain()
    assert not report.ok
    assert any("missing" in p or "broken" in p for p in report.problems)


def test_deleting_the_latest_rows_is_detected(app_ctx, factory):
    user = factory.user("front_door")
    _write_events(user)
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE seq = (SELECT MAX(seq) FROM audit_events)"))
    assert not verify_chain().ok


def test_every_event_records_who_what_and_on_what_basis(app_ctx, factory):
    user = factory.user("front_door")
    _write_events(user, n=1)
    row = db.session.execute(text(
        "SELECT actor_id, actor_label, action, categories, basis FROM audit_events "
        "WHERE action = 'family.view'")).one()
    assert row.actor_id == user.id and row.actor_label == user.email
    assert "identity" in str(row.categories) and row.basis == "early help service function"
