"""Generated requests against the live app (issue 14, item 5): schemathesis reads the app's own
OpenAPI document from /api/v1/openapi.json and, for every operation in it, sends requests
generated from the document to a real server on 127.0.0.1, with the bearer token of one of
several roles (front door, panel chair, team manager, keyworker, school partner, police system,
administrator) or none. Requests are both valid by the document and deliberately invalid
(schemathesis's negative mode). Half the requests to an operation with ids in its path use the ids of a
real family, case, person, keyworker and organisation, so they reach the handlers behind the
404s.

Every response must not be a server error, must have a status code the document lists for the
operation, a documented content type, headers and a body that match the document's schema.

CI time is bounded: hypothesis is derandomized (the same requests every run) with a fixed number
of examples per operation, and shrinking is off (a failure is reported as found). The total
number of requests sent is printed for the issue's closing note and asserted, so a change that
silently stops generating (an operation dropped from the document, say) fails here.
"""
from __future__ import annotations

import os
import time
from collections import Counter

import pytest
import requests
import schemathesis
from schemathesis import GenerationMode
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from caseflow.core.extensions import limiter
from tests.notify.helpers import open_family

OPENAPI = "/api/v1/openapi.json"
# 60 per operation (about 4,000 requests) keeps CI's run to a few minutes; CASEFLOW_TEST_SCHEMATHESIS_EXAMPLES raises it
# for a deeper local run (docs/operations.md gives the figures of one such run).
EXAMPLES_PER_OPERATION = int(os.environ.get("CASEFLOW_TEST_SCHEMATHESIS_EXAMPLES", "60"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
# The roles whose tokens the generated requests carry (keys of open_family's tokens).
ROLES = ("officer", "chair", "manager", "sam", "referrer", "police", "admin")


def known_ids(api, world) -> dict[str, str]:
    """Path parameter values that name real records of the seeded family."""
    family = api.get(f"/api/v1/families/{world.family_id}", world.t["manager"]).get_json()
    return {"case_id": world.case_id, "family_id": world.family_id,
            "person_id": family["members"][0]["id"], "keyworker_id": world.p["sam"].id,
            "org_id": world.orgs["school"].id}


@pytest.fixture
def unthrottled():
    """The rate limits answer 429 (documented) long before the handlers are reached; they are
    covered by tests/auth/test_sign_in.py. Off here so the generated requests reach the code."""
    limiter.enabled = False
    yield
    limiter.enabled = True


def test_generated_requests_for_every_operation_and_role(api, factory, live_server, unthrottled):
    world = open_family(api, factory)
    ids = known_ids(api, world)
    tokens = {role: world.t[role] for role in ROLES} | {"anonymous": None}
    schema = schemathesis.openapi.from_url(live_server + OPENAPI)
    session = requests.Session()
    sent: dict[str, int] = {}
    statuses: Counter[int] = Counter()
    answered: set[str] = set()  # operations that gave a 2xx at least once
    failures: list[str] = []
    started = time.monotonic()

    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 60, "the document lists fewer operations than the API has"
    for operation in operations:
        label = f"{operation.method.upper()} {operation.path}"
        path_names = {p.name for p in operation.path_parameters}
        real = {name: value for name, value in ids.items() if name in path_names}
        # Valid requests (by the document) and invalid ones: wrong types, out-of-range numbers,
        # missing fields, odd strings; both kinds with generated and with real ids.
        modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        strategies = [operation.as_strategy(mode) for mode in modes]
        if real:
            strategies += [operation.as_strategy(mode, path_parameters=real) for mode in modes]
        cases = st.one_of(strategies)

        @settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, database=None,
                  deadline=None, phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=cases, role=st.sampled_from(sorted(tokens)))
        def exercise(case, role):
            headers = {"Authorization": f"Bearer {tokens[role]}"} if tokens[role] else {}
            sent[label] = sent.get(label, 0) + 1
            # Sent with requests directly: case.call leaves out the Authorization header for
            # cases whose generation touched the security scheme; every request here carries the
            # role's token (or none) as chosen.
            request = case.as_transport_kwargs(base_url=live_server)
            request["headers"] = {name: value for name, value in request["headers"].items()
                                  if name.lower() != "authorization"} | headers
            response = session.request(**request, timeout=30)
            statuses[response.status_code] += 1
            if response.status_code < 300:
                answered.add(label)
            case.validate_response(response, checks=CHECKS, headers=request["headers"])

        try:
            exercise()
        except Exception as error:  # noqa: BLE001 - every operation is tried; all failures reported
            failures.append(f"{label}: {error}")

    total = sum(sent.values())
    elapsed = time.monotonic() - started
    print(f"\nschemathesis: {total} generated requests over {len(sent)} operations "
          f"in {elapsed:.0f}s; {len(answered)} operations answered 2xx; {len(failures)} failed; statuses {sorted(statuses.items())}")
    assert not failures, "\n\n".join(failures)
    assert len(sent) == len(operations)
    assert not [status for status in statuses if status >= 500]
    # The requests got past authentication and validation to the handlers, not only to the door.
    assert len(answered) >= 20, sorted(answered)
    # Operations without inputs have fewer distinct requests to generate than the budget.
    assert total >= 10 * len(operations)
