"""Subject access exports and the retention schedule."""
import io
from datetime import timedelta

from pypdf import PdfReader
from sqlalchemy import text

from caseflow.cases.models import Case
from caseflow.core.audit import verify_chain
from caseflow.core.database import utcnow
from caseflow.core.extensions import db
from tests.conftest import sign_in
from tests.plans.helpers import allocated_case, complete_assessment, members, team
from caseflow.core.timescales import today_london


def test_a_subject_access_export_holds_everything_about_the_person(api, factory, client, app):
    p, t, _ = team(factory)
    case_id = allocated_case(api, p, t)
    complete_assessment(api, t["sam"], case_id)
    leah = members(api, t["sam"], case_id)[0]["person_id"]
    api.post(f"/api/v1/cases/{case_id}/contacts", t["sam"], json={
        "date": today_london().isoformat(), "type": "home_visit", "people_seen": [leah], "notes": "Leah showed me her art."})
    assert api.get(f"/api/v1/people/{leah}/subject-access", t["sam"]).status_code == 403
    export = api.get(f"/api/v1/people/{leah}/subject-access", t["manager"]).get_json()
    assert export["person"]["given_name"] == "Leah" and export["contacts"][0]["notes"] == "Leah showed me her art."
    assert export["assessments"][0]["about_you"]["voice"].startswith("I want to go to school")
    assert export["requests_for_help"][0]["details"].startswith("Leah's attendance")
    assert any(e["action"] == "assessment.complete" and e["who"] == "Sam Taylor" for e in export["who_has_seen_your_records"])
    sign_in(client, p["manager"])
    pdf = client.get(f"/people/{leah}/subject-access.pdf")
    text_ = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Information we hold about Leah Walsh" in text_ and "Leah showed me her art." in text_
    log = api.get(f"/api/v1/families/{export['families'][0]['family_id']}/access-log", t["manager"]).get_json()["items"]
    exports = [e for e in log if e["action"] == "person.subject_access_export"]
    assert len(exports) == 2 and all(e["object_id"] == leah for e in exports)  # the family's log shows both, and whom
    with app.app_context():
        assert db.session.execute(text("SELECT count(*) FROM audit_events WHERE action = 'person.subject_access_export'")).scalar() == 2


def test_retention_erases_families_closed_long_ago_and_keeps_the_figures(api, factory, app):
    from caseflow.cli import main

    p, t, _ = team(factory)
    old = allocated_case(api, p, t, "Adams")
    recent = allocated_case(api, p, t, "Baker")
    complete_assessment(api, t["sam"], old)
    api.post(f"/api/v1/cases/{old}/contacts", t["sam"], json={"date": today_london().isoformat(), "type": "phone_call",
                                                              "notes": "Mum disclosed debts"})
    for case_id in (old, recent):
        assert api.post(f"/api/v1/cases/{case_id}/close", t["sam"], json={
            "reason": "moved_away", "summary": "Moved to Southshire"}).status_code == 200
    with app.app_context():
        db.session.get(Case, old).closed_at = utcnow() - timedelta(days=365 * 7)
        db.session.commit()
    runner = app.test_cli_runner()  # the real command, against this app's database
    dry = runner.invoke(main, ["retention", "run", "--dry-run"])
    assert "1 families would be erased" in dry.output, dry.output
    result = runner.invoke(main, ["retention", "run"])
    assert "1 families erased" in result.output, result.output
    with app.app_context():
        old_case, recent_case = db.session.get(Case, old), db.session.get(Case, recent)
        assert old_case.family.name == "Erased" and old_case.stage == "closed" and old_case.closure_reason == "moved_away"
        assert recent_case.family.name == "Baker"
        names = {r[0] for r in db.session.execute(text("SELECT given_name FROM people")).all()}
        assert "Leah" in names and "Erased" in names  # Baker's Leah kept; Adams's Leah erased
        assert db.session.execute(text(f"SELECT count(*) FROM contacts WHERE case_id = '{old}'")).scalar() == 0
        assert db.session.execute(text(f"SELECT count(*) FROM assessments WHERE case_id = '{old}'")).scalar() == 0
        assert verify_chain().ok
    again = runner.invoke(main, ["retention", "run"])
    assert "0 families erased" in again.output
