"""Bad input never becomes a 500: every API write answers 4xx with a message."""
import pytest

from tests.triage.helpers import case_at_panel, new_case

WEIRD_BODIES = [[], "text", 42, {"people": "Leah"}, {"referrer": None, "people": [None]},
                {"people": [{"given_name": 5, "family_name": [], "date_of_birth": 20110602}],
                 "referrer": {"name": {"x": 1}}, "concerns": {"a": 1}, "consent_given": "perhaps"},
                {"level_of_need": "abc", "headline_problems": "education", "rag": 7, "decision": None},
                {"case_id": 12, "decision": "allocate", "keyworker_id": {"id": 1}, "rationale": ["x"]},
                {"date": "31/02/2026", "members": "all"}, {"keyworker_id": None, "confirm_over_capacity": "maybe"}]


@pytest.fixture
def setup(api, factory):
    officer = factory.user("front_door")
    chair = factory.user("panel_chair")
    tokens = {"partner": factory.token(factory.user("partner")), "officer": factory.token(officer),
              "chair": factory.token(chair), "manager": factory.token(factory.user("team_manager"))}
    case = case_at_panel(api, tokens["partner"], tokens["officer"])
    fresh = new_case(api, tokens["partner"], surname="Baker")
    panel = api.post("/api/v1/panels", tokens["chair"], json={"date": "2026-12-01"}).get_json()
    return tokens, case, fresh, panel


def test_weird_bodies_get_4xx_envelopes(api, setup):
    tokens, case, fresh, panel = setup
    targets = [("/api/v1/requests", "partner"), (f"/api/v1/cases/{fresh['case_id']}/triage", "officer"),
               ("/api/v1/panels", "chair"), (f"/api/v1/panels/{panel['id']}/decisions", "chair"),
               (f"/api/v1/cases/{case['case_id']}/allocation", "chair"),
               (f"/api/v1/requests/{fresh['id']}/people/nobody/match", "officer")]
    for path, who in targets:
        for body in WEIRD_BODIES:
            response = api.post(path, tokens[who], json=body)
            assert 400 <= response.status_code < 500, (path, body, response.status_code, response.get_data(as_text=True))
            assert response.get_json()["error"]["message"], (path, body)


def test_unknown_ids_are_404(api, setup):
    tokens, _, _, panel = setup
    assert api.post("/api/v1/cases/nope/triage", tokens["officer"], json={}).status_code in (404, 422)
    assert api.get("/api/v1/panels/nope", tokens["chair"]).status_code == 404
    response = api.post(f"/api/v1/panels/{panel['id']}/decisions", tokens["chair"],
                        json={"case_id": "nope", "decision": "defer", "rationale": "later"})
    assert response.status_code == 404
    assert api.post("/api/v1/inbox/nope/acknowledge", tokens["chair"]).status_code == 404


def test_bad_query_strings_are_400(api, setup):
    tokens, *_ = setup
    for path in ["/api/v1/requests?page=0", "/api/v1/requests?per_page=100000", "/api/v1/cases/unallocated?page=x",
                 "/api/v1/inbox?unacknowledged=perhaps", "/api/v1/families?per_page=-1"]:
        response = api.get(path, tokens["manager"])
        assert response.status_code == 400, (path, response.status_code)


# --- issue 14: one cleaning layer, bounds everywhere, checked on every route ----------------------
#
# The routes come from the app itself (its url_map and the API's registered operations), so a
# new route or field is probed without anyone adding it here.

import re  # noqa: E402
from datetime import timedelta  # noqa: E402

from sqlalchemy import String  # noqa: E402

from tests.conftest import _https_client, csrf_token, sign_in  # noqa: E402
from caseflow.core.timescales import today_london

HUGE_PAGES = [str(2**63), str(2**64), str(10**30), str(-(2**64))]
NUL_IDS = ["%00", "abc%00def"]


def _api_operations():
    from caseflow.api.kit import _OPERATIONS

    return list(_OPERATIONS)


def _fill(rule: str, value: str) -> str:
    return re.sub(r"<(?:\w+:)?\w+>", value, rule)


def test_nul_in_any_api_path_id_is_a_404_not_a_500(api, setup):
    tokens, *_ = setup
    tried, wrong = 0, []
    for op in _api_operations():
        if "<" not in op.rule:
            continue
        for bad in NUL_IDS:
            call = getattr(api, op.method if op.method != "delete" else "get")
            response = call(_fill(op.rule, bad), tokens["manager"], json={})
            tried += 1
            if response.status_code != 404 or response.get_json()["error"]["code"] != "not_found":
                wrong.append((op.method, op.rule, bad, response.status_code))
    assert tried >= 80 and not wrong, wrong


BAD_JSON = {
    "nul in a value": '{"given_name": "Le\\u0000ah", "x": 1}',
    "nul in an unknown key": '{"no\\u0000such": "x"}',
    "lone high surrogate": '{"name": "\\ud800"}',
    "lone low surrogate in a list": '{"people": [{"given_name": "\\udfff"}]}',
    "nested 100000 deep": '{"a": ' + "[" * 100000 + "]" * 100000 + "}",
    "nested 40 deep": '{"a": ' + "[" * 40 + "]" * 40 + "}",
    "NaN": '{"level_of_need": NaN}',
    "Infinity": '{"version": Infinity}',
    "1e999": '{"score": 1e999}',
}


def test_unstorable_json_bodies_are_400_on_every_api_write(api, setup):
    """NUL, lone surrogates, absurd nesting and numbers JSON cannot send back, on every POST and
    PUT that takes a body, whatever the field: 400 malformed before any service sees them."""
    tokens, case, fresh, panel = setup
    ids = {"case_id": case["case_id"], "panel_id": panel["id"], "request_id": fresh["id"],
           "family_id": fresh["family_id"]}
    tried, wrong = 0, []
    for op in _api_operations():
        if op.method not in ("post", "put") or op.body is None:
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: ids.get(m.group(1), "nope"), op.rule)
        for name, raw in BAD_JSON.items():
            call = getattr(api, op.method)
            response = call(path, tokens["manager"], data=raw, content_type="application/json")
            tried += 1
            # A service that looks its record up before reading the body may say 404/403 first.
            if response.status_code >= 500 or (response.status_code not in (400, 403, 404)):
                wrong.append((op.method, op.rule, name, response.status_code))
            elif response.status_code == 400 and response.get_json()["error"]["code"] != "malformed":
                wrong.append((op.method, op.rule, name, response.get_json()))
    assert tried >= 300 and not wrong, wrong


def test_the_front_door_says_which_unstorable_text_it_refused(api, setup):
    tokens, *_ = setup
    for raw in (BAD_JSON["nul in a value"], BAD_JSON["lone high surrogate"], BAD_JSON["nested 100000 deep"]):
        response = api.post("/api/v1/requests", tokens["partner"], data=raw, content_type="application/json")
        assert response.status_code == 400, (raw[:40], response.status_code)
        assert response.get_json()["error"]["code"] == "malformed"


def test_page_numbers_beyond_64_bits_are_400_on_every_paginated_api_list(api, setup):
    tokens, case, fresh, panel = setup
    ids = {"case_id": case["case_id"], "panel_id": panel["id"], "family_id": fresh["family_id"]}
    tried, wrong = 0, []
    for op in _api_operations():
        if op.query is None or "page" not in op.query().fields:
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: ids.get(m.group(1), "nope"), op.rule)
        for page in [*HUGE_PAGES, "1000001"]:
            for param in ("page", "per_page"):
                response = api.get(path, tokens["manager"], query_string={param: page})
                tried += 1
                if response.status_code != 400 or param not in response.get_json()["error"].get("fields", {}):
                    wrong.append((op.rule, param, page, response.status_code))
    assert tried >= 60 and not wrong, wrong


def test_nul_in_a_query_string_is_400_on_every_api_list(api, setup):
    tokens, *_ = setup
    tried, wrong = 0, []
    for op in _api_operations():
        if op.method != "get" or "<" in op.rule:
            continue
        for query in ({"q": "Wal\x00sh"}, {"page": "1\x00"}, {"status\x00": "open"}):
            response = api.get(op.rule, tokens["manager"], query_string=query)
            tried += 1
            if response.status_code != 400 or response.get_json()["error"]["code"] != "bad_query":
                wrong.append((op.rule, query, response.status_code))
    assert tried >= 30 and not wrong, wrong


@pytest.fixture
def web_client(app, factory):
    client = _https_client(app)
    sign_in(client, factory.user("front_door"))
    return client


def _web_get_rules(app):
    return [r for r in app.url_map.iter_rules() if "GET" in r.methods and not r.rule.startswith(("/api/", "/static"))]


def test_every_page_takes_huge_page_numbers_and_refuses_nul(app, web_client):
    """HTML lists show the last page there can be for a page number too big for the database;
    a NUL in the address is an unknown page; in the query string a clear 400."""
    tried, wrong = 0, []
    for rule in _web_get_rules(app):
        path = _fill(rule.rule, "nope")
        for page in HUGE_PAGES:
            response = web_client.get(path, query_string={"page": page, "q": "Walsh"})
            tried += 1
            if response.status_code >= 500:
                wrong.append((rule.rule, page, response.status_code))
        response = web_client.get(path, query_string={"q": "Wal\x00sh"})
        tried += 1
        if response.status_code != 400:
            wrong.append((rule.rule, "nul in query", response.status_code))
        if "<" in rule.rule:
            response = web_client.get(_fill(rule.rule, "%00"))
            tried += 1
            if response.status_code != 404:
                wrong.append((rule.rule, "nul in path", response.status_code))
    assert tried >= 150 and not wrong, wrong


def test_family_search_page_with_a_huge_page_number_shows_the_form(app, web_client):
    response = web_client.get("/families", query_string={"q": "Walsh", "page": str(2**64)})
    assert response.status_code == 200


def test_a_web_form_with_a_nul_byte_is_a_400_page(app, web_client):
    token = csrf_token(web_client, "/requests/new")
    response = web_client.post("/requests/new", data={"csrf_token": token, "referrer-name": "Ms\x00 Patel",
                                                      "people-0-given_name": "Leah"})
    assert response.status_code == 400
    assert "cannot be saved" in response.get_data(as_text=True)


# --- cleaning: what is stored is what was meant ------------------------------------------------------

def _stored_people(app, family_id):
    from caseflow.core.extensions import db
    from caseflow.families.models import Family

    with app.app_context():
        return sorted((m.person.given_name, m.person.family_name) for m in db.session.get(Family, family_id).memberships)


@pytest.mark.parametrize("given, family, stored", [
    ("Le\u200bah", "\u202eWalsh\u202c", ("Leah", "Walsh")),            # zero-width space, RTL override
    ("\ufeffLeah\u200d", "Wal\u2066sh\u2069", ("Leah", "Walsh")),       # BOM, joiner, isolates
    ("Jose\u0301", "Mu\u0308ller", ("Jos\u00e9", "M\u00fcller")),       # decomposed accents -> NFC
    ("  Leah\t", "Walsh\n", ("Leah", "Walsh")),                         # stray whitespace, controls
    ("\u0645\u062d\u0645\u062f\u200f", "\u0639\u0644\u064a", ("\u0645\u062d\u0645\u062f", "\u0639\u0644\u064a")),
])
def test_names_are_stored_without_invisible_characters_and_in_nfc(api, app, factory, given, family, stored):
    from tests.frontdoor.test_api_intake import request_body

    token = factory.token(factory.user("partner"))
    body = request_body(people=[{"given_name": given, "family_name": family, "date_of_birth": "2011-06-02",
                                 "relationship": "child"}])
    response = api.post("/api/v1/requests", token, json=body)
    assert response.status_code == 201, response.get_json()
    assert _stored_people(app, response.get_json()["family_id"]) == [stored]


def test_free_text_keeps_its_lines_but_not_direction_overrides(api, app, factory):
    from caseflow.core.extensions import db
    from caseflow.frontdoor.models import RequestForHelp
    from tests.frontdoor.test_api_intake import request_body

    token = factory.token(factory.user("partner"))
    body = request_body(details="First line\r\nSecond \u202egnol\u202c line\n\u0627\u0644\u200c\u0645")
    response = api.post("/api/v1/requests", token, json=body)
    assert response.status_code == 201
    with app.app_context():
        details = db.session.get(RequestForHelp, response.get_json()["id"]).details
    assert details == "First line\nSecond gnol line\n\u0627\u0644\u200c\u0645"


# --- limits that match the columns --------------------------------------------------------------------

def _string_columns():
    import caseflow.models  # noqa: F401  (every model)
    from caseflow.core.database import Base

    for mapper in Base.registry.mappers:
        for attr in mapper.column_attrs:
            column = attr.columns[0]
            if isinstance(column.type, String) and column.type.length and not column.primary_key:
                yield mapper.class_, attr.key, column.type.length


def test_no_column_ever_receives_a_value_longer_than_it_holds(app_ctx):
    """Every String(n) column of every model: one character over is a validation error naming
    the field, on SQLite (which would keep it whole) as on PostgreSQL (which would fail)."""
    from caseflow.core.errors import ServiceValidationError
    from caseflow.core.extensions import db

    tried, wrong = 0, []
    for model, key, length in _string_columns():
        obj = model()
        setattr(obj, key, "x" * (length + 1))
        db.session.add(obj)
        tried += 1
        try:
            db.session.flush()
            wrong.append((model.__name__, key, "flushed"))
        except ServiceValidationError as exc:
            if key not in exc.fields:
                wrong.append((model.__name__, key, exc.fields))
        except Exception as exc:  # noqa: BLE001 - the point is that nothing else is raised
            wrong.append((model.__name__, key, type(exc).__name__))
        db.session.rollback()
    assert tried >= 100 and not wrong, wrong


def test_a_signposting_destination_over_its_column_is_a_422(api, setup):
    tokens, case, _, panel = setup
    response = api.post(f"/api/v1/panels/{panel['id']}/decisions", tokens["chair"], json={
        "case_id": case["case_id"], "decision": "signpost", "rationale": "Universal services fit.",
        "signposted_to": "Northshire Family Hub " * 20})
    assert response.status_code == 422
    assert "signposted_to" in response.get_json()["error"]["fields"]


def test_audit_basis_and_purpose_are_cut_to_their_columns_not_lost(app_ctx, factory):
    from caseflow.core import audit
    from caseflow.core.extensions import db

    user = factory.user("team_manager")
    basis = "; ".join(f"consent {n} from Sharon Walsh for education, health and casework" for n in range(6))
    audit.record(user, "family.view", "family", "f1", family_id="f1", purpose="break-glass: " + "x" * 2000,
                 basis=basis)
    db.session.commit()
    event = db.session.scalars(audit.select(audit.AuditEvent).order_by(audit.AuditEvent.seq.desc())).first()
    assert len(event.basis) == 120 and event.basis.endswith("…") and event.basis.startswith("consent 0")
    assert len(event.purpose) == 120 and event.purpose.startswith("break-glass: ")
    assert audit.verify_chain().ok  # the chain covers the text as stored


# --- integers and dates that can be true --------------------------------------------------------------

def _input_schemas():
    """Every marshmallow schema CaseFlow loads input with (not the response schemas)."""
    import caseflow.models  # noqa: F401
    from marshmallow import class_registry

    from caseflow.api.schemas import ResponseSchema
    from caseflow.app import create_app  # noqa: F401  (every package's schemas imported)

    seen = set()
    for classes in list(class_registry._registry.values()):
        for cls in classes:
            if cls.__module__.startswith("caseflow.") and not issubclass(cls, ResponseSchema) and cls not in seen:
                seen.add(cls)
                yield cls


def _fields_of(kind):
    from marshmallow import fields

    for cls in _input_schemas():
        for name, field in cls().load_fields.items():
            if isinstance(field, kind) and not field.dump_only:
                yield cls, field.data_key or name, field


def test_every_whole_number_in_input_is_bounded(app):
    from marshmallow import ValidationError, fields

    from caseflow.core.schemas import load_input

    tried, wrong = 0, []
    for cls, key, _ in _fields_of(fields.Integer):
        for value in (2**31, 2**64, -(2**63) - 1, str(10**30)):
            tried += 1
            try:
                load_input(cls(partial=True), {key: value})
                wrong.append((cls.__name__, key, value, "accepted"))
            except ValidationError as exc:
                if key not in exc.messages:
                    wrong.append((cls.__name__, key, value, exc.messages))
    assert tried >= 40 and not wrong, wrong


def test_every_date_in_input_is_within_what_can_be_true(app):
    from marshmallow import ValidationError, fields

    from caseflow.core.schemas import load_input

    tried, wrong = 0, []
    for cls, key, field in _fields_of((fields.Date, fields.DateTime)):
        aware = isinstance(field, fields.AwareDateTime)
        for value in ("0001-01-01", "1899-12-31", "2100-01-01", "9999-12-31"):
            tried += 1
            sent = f"{value}T12:00:00+00:00" if aware else value
            try:
                load_input(cls(partial=True), {key: sent})
                wrong.append((cls.__name__, key, value, "accepted"))
            except ValidationError as exc:
                if key not in exc.messages:
                    wrong.append((cls.__name__, key, value, exc.messages))
    assert tried >= 60 and not wrong, wrong


@pytest.mark.parametrize("field, value, ok", [
    ("date_of_birth", "1899-12-31", False), ("date_of_birth", "0001-01-01", False),
    ("date_of_birth", timedelta(days=1), False),  # tomorrow, worked out when the test runs
    ("date_of_birth", "2011-06-02", True),
])
def test_date_of_birth_window(api, factory, field, value, ok):
    from tests.frontdoor.test_api_intake import request_body

    if isinstance(value, timedelta):  # a day relative to today, so a run across midnight still means it
        value = (today_london() + value).isoformat()
    token = factory.token(factory.user("partner"))
    body = request_body(people=[{"given_name": "Leah", "family_name": "Walsh", field: value, "relationship": "child"}])
    response = api.post("/api/v1/requests", token, json=body)
    assert response.status_code == (201 if ok else 422), response.get_json()
    if not ok:
        assert "people.0.date_of_birth" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("day, ok", [("0001-01-01", False), ("1999-12-31", False), ("2100-01-01", False),
                                     (timedelta(days=60), True)])
def test_panel_dates_are_within_a_sensible_window(api, setup, day, ok):
    tokens, *_ = setup
    if isinstance(day, timedelta):
        day = (today_london() + day).isoformat()
    response = api.post("/api/v1/panels", tokens["chair"], json={"date": day})
    assert response.status_code == (201 if ok else 422), response.get_json()


def test_a_partner_event_from_year_one_is_refused(api, factory):
    token = factory.token(factory.user("partner_system"))
    response = api.post("/api/v1/notifications", token, json={
        "type": "domestic_abuse", "occurred_at": "0001-01-01T00:00:00+00:00", "source_reference": "X1",
        "people": [{"given_name": "Leah", "family_name": "Walsh", "date_of_birth": "2011-06-02"}]})
    assert response.status_code == 422 and "occurred_at" in response.get_json()["error"]["fields"]


def test_a_web_date_with_a_thirty_digit_year_is_a_form_error(app, web_client):
    token = csrf_token(web_client, "/requests/new")
    response = web_client.post("/requests/new", data={
        "csrf_token": token, "people-0-given_name": "Leah", "people-0-family_name": "Walsh",
        "people-0-dob-day": "1", "people-0-dob-month": "1", "people-0-dob-year": "9" * 30})
    assert response.status_code in (200, 400, 422)
    assert "real date" in response.get_data(as_text=True)
