"""The casework pages: forms a keyworker fills in on a laptop or tablet, and their errors."""
import io
from datetime import timedelta

from pypdf import PdfReader

from caseflow.core.extensions import db
from caseflow.plans.models import Assessment, Plan
from tests.conftest import _https_client, csrf_token, sign_in
from tests.plans.helpers import agreed_plan, allocated_case, complete_assessment, members, team
from caseflow.core.timescales import today_london


def date_fields(prefix, day):
    return {f"{prefix}-day": str(day.day), f"{prefix}-month": str(day.month), f"{prefix}-year": str(day.year)}


def test_the_keyworker_assesses_through_the_form(client, api, factory, app):
    p, t, _ = team(factory)
    case_id = allocated_case(api, p, t)
    sign_in(client, p["sam"])
    page = client.get(f"/cases/{case_id}/assessment").get_data(as_text=True)
    assert "Not started" in page and "School attendance data: 68%" in page  # pre-filled from triage
    person = members(api, t["sam"], case_id)[0]["person_id"]
    token = csrf_token(client, f"/cases/{case_id}/assessment")
    form = {"csrf_token": token, "action": "complete", "confirmed_problems": ["education", "health"],
            "baseline-education": "2", f"member-{person}-worked_with": "yes", "family_views": ""}
    refused = client.post(f"/cases/{case_id}/assessment", data=form)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "There is a problem" in html
    assert f'href="#member-{person}-voice"' in html and 'href="#baseline-health"' in html
    assert "Give a baseline score for health" in html
    form.update({f"member-{person}-voice": "I miss my friends at school", "baseline-health": "4",
                 "family_views": "We want Leah back at school."})
    done = client.post(f"/cases/{case_id}/assessment", data=form)
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/cases/{case_id}/plan")
    locked = client.get(f"/cases/{case_id}/assessment").get_data(as_text=True)
    assert "Complete" in locked and "I miss my friends at school" in locked and "Add a dated addendum" in locked


def test_autosave_keeps_the_draft_and_reports_a_colleagues_change(client, api, factory, app):
    p, t, _ = team(factory)
    case_id = allocated_case(api, p, t)
    sign_in(client, p["sam"])
    token = csrf_token(client, f"/cases/{case_id}/assessment")
    first = client.post(f"/cases/{case_id}/assessment/autosave", data={"csrf_token": token, "summary": "Draft one"})
    assert first.status_code == 200 and first.get_json()["version"] == 1
    second = client.post(f"/cases/{case_id}/assessment/autosave",
                         data={"csrf_token": token, "summary": "Draft two", "version": "1"})
    assert second.get_json()["version"] == 2
    stale = client.post(f"/cases/{case_id}/assessment/autosave",
                        data={"csrf_token": token, "summary": "Old tab", "version": "1"})
    assert stale.status_code == 409 and "Reload" in stale.get_json()["error"]
    assert api.get(f"/api/v1/cases/{case_id}/assessment", t["sam"]).get_json()["summary"] == "Draft two"
    no_csrf = client.post(f"/cases/{case_id}/assessment/autosave", data={"summary": "x"})
    assert no_csrf.status_code == 400


def test_the_plan_form_shows_errors_in_place_and_saves_and_agrees(client, api, factory, app):
    p, t, orgs = team(factory)
    case_id = allocated_case(api, p, t)
    complete_assessment(api, t["sam"], case_id)
    sign_in(client, p["sam"])
    page = client.get(f"/cases/{case_id}/plan").get_data(as_text=True)
    assert page.count('data-testid="outcome-row"') == 3  # one per confirmed problem, plus a spare
    token = csrf_token(client, f"/cases/{case_id}/plan")
    target = today_london() + timedelta(days=90)
    form = {"csrf_token": token, "version": "",
            "outcomes-0-headline_problem": "education", "outcomes-0-description": "Leah goes to school",
            "outcomes-0-measure": "Attendance 90%", **date_fields("outcomes-0-target", target),
            "outcomes-1-headline_problem": "health", "outcomes-1-description": "Mum sees her GP",
            "outcomes-1-measure": "Appointment kept", "outcomes-1-target-day": "31", "outcomes-1-target-month": "2",
            "outcomes-1-target-year": "2027",
            "actions-0-description": "Meet the SENCo", "actions-0-owner": "", "actions-0-outcome": "0",
            **date_fields("actions-0-due", target)}
    bad = client.post(f"/cases/{case_id}/plan", data=form)
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert 'href="#outcomes-1-target-day"' in html and "Target date must be a real date" in html
    assert "Leah goes to school" in html  # nothing typed is lost
    form.update(**date_fields("outcomes-1-target", target))
    bad = client.post(f"/cases/{case_id}/plan", data=form)
    assert 'href="#actions-0-owner"' in bad.get_data(as_text=True)
    form["actions-0-owner"] = f"org:{orgs['school'].id}"
    saved = client.post(f"/cases/{case_id}/plan", data=form)
    assert saved.status_code == 302
    with app.app_context():
        plan = db.session.query(Plan).filter_by(case_id=case_id).one()
        assert [o.headline_problem for o in plan.outcomes] == ["education", "health"]
        assert plan.actions[0].outcome_id == plan.outcomes[0].id
        assert plan.actions[0].owner_organisation_id == orgs["school"].id
        version = plan.version
    stale = client.post(f"/cases/{case_id}/plan", data={**form, "version": str(version - 1) if version > 1 else "0"})
    assert stale.status_code == 400 and "Someone else has changed this plan" in stale.get_data(as_text=True)
    agree = client.post(f"/cases/{case_id}/plan/agree", data={"csrf_token": token, "version": str(version),
                                                               "family_agreed": "yes"})
    assert agree.status_code == 302
    assert api.get(f"/api/v1/cases/{case_id}", t["sam"]).get_json()["stage"] == "reviewing"
    pdf = client.get(f"/cases/{case_id}/plan.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_the_family_plan_pdf_is_plain_english_and_only_for_those_who_may_see_it(client, api, factory, app):
    p, t, orgs = team(factory)
    case_id = allocated_case(api, p, t)
    complete_assessment(api, t["sam"], case_id)
    agreed_plan(api, t["sam"], case_id, p["sam"].id)
    sign_in(client, p["sam"])
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(client.get(f"/cases/{case_id}/plan.pdf").data)).pages)
    assert "Our family plan" in text and "What we want to change" in text and "Outcome for education" in text
    assert "Sam Taylor: Action for education" in text
    other = _https_client(app)
    sign_in(other, p["aaron"])  # another team's keyworker
    assert other.get(f"/cases/{case_id}/plan.pdf").status_code == 403


def test_visit_review_and_closure_forms(client, api, factory, app):
    p, t, orgs = team(factory)
    case_id = allocated_case(api, p, t)
    complete_assessment(api, t["sam"], case_id)
    plan = agreed_plan(api, t["sam"], case_id, p["sam"].id)
    sign_in(client, p["sam"])
    token = csrf_token(client, f"/cases/{case_id}/contacts/new")
    household = members(api, t["sam"], case_id)
    person = household[0]["person_id"]
    form = client.get(f"/cases/{case_id}/contacts/new").get_data(as_text=True)
    for member in household:  # "who was seen" offers each member of the family, by name
        assert f'name="people_seen" type="checkbox" value="{member["person_id"]}"' in form and member["name"] in form
    empty = client.post(f"/cases/{case_id}/contacts/new", data={"csrf_token": token})
    html = empty.get_data(as_text=True)
    assert empty.status_code == 400 and 'href="#date-day"' in html and 'href="#type"' in html and 'href="#notes"' in html
    visit = client.post(f"/cases/{case_id}/contacts/new", data={
        "csrf_token": token, **date_fields("date", today_london()), "type": "home_visit", "people_seen": person,
        "notes": "Leah showed me her art folder."})
    assert visit.status_code == 302
    case_page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "Home visit" in case_page and "Leah showed me her art folder." in case_page

    with app.app_context():
        assessment = db.session.query(Assessment).filter_by(case_id=case_id).one()
        assessment.completed_at -= timedelta(days=3)
        db.session.commit()
    review_form = {"csrf_token": token, **date_fields("date", today_london() - timedelta(days=10)),
                   "attendees": p["sam"].id, "other_attendees": "Donna Walsh, parent",
                   **{f"progress-{o['id']}": "6" for o in plan["outcomes"]}, "decision": "continue"}
    early = client.post(f"/cases/{case_id}/reviews/new", data=review_form)
    assert early.status_code == 400 and "before the assessment was completed" in early.get_data(as_text=True)
    review_form.update(date_fields("date", today_london()))
    review_form["decision"] = "close"
    held = client.post(f"/cases/{case_id}/reviews/new", data=review_form)
    assert held.status_code == 302 and held.headers["Location"].endswith(f"/cases/{case_id}/close")
    distance = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert 'data-testid="distance-travelled"' in distance and "+4" in distance

    closing = {"csrf_token": token, "reason": "outcomes_achieved", "summary": "Leah is back at school."}
    unmarked = client.post(f"/cases/{case_id}/close", data=closing)
    assert unmarked.status_code == 400 and f'href="#outcomes-{plan["outcomes"][0]["id"]}"' in unmarked.get_data(as_text=True)
    closing.update({f"outcomes-{o['id']}": "achieved" for o in plan["outcomes"]})
    assert client.post(f"/cases/{case_id}/close", data=closing).status_code == 302
    closed = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "Outcomes achieved" in closed and "Record a visit" not in closed


def test_action_owners_offered_are_the_familys_practitioners_not_the_whole_county(client, api, factory, app):
    """A county has a thousand staff and hundreds of schools: each action's list offers the
    keyworker, the TAF, the referrers' and the TAF's organisations and the county-wide services
    (not the children's own schools: which school a child attends is per-person education data).
    Someone else is added to the TAF first, and is offered from then on."""
    import re

    p, t, orgs = team(factory)
    other_school = factory.org("Southside Primary", type="school")
    factory.user("partner", org=other_school, name="Pat Southside")
    case_id = allocated_case(api, p, t)
    complete_assessment(api, t["sam"], case_id)
    sign_in(client, p["sam"])

    def offered():
        html = client.get(f"/cases/{case_id}/plan").get_data(as_text=True)
        select = re.search(r'<select[^>]*name="actions-0-owner".*?</select>', html, re.S).group(0)
        return set(re.findall(r"<option[^>]*>([^<]+)</option>", select))

    before = offered()
    assert "Sam Taylor (Northshire Early Help)" in before  # the keyworker
    assert {"Northshire Early Help", "Northshire Academy"} <= before  # a county-wide service; the referrer's school
    assert not {"Aaron Mensah (Northshire Early Help)", "Jo SENCo (Northshire Academy)", "Chris CAMHS (Northshire CAMHS)",
                "Pat Southside (Southside Primary)", "Southside Primary", "Northshire CAMHS"} & before

    added = api.post(f"/api/v1/cases/{case_id}/taf", t["sam"], json={"user_id": p["camhs"].id, "role": "CAMHS practitioner"})
    assert added.status_code == 201, added.get_json()
    after = offered()
    assert {"Chris CAMHS (Northshire CAMHS)", "Northshire CAMHS"} <= after
    assert "Southside Primary" not in after and "Aaron Mensah (Northshire Early Help)" not in after
