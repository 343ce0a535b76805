"""Issue 3, items 5 and 7: parallel installs into one new project make exactly one venv.

One lock per environment serialises the creation and every mutating pip call, so of
8 simultaneous `pip install demo-lib` exactly one creates the venv and installs, the
others wait (and say so) and then find the requirement already satisfied.
"""

from __future__ import annotations

import subprocess

from helpers import pipshim_lines

from integration.support import assert_complete_venv, assert_imports_from_venv, venvs_under

N = 8


def test_parallel_installs_into_one_new_project(tmp_path, shim_env, project):
    procs = [
        subprocess.Popen(
            ["pip", "install", "demo-lib"],
            env=shim_env,
            cwd=project,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(N)
    ]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        results.append((p.returncode, out, err))
    report = "\n\n".join(f"rc={rc}\n--- stdout\n{out}--- stderr\n{err}" for rc, out, err in results)

    assert [rc for rc, _, _ in results] == [0] * N, report
    venv = project / ".venv"
    assert venvs_under(tmp_path) == [venv], report
    assert sorted(p.name for p in project.iterdir()) == [".venv", "pyproject.toml"]
    assert_complete_venv(venv)
    assert_imports_from_venv(venv, "demo_lib", tmp_path)

    lines = [ln for _, _, err in results for ln in pipshim_lines(err)]
    installing = [ln for ln in lines if "→ " in ln]
    assert len(installing) == N, report
    assert all(ln.startswith("pipshim: → ./.venv (") for ln in installing), report
    assert sum("(new" in ln for ln in installing) == 1, report
    # the installs ran one after another: one installed, the others found it there
    assert sum("Successfully installed demo-lib-2.0" in out for _, out, _ in results) == 1, report
    assert sum("Requirement already satisfied: demo-lib" in out for _, out, _ in results) == N - 1, report
    # the holder keeps the lock for a venv creation plus a pip run (> 1 s), while all 8 start at once
    waiting = [ln for ln in lines if "waiting for another pip run" in ln]
    assert waiting, report
    assert all(str(venv) in ln for ln in waiting), report
    for _, _, err in results:  # a waiter says it once
        assert sum("waiting for another pip run" in ln for ln in pipshim_lines(err)) <= 1
