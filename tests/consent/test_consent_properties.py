"""Consent evaluation on its own, as a hypothesis property (issue 14, item 5).

Whatever mixture of consents and lawful bases a family has (given or not yet given, expiring,
expired, withdrawn, ended; naming this organisation, another one, this organisation's type or
another type; covering any of its members, or someone who has since left the family), what a
partner organisation's user may see of each person is exactly what a plain reading of the rules
gives (`expected_categories`, written here without the policy's SQL):

- a consent counts from the day it was given to the day it expires, unless withdrawn;
- a lawful basis counts until it is ended;
- either counts only for the organisation it names, or any organisation of the type it names;
- and only for people still in the family it was recorded on;
- a person with any grant is identifiable (identity) as well as shown what the grants cover.

The three forms of the rule the app uses must agree with that reading and with each other: the
per-family decision (a family's page), the batch decision (search results, lists) and the SQL
visibility clause (which families a partner can find at all).

The differential test (tests/consent/test_differential_access.py) checks every surface of the app
against an oracle; this property isolates the evaluation, so a failure names the rule that broke.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caseflow.core.extensions import db
from caseflow.core.roles import OrgType
from caseflow.core.vocab import Category

# The organisations a grant may name: the user's own, another school, the user's type, another type.
RECIPIENTS = ("own_org", "other_org", "own_type", "other_type")
PEOPLE = ("mother", "son", "daughter", "moved_out")  # the last is no longer in the family
DATA_CATEGORIES = [c for c in Category]

grant_recipients = st.sets(st.sampled_from(RECIPIENTS), min_size=1, max_size=2)
grant_people = st.sets(st.sampled_from(PEOPLE), min_size=1, max_size=3)
grant_categories = st.sets(st.sampled_from(DATA_CATEGORIES), min_size=1, max_size=3)

consents = st.fixed_dictionaries({
    "kind": st.just("consent"),
    "given_days_ago": st.integers(min_value=-10, max_value=400),   # negative: dated in the future
    "lasts_days": st.one_of(st.none(), st.integers(min_value=0, max_value=500)),
    "withdrawn": st.booleans(),
    "recipients": grant_recipients, "people": grant_people, "categories": grant_categories,
})
lawful_bases = st.fixed_dictionaries({
    "kind": st.just("lawful_basis"),
    "ended": st.booleans(),
    "recipients": grant_recipients, "people": grant_people, "categories": grant_categories,
})
worlds = st.lists(st.one_of(consents, lawful_bases), max_size=5)


def is_current(grant: dict, today: date) -> bool:
    if grant["kind"] == "lawful_basis":
        return not grant["ended"]
    given_on = today - timedelta(days=grant["given_days_ago"])
    expires_on = None if grant["lasts_days"] is None else given_on + timedelta(days=grant["lasts_days"])
    return not grant["withdrawn"] and given_on <= today and (expires_on is None or expires_on >= today)


def expected_categories(grants: list[dict], today: date) -> dict[str, frozenset[str]]:
    """Per person still in the family, what the partner may see: the plain reading of the rules."""
    seen: dict[str, set[str]] = {}
    for grant in grants:
        if not is_current(grant, today) or not grant["recipients"] & {"own_org", "own_type"}:
            continue
        for person in grant["people"] - {"moved_out"}:
            seen.setdefault(person, set()).update(grant["categories"])
    return {person: frozenset(categories | {Category.IDENTITY}) for person, categories in seen.items()}


@pytest.fixture
def household(app, factory):
    """A school's user, a family of three and a former member now in another family."""
    from caseflow.families.matching import normalise
    from caseflow.families.models import Family, FamilyMember, Person

    school = factory.org("Northshire Primary", type=OrgType.SCHOOL)
    other_school = factory.org("Other Academy", type=OrgType.SCHOOL)
    keyworker = factory.user("keyworker")
    partner = factory.user("partner", org=school)
    with app.app_context():
        family, elsewhere = Family(reference="FAM-PROP-1", name="Okafor"), Family(reference="FAM-PROP-2", name="Okafor")
        db.session.add_all([family, elsewhere])
        people = {}
        for key, given_name, born in [("mother", "Ada", date(1990, 3, 2)), ("son", "Tobi", date(2015, 6, 9)),
                                      ("daughter", "Ife", date(2018, 1, 20)), ("moved_out", "Chidi", date(2007, 9, 1))]:
            person = Person(given_name=given_name, family_name="Okafor", date_of_birth=born, sex="female")
            normalise(person)
            db.session.add(person)
            db.session.flush()
            home = elsewhere if key == "moved_out" else family
            db.session.add(FamilyMember(family_id=home.id, person_id=person.id,
                                        relationship_to_family="parent_carer" if key == "mother" else "child"))
            people[key] = person.id
        db.session.commit()
        return {"family": family.id, "people": people, "partner": partner.id, "recorder": keyworker.id,
                "own_org": school.id, "other_org": other_school.id}


def _add_grants(world: dict, grants: list[dict], today: date) -> None:
    from caseflow.consent.models import (
        Consent, ConsentCategory, ConsentPerson, ConsentRecipient, LawfulBasis, LawfulBasisCategory,
        LawfulBasisPerson, LawfulBasisRecipient,
    )
    from caseflow.consent.vocab import ConsentMethod, ConsentPurpose, GivenBy, StatutoryBasis

    def recipient(model, key):
        return {"own_org": model(organisation_id=world["own_org"]),
                "other_org": model(organisation_id=world["other_org"]),
                "own_type": model(organisation_type=OrgType.SCHOOL),
                "other_type": model(organisation_type=OrgType.GP)}[key]

    now = datetime.now(timezone.utc)
    for grant in grants:
        people = sorted(grant["people"])
        if grant["kind"] == "consent":
            given_on = today - timedelta(days=grant["given_days_ago"])
            record = Consent(
                person_id=world["people"][people[0]], family_id=world["family"],
                purpose=ConsentPurpose.EARLY_HELP_SUPPORT, given_by="Ada Okafor",
                given_by_relationship=GivenBy.SELF, method=ConsentMethod.SIGNED_FORM, given_on=given_on,
                expires_on=None if grant["lasts_days"] is None else given_on + timedelta(days=grant["lasts_days"]),
                withdrawn_at=now if grant["withdrawn"] else None, recorded_by_id=world["recorder"],
                people=[ConsentPerson(person_id=world["people"][p], given_by_relationship=GivenBy.SELF,
                                      position=i) for i, p in enumerate(people)],
                recipients=[recipient(ConsentRecipient, r) for r in sorted(grant["recipients"])],
                category_rows=[ConsentCategory(category=c) for c in sorted(grant["categories"])])
        else:
            record = LawfulBasis(
                family_id=world["family"], basis=StatutoryBasis.SAFEGUARDING, justification="Section 47 enquiry.",
                approved_by_id=world["recorder"], review_on=today + timedelta(days=30),
                recorded_by_id=world["recorder"], ended_at=now if grant["ended"] else None,
                people=[LawfulBasisPerson(person_id=world["people"][p]) for p in people],
                recipients=[recipient(LawfulBasisRecipient, r) for r in sorted(grant["recipients"])],
                category_rows=[LawfulBasisCategory(category=c) for c in sorted(grant["categories"])])
        db.session.add(record)
    db.session.flush()


@settings(max_examples=150, derandomize=True, database=None, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(grants=worlds)
def test_what_a_partner_sees_of_each_person_is_what_current_grants_to_it_allow(app, household, grants):
    from caseflow.auth.models import User
    from caseflow.core import timescales
    from caseflow.policy.rules import family_view_decision, people_decisions, visible_families

    world = household
    today = timescales.today_london()
    expected = expected_categories(grants, today)
    by_id = {person_id: key for key, person_id in world["people"].items()}
    with app.app_context():
        try:
            _add_grants(world, grants, today)
            partner = db.session.get(User, world["partner"])

            decision = family_view_decision(partner, world["family"])
            shown = {by_id[p]: frozenset(c) for p, c in (decision.people or {}).items()} if decision.allowed else {}
            assert shown == expected, f"family page: {shown} != {expected}"

            batch = people_decisions(partner, [world["family"]]).get(world["family"]) or {}
            assert {by_id[p]: frozenset(c) for p, c in batch.items()} == expected, "search and lists disagree"

            findable = visible_families(partner, [world["family"]]) == {world["family"]}
            assert findable == bool(expected), "the visibility clause disagrees with the decision"
        finally:
            db.session.rollback()  # the grants were only flushed: the next example starts clean
