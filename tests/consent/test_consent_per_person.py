"""Consent per person: a recipient sees a person's data in a category only under a grant that
covers that person and that category. A mother's consent covers the mother; a parent's consent
for a child covers the child; a young person consents for themselves. Household-level facts (the
family's name, that a case is open) follow their own rule: shown to a recipient with any grant."""
from datetime import timedelta

import pytest

from tests.conftest import _https_client, csrf_token, sign_in
from tests.frontdoor.test_api_intake import VALID_NHS, request_body
from tests.plans.helpers import team
from tests.triage.helpers import TRIAGE_TO_PANEL
from caseflow.core.timescales import today_london

LEAH_UPN = "A123456789012"
PEOPLE = [
    {"given_name": "Sharon", "family_name": "Walsh", "date_of_birth": "1987-02-11", "sex": "female",
     "relationship": "parent_carer", "postcode": "NS1 4AB"},
    {"given_name": "Leah", "family_name": "Walsh", "date_of_birth": "2011-06-02", "sex": "female",
     "relationship": "child", "postcode": "NS1 4AB", "nhs_number": VALID_NHS, "upn": LEAH_UPN,
     "school": "Northshire Academy"},
    {"given_name": "Callum", "family_name": "Walsh", "date_of_birth": (today_london().replace(year=today_london().year - 17)
                                                                       - timedelta(days=30)).isoformat(),
     "sex": "male", "relationship": "child", "postcode": "NS1 4AB"},
]


@pytest.fixture
def household(api, factory):
    """The Walshes (Sharon, Leah 15, Callum 17), asked about by the front door itself, so no
    partner is their referrer. The school's SENCo and CAMHS see nothing until consent."""
    p, t, orgs = team(factory)
    created = api.post("/api/v1/requests", t["officer"], json=request_body(people=PEOPLE))
    assert created.status_code == 201, created.get_json()
    family_id = created.get_json()["family_id"]
    members = {m["given_name"]: m["id"] for m in api.get(f"/api/v1/families/{family_id}", t["officer"]).get_json()["members"]}
    assert set(members) == {"Sharon", "Leah", "Callum"}
    return p, t, orgs, family_id, members


def consent(org_id=None, categories=("education",), org_type=None, **overrides):
    body = {"purpose": "taf_information_sharing", "recipient_organisation_ids": [org_id] if org_id else [],
            "recipient_organisation_types": [org_type] if org_type else [], "categories": list(categories),
            "given_by": "Sharon Walsh", "given_by_relationship": "self", "method": "signed_form",
            "given_on": today_london().isoformat()}
    return {**body, **overrides}


def give(api, token, person_id, body):
    response = api.post(f"/api/v1/people/{person_id}/consents", token, json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def names(body) -> list[str]:
    return sorted(m["given_name"] for m in body["members"])


def test_a_mothers_consent_does_not_reveal_her_childrens_identifiers_to_the_school(api, household, app):
    p, t, orgs, family_id, members = household
    give(api, t["officer"], members["Sharon"], consent(orgs["school"].id, ["education"]))

    seen = api.get(f"/api/v1/families/{family_id}", t["senco"])
    assert seen.status_code == 200  # the household: its name, and that Sharon is in it
    body = seen.get_json()
    assert body["name"] == "Walsh family" and names(body) == ["Sharon"]
    assert body["other_members_withheld"] is True  # said, without naming anyone
    assert LEAH_UPN not in seen.get_data(as_text=True) and "Leah" not in seen.get_data(as_text=True)

    # Search matches only people the school may see, in the category searched by.
    assert api.get(f"/api/v1/families?q={LEAH_UPN}", t["senco"]).get_json()["total"] == 0
    assert api.get(f"/api/v1/families?q={VALID_NHS}", t["senco"]).get_json()["total"] == 0
    assert api.get("/api/v1/families?q=Leah Walsh", t["senco"]).get_json()["total"] == 0
    found = api.get("/api/v1/families?q=Walsh", t["senco"]).get_json()
    assert found["total"] == 1 and [m["given_name"] for m in found["items"][0]["members"]] == ["Sharon"]

    client = _https_client(app)
    sign_in(client, p["senco"])
    page = client.get(f"/families/{family_id}").get_data(as_text=True)
    assert "Sharon Walsh" in page and "Leah" not in page and LEAH_UPN not in page
    assert 'data-testid="others-withheld"' in page
    results = client.get("/families?q=Walsh").get_data(as_text=True)
    assert "Sharon Walsh" in results and "Leah" not in results and "Callum" not in results

    # The front door works on the service's own basis: everyone, every identifier.
    staff = api.get(f"/api/v1/families/{family_id}", t["officer"]).get_json()
    assert names(staff) == ["Callum", "Leah", "Sharon"] and LEAH_UPN in str(staff)


def test_a_parents_consent_for_a_child_covers_the_child(api, household):
    p, t, orgs, family_id, members = household
    given = give(api, t["officer"], members["Leah"], consent(
        orgs["school"].id, ["education"], given_by="", given_by_relationship="parent_carer",
        given_by_person_id=members["Sharon"]))
    assert given["given_by"] == "Sharon Walsh" and given["given_by_person_id"] == members["Sharon"]
    assert given["people"] == [{"person_id": members["Leah"], "given_by_relationship": "parent_carer"}]

    body = api.get(f"/api/v1/families/{family_id}", t["senco"]).get_json()
    assert names(body) == ["Leah"]  # the child the consent is for, not the parent who gave it
    leah = body["members"][0]
    assert leah["upn"] == LEAH_UPN and leah["school"] == "Northshire Academy"
    assert set(leah["redacted"]) == {"nhs_number", "gp_practice"}
    assert api.get(f"/api/v1/families?q={LEAH_UPN}", t["senco"]).get_json()["total"] == 1

    # One form can cover the parent and her younger children, not a 17-year-old...
    too_old = api.post(f"/api/v1/people/{members['Sharon']}/consents", t["officer"], json=consent(
        orgs["camhs"].id, ["health"], also_covers=[members["Leah"], members["Callum"]]))
    assert too_old.status_code == 422 and "Callum is 17" in too_old.get_json()["error"]["fields"]["also_covers"][0]
    # ...and only a parent or carer consents for a child.
    by_sibling = api.post(f"/api/v1/people/{members['Leah']}/consents", t["officer"], json=consent(
        orgs["camhs"].id, ["health"], given_by_relationship="parent_carer", given_by_person_id=members["Callum"]))
    assert by_sibling.status_code == 422 and "given_by_person_id" in by_sibling.get_json()["error"]["fields"]
    both = give(api, t["officer"], members["Sharon"], consent(orgs["camhs"].id, ["health"], also_covers=[members["Leah"]]))
    assert [(x["person_id"], x["given_by_relationship"]) for x in both["people"]] == [
        (members["Sharon"], "self"), (members["Leah"], "parent_carer")]
    camhs = api.get(f"/api/v1/families/{family_id}", t["camhs"]).get_json()
    assert names(camhs) == ["Leah", "Sharon"]
    assert next(m for m in camhs["members"] if m["given_name"] == "Leah")["nhs_number"] == VALID_NHS


def test_a_young_person_consents_for_themselves_only(api, household):
    p, t, orgs, family_id, members = household
    note = "Leah understands what will be shared and why, and wants CAMHS to know (Gillick)."
    for_mum_too = api.post(f"/api/v1/people/{members['Leah']}/consents", t["officer"], json=consent(
        orgs["camhs"].id, ["health"], given_by="Leah Walsh", competence_note=note, also_covers=[members["Sharon"]]))
    assert for_mum_too.status_code == 422
    assert "themselves only" in for_mum_too.get_json()["error"]["fields"]["also_covers"][0]
    own = give(api, t["officer"], members["Leah"], consent(orgs["camhs"].id, ["health"], given_by="Leah Walsh",
                                                            competence_note=note))
    assert own["people"] == [{"person_id": members["Leah"], "given_by_relationship": "self"}]
    body = api.get(f"/api/v1/families/{family_id}", t["camhs"]).get_json()
    assert names(body) == ["Leah"] and body["members"][0]["nhs_number"] == VALID_NHS
    # At 17, Callum needs no competence note; his consent covers him alone.
    give(api, t["officer"], members["Callum"], consent(orgs["school"].id, ["education"], given_by="Callum Walsh"))
    assert names(api.get(f"/api/v1/families/{family_id}", t["senco"]).get_json()) == ["Callum"]


def test_break_glass_opens_the_people_it_names(api, household, factory):
    p, t, orgs, family_id, members = household
    case_id = api.get(f"/api/v1/families/{family_id}", t["officer"]).get_json()["cases"][0]["id"]
    assert api.post(f"/api/v1/cases/{case_id}/triage", t["officer"], json=TRIAGE_TO_PANEL).status_code == 201
    assert api.post(f"/api/v1/cases/{case_id}/allocation", t["chair"], json={"keyworker_id": p["sam"].id}).status_code == 201
    duty = factory.user("team_manager", org=orgs["early_help"], name="Duty Manager", team="Locality South")
    token = factory.token(duty)
    assert api.get(f"/api/v1/families/{family_id}", token).status_code == 403
    glass = api.post(f"/api/v1/families/{family_id}/break-glass", token, json={
        "reason": "Police call: Leah missing overnight.", "person_ids": [members["Leah"]]})
    assert glass.status_code == 201 and glass.get_json()["person_ids"] == [members["Leah"]]
    assert names(api.get(f"/api/v1/families/{family_id}", token).get_json()) == ["Leah"]
    assert api.post(f"/api/v1/families/{family_id}/break-glass", token, json={
        "reason": "x", "person_ids": ["someone-else"]}).status_code == 422


def test_a_lawful_basis_stops_when_its_agreement_ends_and_the_report_says_so(api, household, app):
    import time_machine

    p, t, orgs, family_id, members = household
    from tests.conftest import Factory

    factory = Factory(app)
    force = factory.org("Northshire Police", type="police")
    officer = factory.token(factory.user("partner", org=force, name="PC Dunn"))
    agreement = add_agreement(app, p["manager"], "Northshire safeguarding information sharing agreement",
                              [orgs["early_help"].id, force.id], ["identity", "police", "case_notes"],
                              ends_on=today_london() + timedelta(days=2))
    body = {"basis": "safeguarding", "justification": "Leah at risk of exploitation.", "person_ids": [members["Leah"]],
            "recipient_organisation_ids": [force.id], "categories": ["identity", "police"],
            "review_on": (today_london() + timedelta(days=30)).isoformat(), "agreement_id": agreement}
    outside = api.post(f"/api/v1/families/{family_id}/lawful-bases", t["manager"],
                       json={**body, "categories": ["identity", "health"]})
    assert outside.status_code == 422 and "health" in outside.get_json()["error"]["fields"]["categories"][0]
    recorded = api.post(f"/api/v1/families/{family_id}/lawful-bases", t["manager"], json=body)
    assert recorded.status_code == 201 and recorded.get_json()["agreement_id"] == agreement
    assert names(api.get(f"/api/v1/families/{family_id}", officer).get_json()) == ["Leah"]
    assert api.get("/api/v1/reports/access", t["manager"]).get_json()["stopped_by_ended_agreement"]["lawful_bases"] == []

    today = today_london()  # before travelling: inside, today_london() is the day travelled to
    with time_machine.travel(today + timedelta(days=5)):
        assert api.get(f"/api/v1/families/{family_id}", officer).status_code == 403
        assert api.get("/api/v1/families?q=Walsh", officer).get_json()["total"] == 0
        stopped = api.get("/api/v1/reports/access", t["manager"]).get_json()["stopped_by_ended_agreement"]
        assert [(b["family_name"], b["agreement"]) for b in stopped["lawful_bases"]] == [
            ("Walsh family", "Northshire safeguarding information sharing agreement")]
        client = _https_client(app)
        sign_in(client, p["manager"])
        report = client.get("/reports/access").get_data(as_text=True)
        assert "Sharing stopped" in report and "Northshire safeguarding information sharing agreement" in report
        # A new lawful basis cannot rely on it any more.
        refused = api.post(f"/api/v1/families/{family_id}/lawful-bases", t["manager"], json={
            **body, "review_on": (today + timedelta(days=40)).isoformat()})
        assert refused.status_code == 422 and "not in force" in refused.get_json()["error"]["fields"]["agreement_id"][0]


def add_agreement(app, actor, name, parties, categories, ends_on, starts_on=None) -> str:
    from caseflow.agreements import services
    from caseflow.auth.models import User
    from caseflow.core.extensions import db

    starts_on = starts_on or today_london() - timedelta(days=30)
    with app.app_context():
        agreement = services.record(db.session.get(User, actor.id), {
            "name": name, "party_ids": parties, "purposes": ["Keeping children safe"], "categories": categories,
            "starts_on": starts_on.isoformat(), "review_on": ends_on.isoformat(), "ends_on": ends_on.isoformat()})
        db.session.commit()
        return agreement.id


def test_a_routing_rule_stops_when_its_agreement_ends(api, factory, app):
    import time_machine

    from tests.notify.helpers import inbox, incident, open_family

    w = open_family(api, factory)
    encompass = add_agreement(app, w.p["manager"], "Operation Encompass (Northshire)",
                              [w.orgs["police"].id, w.orgs["school"].id, w.orgs["early_help"].id], ["identity", "police"],
                              ends_on=today_london() + timedelta(days=2))
    for channel in ("inbox", "email"):
        saved = api.put("/api/v1/routing-rules", w.t["admin"], json={
            "event_type": "domestic_abuse", "recipient": "school_key_adult", "channel": channel,
            "deadline": "next_school_day", "agreement_id": encompass})
        assert saved.status_code == 200 and saved.get_json()["agreement_id"] == encompass
    assert api.post("/api/v1/notifications", w.t["police"], json=incident("NP-1")).status_code == 202
    assert len(inbox(api, w.t["key_adult"])) == 1  # told under the agreement while it is in force
    told_keyworker = len(inbox(api, w.t["sam"]))

    today = today_london()  # before travelling: inside, today_london() is the day travelled to
    with time_machine.travel(today + timedelta(days=5)):
        assert api.post("/api/v1/notifications", w.t["police"], json=incident(
            "NP-2", occurred_at=f"{today + timedelta(days=4)}T21:00:00+00:00")).status_code == 202
        assert len(inbox(api, w.t["key_adult"])) == 1  # nothing new: the agreement ended
        assert len(inbox(api, w.t["sam"])) == told_keyworker + 1  # the keyworker still hears
        stopped = api.get("/api/v1/reports/access", w.t["manager"]).get_json()["stopped_by_ended_agreement"]
        assert sorted(r["channel"] for r in stopped["routing_rules"]) == ["email", "inbox"]
        assert {r["agreement"] for r in stopped["routing_rules"]} == {"Operation Encompass (Northshire)"}


def test_the_consent_form_lists_the_people_recipients_and_categories(api, household, app):
    from io import BytesIO

    from pypdf import PdfReader

    p, t, orgs, family_id, members = household
    given = give(api, t["officer"], members["Sharon"], consent(
        orgs["school"].id, ["education", "health"], org_type="police", also_covers=[members["Leah"]],
        expires_on=(today_london() + timedelta(days=365)).isoformat()))
    client = _https_client(app)
    sign_in(client, p["officer"])
    response = client.get(f"/consents/{given['id']}/form.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(response.data)).pages)
    text = " ".join(text.split())
    for expected in ("Sharon Walsh", "Leah Walsh", "agreed for themselves", "agreed by a parent or carer",
                     "Northshire Academy", "Any police force organisation", "Education", "Health",
                     "Sharing information with the Team Around the Family", "Signature"):
        assert expected in text, expected
    assert "Callum" not in text and "Case notes" not in text  # not covered: not on the form
    school = _https_client(app)
    sign_in(school, p["senco"])
    assert school.get(f"/consents/{given['id']}/form.pdf").status_code == 403


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


def test_the_signed_form_is_attached_and_bad_uploads_are_refused(api, household, app):
    from io import BytesIO

    p, t, orgs, family_id, members = household
    given = give(api, t["officer"], members["Sharon"], consent(orgs["school"].id, ["education"]))
    client = _https_client(app)
    sign_in(client, p["officer"])
    path = f"/consents/{given['id']}/signed-copy"
    token = csrf_token(client, path)

    def upload(content, name):
        return client.post(path, data={"csrf_token": token, "signed_copy": (BytesIO(content), name)},
                           content_type="multipart/form-data")

    nothing = client.post(path, data={"csrf_token": token}, content_type="multipart/form-data")
    assert nothing.status_code == 400 and "Select the signed consent form" in nothing.get_data(as_text=True)
    not_a_pdf = upload(b"Dear CaseFlow, this is not a scan.", "form.pdf")
    assert not_a_pdf.status_code == 400 and "must be a PDF, JPEG or PNG" in not_a_pdf.get_data(as_text=True)
    too_big = upload(b"%PDF-1.4\n" + b"0" * 2_500_000, "huge.pdf")
    assert too_big.status_code == 413 and "smaller than 2 MB" in too_big.get_data(as_text=True)
    assert 'class="govuk-error-summary' in too_big.get_data(as_text=True)
    assert api.get(f"/api/v1/families/{family_id}/consents", t["officer"]).get_json()["consents"][0]["signed_copy"] is None

    attached = upload(PNG, "../../etc/Walsh signed.PNG")
    assert attached.status_code == 302
    copy = api.get(f"/api/v1/families/{family_id}/consents", t["officer"]).get_json()["consents"][0]["signed_copy"]
    assert copy["filename"] == "etc_Walsh_signed.png" and copy["content_type"] == "image/png" and copy["size_bytes"] == len(PNG)
    assert "Signed form (etc_Walsh_signed.png)" in client.get(f"/families/{family_id}/consents").get_data(as_text=True)
    download = client.get(f"{path}/download")
    assert download.status_code == 200 and download.data == PNG and download.mimetype == "image/png"
    assert "attachment" in download.headers["Content-Disposition"]

    school = _https_client(app)
    sign_in(school, p["senco"])  # the school may see Sharon's education data, not the consent records
    assert school.get(f"{path}/download").status_code == 403
    log = api.get(f"/api/v1/families/{family_id}/access-log", t["officer"]).get_json()["items"]
    assert {"consent.signed_copy_attach", "consent.view"} <= {e["action"] for e in log}

    # Stored encrypted: the raw column holds no PNG bytes.
    from sqlalchemy import Text, select, type_coerce

    from caseflow.consent.models import ConsentDocument
    from caseflow.core.extensions import db

    with app.app_context():
        raw = db.session.scalar(select(type_coerce(ConsentDocument.content, Text)))
        assert raw.startswith("gAAAA") and "iVBOR" not in raw


def test_managers_keep_the_register_of_agreements(api, factory, app):
    p, t, orgs = team(factory)
    client = _https_client(app)
    sign_in(client, p["manager"])
    token = csrf_token(client, "/agreements/new")
    empty = client.post("/agreements/new", data={"csrf_token": token, "starts_on-day": "31", "starts_on-month": "2",
                                                 "starts_on-year": "2026"})
    html = empty.get_data(as_text=True)
    assert empty.status_code == 400 and "must be a real date" in html
    wrong = client.post("/agreements/new", data={
        "csrf_token": token, "name": "Northshire Early Help ISA", "party_ids": [orgs["school"].id],
        "starts_on-day": "1", "starts_on-month": "4", "starts_on-year": str(today_london().year),
        "review_on-day": "1", "review_on-month": "4", "review_on-year": str(today_london().year + 3),
        "ends_on-day": "1", "ends_on-month": "4", "ends_on-year": str(today_london().year + 2)})
    html = wrong.get_data(as_text=True)
    assert wrong.status_code == 400
    for message in ("at least two organisations", "Say what the agreement is for", "at least one kind of information",
                    "between the start and end dates"):
        assert message in html, message
    added = client.post("/agreements/new", data={
        "csrf_token": token, "name": "Northshire Early Help ISA", "party_ids": [orgs["school"].id, orgs["early_help"].id],
        "purposes": "Supporting families with several needs\nTelling schools about incidents",
        "categories": ["identity", "education"],
        "starts_on-day": "1", "starts_on-month": "4", "starts_on-year": str(today_london().year - 1),
        "review_on-day": "1", "review_on-month": "4", "review_on-year": str(today_london().year + 1),
        "ends_on-day": "1", "ends_on-month": "4", "ends_on-year": str(today_london().year + 2)})
    assert added.status_code == 302
    listed = api.get("/api/v1/agreements", t["senco"]).get_json()["items"]  # partners may read the register
    assert [(a["name"], a["status"], a["in_force"]) for a in listed] == [("Northshire Early Help ISA", "in_force", True)]
    assert listed[0]["purposes"] == ["Supporting families with several needs", "Telling schools about incidents"]
    assert "Northshire Academy" in client.get("/agreements").get_data(as_text=True)
    keyworker = _https_client(app)
    sign_in(keyworker, p["sam"])
    assert keyworker.get("/agreements/new").status_code == 403


def test_a_key_adult_hears_about_the_child_the_incident_names_not_the_siblings(api, factory):
    from tests.frontdoor.test_api_intake import request_body as default_request
    from tests.notify.helpers import LEAH, inbox, incident, open_family

    sibling = {"given_name": "Zayn", "family_name": "Walsh", "date_of_birth": "2014-03-09", "sex": "male",
               "relationship": "child", "postcode": "NS1 4AB", "school": "Northshire Academy"}
    w = open_family(api, factory, people=default_request()["people"] + [sibling])
    assert api.post("/api/v1/notifications", w.t["police"], json=incident("NP-9", people=[LEAH])).status_code == 202
    told = inbox(api, w.t["key_adult"])
    assert len(told) == 1 and "Leah Walsh" in told[0]["title"] and "Zayn" not in told[0]["title"] + told[0]["body"]


def test_the_consent_and_lawful_basis_pages_name_the_people_covered(api, household, app):
    p, t, orgs, family_id, members = household
    client = _https_client(app)
    sign_in(client, p["officer"])
    path = f"/families/{family_id}/consents"
    token = csrf_token(client, path)
    day = {"given_on-day": str(today_london().day), "given_on-month": str(today_london().month), "given_on-year": str(today_london().year)}
    form = {"csrf_token": token, "person_id": members["Sharon"], "purpose": "taf_information_sharing",
            "recipient_organisation_ids": orgs["school"].id, "categories": ["education"],
            "given_by_relationship": "self", "given_by_person_id": members["Sharon"], "method": "signed_form", **day}
    too_old = client.post(path, data={**form, "also_covers": [members["Leah"], members["Callum"]]})
    assert too_old.status_code == 400 and "Callum is 17" in too_old.get_data(as_text=True)
    done = client.post(path, data={**form, "also_covers": [members["Leah"]]})
    assert done.status_code == 302
    page = client.get(path).get_data(as_text=True)
    assert "Sharon Walsh; Leah Walsh <span class=\"govuk-body-s\">(by a parent or carer)</span>" in page
    assert "Print the consent form" in page and "Attach the signed form" in page
    assert names(api.get(f"/api/v1/families/{family_id}", t["senco"]).get_json()) == ["Leah", "Sharon"]

    basis_path = f"/families/{family_id}/lawful-bases"
    review = today_london() + timedelta(days=20)
    basis = {"csrf_token": token, "basis": "safeguarding", "justification": "Callum is being exploited.",
             "recipient_organisation_types": "police", "categories": ["identity", "police"],
             "approved_by_id": p["manager"].id, "review_on-day": str(review.day),
             "review_on-month": str(review.month), "review_on-year": str(review.year)}
    nobody = client.post(basis_path, data=basis)
    assert nobody.status_code == 400 and "Choose whose information may be shared" in nobody.get_data(as_text=True)
    assert client.post(basis_path, data={**basis, "person_ids": [members["Callum"]]}).status_code == 302
    recorded = api.get(f"/api/v1/families/{family_id}/consents", t["officer"]).get_json()["lawful_bases"][0]
    assert recorded["person_ids"] == [members["Callum"]]


def test_the_assessment_and_handover_pack_give_each_persons_words_only_under_their_own_grant(api, factory, app):
    """CAMHS holds case-notes consent for Sharon only: it reads the assessment, sees Leah named
    (health consent) but not her words, and nothing of anyone else."""
    from tests.plans.helpers import complete_assessment

    p, t, orgs = team(factory)
    created = api.post("/api/v1/requests", t["referrer"], json=request_body(people=PEOPLE))
    case_id = created.get_json()["case_id"]
    assert api.post(f"/api/v1/cases/{case_id}/triage", t["officer"], json=TRIAGE_TO_PANEL).status_code == 201
    assert api.post(f"/api/v1/cases/{case_id}/allocation", t["chair"], json={"keyworker_id": p["sam"].id}).status_code == 201
    complete_assessment(api, t["sam"], case_id)
    family_id = created.get_json()["family_id"]
    members = {m["given_name"]: m["id"] for m in api.get(f"/api/v1/families/{family_id}", t["sam"]).get_json()["members"]}
    give(api, t["sam"], members["Sharon"], consent(orgs["camhs"].id, ["case_notes", "plan"]))
    give(api, t["sam"], members["Leah"], consent(orgs["camhs"].id, ["health"], given_by_relationship="parent_carer",
                                                  given_by_person_id=members["Sharon"], given_by=""))
    seen = api.get(f"/api/v1/cases/{case_id}/assessment", t["camhs"]).get_json()
    by_name = {m["name"]: m for m in seen["members"]}
    assert set(by_name) == {"Sharon Walsh", "Leah Walsh"}  # Callum: no grant, not named
    assert by_name["Leah Walsh"]["voice"] is None and by_name["Leah Walsh"]["redacted"] == ["voice"]
    staff = {m["name"]: m for m in api.get(f"/api/v1/cases/{case_id}/assessment", t["sam"]).get_json()["members"]}
    assert staff["Leah Walsh"]["voice"].startswith("I want to go to school")

    pack = api.get(f"/api/v1/cases/{case_id}/handover-pack", t["camhs"]).get_json()
    assert sorted(m["name"] for m in pack["members"]) == ["Leah Walsh", "Sharon Walsh"]
    assert pack["other_members_withheld"] is True and pack["assessment"]["voices"] == []
    client = _https_client(app)
    sign_in(client, p["camhs"])
    page = client.get(f"/cases/{case_id}/assessment").get_data(as_text=True)
    assert "Withheld: your organisation" in page and "I want to go to school" not in page and "Callum" not in page
