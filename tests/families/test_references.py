"""Family, case, request and partner-event references: short, random, read out over the phone,
and never two alike."""
from caseflow.core.extensions import db
from caseflow.families import services as families


def test_a_new_family_never_takes_a_reference_already_in_use(app_ctx, monkeypatch):
    """References are random: at county scale a new one meets an old one about once in two
    thousand families, which failed the request on the unique constraint (seen in the 1,000,000
    people load bench). The clash is skipped."""
    first = families.create_family("Walsh")
    db.session.flush()
    offered = iter([first.reference, "FAM-BCD-234"])
    monkeypatch.setattr(families, "new_reference", lambda prefix: next(offered))
    second = families.create_family("Walsh")
    db.session.flush()
    assert second.reference == "FAM-BCD-234"
