"""The decision path (decide and plan) stays cheap: it imports none of the heavy runtime dependencies."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HEAVY = ("virtualenv", "filelock", "packaging", "json", "typing")  # typing: about 5 ms to import

# Runs in a fresh interpreter (-I, as the shim runs it): decide() on a few constructed facts,
# then report which of HEAVY got imported.
PROBE = f"""
import sys
sys.path.insert(0, {str(Path(__file__).parent)!r})
import pipshim.facts, pipshim.rules, pipshim.plan
from factories import NEAREST, PROJECT, cand, make_facts
facts = [
    make_facts(project=cand("/p/.venv", PROJECT, "missing")),
    make_facts(argv="list", venvs=(cand("/p/.venv", NEAREST, "ok"),)),
    make_facts(venvs=(cand("/p/.venv", NEAREST, "broken"),)),
    make_facts(argv="install --target /t x"),
    make_facts(real_pip=None, interp=None),
]
routes = [pipshim.rules.decide(f) for f in facts]
plans = [pipshim.plan.plan(r, f) for r, f in zip(routes, facts)]
print(",".join(type(r).__name__ for r in routes))
print(",".join(m for m in {HEAVY!r} if m in sys.modules))
"""


def test_deciding_imports_no_heavy_module():
    out = subprocess.run([sys.executable, "-I", "-c", PROBE], capture_output=True, text=True, check=True).stdout
    routes, loaded = out.splitlines()
    assert routes == "UseVenv,UseVenv,Refuse,PassThrough,Refuse"
    assert loaded == "", f"imported on the decision path: {loaded}"


def test_an_install_into_a_project_and_a_version_query_leave_pipxs_apps_unloaded():
    """apps.py (pipx's applications, the read note) is for list/show and rule 7 only."""
    probe = PROBE.replace(repr(HEAVY), "('pipshim.apps',)").replace('argv="list"', 'argv="--version"')
    out = subprocess.run([sys.executable, "-I", "-c", probe], capture_output=True, text=True, check=True).stdout
    routes, loaded = out.splitlines()
    assert routes == "UseVenv,UseVenv,Refuse,PassThrough,Refuse"
    assert loaded == "", f"imported: {loaded}"
