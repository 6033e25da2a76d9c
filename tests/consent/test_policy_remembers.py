"""The access policy answers a page's repeated questions once (core.database.remembered), and a
change made in the same transaction is seen by the very next question: the case page asked what
its viewer is to the case 11 times, two queries each, before this."""
from __future__ import annotations

from datetime import datetime, timezone

from caseflow.cases.models import Case
from caseflow.core.extensions import db
from caseflow.plans.models import TafMember
from caseflow.policy.rules import CaseRole, case_roles
from tests.conftest import count_queries
from tests.notify.helpers import open_family


def test_a_user_s_part_in_a_case_is_looked_up_once_until_something_changes(api, factory, app):
    w = open_family(api, factory)
    with app.app_context():
        case = db.session.get(Case, w.case_id)
        school = w.p["key_adult"]
        with count_queries() as statements:
            answers = {case_roles(school, case) for _ in range(5)}
        assert answers == {frozenset()} and len(statements) == 2  # asked five times, looked up once

        # Added to the TAF in this transaction, not yet flushed: seen at once.
        member = TafMember(case_id=case.id, user_id=school.id, role="Designated safeguarding lead",
                           added_by_id=w.p["sam"].id)
        db.session.add(member)
        assert case_roles(school, case) == {CaseRole.TAF_MEMBER}
        db.session.flush()
        assert case_roles(school, case) == {CaseRole.TAF_MEMBER}
        # Removed from the TAF: seen at once, before and after the write reaches the database.
        member.left_at = datetime.now(timezone.utc)
        assert case_roles(school, case) == frozenset()
        db.session.commit()
        assert case_roles(school, case) == frozenset()
        db.session.remove()
