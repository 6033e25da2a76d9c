"""`caseflow rotate-keys` re-encrypts everything and keeps all data readable."""
import json

from sqlalchemy import text

from caseflow.cases.models import Case, CaseTransition
from caseflow.core import crypto
from caseflow.core.extensions import db
from caseflow.families.models import Family
from caseflow.core.stages import open_case


def test_rotate_keys_reencrypts_and_data_stays_readable(app, factory):
    user = factory.user("front_door")
    settings = app.extensions["caseflow.settings"]
    original_file = settings.keys_file.read_text()
    original_keys = list(crypto._keys)
    try:
        with app.app_context():
            family = Family(reference="FAM-R1", name="Rotate")
            case = Case(reference="CF-R1", family=family, stage="requested")
            db.session.add_all([family, case])
            open_case(db.session, case, user, reason="note before rotation")
            db.session.commit()
            before = db.session.execute(text("SELECT reason FROM case_transitions")).scalar_one()

        from click.testing import CliRunner
        from flask.cli import ScriptInfo

        from caseflow.cli import main

        runner = CliRunner()
        info = ScriptInfo(create_app=lambda: app)
        result = runner.invoke(main, ["rotate-keys"], obj=info)
        assert result.exit_code == 0, result.output
        assert len(json.loads(settings.keys_file.read_text())["fernet_keys"]) == len(original_keys) + 1

        result = runner.invoke(main, ["rotate-keys", "--retire-old"], obj=info)
        assert result.exit_code == 0, result.output
        assert len(json.loads(settings.keys_file.read_text())["fernet_keys"]) == 1

        with app.app_context():
            after = db.session.execute(text("SELECT reason FROM case_transitions")).scalar_one()
            assert after != before  # re-encrypted under the new key
            db.session.expire_all()
            assert db.session.query(CaseTransition).one().reason == "note before rotation"
    finally:
        settings.keys_file.write_text(original_file)
        crypto.configure(original_keys)
