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
