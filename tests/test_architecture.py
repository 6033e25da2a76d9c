"""The layers hold: imports only point down and no package imports itself in a circle
(contracts in .importlinter, explained in ARCHITECTURE.md)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), str(ROOT / ".importlinter"), "--no-cache"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "BROKEN" not in result.stdout


def test_the_core_imports_nothing_above_it():
    import grimp

    graph = grimp.build_graph("caseflow")
    upward = sorted(f"{module} -> {imported}"
                    for module in graph.find_children("caseflow.core") | {"caseflow.core"}
                    for imported in graph.find_modules_directly_imported_by(module)
                    if not imported.startswith("caseflow.core"))
    assert upward == []


ENTRY_POINT_ROOMS = ("views.py", "api.py", "admin_views.py", "admin.py")


def _entry_point_modules():
    for path in sorted((ROOT / "caseflow").rglob("*.py")):
        if path.name in ENTRY_POINT_ROOMS or path.name.endswith(("_views.py", "_api.py")):
            yield path


def test_pages_and_api_handlers_never_touch_the_database_session():
    """Views parse the request and call services; only services (and read models) query and
    write, so every read goes through the services' policy checks and every write through their
    unit of work. A view that queries for itself is a second door."""
    import ast

    offenders = []
    for path in _entry_point_modules():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "session" and \
                    isinstance(node.value, ast.Name) and node.value.id == "db":
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert list(_entry_point_modules()), "no entry-point modules found: has the layout changed?"
    assert offenders == []
