"""The OpenAPI document at /api/v1/openapi.json is the partners' contract (docs/api.md): every route
under /api/v1 is in it, and every live response, success or error, matches what it says for
that status code (fields, types, formats, required and nullable, no undocumented fields).

One realistic journey drives every operation through the real API with several roles' tokens
(front door, panel chair, keyworkers, a manager, social care, school and police partners, an
administrator); then every operation is also asked without a token, with a body that is not
JSON and with ids that do not exist, so the error envelopes are checked too. Bodies are checked
with openapi-schema-validator, the python-openapi project's OAS 3.0 JSON-schema validator.
"""
from __future__ import annotations

import base64
import dataclasses
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import time_machine
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from openapi_spec_validator import validate as validate_spec
from werkzeug.exceptions import MethodNotAllowed, NotFound

from tests.directory.helpers import add_service
from tests.frontdoor.helpers import known_family
from tests.frontdoor.test_api_intake import request_body
from tests.frontdoor.test_matching_outcomes import lookalike_request
from tests.notify.helpers import LEAH, incident, open_family
from tests.notify.receivers import WebhookReceiver
from tests.outcomes.helpers import TERMS, family_on_programme
from tests.plans.helpers import agreed_plan, complete_assessment
from tests.socialcare.test_step_up_down_api import STEP_UP
from tests.triage.helpers import TRIAGE_TO_PANEL, case_at_panel, new_case
from caseflow.core.timescales import today_london

API = "/api/v1"
UNKNOWN_ID = "0" * 32


@dataclass
class Exchange:
    method: str
    path: str
    status: int
    body: object
    headers: dict


class RecordingApi:
    """The JSON client of tests/conftest.py that keeps every exchange for validation. `expect`
    states the status the journey needs, so a broken step fails where it happens."""

    def __init__(self, api):
        self.api = api
        self.exchanges: list[Exchange] = []

    def _call(self, method, path, token, expect=None, **kw):
        response = getattr(self.api, method)(path, token, **kw)
        self.exchanges.append(Exchange(method.upper(), path.split("?")[0], response.status_code,
                                       response.get_json(silent=True), dict(response.headers)))
        if expect is not None:
            assert response.status_code == expect, (method.upper(), path, response.get_json(silent=True))
        return response

    def get(self, path, token, **kw):
        return self._call("get", path, token, **kw)

    def post(self, path, token, **kw):
        return self._call("post", path, token, **kw)

    def put(self, path, token, **kw):
        return self._call("put", path, token, **kw)


def openapi_path(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def api_routes(app) -> set[tuple[str, str]]:
    """Every (path, method) the app serves under /api/v1."""
    return {(openapi_path(rule.rule), method.lower())
            for rule in app.url_map.iter_rules() if rule.rule.startswith(API + "/")
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def documented(doc) -> set[tuple[str, str]]:
    return {(path, method) for path, item in doc["paths"].items() for method in item
            if method in ("get", "put", "post", "delete", "patch")}


def operation_of(app, exchange: Exchange) -> tuple[str, str] | None:
    adapter = app.url_map.bind("localhost", url_scheme="https")
    try:
        rule, _ = adapter.match(exchange.path, method=exchange.method, return_rule=True)
    except (MethodNotAllowed, NotFound):
        return None
    return openapi_path(rule.rule), exchange.method.lower()


def body_problems(doc, schema: dict, body) -> list[str]:
    # The document is the root, so its "#/components/schemas/..." references resolve.
    validator = OAS30Validator({"components": doc["components"], "allOf": [schema]},
                               format_checker=oas30_format_checker)
    return [f"{'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message}"
            for e in validator.iter_errors(body)]


def check_exchange(doc, app, ex: Exchange) -> list[str]:
    where = f"{ex.method} {ex.path} -> {ex.status}"
    if ex.status >= 500:
        return [f"{where}: a server error ({ex.body})"]
    op = operation_of(app, ex)
    if op is None:
        return [f"{where}: not an operation of the document"]
    path, method = op
    responses = doc["paths"][path][method]["responses"]
    response = responses.get(str(ex.status))
    if response is None:
        return [f"{where}: status not documented for {method.upper()} {path} "
                f"(documented: {', '.join(sorted(responses))})"]
    content = response.get("content", {}).get("application/json")
    if content is None:
        return [] if ex.body is None else [f"{where}: a body where the document says none"]
    return [f"{where}: {problem}" for problem in body_problems(doc, content["schema"], ex.body)]


# --- the journey ---------------------------------------------------------------------------------

@dataclass
class Journey:
    ids: dict  # real ids from the journey, by path parameter name, for the error sweep
    tokens: dict  # role -> API token


def journey(api: RecordingApi, factory, app) -> Journey:
    # The school's webhook fails until its system is fixed (a dead delivery to replay later).
    receiver = WebhookReceiver(failures=1000, fail_with=503)
    try:
        return _journey(api, factory, app, receiver)
    finally:
        receiver.close()


def _journey(api, factory, app, receiver) -> Journey:
    api.get(f"{API}/openapi.json", None, expect=200)

    # A Walsh family referred by the school, triaged and allocated to Sam (open_family), with
    # the people who work with it; organisation settings are set by the administrator.
    w = open_family(api, factory)
    p, t, orgs = w.p, w.t, w.orgs
    social_care = factory.org("Northshire Children's Social Care", type="social_care")
    p["sw"] = factory.user("social_worker", org=social_care, name="Joanne Reid")
    p["adviser"] = factory.user("partner", org=factory.org("Jobcentre Plus", type="jobcentre"), name="Pat Jones")
    p["locum"] = factory.user("team_manager", org=orgs["early_help"], name="Locum Manager", team="Locality South")
    for key in ("sw", "adviser", "locum"):
        t[key] = factory.token(p[key])
    case_id, family_id = w.case_id, w.family_id
    settings = api.put(f"{API}/organisations/{orgs['school'].id}/notification-settings", t["admin"],
                       json={"key_adult_id": p["key_adult"].id, "webhook_url": receiver.url,
                             "duty_email": "duty@academy.example"}, expect=200).get_json()
    assert settings["webhook_secret"]  # shown once, when the webhook is set

    # Front door: the queue, one request seen by the officer and by its referrer, and a request
    # about a child who looks like two known children, submitted by the officer (who sees the
    # candidates) and resolved.
    queue = api.get(f"{API}/requests?status=triaged", t["officer"], expect=200).get_json()
    request_id = next(r["id"] for r in queue["items"] if r["case_id"] == case_id)
    api.get(f"{API}/requests", t["officer"], expect=200)
    api.get(f"{API}/requests/{request_id}", t["officer"], expect=200)
    api.get(f"{API}/requests/{request_id}", t["referrer"], expect=200)
    for _ in range(2):
        known_family(app, surname="Smith", people=[("Jack", date(2012, 4, 1), "child", {})])
    ambiguous = api.post(f"{API}/requests", t["officer"], json=lookalike_request(), expect=201).get_json()
    assert ambiguous["match"]["status"] == "needs_review" and ambiguous["match"]["candidates"]
    api.post(f"{API}/requests", t["referrer"], json={**lookalike_request(), "details": "Jack again"}, expect=201)
    detail = api.get(f"{API}/requests/{ambiguous['id']}", t["officer"], expect=200).get_json()
    person = detail["people"][0]
    api.post(f"{API}/requests/{ambiguous['id']}/people/{person['id']}/match", t["officer"],
             json={"decision": "confirm", "person_id": person["candidates"][0]["person_id"]}, expect=200)

    # Families: search, the single family view in full and as a partner, the access log.
    api.get(f"{API}/families?q=Walsh", t["sam"], expect=200)
    family = api.get(f"{API}/families/{family_id}", t["sam"], expect=200).get_json()
    leah = next(m["id"] for m in family["members"] if m["given_name"] == "Leah")
    sharon = next(m["id"] for m in family["members"] if m["given_name"] == "Sharon")
    api.get(f"{API}/families/{family_id}", t["referrer"], expect=200)  # the referrer's own request: redacted
    api.get(f"{API}/cases/{case_id}", t["sam"], expect=200)

    # Triage and panel: two more cases for the panel, one decided there, one allocated directly.
    at_panel = case_at_panel(api, t["referrer"], t["officer"], "Adams")
    baker_child = {"given_name": "Leah", "family_name": "Baker", "date_of_birth": "2012-09-14",
                   "relationship": "child", "postcode": "NS2 7XY"}
    other = api.post(f"{API}/requests", t["referrer"], json=request_body(people=[baker_child]), expect=201).get_json()
    api.post(f"{API}/cases/{other['case_id']}/triage", t["officer"], json=TRIAGE_TO_PANEL, expect=201)
    signposted = new_case(api, t["referrer"], "Clarke")
    api.post(f"{API}/cases/{signposted['case_id']}/triage", t["officer"], json={
        **TRIAGE_TO_PANEL, "decision": "signpost", "level_of_need": 2, "rag": "green",
        "signposted_to": "Northshire Family Hub parenting course"}, expect=201)
    panel = api.post(f"{API}/panels", t["chair"], json={
        "date": (today_london() + timedelta(days=3)).isoformat(), "members": [orgs["school"].id]}, expect=201).get_json()
    api.post(f"{API}/panels/{panel['id']}/decisions", t["chair"], json={
        "case_id": at_panel["case_id"], "decision": "defer", "rationale": "Waiting for the school's report."},
        expect=201)
    api.get(f"{API}/panels/{panel['id']}", t["chair"], expect=200)
    # Decisions are made once; changing one is an amendment, with a reason.
    rethought = case_at_panel(api, t["referrer"], t["officer"], "Evans")
    api.post(f"{API}/cases/{rethought['case_id']}/triage/amendments", t["manager"], json={
        **TRIAGE_TO_PANEL, "decision": "signpost", "level_of_need": 2, "rag": "green",
        "signposted_to": "Northshire Family Hub parenting course", "reason": "Mum found a parenting group herself."},
        expect=201)
    api.post(f"{API}/panels/{panel['id']}/decisions/{at_panel['case_id']}/amendments", t["chair"], json={
        "decision": "defer", "rationale": "Waiting for the school's and the GP's reports.",
        "reason": "The GP's report is needed too."}, expect=201)
    api.get(f"{API}/cases/unallocated", t["manager"], expect=200)
    api.post(f"{API}/cases/{other['case_id']}/allocation", t["manager"], json={
        "keyworker_id": p["aaron"].id, "reason": "Aaron knows the school."}, expect=201)
    api.get(f"{API}/caseloads", t["manager"], expect=200)
    api.get(f"{API}/caseloads/{p['sam'].id}", t["manager"], expect=200)

    # Casework on the Walsh case: assessment, plan, TAF, contacts, a review, chronology.
    api.get(f"{API}/cases/{case_id}/assessment", t["sam"], expect=200)
    draft = api.put(f"{API}/cases/{case_id}/assessment", t["sam"], json={
        "family_views": "Mum wants Leah back at school.", "summary": "Attendance and mum's health."},
        expect=200).get_json()
    assert draft["status"] == "draft"
    complete_assessment(api, t["sam"], case_id)
    api.post(f"{API}/cases/{case_id}/assessment/addenda", t["sam"], json={"text": "Dad has moved back in."},
             expect=201)
    api.get(f"{API}/cases/{case_id}/plan", t["sam"], expect=200)  # not started yet
    plan = agreed_plan(api, t["sam"], case_id, p["sam"].id)
    for member in ("senco", "adviser"):
        api.post(f"{API}/cases/{case_id}/taf", t["sam"], json={"user_id": p[member].id, "role": "TAF member"},
                 expect=201)
    api.get(f"{API}/cases/{case_id}/plan", t["adviser"], expect=200)  # a TAF partner's cut

    # Action and Impact: the stalled Walsh case goes to the monthly panel; the school (which referred
    # the family) adds what its records hold; the panel agrees an action, followed up next month.
    escalation = api.post(f"{API}/panels", t["chair"], json={
        "date": (today_london() + timedelta(days=5)).isoformat(), "kind": "escalation", "members": [orgs["school"].id]},
        expect=201).get_json()
    nomination = api.post(f"{API}/cases/{case_id}/action-and-impact", t["sam"], json={
        "panel_id": escalation["id"], "stuck": "Attendance has not moved in two reviews.",
        "ask": "The school to offer a reduced timetable."}, expect=201).get_json()
    api.put(f"{API}/panels/{escalation['id']}/contributions/{case_id}", t["referrer"], json={
        "body": "Attendance 71% this half term; two lates a week."}, expect=200)
    api.get(f"{API}/panels/{escalation['id']}/contributions", t["referrer"], expect=200)
    api.get(f"{API}/panels/{escalation['id']}/contributions", t["chair"], expect=200)
    api.post(f"{API}/panel-nominations/{nomination['id']}/discussion", t["chair"], json={
        "discussion": "The school can start a reduced timetable after half term."}, expect=200)
    escalation_action = api.post(f"{API}/panel-nominations/{nomination['id']}/actions", t["chair"], json={
        "description": "Reduced timetable for Leah", "owner_organisation_id": orgs["school"].id,
        "due_on": (today_london() + timedelta(days=20)).isoformat()}, expect=201).get_json()
    next_escalation = api.post(f"{API}/panels", t["chair"], json={
        "date": (today_london() + timedelta(days=35)).isoformat(), "kind": "escalation", "members": []}, expect=201).get_json()
    api.post(f"{API}/panel-actions/{escalation_action['id']}/follow-up", t["chair"], json={
        "panel_id": next_escalation["id"], "status": "done", "note": "Started on the 3rd."}, expect=200)
    api.post(f"{API}/cases/{case_id}/contacts", t["sam"], json={
        "date": today_london().isoformat(), "type": "home_visit", "people_seen": [leah],
        "notes": "Leah showed me her art folder.", "next_steps": "Meet the SENCo.",
        "joint_with": [p["senco"].id]}, expect=201)  # a joint visit with the SENCo
    api.get(f"{API}/cases/{case_id}/contacts", t["sam"], expect=200)
    api.post(f"{API}/cases/{case_id}/reviews", t["sam"], json={
        "date": today_london().isoformat(), "attendees": [{"name": "Sam Taylor", "user_id": p["sam"].id},
                                                 {"name": "Jo SENCo", "organisation": "Northshire Academy"}],
        "progress": [{"outcome_id": o["id"], "score": 5} for o in plan["outcomes"]],
        "action_updates": [{"action_id": plan["actions"][0]["id"], "status": "in_progress"}],
        "decision": "continue", "notes": "Attendance up to 85%.",
        "next_review_date": (today_london() + timedelta(days=42)).isoformat()}, expect=201)
    api.get(f"{API}/cases/{case_id}/reviews", t["sam"], expect=200)
    api.post(f"{API}/cases/{case_id}/plan/actions/{plan['actions'][0]['id']}/progress", t["sam"], json={
        "status": "in_progress", "note": "Leah went in every day this week."}, expect=200)
    api.get(f"{API}/cases/{case_id}/plan", t["sam"], expect=200)  # with distance travelled
    api.get(f"{API}/cases/{case_id}/chronology", t["sam"], expect=200)
    api.get(f"{API}/cases/overdue", t["manager"], expect=200)
    api.post(f"{API}/cases/{other['case_id']}/engagement-extension", t["manager"], json={
        "until": (today_london() + timedelta(days=28)).isoformat(), "reason": "Try a joint visit with the school."},
        expect=201)

    # Consent, a lawful basis, break-glass, the access report and a subject access request.
    # Sharon consents for herself and Leah (her child) to the school seeing education data.
    consent = api.post(f"{API}/people/{leah}/consents", t["sam"], json={
        "purpose": "taf_information_sharing", "recipient_organisation_ids": [orgs["school"].id],
        "categories": ["education"], "given_by": "", "given_by_person_id": sharon,
        "given_by_relationship": "parent_carer", "method": "signed_form", "given_on": today_london().isoformat(),
        "expires_on": (today_london() + timedelta(days=365)).isoformat()}, expect=201).get_json()
    # CAMHS: Sharon's consent to her case notes, Leah's (by Sharon) to her health data only.
    for person, categories, relationship in ((sharon, ["case_notes", "plan"], "self"),
                                             (leah, ["health"], "parent_carer")):
        api.post(f"{API}/people/{person}/consents", t["sam"], json={
            "purpose": "taf_information_sharing", "recipient_organisation_ids": [orgs["camhs"].id],
            "categories": categories, "given_by": "", "given_by_person_id": sharon,
            "given_by_relationship": relationship, "method": "verbal", "given_on": today_london().isoformat()}, expect=201)
    # Two agreements in the register: one ends in two days (a lawful basis and a routing rule rely
    # on it), one is past its review date.
    ending = _agreement(app, p["manager"], "Northshire safeguarding agreement",
                        [orgs["early_help"].id, orgs["police"].id, orgs["school"].id],
                        ["identity", "police", "case_notes"], today_london() - timedelta(days=30), today_london() + timedelta(days=2))
    _agreement(app, p["manager"], "Northshire health visiting agreement", [orgs["early_help"].id, orgs["camhs"].id],
               ["identity", "health"], today_london() - timedelta(days=60), today_london() + timedelta(days=300),
               review_on=today_london() - timedelta(days=1))
    api.get(f"{API}/agreements", t["senco"], expect=200)
    api.post(f"{API}/families/{family_id}/lawful-bases", t["sam"], json={
        "basis": "safeguarding", "justification": "Police need the chronology: Leah at risk.",
        "person_ids": [leah], "recipient_organisation_ids": [orgs["police"].id], "categories": ["identity", "police"],
        "agreement_id": ending, "approved_by_id": p["manager"].id,
        "review_on": (today_london() + timedelta(days=30)).isoformat()}, expect=201)
    api.post(f"{API}/families/{family_id}/lawful-bases", t["manager"], json={
        "basis": "crime_prevention", "justification": "Police enquiry about the household.",
        "person_ids": [sharon, leah], "recipient_organisation_ids": [orgs["police"].id], "categories": ["identity"],
        "review_on": (today_london() + timedelta(days=30)).isoformat()}, expect=201)
    api.put(f"{API}/routing-rules", t["admin"], json={
        "event_type": "domestic_abuse", "recipient": "school_key_adult", "channel": "inbox",
        "deadline": "next_school_day", "agreement_id": ending}, expect=200)
    # What consent lets the school see: Leah alone (Sharon is withheld), her case without its working.
    school_view = api.get(f"{API}/families/{family_id}", t["senco"], expect=200).get_json()
    assert school_view["other_members_withheld"] and "redacted" in school_view["cases"][0]
    api.get(f"{API}/families/{family_id}", t["camhs"], expect=200)  # per person: Sharon's case notes
    api.get(f"{API}/cases/{case_id}/assessment", t["camhs"], expect=200)  # Leah named, her words withheld
    api.get(f"{API}/cases/{case_id}/contacts", t["camhs"], expect=200)
    api.get(f"{API}/cases/{case_id}/handover-pack", t["camhs"], expect=200)
    api.post(f"{API}/families/{family_id}/break-glass", t["locum"], json={
        "reason": "Police call at 02:00: child missing; need the safety plan."}, expect=201)
    api.post(f"{API}/families/{family_id}/break-glass", t["manager"], json={
        "reason": "Leah missing overnight.", "person_ids": [leah]}, expect=201)
    api.get(f"{API}/families/{family_id}/consents", t["sam"], expect=200)
    api.get(f"{API}/reports/access", t["manager"], expect=200)
    with time_machine.travel(datetime.combine(today_london() + timedelta(days=5), datetime.min.time(), timezone.utc)):
        # The agreement has ended: its lawful basis and routing rule are on the report as stopped.
        stopped = api.get(f"{API}/reports/access", t["manager"], expect=200).get_json()
        assert stopped["stopped_by_ended_agreement"]["lawful_bases"] and stopped["agreements_review_due"]
        assert stopped["stopped_by_ended_agreement"]["routing_rules"]
        api.get(f"{API}/agreements", t["manager"], expect=200)
    api.get(f"{API}/families/{family_id}/access-log", t["manager"], expect=200)
    api.get(f"{API}/people/{leah}/subject-access", t["manager"], expect=200)
    api.post(f"{API}/consents/{consent['id']}/withdraw", t["sam"], json={"reason": "Mum asked."}, expect=200)

    # Partner events: an incident (new, then repeated), a batch, a flag check, the inbox.
    accepted = api.post(f"{API}/notifications", t["police"], json=incident(), expect=202).get_json()
    api.post(f"{API}/notifications", t["police"], json=incident(), expect=200)  # the same again
    batch = [incident(f"NP-B{i}", type_="police_contact") for i in range(2)]
    api.post(f"{API}/notifications/batch", t["police"], json={"events": batch}, expect=202)
    api.post(f"{API}/notifications/batch", t["police"], json={"events": batch}, expect=200)
    api.get(f"{API}/notifications/{accepted['id']}", t["police"], expect=200)
    api.get(f"{API}/flags?nhs_number={LEAH['nhs_number']}&date_of_birth=2011-06-02", t["police"], expect=200)
    api.get(f"{API}/flags?given_name=Zed&family_name=Quill&date_of_birth=1990-01-01", t["police"], expect=200)
    notes = api.get(f"{API}/inbox", t["sam"], expect=200).get_json()["items"]
    api.get(f"{API}/inbox?unacknowledged=true", t["key_adult"], expect=200)
    api.post(f"{API}/inbox/{notes[0]['id']}/acknowledge", t["sam"], expect=200)
    vague = {k: v for k, v in LEAH.items() if k in ("given_name", "family_name", "date_of_birth")}
    unsure = api.post(f"{API}/notifications", t["police"], json=incident(
        "NP-2", people=[{**vague, "postcode": "ZZ9 9ZZ"}]), expect=202).get_json()
    queue = api.get(f"{API}/events/review", t["officer"], expect=200).get_json()
    candidate = queue["items"][0]["candidates"][0]["candidates"][0]["person_id"]
    api.post(f"{API}/events/{unsure['id']}/review", t["officer"], json={"decision": "confirm",
                                                                        "person_id": candidate}, expect=200)
    rules = api.get(f"{API}/routing-rules", t["admin"], expect=200).get_json()["items"]
    api.put(f"{API}/routing-rules", t["admin"], json={**{k: rules[0][k] for k in (
        "event_type", "recipient", "channel", "deadline", "deadline_hours")}, "active": False}, expect=200)

    # The school's webhook dead-letters; the school fixes its system; an administrator replays.
    _dead_letter(app)
    dead = api.get(f"{API}/deliveries?status=dead", t["admin"], expect=200).get_json()["items"]
    receiver.failures = 0
    api.post(f"{API}/deliveries/{dead[0]['id']}/replay", t["admin"], expect=200)
    api.get(f"{API}/deliveries", t["admin"], expect=200)

    # Step-up to children's social care and back, with the handover pack and the reports.
    api.post(f"{API}/cases/{case_id}/step-up", t["sam"], json=STEP_UP, expect=201)
    api.post(f"{API}/cases/{case_id}/step-up/response", t["sw"], json={
        "decision": "accepted_for_assessment", "note": "Single assessment opened."}, expect=201)
    api.post(f"{API}/cases/{case_id}/step-up/response/amendments", t["sw"], json={
        "decision": "strategy_discussion", "reason": "New information from police overnight."}, expect=201)
    api.post(f"{API}/cases/{case_id}/social-worker", t["sw"], json={"social_worker_id": p["sw"].id}, expect=200)
    api.post(f"{API}/cases/{case_id}/keyworker-role", t["sw"], json={"keyworker_role": "stepped_back"}, expect=200)
    api.post(f"{API}/cases/{case_id}/statutory-status", t["sw"], json={
        "status": "child_in_need", "started_on": today_london().isoformat()}, expect=201)
    api.get(f"{API}/cases/{case_id}/handover-pack", t["sw"], expect=200)
    api.get(f"{API}/cases/{case_id}/handover-pack", t["adviser"], expect=200)  # cut to the plan
    api.post(f"{API}/cases/{case_id}/step-down", t["sw"], json={
        "reason": "Risk reduced; Leah is safe and engaging.", "still_needed": "Attendance and mum's health",
        "route": "direct", "receiving_team_id": p["sam"].team_id}, expect=201)
    api.post(f"{API}/cases/{case_id}/step-up", t["sw"], json=STEP_UP, expect=201)
    api.get(f"{API}/reports/transitions", t["manager"], expect=200)
    api.get(f"{API}/reports/oscillating-families", t["manager"], expect=200)

    # Oversight: the manager supervises the case and audits a sample of the team's case files.
    api.post(f"{API}/cases/{case_id}/supervisions", t["manager"], json={
        "date": today_london().isoformat(), "discussion": "Leah's safety plan and school.", "decisions": "Joint visit next week.",
        "actions": "Sam to ring the school."}, expect=201)
    api.get(f"{API}/cases/{case_id}/supervisions", t["sam"], expect=200)
    api.get(f"{API}/supervision/overdue", t["manager"], expect=200)
    sample = api.post(f"{API}/case-audits/samples", t["manager"], json={
        "team_id": p["sam"].team_id, "period_start": (today_london() - timedelta(days=60)).isoformat(),
        "period_end": today_london().isoformat(), "size": 2}, expect=201).get_json()
    api.get(f"{API}/case-audits/samples/{sample['id']}", t["manager"], expect=200)
    from caseflow.oversight.vocab import DEFAULT_CHECKLIST

    api.post(f"{API}/case-audits/files/{sample['audits'][0]['id']}/grade", t["manager"], json={
        "answers": {code: "good" for code, _ in DEFAULT_CHECKLIST}, "grade": "good",
        "findings": "A clear plan.", "actions": "Add the school's view."}, expect=200)
    api.get(f"{API}/case-audits/grades", t["manager"], expect=200)

    # Closure, then a police report about the recently closed family: the keyworker decides.
    api.post(f"{API}/cases/{other['case_id']}/close", t["aaron"], json={
        "reason": "moved_away", "summary": "The family moved to Southshire; their team has the case."},
        expect=200)
    baker = api.get(f"{API}/cases/{other['case_id']}", t["aaron"], expect=200).get_json()
    after = api.post(f"{API}/notifications", t["police"], json=incident(
        "NP-APR", type_="police_contact", people=[baker_child]), expect=202).get_json()
    event = api.get(f"{API}/notifications/{after['id']}", t["officer"], expect=200).get_json()
    assert event["status"] == "closed_recently" and event["case_id"] == baker["id"], event
    api.post(f"{API}/events/{after['id']}/decision", t["aaron"], json={
        "decision": "no_further_action", "reason": "Isolated incident; the new area knows."}, expect=200)

    # Family records over time, on the Walsh family: a person's record, a correction, the
    # household on a date, a baby joining, a relationship, someone leaving.
    officer = t["officer"]
    api.get(f"{API}/people/{leah}", officer, expect=200)
    api.post(f"{API}/people/{sharon}/corrections", officer, json={
        "family_name": "Walsh-Reid", "reason": "Married in June; new surname on her passport"}, expect=200)
    api.get(f"{API}/families/{family_id}/household?as_of={(today_london() - timedelta(days=30)).isoformat()}", officer,
            expect=200)
    joined = api.post(f"{API}/families/{family_id}/household/members", officer, json={
        "person": {"given_name": "Mia", "family_name": "Walsh", "date_of_birth": today_london().isoformat(), "sex": "female"},
        "relationship": "child", "joined_on": today_london().isoformat(), "reason": "Born"}, expect=201).get_json()
    mia = next(m["person_id"] for m in joined["members"] if m["given_name"] == "Mia")
    api.post(f"{API}/families/{family_id}/relationships", officer, json={
        "person_id": sharon, "related_person_id": mia, "kind": "parent", "parental_responsibility": True},
        expect=201)
    # Duplicates: the Quinn family known twice; people compared, merged and unmerged, then the
    # family records the same way.
    twin_people = [("Dana", date(1990, 3, 4), "parent_carer", {}), ("Ruby", date(2014, 8, 9), "child", {})]
    quinn, (dana, ruby) = known_family(app, surname="Quinn", people=twin_people)
    quinn_again, (dana_again, ruby_again) = known_family(app, surname="Quinn", people=twin_people)
    api.get(f"{API}/people/{ruby}/compare?other_id={ruby_again}", officer, expect=200)
    api.post(f"{API}/people/{ruby}/merge", officer, json={
        "other_id": ruby_again, "keep": "this", "reason": "Same child: same date of birth, school confirmed"},
        expect=201)
    api.post(f"{API}/people/{ruby_again}/unmerge", officer, json={"reason": "Twins, not one child"}, expect=200)
    api.get(f"{API}/families/{quinn}/compare?other_id={quinn_again}", officer, expect=200)
    api.post(f"{API}/families/{quinn}/merge", officer, json={
        "other_id": quinn_again, "keep": "this", "reason": "One household: the mother confirmed both addresses"},
        expect=201)
    api.post(f"{API}/families/{quinn}/unmerge", officer, json={"reason": "Two households after all"}, expect=200)
    api.post(f"{API}/families/{quinn_again}/household/members/{dana_again}/leave", officer, json={
        "left_on": today_london().isoformat(), "reason": "moved_to_household", "moved_to_family_id": quinn,
        "relationship_there": "parent_carer", "note": "Moved in with her sister"}, expect=200)
    # A Hughes child linked at the front door to the wrong person: split off.
    _, (tia,) = known_family(app, surname="Hughes", people=[("Tia", date(2013, 3, 3), "child", {})])
    cousin = api.post(f"{API}/requests", t["referrer"], json=request_body(people=[
        {"given_name": "Tia", "family_name": "Hughes", "date_of_birth": "2013-03-03", "sex": "female",
         "relationship": "child", "postcode": "NS1 4AB", "school": "Hill Top School"}]), expect=201).get_json()
    linked = api.get(f"{API}/requests/{cousin['id']}", officer, expect=200).get_json()["people"][0]
    assert linked["person_id"] == tia, "the journey needs a confident (wrong) link"
    split_off = api.post(f"{API}/people/{tia}/split", officer, json={
        "request_person_ids": [linked["id"]], "reason": "A cousin with the same name and birthday"},
        expect=201).get_json()
    from caseflow.core.extensions import db
    from caseflow.families.duplicates import suggest_duplicate

    with app.app_context():
        candidate_id = suggest_duplicate("person", dana, dana_again, source="import", score=0.6,
                                         reasons=["same date of birth"]).id
        db.session.commit()
    api.get(f"{API}/duplicates", officer, expect=200)
    api.post(f"{API}/duplicates/{candidate_id}/dismiss", officer, expect=200)
    assert split_off["id"] != tia

    # Outcomes and payment by results: a family on the programme whose attendance is met and
    # sustained; evidence (one row sent again, corrected), its progress, a claim proposed by
    # hand and rejected, then proposed by a claims run, validated, approved, submitted and paid;
    # a Family Progress Data extract; the Outcomes Plan and a new version of it.
    p["analyst"] = factory.user("analyst", org=orgs["early_help"], name="Tom Analyst")
    p["school_system"] = factory.user("partner_system", org=orgs["school"], name="Academy MIS")
    for key in ("analyst", "school_system"):
        t[key] = factory.token(p[key])
    _, programme, who = family_on_programme(app, api, p, t, surname="Nwosu",
                                           given_names=("Grace", "Esther"))
    for i, ((start, end), pct) in enumerate(zip(TERMS, [93, 95, 91])):
        api.post(f"{API}/outcomes/evidence", t["school_system"], json={
            "person_id": who["child"], "kind": "attendance", "period_start": start.isoformat(),
            "period_end": end.isoformat(), "value": pct, "source_row_key": f"urn-1:nwosu:{i}"}, expect=201)
    api.post(f"{API}/outcomes/evidence", t["school_system"], json={  # the school's file sent again, corrected
        "person_id": who["child"], "kind": "attendance", "period_start": TERMS[0][0].isoformat(),
        "period_end": TERMS[0][1].isoformat(), "value": 94, "source_row_key": "urn-1:nwosu:0"}, expect=200)
    api.get(f"{API}/families/{programme}/outcomes", t["sam"], expect=200)
    by_hand = api.post(f"{API}/outcomes/claims", t["analyst"], json={
        "family_id": programme, "result": "sustained_progress"}, expect=201).get_json()
    api.post(f"{API}/outcomes/claims/{by_hand['id']}/reject", t["manager"], json={
        "version": by_hand["version"], "reason": "The spring term figure is the wrong child's."}, expect=200)
    run = api.post(f"{API}/outcomes/runs", t["analyst"], json={"kind": "claims_proposal"}, expect=202).get_json()
    api.get(f"{API}/outcomes/runs/{run['id']}", t["manager"], expect=200)
    proposed = api.get(f"{API}/outcomes/claims?state=proposed", t["analyst"], expect=200).get_json()["items"]
    claim = next(c for c in proposed if c["family_id"] == programme)
    claim = api.post(f"{API}/outcomes/claims/{claim['id']}/validate", t["analyst"],
                     json={"version": claim["version"]}, expect=200).get_json()
    claim = api.post(f"{API}/outcomes/claims/{claim['id']}/approve", t["manager"],
                     json={"version": claim["version"]}, expect=200).get_json()
    api.post(f"{API}/outcomes/claims/submissions", t["analyst"], json={"month": today_london().strftime("%Y-%m")},
             expect=201)
    claim = api.get(f"{API}/outcomes/claims/{claim['id']}", t["manager"], expect=200).get_json()
    api.post(f"{API}/outcomes/claims/{claim['id']}/paid", t["analyst"], json={
        "version": claim["version"], "paid_on": today_london().isoformat()}, expect=200)
    extract = api.post(f"{API}/outcomes/runs", t["analyst"], json={"kind": "progress_data", "sample_percent": 100},
                       expect=202).get_json()
    api.get(f"{API}/outcomes/runs/{extract['id']}/output", t["analyst"], expect=200)
    outcomes_plan = api.get(f"{API}/outcomes/plan", t["admin"], expect=200).get_json()
    api.post(f"{API}/outcomes/plan/versions", t["admin"], json={
        "framework": outcomes_plan["framework"], "definition": outcomes_plan["definition"],
        "change_note": "Reviewed: no change to the outcomes"}, expect=201)

    # Data identification: two known families, not open to the service, whose partner data shows
    # two problems each; a run finds them, the front door dismisses one and starts a request
    # from the other.
    with app.app_context():
        from caseflow.core.extensions import db
        from tests.identification import helpers as identification

        found = []
        for surname, parent, child in (("Pemberton", "Lorna", "Jay"), ("Achterberg", "Ilse", "Noor")):
            found_id, found_people = identification.known_family(surname, parent=parent, child=child, postcode="NS9 4ZZ")
            identification.evidence(found_people["child"], "attendance", 60, p["analyst"].id, value=78.0,
                                    end_days_ago=10)
            identification.evidence(found_people["parent"], "asb", 40, p["analyst"].id)
            found.append(found_id)
        db.session.commit()
    identification = api.post(f"{API}/identification/runs", t["analyst"], json={"min_problems": 2}, expect=202).get_json()
    api.get(f"{API}/identification/runs", t["officer"], expect=200)
    api.get(f"{API}/identification/runs/{identification['id']}", t["manager"], expect=200)
    api.get(f"{API}/identification/families?run_id={identification['id']}", t["officer"], expect=200)
    api.post(f"{API}/identification/runs/{identification['id']}/families/{found[0]}/dismiss", t["officer"],
             json={"reason": "Already supported by the school's pastoral team"}, expect=200)
    api.post(f"{API}/identification/runs/{identification['id']}/families/{found[1]}/request", t["officer"],
             json={"consent_given": True, "details": "Mum agreed on the phone."}, expect=201)
    # After closure: the Walsh case closes with a monitoring period, stepping down to the school,
    # with a service picked from the directory; a check-in, then the outcome review.
    hub = add_service(app, factory)
    api.get(f"{API}/directory?problem=children_need_help", t["sam"], expect=200)
    marks = api.get(f"{API}/cases/{case_id}/plan", t["sam"], expect=200).get_json()["outcomes"]
    api.post(f"{API}/cases/{case_id}/close", t["sam"], json={
        "reason": "universal_services", "summary": "Attendance is back to 95%.", "monitoring": True,
        "outcomes": [{"outcome_id": o["id"], "status": "achieved"} for o in marks], "service_ids": [hub],
        "step_down_contact": {"person_name": "Mrs Adeyemi", "organisation": "Northshire Academy",
                              "how_to_reach": "01632 960555"}}, expect=200)
    watched = api.get(f"{API}/cases/{case_id}/monitoring", t["sam"], expect=200).get_json()
    api.post(f"{API}/cases/{case_id}/monitoring/check-ins/{watched['check_ins'][0]['id']}", t["sam"], json={
        "date": today_london().isoformat(), "outcome": "going_well"}, expect=200)
    api.post(f"{API}/cases/{case_id}/monitoring/review", t["sam"], json={
        "outcome": "sustained", "summary": "Still at 95%."}, expect=200)
    # A partner data feed: the school's attendance file uploaded to its feed, its import job
    # followed, then cancelled (a finished job stays as it is).
    source_id = _feed_source(app, p["analyst"], orgs["school"].id)
    csv_text = ("First name,Last name,Date of birth,Term start,Term end,Attendance %\n"
                f"Esther,Nwosu,02/06/2011,{TERMS[0][0].isoformat()},{TERMS[0][1].isoformat()},94\n")
    feed_job = api.post(f"{API}/feeds/{source_id}/imports", t["analyst"], json={
        "filename": "nwosu-autumn.csv", "content": base64.b64encode(csv_text.encode()).decode()}, expect=202).get_json()
    api.get(f"{API}/imports/{feed_job['id']}", t["analyst"], expect=200)
    api.post(f"{API}/imports/{feed_job['id']}/cancel", t["admin"], expect=200)

    return Journey({"case_id": case_id, "family_id": family_id, "request_id": request_id, "person_id": leah,
                    "panel_id": panel["id"], "keyworker_id": p["sam"].id, "consent_id": consent["id"],
                    "notification_id": notes[0]["id"], "event_id": accepted["id"], "delivery_id": dead[0]["id"],
                    "org_id": orgs["school"].id, "sample_id": sample["id"], "audit_id": sample["audits"][0]["id"],
                    "action_id": plan["actions"][0]["id"], "candidate_id": candidate_id,
                    "claim_id": claim["id"], "run_id": extract["id"], "nomination_id": nomination["id"],
                    "panel_action_id": escalation_action["id"],
                    "check_in_id": watched["check_ins"][1]["id"], "source_id": source_id,
                    "job_id": feed_job["id"]}, t)


def _feed_source(app, actor, organisation_id: str) -> str:
    """A school attendance feed with its column mapping (saved through the page's service)."""
    from caseflow.auth.models import User
    from caseflow.core.extensions import db
    from caseflow.imports import feed_services
    from caseflow.imports.feeds import default_mapping
    from caseflow.imports.models import FeedKind

    with app.app_context():
        source = feed_services.save_source(db.session.get(User, actor.id), {
            "name": "Northshire Academy: attendance", "kind": "school_attendance", "organisation_id": organisation_id,
            **{f"map_{k}": v for k, v in default_mapping(FeedKind.SCHOOL_ATTENDANCE).items()}})
        db.session.commit()
        return source.id


def _agreement(app, actor, name, parties, categories, starts_on, ends_on, review_on=None) -> str:
    """An information sharing agreement in the register (recorded through the pages' service)."""
    from caseflow.agreements import services
    from caseflow.auth.models import User
    from caseflow.core.extensions import db

    with app.app_context():
        agreement = services.record(db.session.get(User, actor.id), {
            "name": name, "party_ids": parties, "purposes": ["Keeping children safe"], "categories": categories,
            "starts_on": starts_on.isoformat(), "review_on": (review_on or ends_on).isoformat(),
            "ends_on": ends_on.isoformat()})
        db.session.commit()
        return agreement.id


def _dead_letter(app) -> None:
    """Run the outbox's retries until the failing webhook delivery is dead (as time passes)."""
    from caseflow.notify import dispatcher, outbox

    moment = datetime.now(timezone.utc)
    with app.app_context():
        for _ in range(outbox.MAX_ATTEMPTS + 1):
            moment += timedelta(hours=2)
            with time_machine.travel(moment, tick=False):
                dispatcher.sweep()


def error_sweep(api: RecordingApi, doc, done: Journey) -> None:
    """Every operation without a token, with a body that is not JSON, and with unknown ids."""
    tokens, known = done.tokens, done.ids
    for path, item in doc["paths"].items():
        for method, op in item.items():
            real = path.format(**known) if "{" in path else path
            unknown = re.sub(r"{\w+}", UNKNOWN_ID, path)
            if op.get("security"):
                response = getattr(api, method)(real, None)
                assert response.status_code == 401, (method, path)
            if method == "get":
                if "{" in path:
                    api.get(unknown, tokens["manager"])
                continue
            for who in ("manager", "admin"):
                getattr(api, method)(real, tokens[who], data="not json",
                                     headers={"Content-Type": "application/json"})
                getattr(api, method)(unknown, tokens[who], json={})


# --- the tests -----------------------------------------------------------------------------------

def test_every_api_route_is_documented_and_the_document_is_valid_openapi(api, app):
    doc = api.get(f"{API}/openapi.json", None).get_json()
    validate_spec(doc)
    assert api_routes(app) - documented(doc) == set(), "routes under /api/v1 missing from the document"
    assert documented(doc) - api_routes(app) == set(), "documented operations the app does not serve"
    for path, method in documented(doc):
        op = doc["paths"][path][method]
        successes = [code for code in op["responses"] if code.startswith("2")]
        assert successes, (method, path)
        for code, response in op["responses"].items():
            assert "application/json" in response.get("content", {}), (method, path, code)
        if op.get("security"):
            assert {"401", "403", "429"} <= set(op["responses"]), (method, path)


def test_every_operation_answers_as_the_document_says(api, factory, app, monkeypatch):
    # The journey makes hundreds of calls from one address inside a minute.
    settings = app.extensions["caseflow.settings"]
    monkeypatch.setitem(app.extensions, "caseflow.settings",
                        dataclasses.replace(settings, api_rate_limit="100000 per minute"))
    recording = RecordingApi(api)
    doc = recording.get(f"{API}/openapi.json", None).get_json()
    error_sweep(recording, doc, journey(recording, factory, app))

    problems = [p for ex in recording.exchanges for p in check_exchange(doc, app, ex)]
    assert problems == [], "\n".join(problems)

    seen = Counter()
    for ex in recording.exchanges:
        op = operation_of(app, ex)
        if op is not None:
            seen[(*op, str(ex.status))] += 1
    for path, method in documented(doc):
        for code in doc["paths"][path][method]["responses"]:
            if code.startswith("2"):
                assert seen[(path, method, code)], f"{method.upper()} {path} -> {code} was never exercised"
    validated = sum(1 for ex in recording.exchanges if operation_of(app, ex) is not None)
    exercised = len({(path, method) for path, method, _ in seen})
    print(f"\nOpenAPI contract: {len(documented(doc))} operations documented, {exercised} exercised, "
          f"{validated} responses validated "
          f"({sum(1 for ex in recording.exchanges if ex.status >= 400)} of them errors)")


def test_a_method_the_route_does_not_take_says_which_it_does(api, factory):
    token = factory.token(factory.user("front_door"))
    response = api.put(f"{API}/requests", token, json={})
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_the_rate_limit_answers_with_the_documented_envelope(api, factory, app, monkeypatch):
    settings = app.extensions["caseflow.settings"]
    monkeypatch.setitem(app.extensions, "caseflow.settings", dataclasses.replace(settings, api_rate_limit="2 per minute"))
    token = factory.token(factory.user("front_door"))
    recording = RecordingApi(api)
    statuses = [recording.get(f"{API}/requests", token).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    doc = api.get(f"{API}/openapi.json", None).get_json()
    assert [p for ex in recording.exchanges for p in check_exchange(doc, app, ex)] == []
