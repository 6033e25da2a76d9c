"""Free text is encrypted at rest: the database alone does not reveal it."""
from sqlalchemy import text

from caseflow.cases.models import Case, CaseTransition
from caseflow.core import crypto
from caseflow.core.extensions import db
from caseflow.families.models import Family
from caseflow.core.stages import open_case

SECRET_NOTE = "Mum disclosed that her ex-partner has been released from prison"


def test_free_text_is_not_stored_in_plaintext_but_reads_back(app_ctx, factory):
    user = factory.user("front_door")
    family = Family(reference="FAM-T1", name="Test")
    case = Case(reference="CF-T1", family=family, stage="requested")
    db.session.add_all([family, case])
    open_case(db.session, case, user, reason=SECRET_NOTE)
    db.session.commit()

    raw = db.session.execute(text("SELECT reason FROM case_transitions")).scalar_one()
    assert SECRET_NOTE not in raw and "prison" not in raw
    db.session.expire_all()
    assert db.session.query(CaseTransition).one().reason == SECRET_NOTE


def test_a_sqlite_file_dump_contains_no_plaintext_notes(app_ctx, factory):
    if db.engine.dialect.name != "sqlite":
        return  # the PostgreSQL run checks the column through SQL above
    user = factory.user("front_door")
    family = Family(reference="FAM-T2", name="Test")
    case = Case(reference="CF-T2", family=family, stage="requested")
    db.session.add_all([family, case])
    open_case(db.session, case, user, reason=SECRET_NOTE)
    db.session.commit()
    import os

    path = db.engine.url.database
    for file in (path, path + "-wal"):  # the database and its write-ahead log
        if os.path.exists(file):
            assert SECRET_NOTE.encode() not in open(file, "rb").read()


def test_rotation_keeps_old_values_readable(app_ctx):
    from cryptography.fernet import Fernet

    old_keys = list(crypto._keys)
    token = crypto.encrypt("a note written under the old key")
    try:
        crypto.configure([Fernet.generate_key().decode()] + old_keys)
        rotated = crypto.rotate_token(token)
        assert crypto.decrypt(token) == crypto.decrypt(rotated) == "a note written under the old key"
        crypto.configure(crypto._keys[:1])  # old key retired: only re-encrypted values remain readable
        assert crypto.decrypt(rotated) == "a note written under the old key"
    finally:
        crypto.configure(old_keys)
