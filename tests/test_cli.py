"""The command-line contract deployment scripts rely on (API.md, "Command line")."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

CASEFLOW = str(Path(sys.executable).with_name("caseflow"))


@pytest.fixture
def run(tmp_path):
    env = {**os.environ, "CASEFLOW_INSTANCE_PATH": str(tmp_path / "instance")}
    env.pop("CASEFLOW_DATABASE_URL", None)
    env.pop("CASEFLOW_REDIS_URL", None)

    def _run(*args):
        return subprocess.run([CASEFLOW, *args], capture_output=True, text=True, env=env, timeout=120)

    return _run, tmp_path


def test_the_deployment_commands_work_in_order(run):
    caseflow, tmp = run
    assert caseflow("db", "upgrade").returncode == 0
    org = caseflow("orgs", "create", "--name", "Northshire Early Help", "--type", "early_help")
    assert org.returncode == 0 and len(org.stdout.strip()) == 32
    user = caseflow("users", "create", "--email", "Priya@Northshire.example", "--name", "Priya Shah",
                    "--role", "front_door", "--org", "Northshire Early Help",
                    "--password", "a long enough password")
    assert user.returncode == 0 and len(user.stdout.strip()) == 32
    token = caseflow("tokens", "create", "--user", "priya@northshire.example")
    assert token.returncode == 0
    secret = token.stdout.strip().splitlines()[-1]
    assert secret.startswith("cf_") and " " not in secret

    # The printed token authenticates against the API as its user (in a separate process, as a
    # partner system would, against the same instance).
    probe = (
        "import sys; from caseflow.app import create_app; c = create_app().test_client(); "
        "h = {'Authorization': 'Bearer ' + sys.argv[1]}; "
        "print(c.get('/api/v1/requests').status_code, c.get('/api/v1/requests', headers=h).status_code)"
    )
    env = {**os.environ, "CASEFLOW_INSTANCE_PATH": str(tmp / "instance")}
    env.pop("CASEFLOW_DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-c", probe, secret], capture_output=True, text=True,
                         env=env, timeout=120)
    assert out.stdout.split() == ["401", "200"], out.stderr

    assert caseflow("audit", "verify").returncode == 0


def test_bad_input_gives_clear_errors_not_tracebacks(run):
    caseflow, _ = run
    caseflow("db", "upgrade")
    bad_type = caseflow("orgs", "create", "--name", "X", "--type", "bakery")
    assert bad_type.returncode == 2 and "must be one of" in bad_type.stderr
    assert "Traceback" not in bad_type.stderr
    no_org = caseflow("users", "create", "--email", "a@b.example", "--name", "A", "--role",
                      "keyworker", "--org", "Nowhere")
    assert no_org.returncode == 2 and "No organisation called 'Nowhere'" in no_org.stderr
    caseflow("orgs", "create", "--name", "EH", "--type", "early_help")
    bad_role = caseflow("users", "create", "--email", "a@b.example", "--name", "A", "--role",
                        "wizard", "--org", "EH")
    assert bad_role.returncode == 2 and "Role must be one of" in bad_role.stderr
    no_user = caseflow("tokens", "create", "--user", "nobody@b.example")
    assert no_user.returncode == 2 and "No user" in no_user.stderr


def test_audit_verify_fails_when_a_row_is_edited(run):
    import sqlite3

    caseflow, tmp = run
    caseflow("db", "upgrade")
    caseflow("orgs", "create", "--name", "EH", "--type", "early_help")
    caseflow("orgs", "create", "--name", "School", "--type", "school")
    conn = sqlite3.connect(tmp / "instance" / "caseflow.db")
    conn.execute("UPDATE audit_events SET action = 'nothing to see' WHERE seq = 1")
    conn.commit()
    conn.close()
    result = caseflow("audit", "verify")
    assert result.returncode == 1 and "TAMPERING DETECTED" in result.stdout
