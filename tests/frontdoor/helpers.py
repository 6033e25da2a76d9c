"""Building blocks for front-door tests: families with history, created through the models."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from caseflow.core import stages as flow
from caseflow.cases.models import Case
from caseflow.core.extensions import db
from caseflow.families import services as families


def known_family(app, surname="Walsh", closed_days_ago=None, open_stage=None, people=None):
    """A family already known to the service, optionally with a closed or open case."""
    with app.app_context():
        fam = families.create_family(surname)
        db.session.flush()
        created = []
        for given, dob, rel, extra in people or [("Sharon", date(1987, 2, 11), "parent_carer", {}),
                                                 ("Leah", date(2011, 6, 2), "child", {"nhs_number": "9434765919"})]:
            p = families.create_person(given_name=given, family_name=surname, date_of_birth=dob,
                                       postcode="NS1 4AB", sex="female", **extra)
            db.session.flush()
            families.add_member(fam, p, rel)
            created.append(p)
        if closed_days_ago is not None:
            closed_at = datetime.now(timezone.utc) - timedelta(days=closed_days_ago)
            case = Case(reference=families.new_reference("CF"), family_id=fam.id, stage="closed",
                        opened_at=closed_at - timedelta(days=200), closed_at=closed_at,
                        closure_reason="outcomes_achieved")
            db.session.add(case)
        if open_stage is not None:
            case = Case(reference=families.new_reference("CF"), family_id=fam.id, stage=open_stage)
            db.session.add(case)
            flow.open_case(db.session, case, None, reason="earlier request")
            case.stage = open_stage
        db.session.commit()
        return fam.id, [p.id for p in created]
