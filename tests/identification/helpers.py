"""Families known to CaseFlow (as a migration or an earlier closed case leaves them) with partner
evidence written straight into the evidence store, as the partner feeds write it."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from caseflow.core.extensions import db
from caseflow.families import services as families
from caseflow.outcomes.models import Evidence
from caseflow.core.timescales import today_london



def known_family(surname: str, parent: str = "Dawn", child: str = "Kai", postcode: str = "NS2 7QT"):
    """(family id, {"parent": person id, "child": person id})."""
    family = families.create_family(surname)
    db.session.flush()
    adult = families.create_person(given_name=parent, family_name=surname, date_of_birth=date(1986, 4, 2),
                                   sex="female", postcode=postcode)
    kid = families.create_person(given_name=child, family_name=surname, date_of_birth=date(2012, 9, 14),
                                 sex="male", postcode=postcode)
    db.session.flush()
    families.add_member(family, adult, "parent_carer")
    families.add_member(family, kid, "child")
    db.session.flush()
    return family.id, {"parent": adult.id, "child": kid.id}


def evidence(person_id: str, kind: str, days_ago: int, recorded_by_id: str, *, value=None, code=None,
             end_days_ago=None, source_reference="partner-file.csv", recorded_at: datetime | None = None) -> Evidence:
    row = Evidence(person_id=person_id, kind=kind, period_start=today_london() - timedelta(days=days_ago),
                   period_end=None if end_days_ago is None else today_london() - timedelta(days=end_days_ago),
                   value=value, code=code, source="imported_file", source_reference=source_reference,
                   recorded_by_id=recorded_by_id,
                   recorded_at=recorded_at or datetime.now(timezone.utc) - timedelta(days=1))
    db.session.add(row)
    db.session.flush()
    return row
