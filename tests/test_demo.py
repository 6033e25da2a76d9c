"""The demo area: every role can sign in, families have plausible histories."""
from sqlalchemy import func, select

from caseflow.auth.models import User
from caseflow.core.roles import Role
from caseflow.cases.models import Case
from caseflow.demo import ensure_demo_data
from caseflow.core.extensions import db
from caseflow.core.unit_of_work import unit_of_work
from caseflow.families.identifiers import nhs_number_problem
from caseflow.families.models import FamilyMember, Person
from caseflow.frontdoor.models import RequestForHelp
from tests.conftest import sign_in


def test_demo_area_has_every_role_and_plausible_histories(app, client):
    with app.app_context():
        with unit_of_work():  # as `caseflow demo` runs it: partner events are routed once committed
            logins = ensure_demo_data(families=30)
        roles = set(db.session.scalars(select(User.role)))
        assert roles == {r.value for r in Role}
        stages = set(db.session.scalars(select(Case.stage)))
        assert {"requested", "closed", "reviewing"} <= stages and len(stages) >= 5
        assert db.session.scalar(select(func.count()).select_from(FamilyMember)) > 60
        people = db.session.scalars(select(Person)).all()
        assert all(p.family_name_norm and p.given_name_norm for p in people)
        assert all(nhs_number_problem(p.nhs_number) is None for p in people if p.nhs_number)
        assert db.session.scalar(select(func.count()).select_from(RequestForHelp)
                                 .where(RequestForHelp.status == "needs_review")) >= 1
        from caseflow.notify.models import PartnerEvent

        # Information sharing: agreements, and consents that name the people they cover.
        from caseflow.agreements.models import SharingAgreement
        from caseflow.consent.models import Consent, ConsentPerson

        assert db.session.scalar(select(func.count()).select_from(SharingAgreement)) >= 2
        covered = db.session.execute(select(ConsentPerson.consent_id, func.count()).group_by(ConsentPerson.consent_id)).all()
        assert covered and db.session.scalar(select(func.count()).select_from(Consent)) == len(covered)
        assert any(n > 1 for _, n in covered)  # a parent's form covering her younger children
        assert {p.given_by_relationship for p in db.session.scalars(select(ConsentPerson))} == {"self", "parent_carer"}
        statuses = set(db.session.scalars(select(PartnerEvent.status)))
        assert "routed" in statuses and "needs_review" in statuses  # police notifications to see and to check
        # A second run loads nothing and prints the same logins.
        assert ensure_demo_data(families=30) == logins
        assert db.session.scalar(select(func.count()).select_from(User)) == len(logins)

    line = next(l for l in logins if l.startswith("front_door"))
    email, password = line.split()[1], line.split("password: ")[1]
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
    response = sign_in(client, user, password=password)
    assert response.status_code == 302
    assert "Front door queue" in client.get("/front-door").get_data(as_text=True)
