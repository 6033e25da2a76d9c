"""Tell the story once: the matcher links known people, asks an officer when unsure, and never
guesses between two similar people."""
from datetime import date

import pytest

from caseflow.core.extensions import db
from caseflow.families import services as families
from caseflow.families.matching import SubmittedPerson, match_person
from tests.conftest import count_queries


def person(family, given, surname, dob, postcode="NS1 4AB", sex="female", relationship="child", **kw):
    p = families.create_person(given_name=given, family_name=surname, date_of_birth=dob,
                               postcode=postcode, sex=sex, **kw)
    db.session.flush()
    families.add_member(family, p, relationship)
    return p


@pytest.fixture
def walsh(app_ctx):
    fam = families.create_family("Walsh")
    db.session.flush()
    people = {
        "sharon": person(fam, "Sharon", "Walsh", date(1987, 2, 11), relationship="parent_carer"),
        "leah": person(fam, "Leah", "Walsh", date(2011, 6, 2), nhs_number="9434765919",
                       upn="A123456789012"),
        "callum": person(fam, "Callum", "Walsh", date(2015, 9, 30), sex="male"),
    }
    # Unrelated neighbours and look-alikes, so a match has to be earned.
    other = families.create_family("Walsh")
    db.session.flush()
    person(other, "Sarah", "Walsh", date(1990, 5, 5), postcode="NS9 9ZZ", relationship="parent_carer")
    person(other, "Sharon", "Welsh", date(1962, 1, 1), postcode="NS7 1AA", relationship="parent_carer")
    db.session.commit()
    return fam, people


def match(**kw):
    return match_person(db.session, SubmittedPerson(**kw))


def test_exact_nhs_number_links(walsh):
    fam, people = walsh
    result = match(given_name="Leah", family_name="Walsh", date_of_birth=date(2011, 6, 2),
                   nhs_number="9434765919")
    assert result.status == "linked" and result.person_id == people["leah"].id
    assert result.candidates[0].family_ids == [fam.id]


def test_exact_upn_links_even_without_a_postcode(walsh):
    _, people = walsh
    result = match(given_name="Leah", family_name="Walsh", upn="A123456789012")
    assert result.status == "linked" and result.person_id == people["leah"].id


def test_surname_typo_links_to_the_same_person(walsh):
    _, people = walsh
    result = match(given_name="Sharron", family_name="Walsh", date_of_birth=date(1987, 2, 11),
                   postcode="NS1 4AB", sex="female")
    assert result.status == "linked" and result.person_id == people["sharon"].id
    assert any("spelt differently" in r for r in result.candidates[0].reasons)


def test_swapped_first_and_last_names_are_recognised(walsh):
    _, people = walsh
    result = match(given_name="Walsh", family_name="Callum", date_of_birth=date(2015, 9, 30),
                   postcode="NS14AB")
    assert result.status in {"linked", "needs_review"}
    assert result.candidates[0].person_id == people["callum"].id
    assert "first and last names swapped" in result.candidates[0].reasons


def test_nickname_links(walsh):
    fam = families.create_family("Hughes")
    db.session.flush()
    robert = person(fam, "Robert", "Hughes", date(1980, 3, 14), postcode="NS2 7QT", sex="male")
    db.session.commit()
    result = match(given_name="Bob", family_name="Hughes", date_of_birth=date(1980, 3, 14),
                   postcode="NS2 7QT", sex="male")
    assert result.status == "linked" and result.person_id == robert.id
    assert any("short form" in r for r in result.candidates[0].reasons)


def test_missing_nhs_number_still_matches_on_name_dob_and_postcode(walsh):
    _, people = walsh
    result = match(given_name="Leah", family_name="Walsh", date_of_birth=date(2011, 6, 2),
                   postcode="NS1 4AB")
    assert result.status == "linked" and result.person_id == people["leah"].id


def test_day_and_month_swapped_goes_to_an_officer(walsh):
    _, people = walsh
    result = match(given_name="Leah", family_name="Walsh", date_of_birth=date(2011, 2, 6),
                   postcode="NS1 4AB")
    assert result.status == "needs_review"
    assert result.candidates[0].person_id == people["leah"].id


def test_moved_house_goes_to_an_officer_not_a_silent_link(walsh):
    _, people = walsh
    result = match(given_name="Sharon", family_name="Walsh", date_of_birth=date(1987, 2, 11),
                   postcode="NS8 2XY")
    assert result.status == "needs_review"
    assert result.candidates[0].person_id == people["sharon"].id


def test_nobody_like_this_is_new(walsh):
    result = match(given_name="Aisha", family_name="Rahman", date_of_birth=date(1997, 8, 19),
                   postcode="NS3 1JJ")
    assert result.status == "new" and result.candidates == []


def test_two_equally_good_candidates_go_to_an_officer_with_both(app_ctx):
    first = families.create_family("Smith")
    second = families.create_family("Smith")
    db.session.flush()
    a = person(first, "Jack", "Smith", date(2012, 4, 1), postcode="NS5 5AA", sex="male")
    b = person(second, "Jack", "Smith", date(2012, 4, 1), postcode="NS5 5AA", sex="male")
    db.session.commit()
    result = match(given_name="Jack", family_name="Smith", date_of_birth=date(2012, 4, 1),
                   postcode="NS5 5AA", sex="male")
    assert result.status == "needs_review"
    assert {c.person_id for c in result.candidates} == {a.id, b.id}


def test_twins_with_different_names_are_not_confused(walsh):
    fam, people = walsh
    twin = person(fam, "Lewis", "Walsh", date(2011, 6, 2), sex="male")
    db.session.commit()
    result = match(given_name="Lewis", family_name="Walsh", date_of_birth=date(2011, 6, 2),
                   postcode="NS1 4AB", sex="male")
    assert result.status == "linked" and result.person_id == twin.id


def test_a_different_nhs_number_blocks_an_automatic_link(walsh):
    _, people = walsh
    result = match(given_name="Leah", family_name="Walsh", date_of_birth=date(2011, 6, 2),
                   postcode="NS1 4AB", nhs_number="4010232137")
    assert result.status == "needs_review"
    assert "different NHS number" in result.candidates[0].reasons[0]


def test_matching_uses_a_fixed_number_of_queries_whatever_the_population(walsh):
    fam = families.create_family("Crowd")
    db.session.flush()
    for i in range(200):
        person(fam, f"Person{i}", "Crowd", date(2000, 1, 1 + i % 28), postcode="NS1 4AB")
    db.session.commit()
    with count_queries() as statements:
        match(given_name="Sharon", family_name="Walsh", date_of_birth=date(1987, 2, 11),
              postcode="NS1 4AB", nhs_number="4010232137")
    assert len(statements) <= 4
