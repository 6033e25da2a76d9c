"""Families for the records tests, made through the real intake and services."""
from __future__ import annotations

from caseflow.core.extensions import db
from caseflow.families.models import Person


def person_named(app, given: str, family: str) -> str:
    with app.app_context():
        return db.session.query(Person).filter_by(given_name=given, family_name=family,
                                                  merged_into_id=None).one().id
