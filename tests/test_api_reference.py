"""The API reference in the repository tells the truth: docs/api.md lists exactly the operations
of the live OpenAPI document, every operation says who may call it (and, where that can be
checked without records, the roles named are the roles let in), and the README and docs point
only at files inside the repository."""
from __future__ import annotations

import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

from caseflow.api.callers import CALLERS
from caseflow.core.roles import Role

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "api-reference"
DOCS = REPO / "docs" / "api.md"


@pytest.fixture(scope="module")
def reference() -> dict:
    """The functions of scripts/api-reference (a script, not a module: loaded by path)."""
    return runpy.run_path(str(SCRIPT), run_name="api_reference")


def _document(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_docs_api_md_lists_every_operation_of_the_live_document(client, reference):
    document = _document(client)
    table = reference["operations_table"](document)
    assert reference["current_table"](DOCS.read_text()) == table, (
        "docs/api.md is out of date with /api/v1/openapi.json: run .venv/bin/python scripts/api-reference")
    rows = table.splitlines()[2:]
    assert len(rows) == sum(len(ops) for ops in document["paths"].values())
    assert "| `POST` | `/api/v1/notifications` | A partner reports a contact or incident" in table


def test_every_operation_says_who_may_call_it(client):
    operations = {f"{method.upper()} {path}": operation
                  for path, ops in _document(client)["paths"].items() for method, operation in ops.items()}
    undescribed = sorted(set(operations) - set(CALLERS))
    assert not undescribed, f"add these to caseflow/api/callers.py: {undescribed}"
    stale = sorted(set(CALLERS) - set(operations))
    assert not stale, f"caseflow/api/callers.py names operations the API does not have: {stale}"
    for key, operation in operations.items():
        assert operation["x-callers"] == CALLERS[key]
        assert operation["description"] == f"Who may call it: {CALLERS[key]}."


ROLES = [role.value for role in Role]


def _roles_named(callers: str) -> set[str]:
    if callers.startswith("every user"):
        return set(ROLES)
    everyone_but = re.match(r"every role except (\w+) and (\w+)", callers)
    if everyone_but:
        return set(ROLES) - set(everyone_but.groups())
    return {role for role in ROLES if re.search(rf"\b{role}\b", callers)}


# The lists that need query parameters to be asked at all.
QUERIES = {"/api/v1/flags": "?date_of_birth=2014-03-27&nhs_number=9434765919"}


def test_the_roles_named_for_each_list_are_the_roles_it_lets_in(client, api, factory):
    # Lists and reports take no record id, so every role can be tried against them as they are.
    lists = {path: ops["get"]["x-callers"] for path, ops in _document(client)["paths"].items()
             if "get" in ops and "{" not in path}
    assert len(lists) >= 10
    tokens = {role: factory.token(factory.user(role)) for role in ROLES}
    for path, callers in sorted(lists.items()):
        allowed = _roles_named(callers)
        assert allowed, f"no role named for GET {path}: '{callers}'"
        for role, token in tokens.items():
            status = api.get(path + QUERIES.get(path, ""), token).status_code
            assert (status != 403) == (role in allowed), (
                f"GET {path} answered {role} with {status}; docs/api.md says: {callers}")
            assert status < 500


def test_the_script_finds_and_rewrites_an_out_of_date_table(tmp_path):
    original = DOCS.read_text()
    stale = "".join(line for line in original.splitlines(keepends=True)
                    if not line.startswith("| `GET` | `/api/v1/flags` |"))
    assert stale != original
    docs = tmp_path / "api.md"
    docs.write_text(stale)

    def script(*args):
        return subprocess.run([sys.executable, str(SCRIPT), "--docs", str(docs), *args],
                              capture_output=True, text=True, timeout=120)

    check = script("--check")
    assert check.returncode == 1 and "out of date" in check.stderr
    assert docs.read_text() == stale  # --check changes nothing
    rewrite = script()
    assert rewrite.returncode == 0, rewrite.stderr
    assert docs.read_text() == original  # the prose around the table untouched


DOCUMENTS = [REPO / "README.md", REPO / "ARCHITECTURE.md", *sorted((REPO / "docs").glob("*.md"))]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.relative_to(REPO).as_posix())
def test_the_readme_and_docs_point_only_inside_the_repository(document):
    text = document.read_text()
    assert "../" not in text and "/work/" not in text
    # Every relative link, and every file the text names in backticks, exists in the repository.
    links = [target for target in re.findall(r"\]\(([^)#\s]+)", text) if "://" not in target]
    named = re.findall(r"`([\w./-]+\.(?:md|py|toml))`", text)
    for target in links:
        assert (document.parent / target).exists(), f"{document.name} links to {target}, which is not here"
    for path in named:
        if "/" in path:
            # Paths are from the repository's root, or inside the package (`plans/assessments.py`).
            assert (REPO / path).exists() or (REPO / "caseflow" / path).exists(), (
                f"{document.name} names {path}, which is not in the repository")


def test_the_documented_signature_check_accepts_what_caseflow_signs_and_nothing_else():
    """A partner copies the receiver's check from docs/api.md: it must agree with the sender."""
    import time

    from caseflow.notify.channels import sign

    snippet = re.search(r"\*\*Checking the signature\.\*\*.*?```python\n(.*?)```", DOCS.read_text(), re.S).group(1)
    namespace: dict = {}
    exec(snippet, namespace)  # noqa: S102 (our own documentation)
    verify = namespace["verify"]
    body, now = b'{"delivery_id":"d1","title":"A notification"}', str(int(time.time()))
    signature = sign("the organisation's secret", now, body)
    assert verify("the organisation's secret", now, body, signature)
    assert not verify("another secret", now, body, signature)
    assert not verify("the organisation's secret", now, body + b" ", signature)
    stale = str(int(time.time()) - 600)
    assert not verify("the organisation's secret", stale, body, sign("the organisation's secret", stale, body))
