"""The decision path stays cheap: it imports none of the heavy runtime dependencies (nor json)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HEAVY = ("virtualenv", "filelock", "packaging", "json")

# Runs in a fresh interpreter (-I, as the shim runs it): decide() on a few constructed facts,
# then report which of HEAVY got imported.
PROBE = f"""
import sys
sys.path.insert(0, {str(Path(__file__).parent)!r})
import pipshim.facts, pipshim.policy
from factories import cand, make_facts
from pipshim.facts import NEAREST, PROJECT
routes = [
    pipshim.policy.decide(make_facts(project=cand("/p/.venv", PROJECT, "missing"))),
    pipshim.policy.decide(make_facts(argv="list", venvs=(cand("/p/.venv", NEAREST, "ok"),))),
    pipshim.policy.decide(make_facts(venvs=(cand("/p/.venv", NEAREST, "broken"),))),
    pipshim.policy.decide(make_facts(argv="install --target /t x")),
    pipshim.policy.decide(make_facts(real_pip=None, interp=None)),
]
print(",".join(type(r).__name__ for r in routes))
print(",".join(m for m in {HEAVY!r} if m in sys.modules))
"""


def test_deciding_imports_no_heavy_module():
    out = subprocess.run([sys.executable, "-I", "-c", PROBE], capture_output=True, text=True, check=True).stdout
    routes, loaded = out.splitlines()
    assert routes == "UseVenv,UseVenv,Refuse,PassThrough,Refuse"
    assert loaded == "", f"imported on the decision path: {loaded}"
